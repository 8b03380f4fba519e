"""Who sees which dossiers: the access policy over HTTP, and the reads of personal data it logs."""

import pytest

from api.extensions import db
from engine import notifications
from engine.accounts import create_user
from engine.models import User
from tests.conftest import NOW, snapshot
from tests.e2e.helpers import BIRTH, do_step, open_step, received
from tests.scenarios import PROCEDURE_CODES, SCENARIOS, WORKER

CARE = PROCEDURE_CODES["ending_substitute_care"]
LAND = PROCEDURE_CODES["first_land_registration"]
HOUSEHOLD = PROCEDURE_CODES["business_household"]
LAND_STEPS = dict(SCENARIOS["first_land_registration"]["happy"])
DOSSIER_VIEWS = ("", "/history", "/control-sheet", "/control-sheet?format=csv", "/apology")


def receive(http, staff, scenario: str, by: str = "reception") -> str:
    return received(http, staff[by], procedure=PROCEDURE_CODES[scenario],
                    form_data=SCENARIOS[scenario]["intake"])["code"]


def work(http, staff, code: str, step: str, form_data: dict) -> None:
    """Have the right member of staff claim and complete the dossier's open step."""
    task = open_step(http, staff["supervisor"], code, step)
    do_step(http, staff[WORKER[(task["department"], task["required_role"])]], task["id"],
            form_data)


def not_found(code: str) -> dict:
    """The body an unknown dossier code answers."""
    return {"error": {"status": 404, "code": "dossier_not_found",
                      "message": f"Không có hồ sơ nào mã {code}.", "details": {"code": code}}}


def listed(http, person, **params) -> set[str]:
    response = http.get("/api/v1/dossiers", params=params, headers=person.headers)
    assert response.status_code == 200, response.text
    return {item["code"] for item in response.json()["items"]}


def test_an_unknown_dossier_answers_404_in_the_shape_a_hidden_one_will(http, staff):
    code = "H99.99-260302-9999"

    response = http.get(f"/api/v1/dossiers/{code}", headers=staff["supervisor"].headers)

    assert response.status_code == 404
    assert response.json() == not_found(code)


@pytest.mark.parametrize("view", DOSSIER_VIEWS)
def test_the_land_branch_cannot_read_a_child_protection_dossier(http, staff, view):
    code = receive(http, staff, "ending_substitute_care")

    response = http.get(f"/api/v1/dossiers/{code}{view}", headers=staff["land"].headers)

    assert response.status_code == 404
    assert response.json() == not_found(code)


def test_a_child_protection_dossier_is_absent_from_the_land_branchs_lists(http, staff):
    code = receive(http, staff, "ending_substitute_care")

    assert listed(http, staff["land"]) == set()
    assert listed(http, staff["land"], procedure_code=CARE) == set()
    tasks = http.get("/api/v1/tasks", params={"dossier_code": code},
                     headers=staff["land"].headers)
    assert (tasks.status_code, tasks.json()) == (200, [])
    assert listed(http, staff["supervisor"]) == {code}


def test_an_economic_officer_sees_a_household_but_not_a_birth_registration(http, staff):
    birth = received(http, staff["reception"], procedure=BIRTH)["code"]
    household = receive(http, staff, "business_household")

    assert http.get(f"/api/v1/dossiers/{birth}",
                    headers=staff["economic"].headers).json() == not_found(birth)
    assert http.get(f"/api/v1/dossiers/{household}",
                    headers=staff["economic"].headers).status_code == 200
    assert listed(http, staff["economic"]) == {household}
    assert listed(http, staff["office"]) == {birth}


def test_the_land_branch_sees_a_land_dossier_once_it_is_handed_over_and_afterwards(http, staff):
    code = receive(http, staff, "first_land_registration")
    for step in ("receive", "review", "public_posting"):
        work(http, staff, code, step, LAND_STEPS[step])
    assert http.get(f"/api/v1/dossiers/{code}", headers=staff["land"].headers).status_code == 404
    assert listed(http, staff["land"]) == set()

    work(http, staff, code, "confirm", LAND_STEPS["confirm"])

    assert http.get(f"/api/v1/dossiers/{code}", headers=staff["land"].headers).status_code == 200
    assert listed(http, staff["land"]) == {code}
    work(http, staff, code, "branch_review", LAND_STEPS["branch_review"])
    assert http.get(f"/api/v1/dossiers/{code}/history",
                    headers=staff["land"].headers).status_code == 200


