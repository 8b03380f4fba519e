"""Supervisors search the audit trail by dossier, actor, action and period, and verify its chain."""

from datetime import datetime

import pytest
import time_machine
from sqlalchemy import JSON, bindparam, func, select, text

from engine import audit as engine_audit
from engine.calendar import VIETNAM
from engine.models import AuditEvent
from tests.e2e.helpers import APPLICANT
from tests.scenarios import PROCEDURE_CODES, SCENARIOS

MON_0900 = datetime(2026, 3, 2, 9, 0, tzinfo=VIETNAM)
MON_1000 = datetime(2026, 3, 2, 10, 0, tzinfo=VIETNAM)
TUE_0900 = datetime(2026, 3, 3, 9, 0, tzinfo=VIETNAM)
TUE_1000 = datetime(2026, 3, 3, 10, 0, tzinfo=VIETNAM)
WED_0900 = datetime(2026, 3, 4, 9, 0, tzinfo=VIETNAM)
WED_1000 = datetime(2026, 3, 4, 10, 0, tzinfo=VIETNAM)
# A business household collects its fee at receipt: the payment opens with the dossier.
RECEIPT_ACTIONS = ["dossier.received", "payment.opened", "task.opened", "dossier.status_changed"]


def receive_and_claim(http, staff, *, received_at: datetime, claimed_at: datetime) -> str:
    """Receive a business household dossier and have the economic officer claim its review."""
    with time_machine.travel(received_at, tick=False) as clock:
        response = http.post("/api/v1/dossiers", headers=staff["reception"].headers, json={
            "procedure_code": PROCEDURE_CODES["business_household"], "applicant": APPLICANT,
            "form_data": SCENARIOS["business_household"]["intake"]})
        assert response.status_code == 201, response.text
        dossier = response.json()
        clock.move_to(claimed_at)
        claim = http.post(f"/api/v1/tasks/{dossier['open_steps'][0]['id']}/claim",
                          headers=staff["economic"].headers)
        assert claim.status_code == 200, claim.text
    return dossier["code"]


@pytest.fixture
def two_dossiers(http, staff, session) -> tuple[str, str]:
    """One received Monday 09:00 and claimed 10:00; one received Tuesday 09:00, claimed 10:00.

    Their events are sealed, as the worker does within a second of their commit.
    """
    monday = receive_and_claim(http, staff, received_at=MON_0900, claimed_at=MON_1000)
    tuesday = receive_and_claim(http, staff, received_at=TUE_0900, claimed_at=TUE_1000)
    engine_audit.seal(session)
    return monday, tuesday


def audit(http, person, **params):
    return http.get("/api/v1/audit", headers=person.headers, params=params)


def events(http, person, **params) -> list[dict]:
    response = audit(http, person, **params)
    assert response.status_code == 200, response.text
    return response.json()


def test_filtering_by_dossier_lists_only_its_events_oldest_first(http, staff, two_dossiers):
    monday, _ = two_dossiers

    found = events(http, staff["supervisor"], dossier_code=monday)

    assert [(e["dossier_code"], e["action"]) for e in found] == [
        (monday, action) for action in [*RECEIPT_ACTIONS, "task.claimed"]]
    assert [e["seq"] for e in found] == sorted(e["seq"] for e in found)
    assert found[0]["actor"] == "reception"
    assert found[0]["occurred_at"] == "2026-03-02T02:00:00+00:00"


def test_filtering_by_actor_lists_only_that_users_events(http, staff, two_dossiers):
    monday, tuesday = two_dossiers

    found = events(http, staff["supervisor"], actor="economic")

    assert [(e["actor"], e["action"], e["dossier_code"], e["after"]) for e in found] == [
        ("economic", "task.claimed", monday, {"assignee": "economic"}),
        ("economic", "task.claimed", tuesday, {"assignee": "economic"}),
    ]


def test_filtering_by_action_lists_only_that_action(http, staff, two_dossiers):
    monday, tuesday = two_dossiers

    found = events(http, staff["admin"], action="dossier.received")

    assert [(e["action"], e["dossier_code"]) for e in found] == [
        ("dossier.received", monday), ("dossier.received", tuesday)]


def test_a_period_includes_its_start_and_excludes_its_end(http, staff, two_dossiers):
    monday, _ = two_dossiers

    # From Monday's claim up to the moment Tuesday's dossier was received.
    found = events(http, staff["supervisor"], since=MON_1000.isoformat(),
                   until=TUE_0900.isoformat())

    assert [(e["action"], e["dossier_code"], e["occurred_at"]) for e in found] == [
        ("task.claimed", monday, "2026-03-02T03:00:00+00:00")]


