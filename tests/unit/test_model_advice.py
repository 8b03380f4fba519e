"""Every construct motcua cannot run is refused with its line, its element and what to do.

Each model is a fixture under tests/fixtures/model_advice/, written to cover a construct that
public models (the OMG MIWG suite, Camunda's examples, SpiffWorkflow's own tests) use.
"""

import json
from pathlib import Path

import pytest

from engine.model_advice import parser_advice
from engine.procedures import load_departments
from engine.validation import Severity, validate_model
from forms import FormCatalog

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
ADVICE_MODELS = FIXTURES / "model_advice"
SPLIT = ("add an exclusive gateway after it to choose one path (conditions on the gateway's "
         "flows), or a parallel gateway to take them all.")
JUEL = ("is a Camunda (JUEL) expression, and motcua's are written in Python: write it without "
        "the braces, e.g. `{}` (in Python: and, or, not, ==, None, True, False), or import the "
        "file with `motcua workflows import`, which translates plain comparisons.")
MOMENT = "a moment such as 2026-12-31T17:00:00+07:00 or working_days(3)"
# folder: (the text on the problem's line, the element, the whole message)
EXPECTED = {
    "service_task": ('<bpmn:serviceTask id="x"', "x", (
        "service tasks are not supported: motcua calls no outside system from a model; make "
        "it a script task if it computes something from the dossier's data, or a user task if "
        "a person does the work.")),
    "send_task": ('<bpmn:sendTask id="x"', "x", (
        "send tasks are not supported: motcua sends no messages to other systems; make it a "
        "user task if an officer sends something, or remove it.")),
    "receive_task": ('<bpmn:receiveTask id="x"', "x", (
        "receive tasks wait for a message, and motcua delivers no messages: the dossier would "
        "wait forever; make it a user task where an officer records the reply.")),
    "complex_gateway": ('<bpmn:complexGateway id="x"', "x", (
        "complex gateways are not supported by this engine; use exclusive, inclusive or "
        "parallel gateways.")),
    "catch_nothing": ('<bpmn:intermediateCatchEvent id="x"', "x", (
        "this event waits for nothing: it has no timer, message or other definition, and the "
        "engine cannot run it; give it a timer, or make it an intermediate throw event if it "
        "only marks a milestone.")),
    "undefined_error": ('<bpmn:errorEventDefinition id="failed_error"', "failed", (
        "this event refers to error 'registry_down', which the file does not define; define it "
        "(a bpmn:error element under bpmn:definitions) or remove the reference.")),
    "message_catch": ('<bpmn:intermediateCatchEvent id="x"', "x", (
        "this event waits for a message or signal, and motcua delivers none: the dossier would "
        "wait forever; use a user step or a timer.")),
    "message_start": ('<bpmn:startEvent id="start">', "start", (
        "a start event that waits for a message or signal never starts a dossier: motcua "
        "starts dossiers at reception; make it a plain start event.")),
    "data_store": ('<bpmn:dataOutputAssociation id="x_writes">', "x", (
        "'Check' (x) reads or writes data store 'Civil registry' (registry): data stores are "
        "not supported: motcua keeps a dossier's data in its forms and task data; remove the "
        "data store and its associations, and record what the step keeps in a field of its "
        "form.")),
    "data_object_missing": ('<bpmn:dataOutputAssociation id="x_writes">', "x", (
        "a data association of 'Check' (x) points to 'certificate', which is no data object of "
        "this process; add the data object to the process or remove the association.")),
    "call_elsewhere": ('<bpmn:callActivity id="x"', "x", (
        "call activity 'Pay the fee' (x) calls process 'fee_payment', which is not in this file "
        "(it has 'call_elsewhere'); put the called process in this same file, or publish it as "
        "a procedure of its own and remove the call.")),
    "split_flows": ('<bpmn:userTask id="prepare"', "prepare", (
        f"'Prepare' (prepare) has 2 outgoing flows (f2, f3), and a step or event leaves by one; "
        f"{SPLIT}")),
    "not_executable": ('<bpmn:process id="not_executable"', "not_executable", (
        "process 'not_executable' is not marked executable (processes: 'not_executable' (not "
        'executable)); set isExecutable="true" on it (in the modeler: tick "Executable" in the '
        "process's properties).")),
    "juel_condition": ("${amount &gt; 100}", "f3",
                       f"'${{amount > 100}}' {JUEL.format('amount > 100')}"),
    "juel_timer": ("${waitingTime}", "x", f"'${{waitingTime}}' {JUEL.format('waitingTime')}"),
    "timer_duration_as_date": ("<bpmn:timeDate", "x", (
        "the timer would fail on the first dossier: 'P7D' is a duration, which belongs in a "
        f"timeDuration, not a timeDate; give the timeDate {MOMENT}.")),
    "timer_helper_fails": ("<bpmn:timeDate", "x", (
        "the timer fails when a dossier reaches it: ValueError: could not convert string to "
        f"float: 'three'; give it {MOMENT}.")),
    "timer_words": ("<bpmn:timeDuration", "x", (
        "the timer would fail on the first dossier: 'seven days' is not a duration; give the "
        "timeDuration a duration such as P7D or PT4H.")),
    "schema_error": ('<bpmn:approval id="stray"', "stray", (
        "the BPMN loader refuses this element (approval): Element 'bpmn:approval': This "
        "element is not expected. Expected is one of ( bpmn:artifact, bpmn:association, "
        "bpmn:group, "
        "bpmn:textAnnotation, bpmn:resourceRole, bpmn:performer, bpmn:humanPerformer, "
        "bpmn:potentialOwner, bpmn:correlationSubscription, bpmn:supports ). Correct it in the "
        "modeler, or remove it if the procedure does not need it.")),
}


