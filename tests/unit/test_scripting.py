import os
import resource
import threading
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from uuid import UUID
from xml.sax.saxutils import escape

import pytest
from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser
from SpiffWorkflow.util.task import TaskState

from engine.calendar import WorkingCalendar
from engine.sandbox import sandbox_pool
from engine.script_engine import SandboxedEnvironment, ScriptStopped, create_script_engine
from engine.scripting import ScriptRejected, check_expression, check_script
from engine.timing import TIMER_HELPERS, EngineClock, engine_clock

# Runaway code that a trace function could not stop: each is one long call into C.
RUNAWAY_EXPRESSIONS = ["max(range(10**11))", "sum(range(10**11))", "10**10**8",
                       "sorted(range(10**8))", "'a'*10**9"]


# Helpers run in the sandbox, which imports them by name: module-level functions only.
def _add_days(day, n):
    return day + n


def _is_weekend(day):
    return day % 7 in (5, 6)


def _opening_time(day):
    return f"{day}T09:00:00+00:00"


def _definitions(process_body: str) -> str:
    return f"""
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"
    id="definitions" targetNamespace="http://motcua.test">
  <bpmn:process id="proc" isExecutable="true">
    <bpmn:startEvent id="start"/>
    {process_body}
    <bpmn:endEvent id="end"/>
  </bpmn:process>
</bpmn:definitions>""".strip()


def _script_process(script: str) -> str:
    return _definitions(f"""
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="script"/>
    <bpmn:scriptTask id="script"><bpmn:script>{escape(script)}</bpmn:script></bpmn:scriptTask>
    <bpmn:sequenceFlow id="f2" sourceRef="script" targetRef="end"/>""")


def _gateway_process(high_condition: str, low_condition: str) -> str:
    return _definitions(f"""
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="enter"/>
    <bpmn:manualTask id="enter"/>
    <bpmn:sequenceFlow id="f2" sourceRef="enter" targetRef="gateway"/>
    <bpmn:exclusiveGateway id="gateway"/>
    <bpmn:sequenceFlow id="high" sourceRef="gateway" targetRef="review">
      <bpmn:conditionExpression>{escape(high_condition)}</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="low" sourceRef="gateway" targetRef="approve">
      <bpmn:conditionExpression>{escape(low_condition)}</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:scriptTask id="review"><bpmn:script>route = "review"</bpmn:script></bpmn:scriptTask>
    <bpmn:scriptTask id="approve"><bpmn:script>route = "approve"</bpmn:script></bpmn:scriptTask>
    <bpmn:sequenceFlow id="f3" sourceRef="review" targetRef="end"/>
    <bpmn:sequenceFlow id="f4" sourceRef="approve" targetRef="end"/>""")


def _workflow(bpmn: str, dmn: str | None = None, **engine_options) -> BpmnWorkflow:
    parser = SpiffBpmnParser()
    parser.add_bpmn_str(bpmn)
    if dmn:
        parser.add_dmn_str(dmn)
    engine = create_script_engine(**engine_options)
    return BpmnWorkflow(parser.get_spec("proc"), script_engine=engine)


def _complete_manual_task(workflow: BpmnWorkflow, **data) -> None:
    task = workflow.get_tasks(state=TaskState.READY, manual=True)[0]
    task.set_data(**data)
    task.run()
    workflow.do_engine_steps()


# Normal expressions and scripts


def test_expression_compares_arithmetic_on_task_data():
    environment = SandboxedEnvironment()
    data = {"amount": 60, "limit": 100, "documents": [{"kind": "id_card"}]}

    result = environment.evaluate("amount * 2 > limit and documents[0]['kind'] == 'id_card'", data)

    assert result is True


def test_script_writes_into_dicts_and_lists_of_task_data():
    environment = SandboxedEnvironment()
    data = {"applicant": {"name": "An"}, "fees": [10]}

    environment.execute("applicant['age'] = 30\nfees.append(5)\nfees[0] = 20", data)

    assert data == {"applicant": {"name": "An", "age": 30}, "fees": [20, 5]}


