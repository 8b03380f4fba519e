import base64
import json
import time
from datetime import UTC, datetime, timedelta

import pytest
from SpiffWorkflow.util.task import TaskState as SpiffTaskState

from engine.calendar import WorkingCalendar
from engine.decisions import read_decisions
from engine.procedures import WORKFLOWS_DIR, load_departments
from engine.runtime import ProcessRuntime
from engine.script_engine import create_script_engine
from engine.specs import parse_model
from engine.timing import EngineClock, engine_clock
from engine.validation import HostileXml, Problem, Severity, is_valid, validate_model
from forms import FormCatalog

FILE_NAME = "probe.bpmn"
DEPARTMENTS = {"RECEPTION", "OFFICE", "LEADERSHIP"}
FORMS = frozenset({"probe/intake", "probe/review", "probe/supplement", "probe/sign",
                   "probe/check"})
META = {
    "code": "PROBE.001", "name_vi": "Thủ tục thử", "name_en": "Probe procedure",
    "process_id": "probe", "bpmn": "probe.bpmn", "department": "OFFICE",
    "intake_form": "probe/intake",
    "deadline": {"working_days": 0, "same_day": True, "cutoff": "15:00"},
    "fee": {"kind": "free"}, "required_documents": [], "clock_on_resubmit": "restart",
}
MAX_BYTES = 2 * 1024 * 1024


def _properties(form: str, budget: str, *extra: tuple[str, str]) -> str:
    pairs = [("form", form), ("budget_hours", budget), *extra]
    lines = "\n".join(f'          <spiffworkflow:property name="{name}" value="{value}" />'
                      for name, value in pairs)
    return f"""
      <bpmn:extensionElements>
        <spiffworkflow:properties>
{lines}
        </spiffworkflow:properties>
      </bpmn:extensionElements>"""


# Like certified_copy: review (4 h), a supplement loop back to review, sign (2 h): 6 of 8 h.
VALID = f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
    xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"
    id="Definitions_probe" targetNamespace="https://motcua.example/bpmn/probe">
  <bpmn:process id="probe" isExecutable="true">
    <bpmn:laneSet id="LaneSet_probe">
      <bpmn:lane id="Lane_RECEPTION" name="RECEPTION">
        <bpmn:flowNodeRef>start</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>request_supplement</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>end</bpmn:flowNodeRef>
      </bpmn:lane>
      <bpmn:lane id="Lane_OFFICE" name="OFFICE">
        <bpmn:flowNodeRef>join</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>review</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>gw</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>end_refused</bpmn:flowNodeRef>
      </bpmn:lane>
      <bpmn:lane id="Lane_LEADERSHIP" name="LEADERSHIP">
        <bpmn:flowNodeRef>sign</bpmn:flowNodeRef>
      </bpmn:lane>
    </bpmn:laneSet>
    <bpmn:startEvent id="start" />
    <bpmn:exclusiveGateway id="join" />
    <bpmn:userTask id="review" name="Review">{_properties("probe/review", "4")}
    </bpmn:userTask>
    <bpmn:exclusiveGateway id="gw" name="Decision?" default="Flow_refuse" />
    <bpmn:userTask id="request_supplement" name="Request a supplement">{_properties(
        "probe/supplement", "120", ("status", "5"), ("counted", "false"))}
    </bpmn:userTask>
    <bpmn:userTask id="sign" name="Sign">{_properties("probe/sign", "2", ("role", "leader"))}
    </bpmn:userTask>
    <bpmn:endEvent id="end" />
    <bpmn:endEvent id="end_refused" />
    <bpmn:sequenceFlow id="Flow_start" sourceRef="start" targetRef="join" />
    <bpmn:sequenceFlow id="Flow_review" sourceRef="join" targetRef="review" />
    <bpmn:sequenceFlow id="Flow_decided" sourceRef="review" targetRef="gw" />
    <bpmn:sequenceFlow id="Flow_approve" sourceRef="gw" targetRef="sign">
      <bpmn:conditionExpression>decision == "approve"</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="Flow_supplement" sourceRef="gw" targetRef="request_supplement">
      <bpmn:conditionExpression>decision == "supplement"</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="Flow_refuse" sourceRef="gw" targetRef="end_refused" />
    <bpmn:sequenceFlow id="Flow_back" sourceRef="request_supplement" targetRef="join" />
    <bpmn:sequenceFlow id="Flow_signed" sourceRef="sign" targetRef="end" />
  </bpmn:process>
