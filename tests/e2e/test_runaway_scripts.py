"""Runaway designer code becomes an incident on its dossier within seconds; the server goes on."""

import json
from datetime import timedelta
from pathlib import Path
from xml.sax.saxutils import escape

import pytest
from sqlalchemy import select

from api.extensions import db
from engine.due import fire_all_due
from engine.errors import ModelInvalid
from engine.models import Dossier, Incident
from engine.procedures import load_departments, load_procedure, publish_procedures
from tests.conftest import NOW
from tests.e2e.helpers import receive, received
from tests.scenarios import SCENARIOS

RUNAWAY_EXPRESSIONS = ["max(range(10**11))", "sum(range(10**11))", "10**10**8",
                       "sorted(range(10**8))", "'a'*10**9"]
RUNAWAY_SCRIPTS = [f"x = {expression}" for expression in RUNAWAY_EXPRESSIONS] + [
    "while True: pass"]
INTAKE = SCENARIOS["certified_copy"]["intake"]
SIGN = {"signer_position": "chairman"}


def script(source: str) -> str:
    return f'<bpmn:scriptTask id="{{id}}"><bpmn:script>{escape(source)}</bpmn:script>' \
           "</bpmn:scriptTask>"


def timer(expression: str) -> str:
    return ('<bpmn:intermediateCatchEvent id="{id}"><bpmn:timerEventDefinition>'
            f"<bpmn:timeDate>{escape(expression)}</bpmn:timeDate>"
            "</bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>")


REVIEW = """<bpmn:userTask id="{id}" name="Review"><bpmn:extensionElements>
  <spiffworkflow:properties>
    <spiffworkflow:property name="form" value="birth_registration/sign" />
    <spiffworkflow:property name="budget_hours" value="4" />
  </spiffworkflow:properties></bpmn:extensionElements></bpmn:userTask>"""


def gateway(condition: str) -> tuple[str, str]:
    return '<bpmn:exclusiveGateway id="{id}" />', condition


def model(*nodes) -> str:
    """Return a BPMN process running the nodes in a line, in the OFFICE lane."""
    ids = ["start", *[f"n{i}" for i in range(len(nodes))], "end"]
    elements = ['<bpmn:startEvent id="start" />']
    conditions = {}
    for node_id, node in zip(ids[1:], nodes, strict=False):
        xml, conditions[node_id] = node if isinstance(node, tuple) else (node, None)
        elements.append(xml.replace("{id}", node_id))
    elements.append('<bpmn:endEvent id="end" />')
    body = "".join(
        f'<bpmn:sequenceFlow id="f{i}" sourceRef="{source}" targetRef="{target}"'
        + (f"><bpmn:conditionExpression>{escape(conditions[source])}"
           "</bpmn:conditionExpression></bpmn:sequenceFlow>" if conditions.get(source) else " />")
        for i, (source, target) in enumerate(zip(ids, ids[1:], strict=False)))
    refs = "".join(f"<bpmn:flowNodeRef>{node_id}</bpmn:flowNodeRef>" for node_id in ids)
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"
    id="runaway_definitions" targetNamespace="http://motcua.example/test">
  <bpmn:process id="runaway" isExecutable="true">
    <bpmn:laneSet id="lanes"><bpmn:lane id="lane_office" name="OFFICE">{refs}</bpmn:lane>
    </bpmn:laneSet>
    {"".join(elements)}{body}
  </bpmn:process>