def test_script_runs_loops_comprehensions_and_augmented_assignment():
    environment = SandboxedEnvironment()
    data = {"items": [["stamp", 2], ["copy", 3]]}
    script = (
        "total = 0\n"
        "for name, count in items:\n"
        "    total += count\n"
        "names = sorted(name for name, count in items)\n"
        "doubled = {name: count * 2 for name, count in items}\n"
        "del name, count"
    )

    environment.execute(script, data)

    assert data["total"] == 5
    assert data["names"] == ["copy", "stamp"]
    assert data["doubled"] == {"stamp": 4, "copy": 6}
    assert "name" not in data


def test_helpers_are_callable_and_stay_out_of_task_data():
    environment = SandboxedEnvironment(helpers={"add_days": _add_days})
    data = {"received": 3}

    environment.execute("due = add_days(received, 15)", data)

    assert data == {"received": 3, "due": 18}


def test_helpers_are_callable_from_expressions():
    environment = SandboxedEnvironment(helpers={"is_weekend": _is_weekend})

    result = environment.evaluate("is_weekend(day)", {"day": 12})

    assert result is True


def test_script_assigning_a_helper_name_is_rejected():
    environment = SandboxedEnvironment(helpers={"add_days": _add_days})
    data = {}

    with pytest.raises(ScriptRejected, match="'add_days'"):
        environment.execute("add_days = 3", data)
    assert data == {}


def test_task_data_named_like_a_helper_is_rejected():
    environment = SandboxedEnvironment(helpers={"add_days": _add_days})

    with pytest.raises(ScriptRejected, match="add_days"):
        environment.evaluate("add_days(1, 2)", {"add_days": 5})


# Escapes


@pytest.mark.parametrize(
    ("expression", "error", "message"),
    [
        ("__import__('os').system('true')", ScriptRejected, "__import__"),
        ("().__class__.__base__.__subclasses__()", ScriptRejected, "__class__"),
        ("[].__class__", ScriptRejected, "__class__"),
        ("type(1).__subclasses__", ScriptRejected, "__subclasses__"),
        ("(lambda: 0).__globals__", ScriptRejected, "__globals__"),
        ("f'{x.__class__}'", ScriptRejected, "__class__"),
        ("eval('1')", ScriptRejected, "Eval calls are not allowed"),
        ("exec('x=1')", ScriptRejected, "Exec calls are not allowed"),
        ("'{0.__class__}'.format(1)", NotImplementedError, "format"),
        ("open('/etc/passwd')", NameError, "open"),
        ("getattr(x, '__class__')", NameError, "getattr"),
        ("globals()", NameError, "globals"),
        ("vars()", NameError, "vars"),
        ("Exception.mro()", AttributeError, "mro"),
    ],
)
def test_escape_attempts_in_expressions_are_refused(expression, error, message):
    environment = SandboxedEnvironment()

    with pytest.raises(error, match=message):
        environment.evaluate(expression, {"x": 1})


@pytest.mark.parametrize(
    ("script", "message"),
    [
        ("import os", "import is not allowed"),
        ("from os import system", "import is not allowed"),
        ("class Sneaky:\n    pass", "class definitions are not allowed"),
        ("print(1)", "print is not available"),
    ],
)
def test_statements_outside_the_sandbox_are_rejected(script, message):
    environment = SandboxedEnvironment()

    with pytest.raises(ScriptRejected, match=message):
        environment.execute(script, {})


def test_gateway_condition_cannot_run_shell_commands(tmp_path):
    marker = tmp_path / "pwned"
    workflow = _workflow(_gateway_process(
        high_condition=f"__import__('os').system('touch {marker}') == 0",
        low_condition="amount <= 100",
    ))
    workflow.do_engine_steps()

    with pytest.raises(WorkflowTaskException, match="__import__"):
        _complete_manual_task(workflow, amount=250)
    assert not marker.exists()


def test_script_task_cannot_run_shell_commands(tmp_path):
    marker = tmp_path / "pwned"
    workflow = _workflow(_script_process(f"import os\nos.system('touch {marker}')"))

    with pytest.raises(WorkflowTaskException, match="import is not allowed"):
        workflow.do_engine_steps()
    assert not marker.exists()


# Limits the operating system enforces


