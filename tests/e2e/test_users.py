"""Staff accounts over HTTP: admins create, list, deactivate, activate, rotate and revoke."""

import pytest

from engine import notifications
from engine.models import User
from tests.conftest import NOW, snapshot
from tests.e2e.helpers import BIRTH, open_step, received


def me(http, token: str):
    """Make an authenticated request with this token (the dossier list any officer reads)."""
    return http.get("/api/v1/dossiers", headers={"Authorization": f"Bearer {token}"})


def audited(http, staff, action: str) -> list[tuple[str, dict]]:
    events = http.get("/api/v1/audit", params={"action": action},
                      headers=staff["admin"].headers).json()
    return [(event["actor"], event["after"]) for event in events]


def test_an_admin_creates_a_user_whose_token_works_once_shown(http, staff):
    response = http.post("/api/v1/users", json={
        "username": "officer.new", "role": "officer", "department": "OFFICE",
        "full_name": "Trần Thị Mới"}, headers=staff["admin"].headers)

    assert response.status_code == 201, response.text
    user = response.json()
    assert (user["username"], user["role"], user["department"], user["active"]) == (
        "officer.new", "officer", "OFFICE", True)
    assert me(http, user["token"]).status_code == 200
    assert ("admin", {"username": "officer.new", "role": "officer", "department": "OFFICE"}
            ) in audited(http, staff, "user.created")
    shown = http.get(f"/api/v1/users/{user['id']}", headers=staff["admin"].headers).json()
    assert "token" not in shown


def test_admins_list_users_filtered_by_role_department_and_activity(http, staff):
    admin = staff["admin"].headers
    http.post(f"/api/v1/users/{staff['office2'].id}/deactivate", headers=admin)

    officers = http.get("/api/v1/users", params={"role": "officer", "department": "OFFICE"},
                        headers=admin)
    inactive = http.get("/api/v1/users", params={"active": "false"}, headers=admin)

    assert officers.status_code == 200, officers.text
    assert [(u["username"], u["active"]) for u in officers.json()] == [
        ("office", True), ("office2", False)]
    assert [u["username"] for u in inactive.json()] == ["office2"]


def test_deactivation_takes_effect_on_the_next_request_and_activation_restores(http, staff):
    office, admin = staff["office"], staff["admin"].headers
    assert me(http, office.token).status_code == 200

    deactivated = http.post(f"/api/v1/users/{office.id}/deactivate", headers=admin)

    assert deactivated.status_code == 200 and deactivated.json()["active"] is False
    assert me(http, office.token).status_code == 401
    assert http.post(f"/api/v1/users/{office.id}/activate", headers=admin).status_code == 200
    assert me(http, office.token).status_code == 200
    assert audited(http, staff, "user.deactivated") == [
        ("admin", {"username": "office", "active": False})]
    assert audited(http, staff, "user.activated") == [
        ("admin", {"username": "office", "active": True})]


def test_a_rotated_token_replaces_the_old_one(http, staff):
    office = staff["office"]

    rotated = http.post(f"/api/v1/users/{office.id}/token", headers=staff["admin"].headers)

    assert rotated.status_code == 200, rotated.text
    new_token = rotated.json()["token"]
    assert new_token != office.token
    assert me(http, office.token).status_code == 401
    assert me(http, new_token).status_code == 200
    assert audited(http, staff, "user.token_rotated") == [("admin", {"username": "office"})]


def test_a_revoked_token_fails_until_a_new_one_is_rotated_in(http, staff):
    office, admin = staff["office"], staff["admin"].headers

    revoked = http.delete(f"/api/v1/users/{office.id}/token", headers=admin)

    assert revoked.status_code == 200, revoked.text
    assert me(http, office.token).status_code == 401
    new_token = http.post(f"/api/v1/users/{office.id}/token", headers=admin).json()["token"]
    assert me(http, new_token).status_code == 200
    assert audited(http, staff, "user.token_revoked") == [("admin", {"username": "office"})]


@pytest.mark.parametrize("person", ["supervisor", "office_head", "designer"])
def test_only_admins_manage_users_and_a_refusal_changes_nothing(http, staff, session, person):
    headers, target = staff[person].headers, staff["office"].id
    before = snapshot(session)

    answers = [
        http.get("/api/v1/users", headers=headers),
        http.get(f"/api/v1/users/{target}", headers=headers),
        http.post("/api/v1/users", json={"username": "x", "role": "admin"}, headers=headers),
        http.post(f"/api/v1/users/{target}/deactivate", headers=headers),
        http.post(f"/api/v1/users/{target}/activate", headers=headers),
        http.post(f"/api/v1/users/{target}/token", headers=headers),
        http.delete(f"/api/v1/users/{target}/token", headers=headers),
    ]

    assert [a.status_code for a in answers] == [403] * len(answers)
    assert {a.json()["error"]["code"] for a in answers} == {"not_permitted"}
    assert snapshot(session) == before


def test_a_step_cannot_be_assigned_to_a_deactivated_user(http, staff, session):
    code = received(http, staff["reception"], procedure=BIRTH)["code"]
    review = open_step(http, staff["office_head"], code, "review")
    http.post(f"/api/v1/users/{staff['office2'].id}/deactivate", headers=staff["admin"].headers)
    before = snapshot(session)

    response = http.post(f"/api/v1/tasks/{review['id']}/assign",
                         json={"assignee_id": staff["office2"].id},
                         headers=staff["office_head"].headers)

    assert response.status_code == 422, response.text
    assert response.json()["error"]["details"]["field"] == "assignee_id"
    assert snapshot(session) == before


def test_notifications_skip_deactivated_recipients(http, staff, session):
    http.post(f"/api/v1/users/{staff['office_head'].id}/deactivate",
              headers=staff["admin"].headers)
    session.expire_all()
    people = [session.get(User, staff[name].id) for name in ("office_head", "supervisor")]

    sent = notifications.notify(session, kind=notifications.Kind.DOSSIER_REMINDER,
                                recipients=people, dossier_code="X", message="m", now=NOW)

    assert sent == 1