def test_filters_combine_and_pages_follow_the_chain_order(http, staff, two_dossiers):
    _, tuesday = two_dossiers
    everything = events(http, staff["supervisor"], page_size=200)

    second_page = events(http, staff["supervisor"], page=2, page_size=3)
    tuesday_by_reception = events(http, staff["supervisor"], dossier_code=tuesday,
                                  actor="reception", since=TUE_0900.isoformat())

    assert [e["seq"] for e in everything] == list(range(1, len(everything) + 1))
    assert second_page == everything[3:6]
    assert [e["action"] for e in tuesday_by_reception] == RECEIPT_ACTIONS


def test_a_period_that_ends_before_it_starts_is_a_422(http, staff):
    response = audit(http, staff["supervisor"], since=TUE_0900.isoformat(),
                     until=MON_0900.isoformat())

    assert response.status_code == 422
    assert [f["field"] for f in response.json()["error"]["details"]["fields"]] == ["until"]


@pytest.mark.parametrize("path", ["/api/v1/audit", "/api/v1/audit/verify"])
def test_an_officer_may_not_read_the_audit_trail(http, staff, path):
    response = http.get(path, headers=staff["economic"].headers)

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "not_permitted"


def test_verify_reports_an_untouched_chain_intact(http, staff, session, two_dossiers):
    stored = session.scalar(select(func.count()).select_from(AuditEvent))

    response = http.get("/api/v1/audit/verify", headers=staff["supervisor"].headers)

    assert response.status_code == 200, response.text
    assert response.json() == {"intact": True, "events": stored, "first_broken_seq": None,
                               "reason": None, "unsealed": 0, "oldest_unsealed_at": None}


def test_events_not_sealed_yet_are_listed_without_hashes_and_counted_apart(http, staff,
                                                                         two_dossiers):
    sealed = events(http, staff["supervisor"], page_size=200)
    wednesday = receive_and_claim(http, staff, received_at=WED_0900, claimed_at=WED_1000)

    fresh = events(http, staff["supervisor"], dossier_code=wednesday)
    response = http.get("/api/v1/audit/verify", headers=staff["supervisor"].headers)

    assert [(e["action"], e["seq"], e["prev_hash"], e["hash"]) for e in fresh] == [
        (action, None, None, None) for action in [*RECEIPT_ACTIONS, "task.claimed"]]
    assert [e["id"] for e in fresh] == sorted(e["id"] for e in fresh)
    assert min(e["id"] for e in fresh) > max(e["id"] for e in sealed)
    assert response.json() == {"intact": True, "events": len(sealed), "first_broken_seq": None,
                               "reason": None, "unsealed": len(fresh),
                               "oldest_unsealed_at": "2026-03-04T02:00:00+00:00"}


def test_verify_names_the_event_whose_content_was_changed(http, staff, session, two_dossiers):
    [claim] = events(http, staff["supervisor"], action="task.claimed", dossier_code=two_dossiers[0])
    session.execute(text("UPDATE audit_events SET after = :after WHERE seq = :seq")
                    .bindparams(bindparam("after", type_=JSON)),
                    {"after": {"assignee": "office2"}, "seq": claim["seq"]})
    session.commit()

    response = http.get("/api/v1/audit/verify", headers=staff["admin"].headers)

    assert response.status_code == 200, response.text
    assert response.json() == {"intact": False, "events": claim["seq"] - 1,
                               "first_broken_seq": claim["seq"],
                               "reason": "content changed after it was written", "unsealed": 0,
                               "oldest_unsealed_at": None}


def test_a_dossier_s_history_shows_each_event_s_place_in_the_chain_once_sealed(http, staff,
                                                                              session):
    code = receive_and_claim(http, staff, received_at=MON_0900, claimed_at=MON_1000)

    def history() -> list[dict]:
        response = http.get(f"/api/v1/dossiers/{code}/history",
                            headers=staff["supervisor"].headers)
        assert response.status_code == 200, response.text
        return response.json()

    written = history()
    engine_audit.seal(session)
    sealed = history()

    assert [(e["action"], e["seq"]) for e in written] == [
        (action, None) for action in [*RECEIPT_ACTIONS, "task.claimed"]]
    assert [e["id"] for e in sealed] == [e["id"] for e in written] == sorted(
        e["id"] for e in written)
    first = sealed[0]["seq"]  # after the staff's user.created events
    assert [e["seq"] for e in sealed] == [first + n for n in range(len(sealed))]