@pytest.mark.parametrize(
    "script",
    [
        "while True: pass",
        "count = 0\nwhile True:\n    count += 1",
        "found = [n for n in range(10 ** 12) if n < 0]",
        "def forever():\n    while True:\n        pass\nforever()",
        "total = sum(range(10**11))",
    ],
)
def test_script_running_past_the_cpu_limit_is_stopped(script):
    environment = SandboxedEnvironment(time_limit=0.2)

    with pytest.raises(ScriptStopped, match="script used more than 0.2 s of CPU and was stopped"):
        environment.execute(script, {})


@pytest.mark.parametrize("expression", RUNAWAY_EXPRESSIONS)
def test_runaway_expression_is_stopped_and_the_next_call_works(expression):
    environment = SandboxedEnvironment(time_limit=0.5, memory_mb=256)

    with pytest.raises(ScriptStopped, match="was stopped: look for"):
        environment.evaluate(expression, {})

    assert environment.evaluate("amount * 2", {"amount": 21}) == 42


def test_memory_bomb_does_not_grow_the_server_process():
    environment = SandboxedEnvironment(memory_mb=256)
    peak_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

    with pytest.raises(ScriptStopped, match="needed more than 256 MB of memory"):
        environment.execute("big = 'a' * 10**9", {})

    grown_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - peak_before
    assert grown_kb < 100 * 1024


def test_cpu_limit_cannot_be_caught_by_the_script():
    environment = SandboxedEnvironment(time_limit=0.2)
    script = "while True:\n    try:\n        while True: pass\n    except Exception:\n        pass"

    with pytest.raises(ScriptStopped, match="used more than 0.2 s of CPU"):
        environment.execute(script, {})


@pytest.mark.parametrize(
    ("script", "message"),
    [
        ("try:\n    x = 1\nexcept:\n    x = 2", "bare 'except:' is not allowed"),
        ("try:\n    x = 1\nfinally:\n    x = 2", "'finally' is not allowed"),
    ],
)
def test_handlers_that_would_swallow_failures_are_rejected(script, message):
    with pytest.raises(ScriptRejected, match=message):
        check_script(script)


def test_cpu_limit_stops_expressions_outside_the_main_thread():
    environment = SandboxedEnvironment(time_limit=0.2)
    errors = []

    def evaluate_in_thread():
        try:
            environment.evaluate("[n for n in range(10 ** 12) if n < 0]", {})
        except ScriptRejected as error:
            errors.append(str(error))

    thread = threading.Thread(target=evaluate_in_thread, daemon=True)
    thread.start()
    thread.join(timeout=30)

    assert len(errors) == 1
    assert "expression used more than 0.2 s of CPU" in errors[0]


def test_a_runaway_script_does_not_hold_up_calls_from_other_threads():
    environment = SandboxedEnvironment(time_limit=3)
    started, stopped = threading.Event(), []

    def run_away():
        started.set()
        try:
            environment.execute("while True: pass", {})
        except ScriptStopped as error:
            stopped.append(error)

    runaway = threading.Thread(target=run_away, daemon=True)
    runaway.start()
    started.wait()
    answers = [environment.evaluate("n + 1", {"n": n}) for n in range(20)]
    still_running = not stopped

    runaway.join(timeout=30)
    assert answers == list(range(1, 21))
    assert still_running
    assert len(stopped) == 1


def test_a_forked_process_uses_its_own_sandboxes():
    environment = SandboxedEnvironment()
    assert environment.evaluate("1 + 1", {}) == 2
    reader, writer = os.pipe()

    pid = os.fork()
    if pid == 0:  # the forked child: answer through the pipe, never return into pytest
        try:
            os.write(writer, str(environment.evaluate("20 + 1", {})).encode())
        finally:
            os._exit(0)
    os.close(writer)
    answer = os.read(reader, 100)
    os.waitpid(pid, 0)
    os.close(reader)

    assert answer == b"21"
    assert environment.evaluate("2 + 2", {}) == 4


def test_script_task_past_the_cpu_limit_fails_the_task():
    workflow = _workflow(_script_process("while True:\n    pass"), time_limit=0.2)

    with pytest.raises(WorkflowTaskException, match="used more than 0.2 s of CPU"):
        workflow.do_engine_steps()


