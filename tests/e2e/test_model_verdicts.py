"""`motcua workflows check`, `motcua init` and the designer give one verdict on every model."""

import shutil
from pathlib import Path

import pytest

from engine.errors import ModelInvalid
from engine.procedures import load_departments, load_procedure
from tests.conftest import snapshot
from tests.e2e.test_cli import WORKFLOWS_DIR, database_file, database_url, motcua  # noqa: F401
from tests.scenarios import PROCEDURE_CODES

COPY = PROCEDURE_CODES["certified_copy"]
VERSIONS = f"/api/v1/procedures/{COPY}/versions"
START_FLOW = '<bpmn:sequenceFlow id="Flow_start" sourceRef="start" targetRef="join_certify" />'
HELPER_PROCESS = """
  <bpmn:process id="helper" isExecutable="true">
    <bpmn:startEvent id="helper_start" />
    <bpmn:callActivity id="helper_call" calledElement="certified_copy" />
    <bpmn:endEvent id="helper_end" />
    <bpmn:sequenceFlow id="Flow_h1" sourceRef="helper_start" targetRef="helper_call" />
    <bpmn:sequenceFlow id="Flow_h2" sourceRef="helper_call" targetRef="helper_end" />
  </bpmn:process>"""
# (the node put between the start event and the first step, a process added, the element
# the verdict must name, a phrase of its message)
BAD_MODELS = {
    "calls-itself": ('<bpmn:callActivity id="bad" calledElement="certified_copy" />', "",
                     "bad", "must not call itself"),
    "calls-itself-through-another": ('<bpmn:callActivity id="bad" calledElement="helper" />',
                                     HELPER_PROCESS, "helper_call", "must not call itself"),
    "event-based-gateway": ('<bpmn:eventBasedGateway id="bad" />', "", "bad",
                            "event-based gateways are not supported"),
    "receive-task": ('<bpmn:receiveTask id="bad" />', "", "bad", "receive tasks wait"),
    "message-catch": ('<bpmn:intermediateCatchEvent id="bad"><bpmn:messageEventDefinition '
                      'id="bad_message" /></bpmn:intermediateCatchEvent>', "", "bad",
                      "waits for a message or signal"),
}


def bad_model(node: str, process: str) -> str:
    """The certified copy's model with `node` between its start and its first step."""
    xml = (WORKFLOWS_DIR / "certified_copy" / "certified_copy.bpmn").read_text(encoding="utf-8")
    assert START_FLOW in xml
    xml = xml.replace(START_FLOW, f"""{node}
    <bpmn:sequenceFlow id="Flow_start" sourceRef="start" targetRef="bad" />
    <bpmn:sequenceFlow id="Flow_bad" sourceRef="bad" targetRef="join_certify" />""")
    return xml.replace("</bpmn:definitions>", f"{process}\n</bpmn:definitions>")


def folder_with(tmp_path: Path, xml: str) -> Path:
    folder = tmp_path / "certified_copy"
    shutil.copytree(WORKFLOWS_DIR / "certified_copy", folder)
    (folder / "certified_copy.bpmn").write_text(xml, encoding="utf-8")
    return folder


@pytest.mark.parametrize(("node", "process", "element", "phrase"), BAD_MODELS.values(),
                         ids=BAD_MODELS.keys())
def test_a_bad_model_is_refused_alike_by_the_cli_the_loader_and_the_designer(
        motcua, tmp_path, app, http, staff, versions_restored, node, process, element,  # noqa: F811
        phrase):
    xml = bad_model(node, process)
    folder = folder_with(tmp_path, xml)
    ctx = app.extensions["motcua"]
    codes = {d["code"] for d in load_departments(WORKFLOWS_DIR)}
    line = xml[:xml.index(f'id="{element}"')].count("\n") + 1

    checked = motcua("workflows", "check", str(folder))
    with pytest.raises(ModelInvalid) as loaded:
        load_procedure(folder, forms=ctx.forms, department_codes=codes)
    drafted = http.post(VERSIONS, headers=staff["designer"].headers,
                        json={"bpmn_xml": xml, "change_note": "a model that must be refused"})
    validated = http.post(f"{VERSIONS}/{drafted.json()['number']}/validate",
                          headers=staff["designer"].headers)

    assert checked.returncode == 1, checked.stdout
    assert f"line {line}, element {element}: " in checked.stdout
    assert (loaded.value.details["line"], loaded.value.details["element"]) == (line, element)
    assert phrase in loaded.value.message
    assert validated.status_code == 200, validated.text
    assert validated.json()["valid"] is False
    first = validated.json()["problems"][0]
    assert (first["line"], first["element"], first["severity"]) == (line, element, "error")
    assert loaded.value.message.endswith(f": {first['message']}")
    assert first["message"] in checked.stdout


def test_a_trial_run_of_a_draft_that_calls_itself_is_refused_unrun(
        http, staff, session, versions_restored):
    node, process, element, _ = BAD_MODELS["calls-itself"]
    designer = staff["designer"].headers
    number = http.post(VERSIONS, headers=designer, json={
        "bpmn_xml": bad_model(node, process), "change_note": "calls itself"}).json()["number"]
    before = snapshot(session)

    response = http.post(f"{VERSIONS}/{number}/trial-run", json={}, headers=designer)

    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "version_invalid"
    assert element in [p["element"] for p in error["details"]["problems"]]
    assert snapshot(session) == before
