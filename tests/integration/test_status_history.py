"""Every status change is a row, and past periods of the progress report read them exactly.

A business household received on Wed 28 Jan 2026 at 09:00 is sent back for a supplement on
Thu 29 Jan, supplemented on Tue 3 Feb (the clock restarts: 3 working days → Fri 6 Feb
10:00) and processed on Mon 2 Mar. Each use case runs at the moment the test gives it.
"""

from datetime import date, datetime

import pytest
from sqlalchemy import select

from engine.calendar import VIETNAM
from engine.due import fire_all_due
from engine.models import DossierStatusChange
from engine.reports import period_of, progress_report
from tests.integration.test_due_work import do_step, receive
from tests.scenarios import SCENARIOS

HOUSEHOLD = SCENARIOS["business_household"]
SUPPLEMENT_REQUEST, SUPPLEMENT_BACK = HOUSEHOLD["supplement"][0][1], HOUSEHOLD["supplement"][1][1]
REVIEW_OK, APPROVAL, RETURN = (data for _, data in HOUSEHOLD["happy"])
JANUARY = period_of(date(2026, 1, 1), date(2026, 1, 31), VIETNAM)
FEBRUARY = period_of(date(2026, 2, 1), date(2026, 2, 28), VIETNAM)
MARCH = period_of(date(2026, 3, 1), date(2026, 3, 31), VIETNAM)
RECEIVED, NOW = datetime(2026, 1, 28, 9, tzinfo=VIETNAM), datetime(2026, 3, 2, 12, tzinfo=VIETNAM)
ACCEPTED, PROCESSING, SUPPLEMENT, STOPPED, PROCESSED, RETURNED = 2, 4, 5, 8, 9, 10


def at(month: int, day: int, hour: int) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=VIETNAM)


def history(session, dossier) -> list[tuple]:
    session.expire_all()
    return [(c.from_status, c.to_status, c.at, c.by_user_id) for c in session.scalars(
        select(DossierStatusChange).where(DossierStatusChange.dossier_id == dossier.id)
        .order_by(DossierStatusChange.at, DossierStatusChange.id))]


def total(session, period: tuple[datetime, datetime]):
    start, end = period
    *_, row = progress_report(session, period_start=start, period_end=end, group_by="procedure",
                              now=NOW)
    return row


@pytest.fixture
def supplemented(session, app, staff):
    """The household, paused for a supplement in January and resumed in February."""
    dossier = receive(session, app, staff, "business_household", now=RECEIVED)
    do_step(session, app, staff["economic"], dossier, "review", SUPPLEMENT_REQUEST, at(1, 29, 10))
    do_step(session, app, staff["reception"], dossier, "request_supplement", SUPPLEMENT_BACK,
            at(2, 3, 10))
    return dossier


def test_every_status_change_is_a_row_with_who_made_it(session, app, staff, supplemented):
    do_step(session, app, staff["economic"], supplemented, "review", REVIEW_OK, at(3, 2, 9))
    do_step(session, app, staff["economic_head"], supplemented, "head_approval", APPROVAL,
            at(3, 2, 10))
    do_step(session, app, staff["reception"], supplemented, "return_result", RETURN,
            at(3, 2, 11))

    reception, economic = staff["reception"].id, staff["economic"].id
    assert history(session, supplemented) == [
        (None, ACCEPTED, RECEIVED, reception),
        (ACCEPTED, PROCESSING, RECEIVED, reception),
        (PROCESSING, SUPPLEMENT, at(1, 29, 10), economic),
        (SUPPLEMENT, PROCESSING, at(2, 3, 10), reception),
        (PROCESSING, PROCESSED, at(3, 2, 10), staff["economic_head"].id),
        (PROCESSED, RETURNED, at(3, 2, 11), reception),
    ]


def test_a_dossier_closed_by_the_scheduler_has_a_row_by_nobody(session, app, staff):
    dossier = receive(session, app, staff, "business_household", now=RECEIVED)
    do_step(session, app, staff["economic"], dossier, "review", SUPPLEMENT_REQUEST, at(1, 29, 10))

    # Fifteen working days from Thu 29 Jan 10:00 end on Thu 19 Feb 10:00 without Tết (16–20
    # Feb); with it, Thu 26 Feb 10:00. Mid-March is past either.
    fire_all_due(session, app.extensions["motcua"], now=at(3, 16, 9))

    assert history(session, dossier)[-1] == (SUPPLEMENT, STOPPED, at(3, 16, 9), None)


def test_a_dossier_paused_in_one_period_and_resumed_in_the_next_counts_right_in_both(
        session, supplemented):
    january, february = total(session, JANUARY), total(session, FEBRUARY)

    assert (january.received_new, january.paused, january.in_progress_within_deadline,
            january.in_progress_overdue) == (1, 1, 0, 0)
    # Resumed on 3 Feb with the clock restarted: due Fri 6 Feb 10:00, still open on 28 Feb.
    assert (february.received_carried_over, february.received_new, february.paused,
            february.in_progress_within_deadline, february.in_progress_overdue) == (
        1, 0, 0, 0, 1)


def test_past_periods_read_the_same_after_the_dossier_moved_on(session, app, staff,
                                                                 supplemented):
    before = [total(session, period) for period in (JANUARY, FEBRUARY)]

    do_step(session, app, staff["economic"], supplemented, "review", REVIEW_OK, at(3, 2, 9))
    do_step(session, app, staff["economic_head"], supplemented, "head_approval", APPROVAL,
            at(3, 2, 10))
    do_step(session, app, staff["reception"], supplemented, "return_result", RETURN,
            at(3, 2, 11))

    january, february, march = (total(session, p) for p in (JANUARY, FEBRUARY, MARCH))
    assert [january, february] == before
    assert (february.received_carried_over, february.paused, february.completed) == (1, 0, 0)
    assert (march.received_carried_over, march.completed, march.completed_late) == (1, 1, 1)
