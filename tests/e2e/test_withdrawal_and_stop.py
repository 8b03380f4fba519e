"""The citizen or reception withdraws a dossier (7), a head or leader stops one (8), over HTTP.

Every moment is Hà Nội time in March 2026; a birth registration received Monday 09:00 waits
for the office's review, then the leader's signature (its deciding step).
"""

import httpx
import pytest
import time_machine
from sqlalchemy import select

from engine.due import fire_all_due
from engine.models import Dossier, DossierStatusChange, HumanTask, Notification
from engine.runtime import Progress
from engine.statuses import DossierStatus
from engine.unit_of_work import DossierUnitOfWork
from tests.conftest import snapshot
from tests.e2e.heads_and_leaders import at, named
from tests.e2e.helpers import REVIEW_APPROVE, do_step, open_step, received
from tests.e2e.staff_app import post_form, sign_in
from tests.integration.test_bpmn_timers import publish_fixture
from tests.scenarios import SCENARIOS

REASON = "Công dân chuyển nơi cư trú, không tiếp tục đăng ký tại xã."


@pytest.fixture
def clock():
    """Stop the clock at Monday 2 March 2026, 09:00, for the test and its live server."""
    with time_machine.travel(at(2, 9), tick=False) as traveller:
        yield traveller


@pytest.fixture
def birth(http, staff, clock) -> dict:
    """A birth registration received Monday 09:00: its code and PIN, its review open."""
    return received(http, staff["reception"])


def withdraw_as_citizen(http, code: str, pin: str, **body):
    return http.post(f"/api/v1/public/dossiers/{code}/withdrawal", json={"pin": pin, **body})


def stop(http, person, code: str, **body):
    return http.post(f"/api/v1/dossiers/{code}/stop", json=body, headers=person.headers)


def withdraw(http, person, code: str, **body):
    return http.post(f"/api/v1/dossiers/{code}/withdrawal", json=body, headers=person.headers)


def wrong(pin: str) -> str:
    return f"{(int(pin) + 1) % 1_000_000:06d}"


def dossier_of(http, staff, code: str) -> dict:
    return http.get(f"/api/v1/dossiers/{code}", headers=staff["supervisor"].headers).json()


def actions(http, staff, code: str) -> list[str]:
    history = http.get(f"/api/v1/dossiers/{code}/history", headers=staff["supervisor"].headers)
    return [event["action"] for event in history.json()]


def inbox(http, person) -> list[str]:
    return [task["dossier_code"] for task in
            http.get("/api/v1/tasks", headers=person.headers).json()]


def citizen_notices(session, code: str) -> list[Notification]:
    session.expire_all()
    return list(session.scalars(select(Notification).where(
        Notification.dossier_code == code, Notification.recipient_id.is_(None))))


def assert_ended(http, staff, session, code: str, status: int) -> dict:
    """Assert the dossier ended in `status`: no open step, clock stopped, nothing due."""
    dossier = dossier_of(http, staff, code)
    assert dossier["status"] == status
    assert dossier["open_steps"] == []
    assert dossier["finished_at"] is not None
    assert dossier["remaining_working_hours"] is None and dossier["overdue"] is False
    assert dossier["clock_paused"] is False and dossier["processed_at"] is None
    session.expire_all()
    row = session.scalars(select(Dossier).where(Dossier.code == code)).one()
    assert (row.next_due_at, row.timer_due_at) == (None, None)
    session.commit()
    assert code not in inbox(http, staff["office"])
    return dossier


def test_a_citizen_withdraws_with_code_and_pin(http, staff, session, birth):
    code, pin = birth["code"], birth["pin"]

    answer = withdraw_as_citizen(http, code, pin, reason=REASON)
    lookup = http.post(f"/api/v1/public/dossiers/{code}/lookup", json={"pin": pin})

    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["status"] == 7
    assert body["status_label_vi"] == "Công dân yêu cầu rút hồ sơ"
    assert body["end_reason"] == REASON
    assert "applicant" not in body
    assert lookup.json()["status"] == 7 and lookup.json()["end_reason"] == REASON
    dossier = assert_ended(http, staff, session, code, 7)
    assert dossier["end_reason"] == REASON
    assert {"dossier.withdrawn", "task.cancelled"} <= set(actions(http, staff, code))
    (notice,) = citizen_notices(session, code)
    assert notice.kind == "dossier.withdrawn" and REASON in notice.message
    change = session.scalars(select(DossierStatusChange).order_by(
        DossierStatusChange.id.desc())).first()
    assert (change.to_status, change.reason, change.by_user_id) == (7, REASON, None)
    cancelled = session.scalars(select(HumanTask.state).where(HumanTask.dossier_code == code))
    assert list(cancelled) == ["cancelled"]


