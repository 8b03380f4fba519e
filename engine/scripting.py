"""The restricted environment every BPMN script, condition and timer expression runs in."""

import ast
import builtins
import functools
import operator
import sys
import time
import traceback
from collections.abc import Callable, Mapping
from datetime import date, timedelta
from decimal import Decimal
from types import CodeType
from typing import Any
from uuid import UUID

from RestrictedPython import RestrictingNodeTransformer, compile_restricted, safe_builtins
from RestrictedPython.Guards import (
    full_write_guard,
    guarded_iter_unpack_sequence,
    guarded_unpack_sequence,
    safer_getattr_raise,
)
from SpiffWorkflow.bpmn.script_engine.python_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.script_engine.python_environment import BasePythonScriptEngineEnvironment

# SpiffWorkflow finds the failing line of a script by looking for this file name in the traceback.
_FILENAME = "<string>"

# Without these, a script cannot catch the exception that stops it at its time limit,
# nor raise SystemExit into the server.
_UNCATCHABLE = {"BaseException", "GeneratorExit", "KeyboardInterrupt", "SystemExit"}
_EXTRA_BUILTINS = (
    "min max sum len abs round sorted any all int float str bool "
    "list dict set tuple range enumerate zip"
).split()
_BUILTINS = {
    **{name: value for name, value in safe_builtins.items() if name not in _UNCATCHABLE},
    **{name: getattr(builtins, name) for name in _EXTRA_BUILTINS},
}

_INPLACE_OPERATORS = {
    "+=": operator.iadd,
    "-=": operator.isub,
    "*=": operator.imul,
    "/=": operator.itruediv,
    "//=": operator.ifloordiv,
    "%=": operator.imod,
    "**=": operator.ipow,
    "<<=": operator.ilshift,
    ">>=": operator.irshift,
    "&=": operator.iand,
    "|=": operator.ior,
    "^=": operator.ixor,
    "@=": operator.imatmul,
}

_STORABLE_SCALARS = (type(None), bool, int, float, str, date, timedelta, Decimal, UUID)


class ScriptRejected(Exception):
    """An expression or script that may not run in the restricted environment."""


class _TimeLimitExceeded(BaseException):
    """Raised by the tracer; derives from BaseException so that scripts cannot catch it."""


class _Policy(RestrictingNodeTransformer):
    """RestrictedPython's policy, minus what could dodge the time limit or needs missing names."""

    def visit_Import(self, node: ast.Import | ast.ImportFrom) -> ast.AST:
        """Reject imports."""
        self.error(node, "import is not allowed; call one of the helpers instead")
        return node

    visit_ImportFrom = visit_Import

    def visit_ClassDef(self, node: ast.ClassDef) -> ast.AST:
        """Reject class definitions."""
        self.error(node, "class definitions are not allowed; use dicts and lists")
        return node

    def visit_Try(self, node: ast.Try) -> ast.AST:
        """Reject `finally` and bare `except:`, which would run on after the time limit fires."""
        if node.finalbody:
            self.error(node, "'finally' is not allowed; handle a specific exception instead")
        for handler in node.handlers:
            if handler.type is None:
                self.error(handler, "bare 'except:' is not allowed; name the exception, "
                                    "e.g. 'except ValueError:'")
        return super().visit_Try(node)

    def visit_Name(self, node: ast.Name) -> ast.AST:
        """Reject print, which has nowhere to go on the server."""
        if node.id in ("print", "printed"):
            self.error(node, "print is not available; store the value in a task data variable")
            return node
        return super().visit_Name(node)


@functools.lru_cache(maxsize=4096)
def _compile(source: str, mode: str) -> CodeType:
    kind = "expression" if mode == "eval" else "script"
    try:
        return compile_restricted(source, filename=_FILENAME, mode=mode, policy=_Policy)
    except SyntaxError as error:
        # Policy violations arrive as one SyntaxError holding a tuple of messages.
        problems = error.args[0]
        if not isinstance(problems, tuple):
            problems = (f"Line {error.lineno}: {error.msg}",)
        message = f"{kind} rejected: {'; '.join(problems)}"
        if 'starts with "_"' in message:
            message += " (names starting with '_' are reserved; use task data and helpers)"
        raise ScriptRejected(message) from None


def check_expression(source: str) -> None:
    """Raise ScriptRejected unless the source compiles as a restricted expression."""
    _compile(source, "eval")


def check_script(source: str) -> None:
    """Raise ScriptRejected unless the source compiles as a restricted script."""
    _compile(source, "exec")


def _getattr(obj: Any, name: str) -> Any:
    # mro() would hand scripts BaseException, and with it a way to catch the time limit.
    if name == "mro":
        raise AttributeError('"mro" is not available in scripts')
    return safer_getattr_raise(obj, name)


def _apply(function: Callable, *args: Any, **kwargs: Any) -> Any:
    return function(*args, **kwargs)