</bpmn:definitions>"""


def procedure_folder(root: Path, bpmn: str) -> Path:
    """Write a procedure folder for TEST.RUNAWAY running the given BPMN."""
    folder = root / "runaway"
    folder.mkdir()
    (folder / "runaway.bpmn").write_text(bpmn, encoding="utf-8")
    (folder / "procedure.json").write_text(json.dumps({
        "code": "TEST.RUNAWAY", "name_vi": "Thủ tục thử kịch bản chạy mãi",
        "name_en": "Test procedure whose designer code runs away",
        "process_id": "runaway", "bpmn": "runaway.bpmn", "department": "OFFICE",
        "intake_form": "certified_copy/intake", "deadline": {"working_days": 2},
        "fee": {"kind": "free"}, "required_documents": []}), encoding="utf-8")
    return folder


@pytest.fixture
def publish(app, tmp_path):
    """Publish a one-off procedure running the given BPMN; return its code."""
    def publish_model(bpmn: str) -> str:
        codes = {d["code"] for d in load_departments()}
        definition = load_procedure(procedure_folder(tmp_path, bpmn),
                                    forms=app.extensions["motcua"].forms,
                                    department_codes=codes)
        publish_procedures(db.session, departments=[], definitions=[definition], now=NOW)
        return definition.code
    return publish_model


def assert_incident_then_a_sane_dossier_still_works(http, staff, session, response, *,
                                                    step: str, message: str) -> None:
    assert response.status_code == 500, response.text
    assert response.json()["error"]["code"] == "engine_incident"
    session.expire_all()
    incident = session.scalars(select(Incident)).one()
    assert incident.step == step
    assert message in incident.message
    assert received(http, staff["reception"])["open_steps"]


def dossier_id(session, dossier: dict) -> int:
    return session.scalars(select(Dossier.id).where(Dossier.code == dossier["code"])).one()


@pytest.mark.parametrize("source", RUNAWAY_SCRIPTS)
def test_a_runaway_script_task_is_stopped_as_an_incident_at_receipt(
        http, staff, session, publish, source):
    code = publish(model(script(source), REVIEW))

    response = receive(http, staff["reception"], procedure=code, form_data=INTAKE)

    assert_incident_then_a_sane_dossier_still_works(http, staff, session, response,
                                                    step="start", message="was stopped")
    assert session.scalars(select(Dossier).where(Dossier.procedure_code == code)).all() == []


@pytest.mark.parametrize("expression", RUNAWAY_EXPRESSIONS)
def test_a_runaway_gateway_condition_is_stopped_as_an_incident_on_its_dossier(
        http, staff, session, publish, expression):
    code = publish(model(REVIEW, gateway(f"{expression} != 0")))
    dossier = received(http, staff["reception"], procedure=code, form_data=INTAKE)
    task = dossier["open_steps"][0]
    office = staff["office"].headers
    http.post(f"/api/v1/tasks/{task['id']}/claim", headers=office)

    response = http.post(f"/api/v1/tasks/{task['id']}/complete", headers=office,
                         json={"form_data": SIGN})

    assert_incident_then_a_sane_dossier_still_works(http, staff, session, response,
                                                    step="n0", message="was stopped")
    assert session.scalars(select(Incident.dossier_id)).one() == dossier_id(session, dossier)


# The timers read the dossier's data (`copies`, from the intake): a timer that reads only the
# helpers is evaluated by the check and refused before publication (engine.timer_checks).
@pytest.mark.parametrize("expression", ["sum(range(10**11 * copies))", "'a' * 10**9 * copies"])
def test_a_runaway_timer_expression_is_stopped_as_an_incident(
        http, staff, session, publish, expression):
    code = publish(model(REVIEW, timer(expression), REVIEW))
    dossier = received(http, staff["reception"], procedure=code, form_data=INTAKE)
    task = dossier["open_steps"][0]
    office = staff["office"].headers
    http.post(f"/api/v1/tasks/{task['id']}/claim", headers=office)

    response = http.post(f"/api/v1/tasks/{task['id']}/complete", headers=office,
                         json={"form_data": SIGN})

    assert_incident_then_a_sane_dossier_still_works(http, staff, session, response,
                                                    step="n0", message="was stopped")


def test_a_runaway_timer_reading_only_the_helpers_is_refused_before_publication(publish):
    with pytest.raises(ModelInvalid) as refused:
        publish(model(REVIEW, timer("sum(range(10**11))"), REVIEW))

    assert refused.value.details["element"] == "n1"
    assert refused.value.details["line"] is not None
    assert "the timer fails when a dossier reaches it" in str(refused.value)
    assert "was stopped" in str(refused.value)


def test_a_runaway_script_after_a_timer_is_stopped_as_an_incident_by_the_scheduler(
        app, http, staff, session, publish):
    code = publish(model(REVIEW, timer("working_hours(4)"), script("while True: pass"),
                         REVIEW))
    dossier = received(http, staff["reception"], procedure=code, form_data=INTAKE)
    task = dossier["open_steps"][0]
    office = staff["office"].headers
    http.post(f"/api/v1/tasks/{task['id']}/claim", headers=office)
    done = http.post(f"/api/v1/tasks/{task['id']}/complete", headers=office,
                     json={"form_data": SIGN})
    assert done.status_code == 200, done.text

    # The dossier was received on the server's clock: its appointment is past the timer.
    appointment = session.scalars(select(Dossier.appointment_at)
                                  .where(Dossier.code == dossier["code"])).one()

    fire_all_due(session, app.extensions["motcua"], now=appointment + timedelta(days=1))

    session.expire_all()
    incident = session.scalars(select(Incident)).one()
    assert (incident.dossier_id, incident.step) == (dossier_id(session, dossier), "timer")
    assert "was stopped" in incident.message
    assert received(http, staff["reception"])["open_steps"]


def test_a_step_storing_data_shared_200_times_is_refused_as_an_incident(
        http, staff, session, publish):
    code = publish(model(script("y = ['x' * 10**6] * 200"), REVIEW))

    response = receive(http, staff["reception"], procedure=code, form_data=INTAKE)

    assert_incident_then_a_sane_dossier_still_works(http, staff, session, response,
                                                    step="start",
                                                    message="a step may store at most 1 MB")


def test_a_workflow_state_over_its_bound_is_refused_as_an_incident(
        http, staff, session, publish):
    # The state keeps what each task changed: ten changes of a 900 KB value pass 8 MB.
    copies = [script(f"pad = pad[:-1] + '{n}'") for n in range(10)]
    code = publish(model(script("pad = 'x' * 900_000"), *copies, REVIEW))

    response = receive(http, staff["reception"], procedure=code, form_data=INTAKE)

    assert_incident_then_a_sane_dossier_still_works(
        http, staff, session, response, step="start",
        message="more than the 8 MB a dossier may store")