</bpmn:definitions>
"""


def _validate(xml: str | bytes, *, meta: dict | None = None, forms=FORMS,
              max_bytes: int = MAX_BYTES) -> list[Problem]:
    data = xml.encode("utf-8") if isinstance(xml, str) else xml
    return validate_model(data, meta=META if meta is None else meta, forms=forms.__contains__,
                          department_codes=DEPARTMENTS, file_name=FILE_NAME,
                          max_bytes=max_bytes)


def _hostile(xml: str | bytes, **kwargs) -> HostileXml:
    with pytest.raises(HostileXml) as caught:
        _validate(xml, **kwargs)
    return caught.value


def _line_of(xml: str, marker: str) -> int:
    """Return the 1-based line of the first occurrence of `marker`."""
    return xml[:xml.index(marker)].count("\n") + 1


def _add(xml: str, nodes: str, *, lane: str = "OFFICE", refs: tuple[str, ...] = ()) -> str:
    """Add flow nodes and flows to the process, and node references to a lane."""
    lane_open = f'<bpmn:lane id="Lane_{lane}" name="{lane}">'
    extra = "".join(f"\n        <bpmn:flowNodeRef>{ref}</bpmn:flowNodeRef>" for ref in refs)
    xml = xml.replace(lane_open, lane_open + extra)
    return xml.replace("  </bpmn:process>", f"{nodes}\n  </bpmn:process>")


def _only(problems: list[Problem]) -> Problem:
    assert len(problems) == 1, problems
    return problems[0]


# ---- a valid model, and the real procedures

def test_the_valid_model_has_no_problems():
    assert _validate(VALID) == []


@pytest.mark.parametrize("folder", sorted(p.parent.name for p in
                                          WORKFLOWS_DIR.glob("*/procedure.json")))
def test_every_real_procedure_has_no_problems(folder):
    meta = json.loads((WORKFLOWS_DIR / folder / "procedure.json").read_text(encoding="utf-8"))
    xml = (WORKFLOWS_DIR / folder / meta["bpmn"]).read_bytes()
    forms = frozenset(FormCatalog().keys())
    departments = {d["code"] for d in load_departments()}

    problems = validate_model(xml, meta=meta, forms=forms.__contains__,
                              department_codes=departments, file_name=folder,
                              max_bytes=MAX_BYTES,
                              decisions=read_decisions(WORKFLOWS_DIR / folder))

    assert problems == []


# ---- steps

def test_a_lane_that_is_not_a_department_is_named_with_its_step_and_line():
    xml = VALID.replace('name="LEADERSHIP"', 'name="CHAIRMAN"')

    problem = _only(_validate(xml))

    assert problem.element == "sign"
    assert problem.line == _line_of(xml, '<bpmn:userTask id="sign"')
    assert problem.message.startswith("lane 'CHAIRMAN' is not a department code")
    assert "LEADERSHIP" in problem.message  # the known codes are listed
    assert problem.severity == Severity.ERROR


def test_a_step_outside_every_lane_is_a_problem():
    xml = VALID.replace("<bpmn:flowNodeRef>sign</bpmn:flowNodeRef>", "")

    problem = _only(_validate(xml))

    assert problem.element == "sign"
    assert "every human step must sit in a lane" in problem.message


def test_a_form_that_exists_nowhere_is_named():
    xml = VALID.replace('value="probe/sign"', 'value="probe/sign_v2"')

    problem = _only(_validate(xml))

    assert problem.element == "sign"
    assert problem.line == _line_of(xml, '<bpmn:userTask id="sign"')
    assert problem.message.startswith("form 'probe/sign_v2' is neither a file "
                                      "forms/probe/sign_v2.json, a published form, nor one of "
                                      "the forms this version brings")


def test_a_form_the_lookup_knows_is_accepted():
    xml = VALID.replace('value="probe/sign"', 'value="probe/sign_v2"')

    assert _validate(xml, forms=FORMS | {"probe/sign_v2"}) == []


def test_a_missing_budget_is_a_problem():
    xml = VALID.replace('<spiffworkflow:property name="budget_hours" value="2" />', "")

    problem = _only(_validate(xml))

    assert problem.element == "sign"
    assert problem.message.startswith("missing or invalid 'budget_hours' property")


@pytest.mark.parametrize("budget", ["four", "", "nan", "inf", "-4"])
def test_a_budget_that_is_not_a_number_of_hours_is_a_problem(budget):
    xml = VALID.replace('name="budget_hours" value="2"', f'name="budget_hours" value="{budget}"')

    problem = _only(_validate(xml))

    assert problem.element == "sign"
    assert "'budget_hours'" in problem.message


def test_every_problem_is_reported_not_only_the_first():
    xml = VALID.replace('name="LEADERSHIP"', 'name="CHAIRMAN"') \
        .replace('value="probe/review"', 'value="probe/nowhere"') \
        .replace('name="budget_hours" value="2"', 'name="budget_hours" value="two"') \
        .replace('name="role" value="leader"', 'name="role" value="janitor"')

    problems = _validate(xml)

    assert sorted((p.element, p.message.split(" ")[0]) for p in problems) == [
        ("review", "form"),
        ("sign", "'role'"),
        ("sign", "lane"),
        ("sign", "missing"),
    ]


# ---- budgets against the statutory deadline

def test_budgets_over_the_deadline_name_the_longest_path_and_its_total():
    xml = VALID.replace('name="budget_hours" value="2"', 'name="budget_hours" value="6"')

    problem = _only(_validate(xml))

    assert problem.message == (
        "the counted step budgets along the longest path add up to 10 h, over the statutory "
        "deadline of 8 h (same working day = 8 working hours): start → review (4 h) → "
        "sign (6 h) → end; shorten the budgets or mark steps that the law does not count "
        "with counted=false")
    assert problem.element == "end"
    assert problem.line == _line_of(xml, '<bpmn:endEvent id="end"')


def test_budgets_are_compared_with_working_days_times_eight_hours():
    meta = {**META, "deadline": {"working_days": 1, "same_day": False}}
    xml = VALID.replace('name="budget_hours" value="2"', 'name="budget_hours" value="4.5"')

    problem = _only(_validate(xml, meta=meta))

    assert "add up to 8.5 h, over the statutory deadline of 8 h (1 working days × 8 h)" in \
        problem.message


def test_uncounted_steps_do_not_count_against_the_deadline():
    xml = VALID.replace('name="budget_hours" value="2"', 'name="budget_hours" value="6"') \
        .replace('name="role" value="leader"', 'name="role" value="leader" />\n'
                 '          <spiffworkflow:property name="counted" value="false"')

    assert _validate(xml) == []


def test_the_supplement_loop_does_not_count_the_repeated_review_twice():
    # review 4 h + sign 4 h = 8 h fits; through the supplement loop review runs twice.
    xml = VALID.replace('name="budget_hours" value="2"', 'name="budget_hours" value="4"')

    assert _validate(xml) == []


def test_a_rework_loop_is_taken_once_and_its_steps_count_twice():
    # sign may send the dossier back to review once more: review 4 + sign 2 + review 4 + sign 2.
    xml = _add(VALID, """
    <bpmn:exclusiveGateway id="gw_sign" default="Flow_sign_ok" />
    <bpmn:sequenceFlow id="Flow_rework" sourceRef="gw_sign" targetRef="join">
      <bpmn:conditionExpression>sign_decision == "rework"</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="Flow_sign_ok" sourceRef="gw_sign" targetRef="end" />""",
                lane="LEADERSHIP", refs=("gw_sign",))
    xml = xml.replace('<bpmn:sequenceFlow id="Flow_signed" sourceRef="sign" targetRef="end" />',
                      '<bpmn:sequenceFlow id="Flow_signed" sourceRef="sign" targetRef="gw_sign" />')

    problem = _only(_validate(xml))

    assert "add up to 12 h" in problem.message
    assert "review (4 h) → sign (2 h) → review (4 h) → sign (2 h) → end" in problem.message


# ---- the flow graph

def test_a_step_no_flow_reaches_is_unreachable():
    xml = _add(VALID, f"""
    <bpmn:userTask id="archive" name="Archive">{_properties("probe/check", "1")}
    </bpmn:userTask>
    <bpmn:sequenceFlow id="Flow_archived" sourceRef="archive" targetRef="end" />""",
               refs=("archive",))

    problem = _only(_validate(xml))

    assert problem.element == "archive"
    assert problem.line == _line_of(xml, '<bpmn:userTask id="archive"')
    assert problem.message == ("'Archive' (archive) cannot be reached from the start event: "
                               "connect it or remove it")


def test_a_step_with_no_way_to_an_end_event_is_a_dead_end():
    xml = _add(VALID, f"""
    <bpmn:userTask id="archive" name="Archive">{_properties("probe/check", "1")}
    </bpmn:userTask>
    <bpmn:sequenceFlow id="Flow_to_archive" sourceRef="gw" targetRef="archive">
      <bpmn:conditionExpression>decision == "archive"</bpmn:conditionExpression>
    </bpmn:sequenceFlow>""", refs=("archive",))

    problem = _only(_validate(xml))

    assert problem.element == "archive"
    assert problem.message == ("'Archive' (archive) has no way to an end event: a dossier "
                               "reaching it would never finish; connect it onwards")


def test_a_loop_with_no_exit_is_a_dead_end_for_every_step_in_it():
    xml = _add(VALID, f"""
    <bpmn:userTask id="draft" name="Draft">{_properties("probe/check", "1")}
    </bpmn:userTask>
    <bpmn:userTask id="redraft" name="Redraft">{_properties("probe/check", "1")}
    </bpmn:userTask>
    <bpmn:sequenceFlow id="Flow_to_draft" sourceRef="gw" targetRef="draft">
      <bpmn:conditionExpression>decision == "draft"</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="Flow_redraft" sourceRef="draft" targetRef="redraft" />
    <bpmn:sequenceFlow id="Flow_draft_again" sourceRef="redraft" targetRef="draft" />""",
               refs=("draft", "redraft"))

    problems = _validate(xml)

    assert [(p.element, "no way to an end event" in p.message) for p in problems] == [
        ("draft", True), ("redraft", True)]


def test_a_decision_flow_without_condition_that_is_not_the_default_is_named():
    xml = VALID.replace(' default="Flow_refuse"', "")

    problem = _only(_validate(xml))

    assert problem.element == "Flow_refuse"
    assert problem.line == _line_of(xml, '<bpmn:sequenceFlow id="Flow_refuse"')
    assert problem.message == ("flow 'Flow_refuse' leaves the decision 'Decision?' (gw) without "
                               "a condition and is not its default: give it a condition or make "
                               "it the default flow")


def test_a_condition_on_the_default_flow_is_only_a_warning():
    xml = VALID.replace('targetRef="end_refused" />',
                        'targetRef="end_refused">'
                        "<bpmn:conditionExpression>True</bpmn:conditionExpression>"
                        "</bpmn:sequenceFlow>")

    problem = _only(_validate(xml))

    assert problem.severity == Severity.WARNING
    assert is_valid([problem])


def test_every_rejected_expression_is_reported():
    xml = VALID.replace('decision == "approve"', "__import__('os').system('x') == 0") \
        .replace('decision == "supplement"', "decision ==")

    problems = _validate(xml)

    assert sorted(p.element for p in problems) == ["Flow_approve", "Flow_supplement"]
    assert any("SyntaxError" in p.message for p in problems)


# ---- unsupported elements

def test_a_compensation_event_is_refused_naming_its_event():
    xml = VALID.replace('<bpmn:endEvent id="end_refused" />',
                        '<bpmn:endEvent id="end_refused">\n'
                        '      <bpmn:compensateEventDefinition id="compensate" />\n'
                        "    </bpmn:endEvent>")

    problem = _only(_validate(xml))

    assert problem.element == "end_refused"
    assert problem.line == _line_of(xml, "<bpmn:compensateEventDefinition")
    assert problem.message.startswith("compensation events are not supported by this engine")


def test_a_complex_gateway_is_refused_naming_the_gateway():
    xml = VALID.replace('<bpmn:exclusiveGateway id="join" />', '<bpmn:complexGateway id="join" />')

    problem = _only(_validate(xml))

    assert problem.element == "join"
    assert problem.line == _line_of(xml, "<bpmn:complexGateway")
    assert problem.message.startswith("complex gateways are not supported by this engine")


def test_a_transaction_is_refused():
    xml = _add(VALID, '\n    <bpmn:transaction id="tx" />')

    problems = _validate(xml)

    assert any(p.element == "tx" and p.message.startswith("transactions are not supported")
               for p in problems)


def test_an_event_based_gateway_is_refused():
    xml = VALID.replace('<bpmn:exclusiveGateway id="join" />',
                        '<bpmn:eventBasedGateway id="join" />')

    problems = _validate(xml)

    assert [p.element for p in problems if "event-based gateways" in p.message] == ["join"]


@pytest.mark.parametrize("tag", ["task", "manualTask"])
def test_a_plain_or_manual_task_is_refused(tag):
    xml = VALID.replace('<bpmn:exclusiveGateway id="join" />', f'<bpmn:{tag} id="join" />')

    problem = _only(_validate(xml))

    assert problem.element == "join"
    assert "make it a user task" in problem.message


def _with_two_timers_on_an_event_based_gateway(first: str, second: str) -> bytes:
    timers = "".join(f"""
    <bpmn:intermediateCatchEvent id="{name}">
      <bpmn:timerEventDefinition><bpmn:timeDuration>"{duration}"</bpmn:timeDuration>
      </bpmn:timerEventDefinition>
    </bpmn:intermediateCatchEvent>
    <bpmn:sequenceFlow id="Flow_to_{name}" sourceRef="wait" targetRef="{name}" />
    <bpmn:userTask id="after_{name}">{_properties("probe/check", "1")}
    </bpmn:userTask>
    <bpmn:sequenceFlow id="Flow_from_{name}" sourceRef="{name}" targetRef="after_{name}" />
    <bpmn:endEvent id="end_{name}" />
    <bpmn:sequenceFlow id="Flow_end_{name}" sourceRef="after_{name}" targetRef="end_{name}" />"""
                     for name, duration in (("first", first), ("second", second)))
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="d" targetNamespace="x">
  <bpmn:process id="p" isExecutable="true">
    <bpmn:laneSet id="lanes">
      <bpmn:lane id="Lane_OFFICE" name="OFFICE">
        <bpmn:flowNodeRef>after_first</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>after_second</bpmn:flowNodeRef>
      </bpmn:lane>
    </bpmn:laneSet>
    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="Flow_start" sourceRef="start" targetRef="wait" />
    <bpmn:eventBasedGateway id="wait" />{timers}
  </bpmn:process>
</bpmn:definitions>""".encode()