def check(folder: Path) -> tuple[str, list]:
    meta = json.loads((folder / "procedure.json").read_text(encoding="utf-8"))
    xml = (folder / meta["bpmn"]).read_text(encoding="utf-8")
    forms = frozenset(FormCatalog().keys())
    problems = validate_model(xml.encode(), meta=meta, forms=forms.__contains__,
                              department_codes={d["code"] for d in load_departments()},
                              file_name=folder.name)
    return xml, problems


def line_of(xml: str, marker: str) -> int:
    return xml[:xml.index(marker)].count("\n") + 1


def test_every_advice_model_has_its_expected_advice():
    assert sorted(p.name for p in ADVICE_MODELS.iterdir()) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_a_construct_motcua_cannot_run_is_refused_with_its_line_and_what_to_do(name):
    marker, element, message = EXPECTED[name]

    xml, problems = check(ADVICE_MODELS / name)

    errors = [(p.message, p.line, p.element) for p in problems if p.severity == Severity.ERROR]
    assert errors == [(message, line_of(xml, marker), element)]


def test_a_bare_iso_duration_is_accepted_with_a_warning_that_it_counts_calendar_days():
    xml, problems = check(FIXTURES / "iso_timer")

    assert [(p.message, p.line, p.element, p.severity) for p in problems] == [(
        "'P7D' counts calendar days, weekends and public holidays included, while the law "
        "counts most time limits in working days; if working days were meant, write "
        "working_days(7) in a timeDate instead.", line_of(xml, "<bpmn:timeDuration"), "wait",
        Severity.WARNING)]


def test_a_quoted_iso_duration_gets_the_same_warning_as_a_bare_one():
    xml = (FIXTURES / "iso_timer" / "iso_timer.bpmn").read_text(encoding="utf-8")
    meta = json.loads((FIXTURES / "iso_timer" / "procedure.json").read_text(encoding="utf-8"))
    quoted = xml.replace(">P7D<", '>"P7D"<')

    problems = validate_model(quoted.encode(), meta=meta,
                              forms=frozenset(FormCatalog().keys()).__contains__,
                              department_codes={d["code"] for d in load_departments()},
                              file_name="quoted")

    assert [(p.severity, p.message[:30]) for p in problems] == [
        (Severity.WARNING, "'P7D' counts calendar days, we")]


@pytest.mark.parametrize(("spiff_message", "tag", "advice"), [
    ("Cannot resolve dataOutputAssociation <Element {http://www.omg.org/spec/BPMN/20100524/"
     "MODEL}targetRef at 0x7fe3d1c2e4c0>", "userTask",
     "a data association of this element points to something that is neither a data object "
     "of this process nor a data store motcua knows; add the data object or remove the "
     "association."),
    ("Multiple outgoing flows are not supported for tasks of type", "scriptTask",
     f"this element has more than one outgoing flow, and a step or event leaves by one; {SPLIT}"
     .replace("after it to choose one path (conditions on the gateway's flows)",
              "after it to choose one path")),
    ('No DMN Diagram available with id "None", Available DMN ids are', "businessRuleTask",
     "this business rule task names no decision table the procedure provides; give it the id "
     "of a DMN decision table kept with the procedure (spiffworkflow:calledDecisionId), or use "
     "a script task or a gateway with conditions."),
    ("Something new <Element {urn:x}thing at 0x7f00>", None,
     "the BPMN loader refuses this element: Something new 'thing'. Correct it in the modeler, "
     "or remove it if the procedure does not need it."),
])
def test_what_spiffworkflow_says_is_reworded_without_addresses_or_cut_sentences(
        spiff_message, tag, advice):
    assert parser_advice(spiff_message, tag) == advice
