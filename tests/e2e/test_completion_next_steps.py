"""Completing a step answers with the dossier's next open steps: no look-up needed to go on."""

import pytest

from tests.e2e.helpers import do_step, received
from tests.scenarios import PROCEDURE_CODES, SCENARIOS, WORKER

NEXT_STEP_FIELDS = ("id", "step", "department", "required_role", "state", "due_at")


def looked_up(http, staff, code: str) -> list[dict]:
    response = http.get(f"/api/v1/dossiers/{code}", headers=staff["supervisor"].headers)
    assert response.status_code == 200, response.text
    return response.json()["open_steps"]


@pytest.mark.parametrize(("procedure", "path"), [("business_household", "happy"),
                                                 ("business_household", "supplement"),
                                                 ("ending_substitute_care", "happy")])
def test_each_completion_names_the_steps_a_look_up_would_show_until_none_remain(
        http, staff, procedure, path):
    receipt = received(http, staff["reception"], procedure=PROCEDURE_CODES[procedure],
                       form_data=SCENARIOS[procedure]["intake"])
    open_steps = receipt["open_steps"]
    answers = []
    for step, data in SCENARIOS[procedure][path]:
        (task,) = [s for s in open_steps if s["step"] == step]
        done = do_step(http, staff[WORKER[(task["department"], task["required_role"])]],
                       task["id"], data)
        assert done["state"] == "completed"
        open_steps = done["next_steps"]
        answers.append(open_steps)
        shown = looked_up(http, staff, receipt["code"])
        assert [{k: s[k] for k in NEXT_STEP_FIELDS} for s in open_steps] == [
            {k: s[k] for k in NEXT_STEP_FIELDS} for s in shown]
        assert [s["name"] for s in open_steps] == [s["step_name"] for s in shown]

    assert answers[-1] == []
    assert all(answers[:-1]), "every step but the last leaves the dossier a step to do"
    finished = http.get(f"/api/v1/dossiers/{receipt['code']}",
                        headers=staff["supervisor"].headers).json()
    assert finished["finished_at"] is not None


def test_a_refused_completion_answers_no_next_steps_and_changes_nothing(http, staff):
    receipt = received(http, staff["reception"])
    (review,) = receipt["open_steps"]
    office = staff["office"]
    assert http.post(f"/api/v1/tasks/{review['id']}/claim",
                     headers=office.headers).status_code == 200

    refused = http.post(f"/api/v1/tasks/{review['id']}/complete",
                        json={"form_data": {"review_decision": "maybe"}}, headers=office.headers)

    assert refused.status_code == 422
    assert "next_steps" not in refused.json()
    (still,) = looked_up(http, staff, receipt["code"])
    assert (still["id"], still["state"]) == (review["id"], "claimed")
