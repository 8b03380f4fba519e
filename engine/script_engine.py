"""The SpiffWorkflow script engine: every expression and script runs in a sandbox process.

Conditions, scripts, pre/post scripts, timer expressions and DMN cells all reach
`evaluate` or `execute`. Each call travels to a sandbox process (engine.sandbox) with the
task data, the helpers and the engine clock they read, under the engine's CPU and memory
limits; its task data or value comes back as JSON.
"""

import builtins
from collections.abc import Callable, Mapping
from typing import Any

from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.script_engine.python_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.script_engine.python_environment import BasePythonScriptEngineEnvironment
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition

from engine.sandbox import WALL_GRACE_SECONDS, Overrun, SandboxStopped, sandbox_pool
from engine.sandbox_worker import Call
from engine.scripting import ScriptRejected, check_expression
from engine.timer_values import iso_literal
from engine.timing import bound_clock

DEFAULT_TIME_LIMIT = 1.0
# A sandbox process with its imports maps ~100 MB; this leaves scripts ~400 MB.
DEFAULT_MEMORY_MB = 512
# Errors raised in the sandbox by our own code that the designer has to act on.
_REJECTIONS = {"ScriptRejected", "NotStorable"}


class ScriptStopped(ScriptRejected):
    """An expression or script overran its CPU, wall-clock or memory limit and was stopped."""


class ScriptFailed(Exception):
    """An expression or script raised an exception that is not one of Python's own."""


class SandboxedEnvironment(BasePythonScriptEngineEnvironment):
    """Run expressions and scripts in sandbox processes under CPU, wall-clock and memory limits."""

    def __init__(self, helpers: Mapping[str, Callable] | None = None,
                 time_limit: float = DEFAULT_TIME_LIMIT, memory_mb: int = DEFAULT_MEMORY_MB):
        super().__init__(dict(helpers or {}))
        self.time_limit = time_limit
        self.memory_mb = memory_mb

    def evaluate(self, expression: str, context: dict[str, Any],
                 external_context: Mapping[str, Any] | None = None) -> Any:
        """Return the value of the expression over the task data."""
        return self._run("expression", expression, context, external_context)["value"]

    def execute(self, script: str, context: dict[str, Any],
                external_context: Mapping[str, Any] | None = None) -> bool:
        """Run the script and replace the task data with what it leaves."""
        data = self._run("script", script, context, external_context)["data"]
        context.clear()
        context.update(data)
        return True

    def _run(self, kind: str, source: str, context: dict[str, Any],
             external_context: Mapping[str, Any] | None) -> dict:
        clock = bound_clock()
        call = Call(kind=kind, source=source, context=context,
                    external_context=dict(external_context or {}),
                    cpu_seconds=self.time_limit, memory_bytes=self.memory_mb * 1024 * 1024,
                    helpers=self.globals,
                    now=clock.now if clock else None,
                    appointment_at=clock.appointment_at if clock else None,
                    calendar=clock.calendar if clock else None)
        try:
            answer = sandbox_pool().run(call, self.time_limit + WALL_GRACE_SECONDS)
        except SandboxStopped as stopped:
            raise ScriptStopped(self._explain(kind, stopped)) from None
        if "error" in answer:
            raise _rebuild(answer["error"])
        return answer

    def _explain(self, kind: str, stopped: SandboxStopped) -> str:
        fix = ("look for a loop that never ends or a huge computation such as "
               "sum(range(10**11))")
        if stopped.overrun == Overrun.CPU:
            return f"{kind} used more than {self.time_limit:g} s of CPU and was stopped: {fix}"
        if stopped.overrun == Overrun.WALL_CLOCK:
            return (f"{kind} ran longer than {self.time_limit + WALL_GRACE_SECONDS:g} s and "
                    f"was stopped: {fix}")
        if stopped.overrun == Overrun.MEMORY:
            return (f"{kind} needed more than {self.memory_mb} MB of memory and was stopped: "
                    "look for a huge value such as 'a' * 10**9 or a list that never stops "
                    "growing")
        return f"{kind} could not run: the {stopped}; run it again or report it"


def _rebuild(error: object) -> Exception:
    """Return the exception the sandbox reported, as one of Python's own when it was one."""
    error = error if isinstance(error, dict) else {}
    name, message = str(error.get("type")), str(error.get("message"))
    kind = ScriptRejected if name in _REJECTIONS else getattr(builtins, name, None)
    try:
        if not (isinstance(kind, type) and issubclass(kind, Exception)):
            raise TypeError(name)
        rebuilt = kind(message)
    except TypeError:  # not a built-in exception, or one built from more than a message
        rebuilt = ScriptFailed(f"{name}: {message}")
    line = error.get("line")
    rebuilt.script_line = line if isinstance(line, int) else 0
    return rebuilt


class _SandboxedScriptEngine(PythonScriptEngine):
    """A PythonScriptEngine that validates with the restricted compiler and runs in sandboxes."""

    def validate(self, expression: str) -> None:
        """Raise SyntaxError if the expression does not parse, ScriptRejected if it may not run."""
        # DMN tells `> 5` from `5` by catching the plain SyntaxError of the parent class.
        super().validate(expression)
        check_expression(expression)

    def evaluate(self, task, expression: str, external_context: Mapping[str, Any] | None = None
                 ) -> Any:
        """Return the expression's value; when it fails, the error says why, not only where.

        A timer's bare ISO-8601 text (`P7D`, as bpmn.io writes it) is the string it means: a
        calendar duration, date or cycle, not a Python name.
        """
        if _is_timer(task):
            literal = iso_literal(expression)
            if literal is not None:
                return literal
        try:
            return super().evaluate(task, expression, external_context)
        except WorkflowTaskException as error:
            cause = error.__context__
            # SpiffWorkflow words a NameError itself ("Did you mean ...").
            if isinstance(cause, Exception) and not isinstance(cause, NameError):
                error.add_note(f"{type(cause).__name__}: {cause}")
            raise

    def get_error_line_number_and_content(self, script: str, err: Exception) -> tuple[int, str]:
        """Return the failing line the sandbox reported, and its text."""
        line = getattr(err, "script_line", 0)
        lines = script.splitlines()
        if not 0 < line <= len(lines):
            return super().get_error_line_number_and_content(script, err)
        return line, lines[line - 1]


def _is_timer(task) -> bool:
    return isinstance(getattr(task.task_spec, "event_definition", None), TimerEventDefinition)


def create_script_engine(helpers: Mapping[str, Callable] | None = None,
                         time_limit: float = DEFAULT_TIME_LIMIT,
                         memory_mb: int = DEFAULT_MEMORY_MB) -> PythonScriptEngine:
    """Return a SpiffWorkflow script engine that runs everything in sandbox processes.

    Helpers must be module-level functions: the sandbox imports them by name.
    """
    return _SandboxedScriptEngine(environment=SandboxedEnvironment(helpers, time_limit, memory_mb))