def test_a_step_of_a_dossier_you_see_but_do_not_work_on_stays_403(http, staff):
    code = receive(http, staff, "first_land_registration")
    work(http, staff, code, "receive", LAND_STEPS["receive"])
    review = open_step(http, staff["supervisor"], code, "review")

    shown = http.get(f"/api/v1/tasks/{review['id']}", headers=staff["reception"].headers)

    assert http.get(f"/api/v1/dossiers/{code}", headers=staff["reception"].headers).status_code \
        == 200
    assert shown.status_code == 403
    assert shown.json()["error"]["code"] == "not_permitted"


@pytest.mark.parametrize("person", ["reception2", "leader", "supervisor", "admin"])
def test_reception_leaders_supervisors_and_admins_see_every_dossier(http, staff, person):
    codes = {receive(http, staff, scenario) for scenario in
             ("ending_substitute_care", "business_household", "first_land_registration")}

    assert listed(http, staff[person]) == codes
    for code in codes:
        for view in DOSSIER_VIEWS[:3]:
            assert http.get(f"/api/v1/dossiers/{code}{view}",
                            headers=staff[person].headers).status_code == 200


def test_in_an_external_agency_even_a_leader_sees_only_what_is_handed_to_it(http, staff):
    code = receive(http, staff, "ending_substitute_care")
    _, token = create_user(db.session, username="branch.director", role="leader",
                           department_code="LAND_BRANCH", now=NOW)
    director = {"Authorization": f"Bearer {token}"}

    response = http.get(f"/api/v1/dossiers/{code}", headers=director)

    assert response.json() == not_found(code)
    assert http.get("/api/v1/dossiers", headers=director).json()["total"] == 0
    assert http.get(f"/api/v1/dossiers/{code}", headers=staff["leader"].headers
                    ).status_code == 200


def test_notifications_about_dossiers_you_may_not_see_are_not_listed(http, staff, session):
    hidden = receive(http, staff, "ending_substitute_care")
    handed = receive(http, staff, "first_land_registration")
    for step in ("receive", "review", "public_posting", "confirm"):
        work(http, staff, handed, step, LAND_STEPS[step])
    land = session.get(User, staff["land"].id)
    for code in (hidden, handed):
        notifications.notify(session, kind=notifications.Kind.DOSSIER_REMINDER,
                             recipients=[land], dossier_code=code, message=code, now=NOW)
    session.commit()

    listed_codes = [n["dossier_code"] for n in http.get(
        "/api/v1/notifications", headers=staff["land"].headers).json()]

    assert listed_codes == [handed]


def test_designers_read_no_dossiers_and_no_steps(http, staff):
    receive(http, staff, "business_household")

    dossiers = http.get("/api/v1/dossiers", headers=staff["designer"].headers)
    tasks = http.get("/api/v1/tasks", headers=staff["designer"].headers)

    assert (dossiers.status_code, tasks.status_code) == (403, 403)


def reads(http, person, **params):
    return http.get("/api/v1/personal-data-reads", params=params, headers=person.headers)


def test_reads_of_personal_data_are_recorded_and_supervisors_search_them(http, staff):
    code = receive(http, staff, "business_household")
    other = receive(http, staff, "ending_substitute_care")
    economic = staff["economic"].headers
    assert http.get(f"/api/v1/dossiers/{code}", headers=economic).status_code == 200
    assert http.get(f"/api/v1/dossiers/{code}/history", headers=economic).status_code == 200
    assert http.get("/api/v1/dossiers", headers=staff["reception2"].headers).status_code == 200
    assert http.get(f"/api/v1/dossiers/{code}", headers=staff["land"].headers).status_code == 404

    of_dossier = reads(http, staff["supervisor"], dossier_code=code)
    by_economic = reads(http, staff["admin"], actor="economic")

    assert of_dossier.status_code == 200, of_dossier.text
    assert [(r["actor"], r["dossier_code"], r["view"]) for r in of_dossier.json()] == [
        ("economic", code, "detail"), ("economic", code, "history"),
        ("reception2", code, "list")]
    assert [r["view"] for r in by_economic.json()] == ["detail", "history"]
    assert {r["dossier_code"] for r in reads(http, staff["supervisor"], actor="reception2")
            .json()} == {code, other}
    assert all(r["occurred_at"] for r in of_dossier.json())


@pytest.mark.parametrize("person", ["office_head", "leader", "reception"])
def test_only_supervisors_and_admins_search_reads_of_personal_data(http, staff, session,
                                                                     person):
    before = snapshot(session)

    response = reads(http, staff[person])

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "not_permitted"
    assert snapshot(session) == before
