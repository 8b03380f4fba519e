import math
from pathlib import Path
from xml.sax.saxutils import escape

import pytest

from engine.errors import ModelInvalid
from engine.procedures import load_procedures
from engine.validation import check_model
from forms import FormCatalog

PROCESS_ID = "probe"
FILE_NAME = "probe.bpmn"
PROPERTIES = """
          <spiffworkflow:property name="form" value="certified_copy/certify" />
          <spiffworkflow:property name="budget_hours" value="4" />"""
EVIL_CONDITION = "__import__('os').system('x') == 0"
META = {"code": "PROBE.001", "name_vi": "Thủ tục thử", "name_en": "Probe procedure",
        "process_id": PROCESS_ID, "bpmn": FILE_NAME, "department": "OFFICE",
        "intake_form": "certified_copy/intake",
        "deadline": {"working_days": 0, "same_day": True, "cutoff": "15:00"},
        "fee": {"kind": "free"}, "required_documents": []}
FORM_KEYS = frozenset(FormCatalog().keys())


def _model(properties: str = PROPERTIES, *, task_in_lane: bool = True,
           task_extensions: str = "", task_extra: str = "", after_task: str = "",
           after_task_nodes: tuple[str, ...] = ("end",),
           process_attributes: str = f'id="{PROCESS_ID}"') -> str:
    """A minimal copy of certified_copy.bpmn: one lane, start, one user task, end."""
    lane_nodes = ["start", *(["review"] if task_in_lane else []), *after_task_nodes]
    lane_refs = "\n        ".join(f"<bpmn:flowNodeRef>{node}</bpmn:flowNodeRef>"
                                  for node in lane_nodes)
    after_task = after_task or """
    <bpmn:endEvent id="end">
      <bpmn:incoming>Flow_done</bpmn:incoming>
    </bpmn:endEvent>
    <bpmn:sequenceFlow id="Flow_done" sourceRef="review" targetRef="end" />"""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
    xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"
    id="Definitions_probe" targetNamespace="https://motcua.example/bpmn/probe">
  <bpmn:process {process_attributes} isExecutable="true">
    <bpmn:laneSet id="LaneSet_probe">
      <bpmn:lane id="Lane_OFFICE" name="OFFICE">
        {lane_refs}
      </bpmn:lane>
    </bpmn:laneSet>
    <bpmn:startEvent id="start">
      <bpmn:outgoing>Flow_start</bpmn:outgoing>
    </bpmn:startEvent>
    <bpmn:userTask id="review" name="Review">
      <bpmn:extensionElements>{task_extensions}
        <spiffworkflow:properties>{properties}
        </spiffworkflow:properties>
      </bpmn:extensionElements>
      <bpmn:incoming>Flow_start</bpmn:incoming>
      <bpmn:outgoing>Flow_done</bpmn:outgoing>{task_extra}
    </bpmn:userTask>{after_task}
    <bpmn:sequenceFlow id="Flow_start" sourceRef="start" targetRef="review" />
  </bpmn:process>