def test_a_wrong_pin_withdraws_nothing_and_is_throttled(http, staff, session, birth):
    code, pin = birth["code"], birth["pin"]
    before = snapshot(session)

    refusals = [withdraw_as_citizen(http, code, wrong(pin)) for _ in range(10)]
    throttled = withdraw_as_citizen(http, code, pin)

    assert {r.status_code for r in refusals} == {404}
    assert refusals[0].json()["error"]["code"] == "dossier_not_found"
    assert throttled.status_code == 429
    assert "Retry-After" in throttled.headers
    assert snapshot(session) == before


def test_reception_withdraws_at_the_citizens_request(http, staff, session, birth):
    code = birth["code"]

    officer = withdraw(http, staff["office"], code)
    answer = withdraw(http, staff["reception"], code, reason="  ")

    assert officer.status_code == 403
    assert officer.json()["error"]["details"]["reason"] == "withdraws_no_dossiers"
    assert answer.status_code == 200, answer.text
    assert answer.json()["end_reason"] is None
    assert_ended(http, staff, session, code, 7)
    change = session.scalars(select(DossierStatusChange).order_by(
        DossierStatusChange.id.desc())).first()
    assert change.by_user_id == staff["reception"].id
    assert len(citizen_notices(session, code)) == 1


def test_after_the_leader_signed_withdrawal_and_stop_are_refused_and_change_nothing(
        http, staff, session, birth, clock):
    code, pin = birth["code"], birth["pin"]
    clock.move_to(at(2, 10))
    do_step(http, staff["office"], open_step(http, staff["office"], code, "review")["id"],
            REVIEW_APPROVE)
    do_step(http, staff["leader"], open_step(http, staff["leader"], code, "sign")["id"],
            {"signer_position": "chairman"})
    before = snapshot(session)

    by_citizen = withdraw_as_citizen(http, code, pin)
    by_reception = withdraw(http, staff["reception"], code)
    by_leader = stop(http, staff["leader"], code, reason=REASON)

    for refused in (by_citizen, by_reception, by_leader):
        assert refused.status_code == 409, refused.text
        assert refused.json()["error"]["code"] == "dossier_decided"
    assert "ký duyệt" in by_citizen.json()["error"]["message"]
    assert snapshot(session) == before


def test_an_ended_dossier_cannot_be_withdrawn_again(http, staff, birth):
    code = birth["code"]
    assert withdraw(http, staff["reception"], code).status_code == 200

    again = stop(http, staff["office_head"], code, reason=REASON)

    assert again.status_code == 409
    assert again.json()["error"]["details"]["reason"] == "ended"


def test_a_head_stops_a_dossier_with_a_reason(http, staff, session, birth):
    code, pin = birth["code"], birth["pin"]

    answer = stop(http, staff["office_head"], code, reason=f"  {REASON} ")
    lookup = http.post(f"/api/v1/public/dossiers/{code}/lookup", json={"pin": pin}).json()

    assert answer.status_code == 200, answer.text
    assert answer.json()["status"] == 8 and answer.json()["end_reason"] == REASON
    assert (lookup["status"], lookup["status_label_vi"], lookup["end_reason"]) == (
        8, "Dừng xử lý", REASON)
    assert_ended(http, staff, session, code, 8)
    assert {"dossier.stopped", "task.cancelled"} <= set(actions(http, staff, code))
    (notice,) = citizen_notices(session, code)
    assert notice.kind == "dossier.stopped" and REASON in notice.message


def test_a_leader_stops_a_dossier(http, staff, birth):
    answer = stop(http, staff["leader"], birth["code"], reason=REASON)

    assert answer.status_code == 200, answer.text
    assert answer.json()["status"] == 8


@pytest.mark.parametrize("person", ["office", "reception", "economic_head"])
def test_only_a_head_working_on_it_or_a_leader_stops_a_dossier(http, staff, session, birth,
                                                               person):
    before = snapshot(session)

    refused = stop(http, staff[person], birth["code"], reason=REASON)

    # The economic head's department has no step of it: to them the dossier does not exist.
    assert refused.status_code == (404 if person == "economic_head" else 403), refused.text
    assert snapshot(session) == before