def test_gateway_condition_past_the_cpu_limit_fails_the_task():
    workflow = _workflow(_gateway_process(high_condition="sum(range(10**11)) > amount",
                                          low_condition="amount <= 100"), time_limit=0.2)
    workflow.do_engine_steps()

    with pytest.raises(WorkflowTaskException, match="used more than 0.2 s of CPU"):
        _complete_manual_task(workflow, amount=250)


# Task data stays JSON-safe


@pytest.mark.parametrize(
    ("script", "message"),
    [
        ("x = lambda: 1", "'x' holds a function"),
        ("g = (i for i in range(3))", "'g' holds a generator"),
        ("s = {1, 2}", "'s' holds a set"),
        ("t = (1, 2)", "'t' holds a tuple"),
        ("nested = {'a': [1, {2, 3}]}", r"'nested\['a'\]\[1\]' holds a set"),
        ("keys = {1: 'one'}", "'keys' has the non-string key 1"),
    ],
)
def test_values_that_cannot_be_stored_are_rejected(script, message):
    environment = SandboxedEnvironment()
    data = {"kept": 1}

    with pytest.raises(ScriptRejected, match=message):
        environment.execute(script, data)
    assert data == {"kept": 1}


@pytest.mark.parametrize(
    ("script", "message"),
    [
        ("y = ['x' * 10**6] * 200", r"at most 1 MB .* 'y\[1\]' reaches a text of 1,000,000"),
        ("a = []\nfor i in range(60):\n    a = [a, a]", "reaches more than 100,000 values"),
        ("a = []\na.append(a)", r"'a\[0\]' contains itself"),
        ("a = []\nfor i in range(100):\n    a = [a]", "nests more than 64 levels deep"),
    ],
)
def test_data_too_large_to_store_is_refused(script, message):
    environment = SandboxedEnvironment()
    data = {"kept": 1}

    with pytest.raises(ScriptRejected, match=message):
        environment.execute(script, data)
    assert data == {"kept": 1}


def test_keys_that_look_like_type_tags_survive_the_round_trip():
    environment = SandboxedEnvironment()
    data = {}

    environment.execute("tagged = {'$t': 'date', 'v': '2025-01-02', '$$x': 1}", data)

    assert data == {"tagged": {"$t": "date", "v": "2025-01-02", "$$x": 1}}


def test_dates_decimals_and_uuids_can_be_stored():
    environment = SandboxedEnvironment()
    data = {"day": date(2025, 1, 2), "at": datetime(2025, 1, 2, 9), "fee": Decimal("1.5"),
            "id": UUID(int=1), "span": timedelta(days=1)}

    environment.execute("copies = [day, at, fee, id, span]", data)

    assert data["copies"] == [date(2025, 1, 2), datetime(2025, 1, 2, 9), Decimal("1.5"),
                              UUID(int=1), timedelta(days=1)]


# Compile-time checks


def test_check_expression_reports_a_syntax_error_with_its_line():
    with pytest.raises(ScriptRejected, match="Line 1: SyntaxError"):
        check_expression("amount >")


def test_check_expression_reports_dunder_attribute_access():
    with pytest.raises(ScriptRejected, match='"__class__" is an invalid attribute name'):
        check_expression("amount.__class__")


def test_check_script_reports_the_line_of_the_problem():
    with pytest.raises(ScriptRejected, match="Line 2: .*__globals__"):
        check_script("x = 1\ny = (lambda: 0).__globals__")


def test_check_script_reports_errors_found_by_the_compiler():
    with pytest.raises(ScriptRejected, match="Line 2: 'return' outside function"):
        check_script("x = 1\nreturn x")


def test_check_expression_accepts_a_plain_condition():
    assert check_expression("amount > 100 and kind in ('a', 'b')") is None


# Real BPMN


def test_script_task_updates_task_data():
    workflow = _workflow(_script_process("fee = 50000\nfees = [fee, fee * 2]"))

    workflow.do_engine_steps()

    assert workflow.is_completed()
    assert workflow.data == {"fee": 50000, "fees": [50000, 100000]}