def test_spiffworkflow_loses_the_earlier_timer_of_an_event_based_gateway():
    # Why event-based gateways are refused: the gateway keeps the first timer's due time, so
    # the 1-day branch has not fired after 2 days and the 30-day branch wins. If this test
    # fails, SpiffWorkflow was fixed and the refusal can be lifted.
    model = parse_model(_with_two_timers_on_an_event_based_gateway("P30D", "P1D"),
                        process_id="p", file_name="ebg.bpmn")
    runtime = ProcessRuntime(script_engine=create_script_engine())
    calendar = WorkingCalendar.from_config(
        json.loads((WORKFLOWS_DIR / "calendar.json").read_text(encoding="utf-8")))
    started = datetime.now(UTC)
    workflow = runtime.start(model, {})

    def ready_after(days: int) -> list[str]:
        at = started + timedelta(days=days)
        with engine_clock(EngineClock(now=at, calendar=calendar, appointment_at=None)):
            runtime.fire_timers(workflow, at)
        return [t.task_spec.bpmn_id
                for t in workflow.get_tasks(state=SpiffTaskState.READY, manual=True)]

    assert ready_after(2) == []
    assert ready_after(31) == ["after_first"]


def test_a_message_catch_event_that_would_wait_forever_is_refused():
    xml = _add(VALID, """
    <bpmn:intermediateCatchEvent id="wait_reply">
      <bpmn:messageEventDefinition id="reply" />
    </bpmn:intermediateCatchEvent>
    <bpmn:sequenceFlow id="Flow_wait" sourceRef="wait_reply" targetRef="end" />""",
               refs=("wait_reply",))
    xml = xml.replace('sourceRef="sign" targetRef="end"', 'sourceRef="sign" targetRef="wait_reply"')

    problems = _validate(xml)

    assert [p.element for p in problems] == ["wait_reply"]
    assert "waits for a message or signal" in problems[0].message


