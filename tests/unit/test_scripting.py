import sys
import threading
from datetime import date, datetime, timedelta
from decimal import Decimal
from uuid import UUID
from xml.sax.saxutils import escape

import pytest
from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser
from SpiffWorkflow.util.task import TaskState

from engine.scripting import (
    RestrictedEnvironment,
    ScriptRejected,
    check_expression,
    check_script,
    create_script_engine,
)


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
    environment = RestrictedEnvironment()
    data = {"amount": 60, "limit": 100, "documents": [{"kind": "id_card"}]}

    result = environment.evaluate("amount * 2 > limit and documents[0]['kind'] == 'id_card'", data)

    assert result is True


def test_script_writes_into_dicts_and_lists_of_task_data():
    environment = RestrictedEnvironment()
    data = {"applicant": {"name": "An"}, "fees": [10]}

    environment.execute("applicant['age'] = 30\nfees.append(5)\nfees[0] = 20", data)

    assert data == {"applicant": {"name": "An", "age": 30}, "fees": [20, 5]}


def test_script_runs_loops_comprehensions_and_augmented_assignment():
    environment = RestrictedEnvironment()
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
    environment = RestrictedEnvironment(helpers={"add_days": lambda day, n: day + n})
    data = {"received": 3}

    environment.execute("due = add_days(received, 15)", data)

    assert data == {"received": 3, "due": 18}


def test_helpers_are_callable_from_expressions():
    environment = RestrictedEnvironment(helpers={"is_weekend": lambda day: day % 7 in (5, 6)})

    result = environment.evaluate("is_weekend(day)", {"day": 12})

    assert result is True


def test_script_assigning_a_helper_name_is_rejected():
    environment = RestrictedEnvironment(helpers={"add_days": lambda day, n: day + n})
    data = {}

    with pytest.raises(ScriptRejected, match="'add_days'"):
        environment.execute("add_days = 3", data)
    assert data == {}


def test_task_data_named_like_a_helper_is_rejected():
    environment = RestrictedEnvironment(helpers={"add_days": lambda day, n: day + n})

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
    environment = RestrictedEnvironment()

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
    environment = RestrictedEnvironment()

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


# Time limit


@pytest.mark.parametrize(
    "script",
    [
        "while True: pass",
        "count = 0\nwhile True:\n    count += 1",
        "found = [n for n in range(10 ** 12) if n < 0]",
        "def forever():\n    while True:\n        pass\nforever()",
    ],
)
def test_script_running_past_the_time_limit_is_stopped(script):
    environment = RestrictedEnvironment(time_limit=0.2)

    with pytest.raises(ScriptRejected, match="ran longer than 0.2 s"):
        environment.execute(script, {})


def test_time_limit_cannot_be_caught_by_the_script():
    environment = RestrictedEnvironment(time_limit=0.2)
    script = "while True:\n    try:\n        while True: pass\n    except Exception:\n        pass"

    with pytest.raises(ScriptRejected, match="ran longer than 0.2 s"):
        environment.execute(script, {})


@pytest.mark.parametrize(
    ("script", "message"),
    [
        ("try:\n    x = 1\nexcept:\n    x = 2", "bare 'except:' is not allowed"),
        ("try:\n    x = 1\nfinally:\n    x = 2", "'finally' is not allowed"),
    ],
)
def test_handlers_that_would_outlive_the_time_limit_are_rejected(script, message):
    with pytest.raises(ScriptRejected, match=message):
        check_script(script)


def test_time_limit_stops_expressions_outside_the_main_thread():
    environment = RestrictedEnvironment(time_limit=0.2)
    errors = []

    def evaluate_in_thread():
        try:
            environment.evaluate("[n for n in range(10 ** 12) if n < 0]", {})
        except ScriptRejected as error:
            errors.append(str(error))

    thread = threading.Thread(target=evaluate_in_thread, daemon=True)
    thread.start()
    thread.join(timeout=10)

    assert len(errors) == 1
    assert "expression ran longer than 0.2 s" in errors[0]


def test_previous_trace_function_is_restored():
    environment = RestrictedEnvironment()

    def coverage_like_tracer(frame, event, arg):
        return None

    previous = sys.gettrace()
    sys.settrace(coverage_like_tracer)
    try:
        environment.execute("x = 1", {})
        restored = sys.gettrace()
    finally:
        sys.settrace(previous)

    assert restored is coverage_like_tracer


def test_script_task_past_the_time_limit_fails_the_task():
    workflow = _workflow(_script_process("while True:\n    pass"), time_limit=0.2)

    with pytest.raises(WorkflowTaskException, match="ran longer than 0.2 s"):
        workflow.do_engine_steps()


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
    environment = RestrictedEnvironment()
    data = {"kept": 1}

    with pytest.raises(ScriptRejected, match=message):
        environment.execute(script, data)
    assert data == {"kept": 1}


def test_dates_decimals_and_uuids_can_be_stored():
    environment = RestrictedEnvironment()
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
    workflow = _workflow(bpmn, helpers={"opening_time": lambda day: f"{day}T09:00:00+00:00"})

    workflow.do_engine_steps()

    [waiting] = workflow.get_tasks(state=TaskState.WAITING)
    assert waiting.internal_data["event_value"] == "2030-01-02T09:00:00+00:00"


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