@pytest.mark.parametrize(("amount", "route"), [(250, "review"), (40, "approve")])
def test_gateway_condition_chooses_branch_from_task_data(amount, route):
    workflow = _workflow(_gateway_process(high_condition="amount > 100",
                                          low_condition="amount <= 100"))
    workflow.do_engine_steps()

    _complete_manual_task(workflow, amount=amount)

    assert workflow.is_completed()
    assert workflow.data["route"] == route


def test_script_error_reports_the_failing_line():
    workflow = _workflow(_script_process("a = 1\nb = a / 0"))

    with pytest.raises(WorkflowTaskException) as raised:
        workflow.do_engine_steps()

    assert raised.value.line_number == 2
    assert "ZeroDivisionError" in str(raised.value)


def test_timer_expression_is_evaluated_with_helpers():
    bpmn = _definitions("""
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="set"/>
    <bpmn:scriptTask id="set"><bpmn:script>due_day = "2030-01-02"</bpmn:script></bpmn:scriptTask>
    <bpmn:sequenceFlow id="f2" sourceRef="set" targetRef="wait"/>
    <bpmn:intermediateCatchEvent id="wait">
      <bpmn:timerEventDefinition>
        <bpmn:timeDate>opening_time(due_day)</bpmn:timeDate>
      </bpmn:timerEventDefinition>
    </bpmn:intermediateCatchEvent>
    <bpmn:sequenceFlow id="f3" sourceRef="wait" targetRef="end"/>""")
    workflow = _workflow(bpmn, helpers={"opening_time": _opening_time})

    workflow.do_engine_steps()

    [waiting] = workflow.get_tasks(state=TaskState.WAITING)
    assert waiting.internal_data["event_value"] == "2030-01-02T09:00:00+00:00"


def test_timer_helpers_read_the_engine_clock_sent_with_the_call():
    environment = SandboxedEnvironment(helpers=TIMER_HELPERS)
    calendar = WorkingCalendar()
    friday_afternoon = datetime(2025, 3, 7, 15, tzinfo=calendar.zone)
    appointment = datetime(2025, 3, 20, 9, tzinfo=calendar.zone)

    with engine_clock(EngineClock(friday_afternoon, calendar, appointment)):
        due = environment.evaluate("working_days(1)", {})
        appointment_due = environment.evaluate("dossier_due()", {})

    assert datetime.fromisoformat(due) == datetime(2025, 3, 10, 15, tzinfo=calendar.zone)
    assert datetime.fromisoformat(appointment_due) == appointment


def test_decision_table_comparison_cells_still_match():
    bpmn = _definitions("""
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="rule"/>
    <bpmn:businessRuleTask id="rule">
      <bpmn:extensionElements>
        <spiffworkflow:calledDecisionId>level</spiffworkflow:calledDecisionId>
      </bpmn:extensionElements>
    </bpmn:businessRuleTask>
    <bpmn:sequenceFlow id="f2" sourceRef="rule" targetRef="end"/>""")
    dmn = """
<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="dmn" name="levels"
    namespace="http://motcua.test">
  <decision id="level" name="Level">
    <decisionTable id="table">
      <input id="in"><inputExpression id="expr"><text>amount</text></inputExpression></input>
      <output id="out" name="level"/>
      <rule id="r1">
        <inputEntry id="e1"><text>&gt; 100</text></inputEntry>
        <outputEntry id="o1"><text>"high"</text></outputEntry>
      </rule>
      <rule id="r2">
        <inputEntry id="e2"><text>&lt;= 100</text></inputEntry>
        <outputEntry id="o2"><text>"low"</text></outputEntry>
      </rule>
    </decisionTable>
  </decision>
</definitions>""".strip()
    workflow = _workflow(bpmn, dmn)
    workflow.get_tasks(spec_name="start")[0].set_data(amount=250)

    workflow.do_engine_steps()

    assert workflow.data["level"] == "high"


def test_a_sandbox_sees_none_of_the_server_environment(monkeypatch):
    monkeypatch.setenv("MOTCUA_DATABASE_URL", "postgresql://motcua:secret@db/motcua")
    sandbox_pool().close()  # the next call starts a child with this environment
    environment = SandboxedEnvironment()

    assert environment.evaluate("1 + 1", {}) == 2
    [child] = sandbox_pool()._children

    assert b"secret" not in Path(f"/proc/{child.process.pid}/environ").read_bytes()
