"""The restricted language of BPMN scripts, conditions and timer expressions, and its runner.

`check_expression` and `check_script` compile only, for publishing. `evaluate` and `execute`
run code and are called in sandbox processes only (engine.sandbox_worker), where the
operating system bounds CPU time and memory: RestrictedPython is the inner wall.
"""

import ast
import builtins
import functools
import operator
from collections.abc import Callable, Mapping
from types import CodeType
from typing import Any

from RestrictedPython import RestrictingNodeTransformer, compile_restricted, safe_builtins
from RestrictedPython.Guards import (
    full_write_guard,
    guarded_iter_unpack_sequence,
    guarded_unpack_sequence,
    safer_getattr_raise,
)

# The sandbox finds the failing line of a script by this file name in the traceback.
FILENAME = "<string>"

# Without these, a script cannot raise SystemExit into the sandbox process's loop.
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


class ScriptRejected(Exception):
    """An expression or script that may not run in the restricted environment."""


class _Policy(RestrictingNodeTransformer):
    """RestrictedPython's policy, minus what could hide a failure or needs missing names."""

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
        """Reject `finally` and bare `except:`, which would swallow or outlive a failure."""
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
        return compile_restricted(source, filename=FILENAME, mode=mode, policy=_Policy)
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
    # mro() would hand scripts BaseException, and with it a way to catch SystemExit.
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


def evaluate(expression: str, context: Mapping[str, Any], external_context: Mapping[str, Any],
             helpers: Mapping[str, Callable]) -> Any:
    """Return the value of the expression over the task data."""
    code = _compile(expression, "eval")
    _check_no_overwrite(context, helpers)
    # Task data wins over external context: data inputs copy data objects into task data.
    namespace = {**external_context, **context, **helpers, **_GUARDS}
    return eval(code, namespace)


def execute(script: str, context: Mapping[str, Any], external_context: Mapping[str, Any],
            helpers: Mapping[str, Callable]) -> dict[str, Any]:
    """Run the script over the task data and return the task data it leaves."""
    code = _compile(script, "exec")
    provided = {**external_context, **helpers}
    _check_no_overwrite(context, provided)
    namespace = {**context, **provided, **_GUARDS}
    # eval runs code compiled in 'exec' mode too, returning None.
    eval(code, namespace)
    for name, value in provided.items():
        if namespace.get(name) is not value:
            raise ScriptRejected(f"script assigns '{name}', the name of a helper; "
                                 "choose another variable name")
    return {name: value for name, value in namespace.items()
            if name not in provided and name not in _GUARDS}


def _check_no_overwrite(context: Mapping[str, Any], provided: Mapping[str, Any]) -> None:
    clashes = sorted(set(context).intersection(provided))
    if clashes:
        raise ScriptRejected(f"task data variables {clashes} have the names of helpers; "
                             "rename them")