def _inplacevar(op: str, target: Any, value: Any) -> Any:
    return _INPLACE_OPERATORS[op](target, value)


_GUARDS = {
    "__builtins__": _BUILTINS,
    "_getattr_": _getattr,
    "_getitem_": operator.getitem,
    "_getiter_": iter,
    "_write_": full_write_guard,
    "_iter_unpack_sequence_": guarded_iter_unpack_sequence,
    "_unpack_sequence_": guarded_unpack_sequence,
    "_inplacevar_": _inplacevar,
    "_apply_": _apply,
}


def _check_storable(value: Any, path: str) -> None:
    if isinstance(value, _STORABLE_SCALARS):
        return
    if isinstance(value, list):
        for index, item in enumerate(value):
            _check_storable(item, f"{path}[{index}]")
        return
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise ScriptRejected(f"task data variable '{path}' has the non-string key {key!r}; "
                                     "use str(key)")
            _check_storable(item, f"{path}[{key!r}]")
        return
    raise ScriptRejected(
        f"task data variable '{path}' holds a {type(value).__name__}, which cannot be stored; "
        "keep None, bool, numbers, str, list, dict, date, datetime, timedelta, Decimal or UUID, "
        "or remove it with 'del'")


class RestrictedEnvironment(BasePythonScriptEngineEnvironment):
    """Run expressions and scripts compiled by RestrictedPython, under a time limit."""

    def __init__(self, helpers: Mapping[str, Callable] | None = None, time_limit: float = 1.0):
        super().__init__(dict(helpers or {}))
        self.time_limit = time_limit

    def evaluate(self, expression: str, context: dict[str, Any],
                 external_context: Mapping[str, Any] | None = None) -> Any:
        """Return the value of the expression over the task data."""
        code = _compile(expression, "eval")
        self._check_no_overwrite(context, self.globals)
        # Task data wins over external context: data inputs copy data objects into task data.
        namespace = {**(external_context or {}), **context, **self.globals, **_GUARDS}
        return self._run(code, namespace, "expression")

    def execute(self, script: str, context: dict[str, Any],
                external_context: Mapping[str, Any] | None = None) -> bool:
        """Run the script and update the task data in place."""
        code = _compile(script, "exec")
        provided = {**(external_context or {}), **self.globals}
        self._check_no_overwrite(context, provided)
        namespace = {**context, **provided, **_GUARDS}
        self._run(code, namespace, "script")
        for name, value in provided.items():
            if namespace.get(name) is not value:
                raise ScriptRejected(f"script assigns '{name}', the name of a helper; "
                                     "choose another variable name")
        data = {name: value for name, value in namespace.items()
                if name not in provided and name not in _GUARDS}
        for name, value in data.items():
            _check_storable(value, name)
        context.clear()
        context.update(data)
        return True

    @staticmethod
    def _check_no_overwrite(context: Mapping[str, Any], provided: Mapping[str, Any]) -> None:
        clashes = sorted(set(context).intersection(provided))
        if clashes:
            raise ScriptRejected(f"task data variables {clashes} have the names of helpers; "
                                 "rename them")

    def _run(self, code: CodeType, namespace: dict[str, Any], kind: str) -> Any:
        deadline = time.monotonic() + self.time_limit

        def stop_at_deadline(frame, event, arg):
            if event == "call":
                # Line events miss one-line loops such as `while True: pass`; opcode events
                # do not. Helpers are trusted code, so line events are enough for them.
                frame.f_trace_opcodes = frame.f_code.co_filename == _FILENAME
            if time.monotonic() > deadline:
                raise _TimeLimitExceeded
            return stop_at_deadline

        previous = sys.gettrace()
        sys.settrace(stop_at_deadline)
        try:
            # eval runs code compiled in 'exec' mode too, returning None.
            return eval(code, namespace)
        except _TimeLimitExceeded as error:
            lines = [line for frame, line in traceback.walk_tb(error.__traceback__)
                     if frame.f_code.co_filename == _FILENAME]
            where = f" (stopped at line {lines[-1]})" if lines else ""
            raise ScriptRejected(f"{kind} ran longer than {self.time_limit} s{where}; "
                                 "look for a loop that never ends") from None
        finally:
            sys.settrace(previous)


class _RestrictedScriptEngine(PythonScriptEngine):
    """A PythonScriptEngine whose validate applies the restricted compiler."""

    def validate(self, expression: str) -> None:
        """Raise SyntaxError if the expression does not parse, ScriptRejected if it may not run."""
        # DMN tells `> 5` from `5` by catching the plain SyntaxError of the parent class.
        super().validate(expression)
        check_expression(expression)


def create_script_engine(helpers: Mapping[str, Callable] | None = None,
                         time_limit: float = 1.0) -> PythonScriptEngine:
    """Return a SpiffWorkflow script engine that runs everything in the restricted environment."""
    return _RestrictedScriptEngine(environment=RestrictedEnvironment(helpers, time_limit))