# ---- the loader's own checks

def test_an_element_the_bpmn_schema_does_not_allow_is_reported_by_the_loader():
    xml = VALID.replace('<bpmn:endEvent id="end" />', '<bpmn:endEvent id="end" />\n'
                        '    <bpmn:bogus id="stray" />')

    problem = _only(_validate(xml))

    assert problem.line == _line_of(xml, "<bpmn:bogus")
    assert "bogus" in problem.message
    assert "file probe.bpmn" not in problem.message  # where is in the fields, not the text


def test_a_process_id_the_metadata_names_but_the_file_lacks_is_reported():
    problem = _only(_validate(VALID, meta={**META, "process_id": "other"}))

    assert problem.message == (
        "the file has no process with id 'other' (processes: 'probe' (executable)); set "
        "process_id in procedure.json to one of them, or give the process that id.")
    assert problem.line == _line_of(VALID, 'id="Definitions_probe"')  # where the tag ends


def test_xml_that_is_not_well_formed_gives_one_problem_with_its_line():
    xml = VALID.replace("</bpmn:userTask>", "</bpmn:userTsk>", 1)

    problem = _only(_validate(xml))

    assert problem.message.startswith("not well-formed XML")
    assert problem.line == _line_of(xml, "</bpmn:userTsk>")


