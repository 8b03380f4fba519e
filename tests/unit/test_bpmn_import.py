"""A model drawn in Camunda Modeler becomes a motcua model, every change located in a report."""

import json
from dataclasses import replace
from pathlib import Path

import pytest
from lxml import etree

from engine.bpmn_import import ImportOptions, ModelUnreadable, TimerMode, import_model
from engine.import_check import check_imported
from engine.import_report import EntryKind
from engine.model_advice import UNSUPPORTED
from engine.specs import NSMAP
from engine.validation import HostileXml, is_valid

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "imports"
WORKFLOWS = Path(__file__).resolve().parent.parent.parent / "workflows"
CODES = {d["code"] for d in json.loads((WORKFLOWS / "departments.json").read_text())}
LEAVE = ImportOptions(code="2.001", name_vi="Đăng ký hộ kinh doanh", department="ECONOMIC",
                      group_departments={"economic-officers": "ECONOMIC",
                                         "chairman": "LEADERSHIP",
                                         "reception-desk": "RECEPTION"})


def imported(name: str, options: ImportOptions = LEAVE):
    return import_model((FIXTURES / name).read_bytes(), options=options, department_codes=CODES)


def tree(result):
    return etree.fromstring(result.bpmn_xml)


def properties(root, step: str) -> dict:
    task = root.find(f".//bpmn:userTask[@id='{step}']", NSMAP)
    return {p.get("name"): p.get("value") for p in task.iterfind(
        ".//spiffworkflow:property", NSMAP)}


def test_a_camunda_model_passes_the_check_once_converted():
    result = imported("camunda_leave.bpmn")

    problems = check_imported(result, known_forms=lambda key: False, department_codes=CODES)

    assert not result.refused
    assert is_valid(problems), problems


def test_groups_become_lanes_form_keys_forms_and_due_dates_budgets():
    root = tree(imported("camunda_leave.bpmn"))

    lanes = {lane.get("name"): sorted(r.text for r in lane.iterfind("bpmn:flowNodeRef", NSMAP))
             for lane in root.iterfind(".//bpmn:lane", NSMAP)}
    assert lanes == {"ECONOMIC": ["remind", "review"], "RECEPTION": ["request_fix"],
                     "LEADERSHIP": ["sign"]}
    assert properties(root, "review") == {"form": "procedure_2_001/review_application",
                                          "budget_hours": "16"}
    assert properties(root, "sign") == {"form": "procedure_2_001/sign", "budget_hours": "4"}
    assert properties(root, "request_fix")["budget_hours"] == "8"


def test_the_forms_are_generated_and_the_intake_form_asks_what_conditions_read():
    result = imported("camunda_leave.bpmn")

    assert sorted(result.forms) == [f"procedure_2_001/{name}" for name in (
        "intake", "remind", "request_fix", "review_application", "sign")]
    intake = result.forms["procedure_2_001/intake"]
    assert intake["properties"]["decision"]["enum"] == ["supplement", "reject"]
    assert intake["properties"]["applicant"]["properties"]["banned"]["type"] == "boolean"
    assert result.meta["intake_form"] == "procedure_2_001/intake"
    assert result.meta["department"] == "ECONOMIC"


def test_juel_conditions_are_translated_and_camunda_extensions_removed_keeping_the_diagram():
    result = imported("camunda_leave.bpmn")
    root = tree(result)

    conditions = [c.text for c in root.iterfind(".//bpmn:conditionExpression", NSMAP)]
    assert conditions == ["decision == 'supplement' and not not missingDocuments",
                          "decision == 'reject' or applicant['banned'] == True"]
    assert b"camunda" not in result.bpmn_xml
    shapes = {s.get("bpmnElement") for s in root.iter(
        "{http://www.omg.org/spec/BPMN/20100524/DI}BPMNShape")}
    assert {"review", "sign", "request_fix", "decision", "review_late"} <= shapes


def test_every_entry_has_a_line_and_element_and_lists_what_is_left_to_decide():
    result = imported("camunda_leave.bpmn")

    assert all(e.line and e.element for e in result.entries)
    said = {(e.kind, e.element, e.message.split(" ")[0]) for e in result.entries}
    assert (EntryKind.DECIDE, "review", "Camunda's") in said  # the task listener
    assert (EntryKind.DECIDE, "request_fix", "dueDate") in said  # not a duration
    assert (EntryKind.DECIDE, "review_late", "the") in said  # every timer is asked about
    listener = next(e for e in result.entries if "executionListener" in e.message)
    assert (listener.line, listener.element) == (5, "household_registration")


@pytest.mark.parametrize(("mode", "element", "text"), [
    (TimerMode.CALENDAR, "timeDuration", "'P3D'"),
    (TimerMode.WORKING, "timeDate", "working_days(3)"),
])
def test_timer_durations_stay_calendar_time_unless_working_time_is_chosen(mode, element, text):
    options = replace(LEAVE, timers=mode)

    root = tree(imported("camunda_leave.bpmn", options))

    timer = root.find(".//bpmn:boundaryEvent/bpmn:timerEventDefinition", NSMAP)
    assert [(etree.QName(child).localname, child.text) for child in timer] == [(element, text)]


def test_what_motcua_cannot_run_is_refused_with_its_line_and_an_action():
    result = imported("camunda_refused.bpmn")

    refused = {(e.line, e.element) for e in result.entries if e.kind == EntryKind.REFUSED}
    assert refused == {(5, "fetch_payment"), (11, "compute_fee"), (14, "wait_payment"),
                       (19, "f_paid")}
    assert all(e.action for e in result.entries if e.kind == EntryKind.REFUSED)


def test_import_and_check_say_the_same_about_what_motcua_cannot_run():
    result = imported("camunda_refused.bpmn")

    refusal = next(e for e in result.entries if e.element == "fetch_payment")
    problems = check_imported(result, known_forms=lambda key: False, department_codes=CODES)
    advice = next(p.message for p in problems if p.element == "fetch_payment")
    assert f"{refusal.message}; {refusal.action}" == advice == UNSUPPORTED["serviceTask"]


def test_a_file_that_is_not_xml_is_unreadable_with_its_line():
    with pytest.raises(ModelUnreadable) as unreadable:
        import_model(b"<definitions>\n<process>\n</definitions>", options=LEAVE,
                     department_codes=CODES)

    assert unreadable.value.details["line"] == 3
    assert unreadable.value.details["reason"] == "not_xml"


def test_hostile_xml_is_refused_unread():
    with pytest.raises(HostileXml):
        import_model(b'<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>',
                     options=LEAVE, department_codes=CODES)


def test_a_collapsed_sub_process_becomes_one_user_step_and_added_ids_never_clash():
    result = imported("simple_flow.bpmn", ImportOptions(department="OFFICE"))
    root = tree(result)

    archive = root.find(".//bpmn:userTask[@id='archive']", NSMAP)
    assert archive is not None and archive.get("triggeredByEvent") is None
    ids = [el.get("id") for el in root.iter() if isinstance(el.tag, str) and el.get("id")]
    assert len(ids) == len(set(ids))