</bpmn:definitions>
"""


def _gateway_model(condition: str) -> str:
    return _model(after_task=f"""
    <bpmn:exclusiveGateway id="gw">
      <bpmn:incoming>Flow_done</bpmn:incoming>
      <bpmn:outgoing>Flow_approve</bpmn:outgoing>
      <bpmn:outgoing>Flow_other</bpmn:outgoing>
    </bpmn:exclusiveGateway>
    <bpmn:endEvent id="end">
      <bpmn:incoming>Flow_approve</bpmn:incoming>
      <bpmn:incoming>Flow_other</bpmn:incoming>
    </bpmn:endEvent>
    <bpmn:sequenceFlow id="Flow_done" sourceRef="review" targetRef="gw" />
    <bpmn:sequenceFlow id="Flow_approve" sourceRef="gw" targetRef="end">
      <bpmn:conditionExpression>{escape(condition)}</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="Flow_other" sourceRef="gw" targetRef="end">
      <bpmn:conditionExpression>certify_decision != "approve"</bpmn:conditionExpression>
    </bpmn:sequenceFlow>""", after_task_nodes=("gw", "end"))


def _conditional_event_model(condition: str) -> str:
    return _model(after_task=f"""
    <bpmn:intermediateCatchEvent id="wait">
      <bpmn:incoming>Flow_done</bpmn:incoming>
      <bpmn:outgoing>Flow_end</bpmn:outgoing>
      <bpmn:conditionalEventDefinition id="wait_condition">
        <bpmn:condition xsi:type="bpmn:tFormalExpression">{escape(condition)}</bpmn:condition>
      </bpmn:conditionalEventDefinition>
    </bpmn:intermediateCatchEvent>
    <bpmn:endEvent id="end">
      <bpmn:incoming>Flow_end</bpmn:incoming>
    </bpmn:endEvent>
    <bpmn:sequenceFlow id="Flow_done" sourceRef="review" targetRef="wait" />
    <bpmn:sequenceFlow id="Flow_end" sourceRef="wait" targetRef="end" />""",
                  after_task_nodes=("wait", "end"))


def _parse(xml: str | bytes):
    """Check and load the model as `motcua workflows check` and `motcua init` do."""
    data = xml.encode("utf-8") if isinstance(xml, str) else xml
    return check_model(data, meta=META, forms=FORM_KEYS.__contains__,
                       department_codes={"OFFICE"}, file_name=FILE_NAME)


def _rejection(xml: str | bytes) -> ModelInvalid:
    with pytest.raises(ModelInvalid) as caught:
        _parse(xml)
    return caught.value


def _line_of(xml: str, marker: str) -> int:
    """Return the 1-based line of the first occurrence of `marker`."""
    return xml[:xml.index(marker)].count("\n") + 1


def _assert_names(error: ModelInvalid, *, line: int, element: str | None) -> None:
    assert error.details["file"] == FILE_NAME
    assert error.details["line"] == line
    assert error.details["element"] == element
    assert f"file {FILE_NAME}" in error.message
    assert f"line {line}" in error.message
    if element is not None:
        assert f"element {element}" in error.message


def test_the_minimal_model_is_valid_and_describes_its_step():
    model = _parse(_model())

    step = model.step("review")
    assert (step.lane, step.form_key, step.budget_hours) == ("OFFICE", "certified_copy/certify", 4)


def test_xml_that_is_not_well_formed_names_the_broken_line():
    xml = _model().replace("</bpmn:userTask>", "</bpmn:userTsk>")

    error = _rejection(xml)

    _assert_names(error, line=_line_of(xml, "</bpmn:userTsk>"), element=None)
    assert "not well-formed XML" in error.message


def test_an_element_the_bpmn_schema_does_not_allow_is_named_with_its_line():
    xml = _model(task_extra='\n      <bpmn:bogus id="stray" />')

    error = _rejection(xml)

    assert error.details["line"] == _line_of(xml, "<bpmn:bogus")
    assert f"line {error.details['line']}" in error.message
    assert "bogus" in error.message
    assert "not expected" in error.message


def test_a_process_id_the_file_does_not_contain_is_refused_listing_the_ids_it_has():
    xml = _model(process_attributes='id="some_other_process"')

    error = _rejection(xml)

    assert error.details["file"] == FILE_NAME
    assert f"'{PROCESS_ID}'" in error.message
    assert "some_other_process" in error.message


def test_a_process_without_an_id_is_refused_naming_its_line():
    xml = _model(process_attributes="")

    error = _rejection(xml)

    assert error.details["line"] == _line_of(xml, "<bpmn:process")
    assert "None" not in error.message


def test_a_process_without_an_id_beside_one_with_an_id_is_refused_as_an_invalid_model():
    other_process = '<bpmn:process id="other" isExecutable="true"><bpmn:startEvent id="s2" />' \
                    "</bpmn:process>"
    xml = _model(process_attributes="").replace(
        "</bpmn:definitions>", f"  {other_process}\n</bpmn:definitions>")

    error = _rejection(xml)

    assert error.details["file"] == FILE_NAME


def test_a_user_task_outside_every_lane_is_refused():
    xml = _model(task_in_lane=False)

    error = _rejection(xml)

    _assert_names(error, line=_line_of(xml, 'id="review"'), element="review")
    assert "lane" in error.message


def test_a_user_task_without_a_form_is_refused():
    xml = _model('\n          <spiffworkflow:property name="budget_hours" value="4" />')

    error = _rejection(xml)

    _assert_names(error, line=_line_of(xml, 'id="review"'), element="review")
    assert "'form' property" in error.message


@pytest.mark.parametrize("budget", ["four", "", "4h"])
def test_a_non_numeric_budget_is_refused(budget):
    xml = _model(PROPERTIES.replace('value="4"', f'value="{budget}"'))

    error = _rejection(xml)

    _assert_names(error, line=_line_of(xml, 'id="review"'), element="review")
    assert "'budget_hours'" in error.message


@pytest.mark.parametrize("budget", ["nan", "inf", "1e400", "-4"])
def test_a_budget_that_is_not_a_positive_number_of_hours_is_refused(budget):
    # float() accepts these, but no deadline can be computed from them.
    xml = _model(PROPERTIES.replace('value="4"', f'value="{budget}"'))

    error = _rejection(xml)

    _assert_names(error, line=_line_of(xml, 'id="review"'), element="review")
    assert "'budget_hours'" in error.message


def test_an_unknown_role_is_refused_naming_the_allowed_roles():
    xml = _model(PROPERTIES + '\n          <spiffworkflow:property name="role" value="janitor" />')

    error = _rejection(xml)

    _assert_names(error, line=_line_of(xml, 'id="review"'), element="review")
    assert "'janitor'" in error.message
    assert "head" in error.message
    assert "leader" in error.message


@pytest.mark.parametrize("status", ["done", "0", "11", "4.5"])
def test_a_status_that_is_not_a_dvcqg_code_is_refused(status):
    status_property = f'<spiffworkflow:property name="status" value="{status}" />'
    xml = _model(f"{PROPERTIES}\n          {status_property}")

    error = _rejection(xml)

    _assert_names(error, line=_line_of(xml, 'id="review"'), element="review")
    assert f"'{status}'" in error.message
    assert "1-10" in error.message


def test_a_valid_gateway_condition_loads():
    model = _parse(_gateway_model('certify_decision == "approve"'))

    assert "review" in model.steps


def test_a_gateway_condition_calling_import_is_rejected_at_load_naming_the_flow():
    xml = _gateway_model(EVIL_CONDITION)

    error = _rejection(xml)

    _assert_names(error, line=_line_of(xml, "__import__"), element="Flow_approve")
    assert "expression rejected" in error.message


def test_a_gateway_condition_with_a_syntax_error_is_rejected_at_load_naming_the_flow():
    xml = _gateway_model('certify_decision == ')

    error = _rejection(xml)

    _assert_names(error, line=_line_of(xml, "certify_decision == <"), element="Flow_approve")
    assert "SyntaxError" in error.message


def test_harmless_step_scripts_loop_conditions_and_conditional_events_load():
    # The models of the three tests below, with nothing hostile in them.
    models = [
        _model(task_extensions="""
        <spiffworkflow:preScript>note = "started"</spiffworkflow:preScript>
        <spiffworkflow:postScript>note = "done"</spiffworkflow:postScript>"""),
        _model(task_extra="""
      <bpmn:standardLoopCharacteristics id="review_loop">
        <bpmn:loopCondition>certify_decision == "approve"</bpmn:loopCondition>
      </bpmn:standardLoopCharacteristics>"""),
        _conditional_event_model('certify_decision == "approve"'),
    ]

    parsed = [_parse(xml) for xml in models]

    assert [model.process_id for model in parsed] == [PROCESS_ID] * 3


@pytest.mark.parametrize("where", ["preScript", "postScript"])
def test_a_step_script_calling_import_is_rejected_at_load(where):
    # SpiffWorkflow runs these scripts when the step starts or ends.
    xml = _model(task_extensions=f"""
        <spiffworkflow:{where}>{escape(EVIL_CONDITION)}</spiffworkflow:{where}>""")

    error = _rejection(xml)

    assert error.details["line"] == _line_of(xml, "__import__")
    assert error.details["element"] == "review"


def test_a_loop_condition_calling_import_is_rejected_at_load():
    xml = _model(task_extra=f"""
      <bpmn:standardLoopCharacteristics id="review_loop">
        <bpmn:loopCondition>{escape(EVIL_CONDITION)}</bpmn:loopCondition>
      </bpmn:standardLoopCharacteristics>""")

    error = _rejection(xml)

    assert error.details["line"] == _line_of(xml, "__import__")
    assert error.details["element"] == "review_loop"


def test_a_conditional_event_calling_import_is_rejected_at_load():
    xml = _conditional_event_model(EVIL_CONDITION)

    error = _rejection(xml)

    assert error.details["line"] == _line_of(xml, "__import__")
    assert error.details["element"] == "wait_condition"


def test_a_compensation_event_is_refused_explicitly():
    xml = _model(after_task="""
    <bpmn:endEvent id="end">
      <bpmn:incoming>Flow_done</bpmn:incoming>
      <bpmn:compensateEventDefinition id="compensate" />
    </bpmn:endEvent>
    <bpmn:sequenceFlow id="Flow_done" sourceRef="review" targetRef="end" />""")

    error = _rejection(xml)

    _assert_names(error, line=_line_of(xml, "<bpmn:compensateEventDefinition"), element="end")
    assert "compensation events are not supported" in error.message


def test_a_complex_gateway_is_refused_explicitly_naming_the_gateway():
    xml = _model(after_task="""
    <bpmn:complexGateway id="complex_gw">
      <bpmn:incoming>Flow_done</bpmn:incoming>
      <bpmn:outgoing>Flow_end</bpmn:outgoing>
    </bpmn:complexGateway>
    <bpmn:endEvent id="end">
      <bpmn:incoming>Flow_end</bpmn:incoming>
    </bpmn:endEvent>
    <bpmn:sequenceFlow id="Flow_done" sourceRef="review" targetRef="complex_gw" />
    <bpmn:sequenceFlow id="Flow_end" sourceRef="complex_gw" targetRef="end" />""",
                 after_task_nodes=("complex_gw", "end"))

    error = _rejection(xml)

    assert "complex gateways are not supported" in error.message
    _assert_names(error, line=_line_of(xml, "<bpmn:complexGateway"), element="complex_gw")


def _with_doctype(xml: str, doctype: str) -> str:
    declaration, rest = xml.split("\n", 1)
    return f"{declaration}\n{doctype}\n{rest}"


@pytest.fixture
def secret_file(tmp_path) -> Path:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-7f3a9c", encoding="utf-8")
    return secret


@pytest.mark.parametrize("placement", ["element_text", "attribute", "property_value"])
def test_an_external_entity_is_refused_and_its_file_never_appears_in_the_error(
        secret_file, placement):
    reference = "&secret;"
    xml = {
        "element_text": _model(task_extensions=f"""
        <spiffworkflow:instructionsForEndUser>{reference}</spiffworkflow:instructionsForEndUser>"""),
        "attribute": _model().replace('name="Review"', f'name="{reference}"'),
        "property_value": _model(PROPERTIES.replace('value="4"', f'value="{reference}"')),
    }[placement]
    xml = _with_doctype(xml, f'<!DOCTYPE x [<!ENTITY secret SYSTEM "{secret_file.as_uri()}">]>')

    error = _rejection(xml)

    assert "TOP-SECRET" not in error.message
    assert "TOP-SECRET" not in repr(error.details)
    assert error.details["file"] == FILE_NAME


def test_a_doctype_naming_etc_passwd_is_refused_without_leaking_it():
    passwd = Path("/etc/passwd").read_text(encoding="utf-8").splitlines()[0]
    xml = _with_doctype(
        _model(task_extensions="""
        <spiffworkflow:instructionsForEndUser>&e;</spiffworkflow:instructionsForEndUser>"""),
        '<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>')

    error = _rejection(xml)

    assert "DTD" in error.message
    assert passwd not in error.message
    assert passwd not in repr(error.details)


def test_a_doctype_hidden_after_a_long_comment_is_still_refused():
    xml = _with_doctype(_model(), "<!--" + "x" * 5000 + '-->\n<!DOCTYPE x SYSTEM "file:///etc/passwd">')

    error = _rejection(xml)

    assert "DTD" in error.message


@pytest.mark.parametrize("placement", ["element_text", "attribute"])
def test_a_billion_laughs_document_is_refused_without_expanding(placement):
    entities = ['<!ENTITY lol "lol">'] + [
        f'<!ENTITY lol{n} "{("&lol" + (str(n - 1) if n > 1 else "") + ";") * 10}">'
        for n in range(1, 10)
    ]
    doctype = "<!DOCTYPE lolz [\n" + "\n".join(entities) + "\n]>"
    xml = {
        "element_text": _model(task_extensions="""
        <spiffworkflow:instructionsForEndUser>&lol9;</spiffworkflow:instructionsForEndUser>"""),
        "attribute": _model().replace('name="Review"', 'name="&lol9;"'),
    }[placement]

    error = _rejection(_with_doctype(xml, doctype))

    assert "lollollol" not in error.message
    assert len(error.message) < 1000


def test_every_real_procedure_parses_with_lanes_forms_and_budgets():
    forms = FormCatalog()

    departments, definitions = load_procedures(forms=forms)

    assert sorted(d.folder for d in definitions) == [
        "birth_registration", "business_household", "certified_copy",
        "ending_substitute_care", "first_land_registration",
    ]
    department_codes = {d["code"] for d in departments}
    form_keys = set(forms.keys())
    for definition in definitions:
        assert definition.model.steps, definition.folder
        for step in definition.model.steps.values():
            where = f"{definition.folder}/{step.bpmn_id}"
            assert step.lane in department_codes, where
            assert step.form_key in form_keys, where
            assert math.isfinite(step.budget_hours) and step.budget_hours > 0, where