# ---- metadata

def test_metadata_problems_are_named_by_key():
    meta = {**META, "department": "NOWHERE", "intake_form": "probe/none", "fee": {"kind": "?"}}
    del meta["required_documents"]

    problems = _validate(VALID, meta=meta)

    assert sorted(p.element for p in problems) == [
        "meta", "meta.department", "meta.fee", "meta.intake_form"]


# ---- hostile documents: refused before any parsing, nothing echoed back

def _with_doctype(xml: str, doctype: str) -> str:
    declaration, rest = xml.split("\n", 1)
    return f"{declaration}\n{doctype}\n{rest}"


def test_a_doctype_is_refused():
    error = _hostile(_with_doctype(VALID, "<!DOCTYPE definitions>"))

    assert error.code == "hostile_xml"
    assert "DOCTYPE" in error.message


def test_an_external_entity_is_refused_without_reading_the_file(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-7f3a9c", encoding="utf-8")
    xml = _with_doctype(VALID.replace('name="Review"', 'name="&secret;"'),
                        f'<!DOCTYPE x [<!ENTITY secret SYSTEM "{secret.as_uri()}">]>')

    error = _hostile(xml)

    assert "TOP-SECRET" not in error.message
    assert "TOP-SECRET" not in repr(error.details)


def test_a_billion_laughs_document_is_refused_at_once():
    entities = ['<!ENTITY lol "lol">'] + [
        f'<!ENTITY lol{n} "{("&lol" + (str(n - 1) if n > 1 else "") + ";") * 10}">'
        for n in range(1, 10)]
    xml = _with_doctype(VALID.replace('name="Review"', 'name="&lol9;"'),
                        "<!DOCTYPE lolz [\n" + "\n".join(entities) + "\n]>")
    started = time.perf_counter()

    error = _hostile(xml)

    assert time.perf_counter() - started < 0.5
    assert "lollollol" not in error.message


def test_an_entity_reference_without_a_dtd_is_refused():
    error = _hostile(VALID.replace('name="Review"', 'name="&lol9;"'))

    assert "entity references" in error.message


def test_a_doctype_hidden_by_utf7_encoding_is_refused_after_parsing():
    # The byte scan sees no "<!DOCTYPE"; the parsed document still carries the DTD.
    def utf7(text: str) -> str:
        return "".join(f"+{base64.b64encode(ch.encode('utf-16-be')).decode().rstrip('=')}-"
                       if ch in '<>!&"[];' else ch for ch in text)
    body = '<!DOCTYPE x [<!ENTITY e "boom">]>\n<a>&e;</a>'
    document = b'<?xml version="1.0" encoding="UTF-7"?>\n' + utf7(body).encode("ascii")

    error = _hostile(document)

    assert "DOCTYPE" in error.message


def test_a_document_over_the_size_limit_is_refused_unread():
    data = VALID.encode("utf-8")

    error = _hostile(data, max_bytes=len(data) - 1)

    assert error.message == (f"the model has {len(data)} bytes, over the limit of "
                             f"{len(data) - 1} (MOTCUA_MAX_MODEL_BYTES)")


def test_a_document_at_the_size_limit_is_read():
    data = VALID.encode("utf-8")

    assert _validate(data, max_bytes=len(data)) == []


def test_the_problem_is_plain_json_data():
    problem = Problem("m", 3, "e", Severity.WARNING)

    assert json.loads(json.dumps(problem.as_dict())) == {
        "message": "m", "line": 3, "element": "e", "severity": "warning"}



# ---- call activities

HELPER = """
  <bpmn:process id="{pid}" isExecutable="true">
    <bpmn:startEvent id="{pid}_start" />
    {inner}
    <bpmn:endEvent id="{pid}_end" />
    <bpmn:sequenceFlow id="{pid}_f1" sourceRef="{pid}_start" targetRef="{pid}_node" />
    <bpmn:sequenceFlow id="{pid}_f2" sourceRef="{pid}_node" targetRef="{pid}_end" />
  </bpmn:process>"""


def _calling(called: str, *processes: tuple[str, str]) -> str:
    """VALID with a call activity `call` of `called` before the review, and more processes."""
    xml = VALID.replace('<bpmn:sequenceFlow id="Flow_start" sourceRef="start" targetRef="join" />',
                        f'<bpmn:callActivity id="call" calledElement="{called}" />\n'
                        '    <bpmn:sequenceFlow id="Flow_start" sourceRef="start" '
                        'targetRef="call" />\n'
                        '    <bpmn:sequenceFlow id="Flow_called" sourceRef="call" '
                        'targetRef="join" />')
    assert 'targetRef="call"' in xml
    extra = "".join(HELPER.format(pid=pid, inner=inner.format(pid=pid))
                    for pid, inner in processes)
    return xml.replace("</bpmn:definitions>", f"{extra}\n</bpmn:definitions>")


def test_a_call_activity_calling_its_own_process_is_refused():
    xml = _calling("probe")

    problem = _only(_validate(xml))

    assert (problem.element, problem.line) == ("call", _line_of(xml, 'id="call"'))
    assert "probe → probe" in problem.message


def test_call_activities_calling_each_other_round_are_refused_where_the_cycle_closes():
    xml = _calling("first",
                   ("first", '<bpmn:callActivity id="{pid}_node" calledElement="second" />'),
                   ("second", '<bpmn:callActivity id="{pid}_node" calledElement="probe" />'))

    problem = _only(_validate(xml))

    assert problem.element == "second_node"
    assert "probe → first → second → probe" in problem.message


def test_a_call_activity_of_another_process_that_does_not_call_back_is_accepted():
    xml = _calling("helper", ("helper", '<bpmn:scriptTask id="{pid}_node" />'))

    assert _validate(xml) == []


def test_the_house_rules_also_hold_in_the_processes_a_procedure_calls():
    xml = _calling("helper", ("helper", '<bpmn:receiveTask id="{pid}_node" />'))

    problem = _only(_validate(xml))

    assert problem.element == "helper_node"
    assert "receive tasks" in problem.message