@pytest.mark.parametrize("body", [{}, {"reason": ""}, {"reason": "   "}])
def test_a_stop_without_a_reason_is_refused(http, staff, session, birth, body):
    before = snapshot(session)

    refused = stop(http, staff["office_head"], birth["code"], **body)

    assert refused.status_code == 422, refused.text
    assert "reason" in refused.text
    assert snapshot(session) == before


def test_a_withdrawn_dossier_fires_no_timer_due_later(http, staff, session, app, clock):
    ctx = app.extensions["motcua"]
    dossier = _timer_dossier(http, staff, session, publish_fixture(app, "timer_step"), clock)

    answer = withdraw(http, staff["reception"], dossier)
    clock.move_to(at(3, 9))
    fired = fire_all_due(session, ctx, now=at(3, 9))

    assert answer.status_code == 200, answer.text
    assert fired == 0
    ended = assert_ended(http, staff, session, dossier, 7)
    assert ended["status"] == 7
    workflow = DossierUnitOfWork(session, ctx, now=at(3, 9))
    workflow.adopt(session.scalars(select(Dossier).where(Dossier.code == dossier)).one())
    assert ctx.runtime.progress(workflow.model(), workflow.restore()).timer_due_at is None
    session.rollback()


def _timer_dossier(http, staff, session, procedure: str, clock) -> str:
    """Receive a timer_step dossier and complete `prepare` at 10:00: its timer waits to 15:00."""
    code = received(http, staff["reception"], procedure=procedure,
                    form_data=SCENARIOS["certified_copy"]["intake"])["code"]
    clock.move_to(at(2, 10))
    do_step(http, staff["office"], open_step(http, staff["office"], code, "prepare")["id"],
            {"signer_position": "chairman"})
    assert dossier_of(http, staff, code)["open_steps"] == []
    session.expire_all()
    waiting = session.scalars(select(Dossier).where(Dossier.code == code)).one()
    assert waiting.timer_due_at == at(2, 15)
    session.commit()
    return code


def test_a_held_status_survives_a_later_projection(http, staff, session, app, birth):
    code = birth["code"]
    assert stop(http, staff["office_head"], code, reason=REASON).status_code == 200
    ctx = app.extensions["motcua"]

    with DossierUnitOfWork(session, ctx, now=at(2, 11)) as uow:
        uow.lock(Dossier.code == code)
        uow.project(Progress([], False, DossierStatus.PROCESSING), open_rows=[], actor="test",
                    by=None)
        uow.commit()

    assert dossier_of(http, staff, code)["status"] == 8
    session.expire_all()
    changes = session.scalars(select(DossierStatusChange.to_status).join(Dossier).where(
        Dossier.code == code).order_by(DossierStatusChange.id))
    assert list(changes) == [2, 4, 8]


def test_the_progress_report_counts_withdrawn_and_stopped_dossiers(http, staff, birth):
    withdrawn, stopped = birth["code"], received(http, staff["reception"])["code"]
    paused_before = _total(http, staff)["paused"]
    assert withdraw(http, staff["reception"], withdrawn).status_code == 200
    assert stop(http, staff["office_head"], stopped, reason=REASON).status_code == 200

    total = _total(http, staff)

    assert (total["withdrawn"], total["stopped"], total["received_total"]) == (1, 1, 2)
    assert total["paused"] == paused_before == 0
    assert total["in_progress_within_deadline"] == 0


def _total(http, staff) -> dict:
    report = http.get("/api/v1/reports/progress", params={"from": "2026-03-01",
                                                          "to": "2026-03-31"},
                      headers=staff["supervisor"].headers)
    assert report.status_code == 200, report.text
    return report.json()["rows"][-1]


def test_the_dossier_page_offers_each_their_end_action(http, live_server, staff, session,
                                                       birth):
    named(staff, session)
    code = birth["code"]
    page = f"/ho-so/{code}"
    with httpx.Client(base_url=live_server, timeout=30) as desk:
        sign_in(desk, "reception")
        reception = desk.get(page).text

    sign_in(http, "office_head")
    head = http.get(page).text
    blank = post_form(http, page, f"{page}/dung-xu-ly", {"reason": " "})
    stopped = post_form(http, page, f"{page}/dung-xu-ly", {"reason": REASON})
    after = http.get(page).text

    assert 'data-testid="withdraw-form"' in reception and 'data-testid="stop-form"' not in reception
    assert 'data-testid="stop-form"' in head and 'data-testid="withdraw-form"' not in head
    assert blank.status_code == 422 and 'data-testid="end-error"' in blank.text
    assert stopped.status_code == 302
    assert 'data-testid="stop-form"' not in after
    assert REASON in after and "Dừng xử lý" in after
