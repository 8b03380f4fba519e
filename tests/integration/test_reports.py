"""Supervisor reports over a hand-built February 2026 that spans the Tết holiday (16–20 Feb).

Every expected number below was worked out by hand from the rows built in `february`; the
comments next to each row give the working-time arithmetic behind its appointment, due
time, waited and worked hours (office hours 08–12 and 13–17, Tết and weekends off).
"""

from dataclasses import dataclass, replace
from datetime import date, datetime
from itertools import count

import pytest
from sqlalchemy import func, select

from api.scheduling import due_pass
from engine.calendar import VIETNAM
from engine.dossier_versions import get_published_version_or_raise
from engine.errors import InvalidInput
from engine.models import Dossier, DossierStatusChange, HumanTask, Procedure, StepTimingRollup
from engine.reports import (
    Headline,
    MonthlyOnTimeRow,
    ProgressRow,
    headline,
    on_time_by_month,
    period_of,
    progress_report,
    step_timings,
    whole_percent,
)
from engine.step_rollups import histogram_percentile, roll_up_completed_steps, spans_covering
from tests.conftest import in_two_sessions_at_once

BIRTH, COPY, CARE, LAND, HOUSEHOLD = (
    "1.001193", "2.000815", "MC.CTTT.001", "MC.DD.001", "MC.HKD.001")
COUNTER, ONLINE, POST = 1, 2, 3
FEB_START, FEB_END = period_of(date(2026, 2, 1), date(2026, 2, 28), VIETNAM)
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=VIETNAM)  # Monday after the period
_numbers = count(1)


def at(month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """A moment of 2026 in Hà Nội."""
    return datetime(2026, month, day, hour, minute, tzinfo=VIETNAM)


def add_dossier(session, procedure: str, *, received: datetime, status: int, channel: int,
                appointment: datetime | None, components: tuple[int, int, int] = (0, 0, 0),
                processed: datetime | None = None, outcome: str | None = None,
                finished: datetime | None = None, paused: datetime | None = None,
                pause_reason: str | None = None) -> Dossier:
    total, digitised, reused = components
    number = next(_numbers)
    changes = status_changes(received, status, processed, finished, paused, pause_reason)
    version = get_published_version_or_raise(session, procedure)
    dossier = Dossier(
        code=f"TEST-{number:04d}", procedure_code=procedure, procedure_version_id=version.id,
        spec_hash=version.spec_hash,
        status=status, channel=channel, applicant={}, intake={}, fee_vnd=0,
        components_total=total, components_digitised=digitised, components_reused=reused,
        pin_hash="0" * 64, received_at=received, updated_at=max(at for at, _ in changes),
        finished_at=finished, workflow_state="{}", appointment_at=appointment,
        processed_at=processed, outcome=outcome, clock_paused_at=paused,
        clock_pause_reason=pause_reason)
    session.add(dossier)
    session.flush()
    for moment, (before, after) in changes:
        session.add(DossierStatusChange(dossier_id=dossier.id, from_status=before,
                                        to_status=after, at=moment))
    return dossier


def status_changes(received, status, processed, finished, paused, pause_reason):
    """The status history the engine writes for a dossier that ended up as described."""
    path = [(received, 2), (received, 4)]
    if pause_reason == "citizen":
        path.append((paused, 5))
    if status in (9, 10):
        path.append((processed or received, 9))
    if status in (3, 7, 8, 10):
        path.append((finished or processed or received, status))
    froms = [None] + [to for _, to in path]
    return [(moment, (before, to)) for (moment, to), before in zip(path, froms, strict=False)
            if before != to]


def add_step(session, dossier: Dossier, step: str, *, department: str, budget: float,
             created: datetime, due: datetime, state: str, counted: bool = True,
             holder: int | None = None, claimed: datetime | None = None,
             completed: datetime | None = None, outcome: str | None = None,
             waited: float | None = None, worked: float | None = None) -> HumanTask:
    task = HumanTask(
        dossier_id=dossier.id, dossier_code=dossier.code,
        workflow_task_id=f"wf-{next(_numbers)}", step=step, step_name=f"Bước {step}",
        department_code=department, form_key="x", budget_hours=budget, counted=counted,
        state=state, assignee_id=holder, created_at=created, claimed_at=claimed,
        completed_at=completed, completed_by=holder if state == "completed" else None,
        due_at=due, outcome=outcome, waited_hours=waited, worked_hours=worked)
    session.add(task)
    return task


@pytest.fixture
def february(session, staff):
    """Sixteen dossiers around February 2026 and the steps officers worked on them."""
    economic, economic_head = staff["economic"].id, staff["economic_head"].id
    office, culture, reception = staff["office"].id, staff["culture"].id, staff["reception"].id
    leader = staff["leader"].id

    # D1 household, carried over: 3 working days from Thu 29 Jan 09:00 = Tue 3 Feb 09:00;
    # processed Mon 2 Feb, a working day before the due day: early.
    d1 = add_dossier(session, HOUSEHOLD, received=at(1, 29, 9), status=10, channel=COUNTER,
                     components=(3, 3, 0), appointment=at(2, 3, 9), processed=at(2, 2, 10, 30),
                     outcome="early", finished=at(2, 2, 11))
    # Review: due 16 h from Thu 29 Jan 09:00 = Mon 2 Feb 09:00, done before the period.
    add_step(session, d1, "review", department="ECONOMIC", budget=16, created=at(1, 29, 9),
             due=at(2, 2, 9), state="completed", holder=economic, claimed=at(1, 29, 9),
             completed=at(1, 30, 16), outcome="early", waited=0, worked=14)
    # Approval: due 8 h from Fri 30 Jan 16:00 = Mon 2 Feb 16:00; waited 16–17 + 08–08:30.
    add_step(session, d1, "head_approval", department="ECONOMIC", budget=8,
             created=at(1, 30, 16), due=at(2, 2, 16), state="completed", holder=economic_head,
             claimed=at(2, 2, 8, 30), completed=at(2, 2, 10, 30), outcome="on_time",
             waited=1.5, worked=2)
    # D2 birth, processed in January: outside February altogether.
    add_dossier(session, BIRTH, received=at(1, 23, 9), status=10, channel=COUNTER,
                components=(2, 2, 0), appointment=at(1, 23, 17), processed=at(1, 23, 14),
                outcome="on_time", finished=at(1, 23, 15))
    # D3 substitute care, carried over: 5 working days from Wed 28 Jan 10:00 = Wed 4 Feb
    # 10:00; still in progress at the end of February: overdue.
    d3 = add_dossier(session, CARE, received=at(1, 28, 10), status=4, channel=ONLINE,
                     components=(4, 4, 0), appointment=at(2, 4, 10))
    # Review held by the culture officer: due 16 h from Fri 30 Jan 10:00 = Tue 3 Feb 10:00.
    add_step(session, d3, "review_draft", department="CULTURE_SOCIAL", budget=16,
             created=at(1, 30, 10), due=at(2, 3, 10), state="claimed", holder=culture,
             claimed=at(2, 2, 8), waited=6)
    # D4 household at the counter on Fri 13 Feb 10:00, across Tết: 6 h on Friday, 8 on Mon 23,
    # 8 on Tue 24, 2 on Wed 25 → appointment Wed 25 Feb 10:00; processed Tue 24: early.
    d4 = add_dossier(session, HOUSEHOLD, received=at(2, 13, 10), status=10, channel=COUNTER,
                     components=(4, 2, 2), appointment=at(2, 25, 10), processed=at(2, 24, 11),
                     outcome="early", finished=at(2, 25, 9, 30))
    # Review: due Fri 6 h + Mon 8 h + Tue 2 h = Tue 24 Feb 10:00; claimed Fri 11:00 (waited 1);
    # worked Fri 11–17 (5) + Mon 23 08–15 (6) = 11; done Monday, a day early.
    add_step(session, d4, "review", department="ECONOMIC", budget=16, created=at(2, 13, 10),
             due=at(2, 24, 10), state="completed", holder=economic, claimed=at(2, 13, 11),
             completed=at(2, 23, 15), outcome="early", waited=1, worked=11)
    # Approval: due Mon 23 15:00 + 8 h = Tue 24 15:00; waited 2 + 0.5, worked 08:30–11:00.
    add_step(session, d4, "head_approval", department="ECONOMIC", budget=8,
             created=at(2, 23, 15), due=at(2, 24, 15), state="completed", holder=economic_head,
             claimed=at(2, 24, 8, 30), completed=at(2, 24, 11), outcome="on_time",
             waited=2.5, worked=2.5)
    # Returning the result is not counted: due Tue 24 11:00 + 4 h = 16:00, returned Wed 25.
    add_step(session, d4, "return_result", department="RECEPTION", budget=4, counted=False,
             created=at(2, 24, 11), due=at(2, 24, 16), state="completed", holder=reception,
             claimed=at(2, 25, 8), completed=at(2, 25, 9, 30), outcome="late",
             waited=5, worked=1.5)
    # D5 household online on Thu 12 Feb 14:00: 3 + 8 + 8 + 5 h = Tue 24 Feb 14:00; late.
    d5 = add_dossier(session, HOUSEHOLD, received=at(2, 12, 14), status=10, channel=ONLINE,
                     components=(2, 0, 2), appointment=at(2, 24, 14), processed=at(2, 26, 10, 30),
                     outcome="late", finished=at(2, 26, 15))
    # Review: due Thu 3 + Fri 8 + Mon 5 h = Mon 23 Feb 14:00; waited Thu 3 + Fri 8 + Mon 1 = 12;
    # worked Mon 7 + Tue 8 + Wed 7 = 22; done Wed 25 16:00: late.
    add_step(session, d5, "review", department="ECONOMIC", budget=16, created=at(2, 12, 14),
             due=at(2, 23, 14), state="completed", holder=economic, claimed=at(2, 23, 9),
             completed=at(2, 25, 16), outcome="late", waited=12, worked=22)
    # Approval: due Wed 1 + Thu 7 h = Thu 26 16:00; waited 1, worked 08:00–10:30.
    add_step(session, d5, "head_approval", department="ECONOMIC", budget=8,
             created=at(2, 25, 16), due=at(2, 26, 16), state="completed", holder=economic_head,
             claimed=at(2, 26, 8), completed=at(2, 26, 10, 30), outcome="on_time",
             waited=1, worked=2.5)
    # D6 substitute care by post on Thu 26 Feb 09:00: 7 + 8 + 8 + 8 + 8 + 1 h = Thu 5 Mar 09:00.
    d6 = add_dossier(session, CARE, received=at(2, 26, 9), status=4, channel=POST,
                     components=(5, 5, 0), appointment=at(3, 5, 9))
    # Reception's receive step: due 09:00 + 4 h = 14:00, done at 10:00.
    add_step(session, d6, "receive", department="RECEPTION", budget=4, created=at(2, 26, 9),
             due=at(2, 26, 14), state="completed", holder=reception, claimed=at(2, 26, 9),
             completed=at(2, 26, 10), outcome="on_time", waited=0, worked=1)
    # Nobody has taken the assignment: due 10:00 + 4 h = 15:00, overdue in the queue.
    add_step(session, d6, "assign_handler", department="CULTURE_SOCIAL", budget=4,
             created=at(2, 26, 10), due=at(2, 26, 15), state="ready")
    # D7 birth at the counter Tue 10 Feb 15:30, after the cut-off: due Wed 11 Feb 17:00;
    # waiting for a supplement since Wed 11 Feb 10:00.
    d7 = add_dossier(session, BIRTH, received=at(2, 10, 15, 30), status=5, channel=COUNTER,
                     components=(2, 1, 0), appointment=at(2, 11, 17), paused=at(2, 11, 10),
                     pause_reason="citizen")
    # Review: due Tue 1.5 + Wed 2.5 h = Wed 10:30; waited 1.5, worked 08–10.
    add_step(session, d7, "review", department="OFFICE", budget=4, created=at(2, 10, 15, 30),
             due=at(2, 11, 10, 30), state="completed", holder=office, claimed=at(2, 11, 8),
             completed=at(2, 11, 10), outcome="on_time", waited=1.5, worked=2)
    # The supplement request waits for the citizen and is not counted.
    add_step(session, d7, "request_supplement", department="OFFICE", budget=120, counted=False,
             created=at(2, 11, 10), due=at(3, 11, 10), state="ready")
    # D8 certified copy refused on Mon 9 Feb: the engine stamps processed_at on refusal too.
    d8 = add_dossier(session, COPY, received=at(2, 9, 8, 30), status=3, channel=COUNTER,
                     components=(1, 1, 0), appointment=at(2, 9, 17), processed=at(2, 9, 10),
                     outcome="on_time", finished=at(2, 9, 10))
    # Certify: due 08:30 + 4 h = 13:30; waited 0.25, worked 08:45–10:00.
    add_step(session, d8, "certify", department="OFFICE", budget=4, created=at(2, 9, 8, 30),
             due=at(2, 9, 13, 30), state="completed", holder=office, claimed=at(2, 9, 8, 45),
             completed=at(2, 9, 10), outcome="on_time", waited=0.25, worked=1.25)
    # D9 household online, withdrawn by the citizen on Thu 5 Feb.
    d9 = add_dossier(session, HOUSEHOLD, received=at(2, 4, 9), status=7, channel=ONLINE,
                     components=(3, 0, 3), appointment=at(2, 9, 9), finished=at(2, 5, 10))
    # Its review was cancelled: no cancellation time, so no report counts it.
    add_step(session, d9, "review", department="ECONOMIC", budget=16, created=at(2, 4, 9),
             due=at(2, 6, 9), state="cancelled", holder=economic, claimed=at(2, 4, 10),
             waited=1)
    # D10 birth closed for want of a supplement on Tue 24 Feb (status 8, finished).
    add_dossier(session, BIRTH, received=at(2, 2, 9), status=8, channel=COUNTER,
                components=(2, 2, 0), appointment=at(2, 2, 17), paused=at(2, 2, 11),
                pause_reason="citizen", finished=at(2, 24, 9))
    # D11 birth received after the period.
    add_dossier(session, BIRTH, received=at(3, 2, 8, 30), status=4, channel=COUNTER,
                components=(2, 2, 0), appointment=at(3, 2, 17))
    # D12 certified copy on Fri 27 Feb 09:00, due the same day 17:00: overdue at the end.
    d12 = add_dossier(session, COPY, received=at(2, 27, 9), status=4, channel=COUNTER,
                      components=(2, 1, 1), appointment=at(2, 27, 17))
    # Certify held by the office officer: due 09:00 + 4 h = 14:00.
    add_step(session, d12, "certify", department="OFFICE", budget=4, created=at(2, 27, 9),
             due=at(2, 27, 14), state="claimed", holder=office, claimed=at(2, 27, 9, 30),
             waited=0.5)
    # D13 land, carried over: 20 working days from Mon 5 Jan 09:00 = Mon 2 Feb 09:00, but the
    # clock stopped for public posting on Tue 20 Jan (not counted): within the deadline.
    add_dossier(session, LAND, received=at(1, 5, 9), status=4, channel=ONLINE,
                components=(6, 6, 0), appointment=at(2, 2, 9), paused=at(1, 20, 10),
                pause_reason="not_counted")
    # D14 birth on Fri 27 Feb 16:00, after the cut-off: due Mon 2 Mar 17:00; processed in March.
    d14 = add_dossier(session, BIRTH, received=at(2, 27, 16), status=9, channel=COUNTER,
                      components=(3, 3, 0), appointment=at(3, 2, 17), processed=at(3, 2, 8, 30),
                      outcome="on_time")
    # Review: due Fri 1 + Mon 3 h = Mon 2 Mar 11:00; open at the end of February.
    add_step(session, d14, "review", department="OFFICE", budget=4, created=at(2, 27, 16),
             due=at(3, 2, 11), state="completed", holder=office, claimed=at(3, 2, 8),
             completed=at(3, 2, 8, 15), outcome="on_time", waited=1, worked=0.25)
    # Signing opened in March: outside February.
    add_step(session, d14, "sign", department="LEADERSHIP", budget=2, created=at(3, 2, 8, 15),
             due=at(3, 2, 10, 15), state="completed", holder=leader, claimed=at(3, 2, 8, 20),
             completed=at(3, 2, 8, 30), outcome="on_time", waited=0.08, worked=0.17)
    # D15 household online on Tue 17 Feb 20:00, during Tết: counting starts Mon 23 Feb 08:00,
    # 24 h → Wed 25 Feb 17:00; processed Wed 25 14:00: on time.
    d15 = add_dossier(session, HOUSEHOLD, received=at(2, 17, 20), status=9, channel=ONLINE,
                      components=(2, 1, 1), appointment=at(2, 25, 17), processed=at(2, 25, 14),
                      outcome="on_time")
    # Review: due Mon 23 08:00 + 16 h = Tue 24 17:00; waited Mon 08–09 (Tết is not working
    # time), worked 09–16 less lunch = 6; done Monday: early.
    add_step(session, d15, "review", department="ECONOMIC", budget=16, created=at(2, 17, 20),
             due=at(2, 24, 17), state="completed", holder=economic, claimed=at(2, 23, 9),
             completed=at(2, 23, 16), outcome="early", waited=1, worked=6)
    # Approval: due Mon 1 + Tue 7 h = Tue 24 16:00; waited Mon 1 + Tue 8 + Wed 1 = 10,
    # worked Wed 09–14 less lunch = 4; done Wednesday: late.
    add_step(session, d15, "head_approval", department="ECONOMIC", budget=8,
             created=at(2, 23, 16), due=at(2, 24, 16), state="completed", holder=economic_head,
             claimed=at(2, 25, 9), completed=at(2, 25, 14), outcome="late", waited=10, worked=4)
    # D16 birth online on Sat 31 Jan 21:00, processed Sunday 1 Feb 06:30 in Hà Nội (still
    # 31 January in UTC): counts in February, on time against Mon 2 Feb 17:00.
    add_dossier(session, BIRTH, received=at(1, 31, 21), status=10, channel=ONLINE,
                components=(1, 0, 1), appointment=at(2, 2, 17), processed=at(2, 1, 6, 30),
                outcome="on_time", finished=at(2, 1, 6, 45))
    session.commit()


@dataclass(frozen=True)
class Expected:
    """The dossier columns of a progress row, in the order of ProgressRow."""

    carried: int
    new: int
    counter: int
    online: int
    post: int
    early: int
    on_time: int
    late: int
    within: int
    overdue: int
    paused: int
    stopped: int
    withdrawn: int
    refused: int
    digitised: float | None
    reused: float | None
    online_share: float | None


def dossier_row(key, name, e: Expected, is_total=False) -> ProgressRow:
    return ProgressRow(
        key=key, name=name, is_total=is_total, received_carried_over=e.carried,
        received_new=e.new, received_total=e.carried + e.new, received_counter=e.counter,
        received_online=e.online, received_post=e.post,
        completed=e.early + e.on_time + e.late, completed_early=e.early,
        completed_on_time=e.on_time, completed_late=e.late,
        in_progress_within_deadline=e.within, in_progress_overdue=e.overdue, paused=e.paused,
        stopped=e.stopped, withdrawn=e.withdrawn, refused=e.refused,
        digitised_share=e.digitised, reused_share=e.reused, online_share=e.online_share)


def step_row(key, name, *, early=0, on_time=0, late=0, within=0, overdue=0,
             is_total=False) -> ProgressRow:
    return ProgressRow(
        key=key, name=name, is_total=is_total, received_carried_over=None, received_new=None,
        received_total=None, received_counter=None, received_online=None, received_post=None,
        completed=early + on_time + late, completed_early=early, completed_on_time=on_time,
        completed_late=late, in_progress_within_deadline=within, in_progress_overdue=overdue,
        paused=None, stopped=None, withdrawn=None, refused=None, digitised_share=None,
        reused_share=None, online_share=None)


#                     carried new cnt onl post  E  OT  L  in  ovd pau stp wdr ref
BIRTH_ROW = Expected(1, 3, 3, 0, 0, 0, 1, 0, 1, 0, 1, 1, 0, 0,
                     0.8571, 0.0, 0.0)  # components 7 handed in, 6 digitised, 0 reused
COPY_ROW = Expected(0, 2, 2, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1,
                    0.6667, 0.3333, 0.0)  # 3 handed in, 2 digitised, 1 reused
CARE_ROW = Expected(1, 1, 0, 0, 1, 0, 0, 0, 1, 1, 0, 0, 0, 0,
                    1.0, 0.0, 0.0)  # 5 handed in, all digitised
LAND_ROW = Expected(1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0,
                    None, None, None)  # nothing received in February
HOUSEHOLD_ROW = Expected(1, 4, 1, 3, 0, 2, 1, 1, 0, 0, 0, 0, 1, 0,
                         0.2727, 0.7273, 0.75)  # 11 handed in, 3 digitised, 8 reused
TOTAL_ROW = Expected(4, 10, 6, 3, 1, 2, 2, 1, 3, 2, 1, 1, 1, 1,
                     0.6154, 0.3462, 0.3)  # 26 handed in, 16 digitised, 9 reused


def test_progress_by_procedure_counts_every_column_of_february(session, february):
    rows = progress_report(session, period_start=FEB_START, period_end=FEB_END,
                           group_by="procedure", now=NOW)

    names = {code: name for code, name in session.execute(select(Procedure.code,
                                                                 Procedure.name_vi))}
    assert rows == [
        dossier_row(BIRTH, names[BIRTH], BIRTH_ROW),
        dossier_row(COPY, names[COPY], COPY_ROW),
        dossier_row(CARE, names[CARE], CARE_ROW),
        dossier_row(LAND, names[LAND], LAND_ROW),
        dossier_row(HOUSEHOLD, names[HOUSEHOLD], HOUSEHOLD_ROW),
        dossier_row(None, "Tổng cộng", TOTAL_ROW, is_total=True),
    ]


def test_progress_by_department_groups_procedures_under_their_responsible_department(
        session, february):
    rows = progress_report(session, period_start=FEB_START, period_end=FEB_END,
                           group_by="department", now=NOW)

    assert [(row.key, row.name) for row in rows] == [
        ("CULTURE_SOCIAL", "Phòng Văn hóa - Xã hội"), ("ECONOMIC", "Phòng Kinh tế"),
        ("OFFICE", "Văn phòng Hội đồng nhân dân và Ủy ban nhân dân (tư pháp, hộ tịch, "
                   "chứng thực, văn thư)"),
        (None, "Tổng cộng")]
    assert rows[0] == dossier_row("CULTURE_SOCIAL", rows[0].name, CARE_ROW)
    #                                carried new cnt onl post E OT L in ovd pau stp wdr ref
    assert rows[1] == dossier_row("ECONOMIC", rows[1].name, Expected(
        2, 4, 1, 3, 0, 2, 1, 1, 1, 0, 0, 0, 1, 0, 0.2727, 0.7273, 0.75))
    assert rows[2] == dossier_row("OFFICE", rows[2].name, Expected(
        1, 5, 5, 0, 0, 0, 1, 0, 1, 1, 1, 1, 0, 1, 0.8, 0.1, 0.0))  # 10 handed in, 8 + 1
    assert rows[3] == dossier_row(None, "Tổng cộng", TOTAL_ROW, is_total=True)


def test_every_dossier_in_scope_lands_in_exactly_one_outcome_column(session, february):
    [*_, total] = progress_report(session, period_start=FEB_START, period_end=FEB_END,
                                  group_by="procedure", now=NOW)

    assert total.received_total == 14
    assert total.received_total == (
        total.completed + total.in_progress_within_deadline + total.in_progress_overdue
        + total.paused + total.stopped + total.withdrawn + total.refused)


def test_progress_by_officer_counts_counted_steps_by_who_completed_or_holds_them(
        session, february):
    rows = progress_report(session, period_start=FEB_START, period_end=FEB_END,
                           group_by="officer", now=NOW)

    assert rows == [
        step_row("culture", "culture", overdue=1),
        step_row("economic", "economic", early=2, late=1),
        step_row("economic_head", "economic_head", on_time=3, late=1),
        step_row("office", "office", on_time=2, within=1, overdue=1),
        step_row("reception", "reception", on_time=1),
        step_row(None, "Chưa phân công", overdue=1),
        step_row(None, "Tổng cộng", early=2, on_time=6, late=2, within=1, overdue=3,
                 is_total=True),
    ]


def test_an_appointment_later_today_is_not_overdue_while_the_period_runs(session, february):
    friday_noon = at(2, 27, 12)

    [*_, total] = progress_report(session, period_start=FEB_START, period_end=FEB_END,
                                  group_by="procedure", now=friday_noon)

    # Only D3 (due 4 Feb) is late by Friday noon; D12 is due at 17:00.
    assert (total.in_progress_overdue, total.in_progress_within_deadline) == (1, 4)


def test_an_unknown_grouping_is_refused(session):
    with pytest.raises(InvalidInput, match="choose one of"):
        progress_report(session, period_start=FEB_START, period_end=FEB_END,
                        group_by="village", now=NOW)


# The worker may have rolled up none, some or all of the completed steps: same answer.
ROLLED_UP = {"none": 0, "some": 1, "all": None}


@pytest.fixture(params=ROLLED_UP)
def rolled_up(request, session, february):
    """Roll up none, one batch of four, or all of February's completed steps."""
    batches = ROLLED_UP[request.param]
    if batches != 0:
        roll_up_completed_steps(session, zone=VIETNAM, batch=4, max_batches=batches)
    return request.param


def february_timings(session, **kwargs):
    return step_timings(session, first_day=date(2026, 2, 1), last_day=date(2026, 2, 28),
                        zone=VIETNAM, **kwargs)


def test_step_timings_rank_the_slowest_step_against_its_budget_first(session, rolled_up):
    rows = february_timings(session)

    got = [(r.rank, r.procedure_code, r.step, r.department_code, r.counted, r.completed,
            r.waited_mean, r.waited_median, r.waited_p90, r.worked_mean, r.worked_median,
            r.worked_p90, r.budget_hours, r.load, r.late_share) for r in rows]
    assert got == [
        # waited 1, 1, 12; worked 6, 11, 22: p90 at position 1.8 → 1 + 0.8 × 11, 11 + 0.8 × 11;
        # load (14/3 + 13) / 16.
        (1, HOUSEHOLD, "review", "ECONOMIC", True, 3, 4.67, 1.0, pytest.approx(9.8), 13.0,
         11.0, pytest.approx(19.8), 16.0, 1.1042, 0.3333),
        (2, BIRTH, "review", "OFFICE", True, 1, 1.5, 1.5, 1.5, 2.0, 2.0, 2.0, 4.0, 0.875, 0.0),
        # waited 1, 1.5, 2.5, 10: median 2, p90 at 2.7 → 2.5 + 0.7 × 7.5;
        # worked 2, 2.5, 2.5, 4: p90 2.5 + 0.7 × 1.5; load (3.75 + 2.75) / 8.
        (3, HOUSEHOLD, "head_approval", "ECONOMIC", True, 4, 3.75, 2.0, pytest.approx(7.75),
         2.75, 2.5, pytest.approx(3.55), 8.0, 0.8125, 0.25),
        (4, COPY, "certify", "OFFICE", True, 1, 0.25, 0.25, 0.25, 1.25, 1.25, 1.25, 4.0,
         0.375, 0.0),
        (5, CARE, "receive", "RECEPTION", True, 1, 0.0, 0.0, 0.0, 1.0, 1.0, 1.0, 4.0, 0.25,
         0.0),
        (None, HOUSEHOLD, "return_result", "RECEPTION", False, 1, 5.0, 5.0, 5.0, 1.5, 1.5,
         1.5, 4.0, 1.625, 1.0),
    ]
    assert rows[0].step_name == "Bước review"


def test_step_timings_of_one_procedure_rank_its_steps_only(session, rolled_up):
    rows = february_timings(session, procedure_code=HOUSEHOLD)

    assert [(r.rank, r.step) for r in rows] == [
        (1, "review"), (2, "head_approval"), (None, "return_result")]


def test_histogram_percentiles_interpolate_like_postgresql_percentile_cont():
    # Histograms count hundredths of an hour: {100: 2} is two steps of 1.00 h.
    assert histogram_percentile({}, 0.5) is None
    assert histogram_percentile({700: 1}, 0.9) == 7.0
    assert histogram_percentile({100: 1, 200: 1, 300: 1, 400: 1}, 0.5) == 2.5
    assert histogram_percentile({v * 100: 1 for v in range(1, 11)}, 0.9) == pytest.approx(9.1)
    # 1, 1, 1, 5: the median lies between two equal values, the p90 at 2.7 → 1 + 0.7 × 4.
    assert histogram_percentile({100: 3, 500: 1}, 0.5) == 1.0
    assert histogram_percentile({100: 3, 500: 1}, 0.9) == pytest.approx(3.8)


def test_rolling_up_again_adds_nothing(session, february):
    first, more = roll_up_completed_steps(session, zone=VIETNAM)
    again, _ = roll_up_completed_steps(session, zone=VIETNAM)

    completed = session.scalar(select(func.count()).select_from(HumanTask)
                               .where(HumanTask.state == "completed"))
    months = session.scalars(select(StepTimingRollup).where(StepTimingRollup.span == "month"))
    assert (first, more, again) == (completed, False, 0)
    assert sum(m.completed for m in months) == completed


def test_a_step_counts_on_the_local_day_it_was_completed(session, staff):
    """23:30 on 28 Feb in Hà Nội is still February; 00:30 on 1 Mar is March, in UTC both Feb."""
    dossier = add_dossier(session, COPY, received=at(2, 27, 9), status=10, channel=COUNTER,
                          appointment=at(2, 27, 17))
    for completed, worked in ((at(2, 28, 23, 30), 1.25), (at(3, 1, 0, 30), 2.5)):
        add_step(session, dossier, "certify", department="OFFICE", budget=4,
                 created=at(2, 27, 9), due=at(2, 27, 13), state="completed",
                 holder=staff["office"].id, claimed=at(2, 27, 9), completed=completed,
                 outcome="late", waited=0, worked=worked)
    before = [february_timings(session)[0].worked_mean,
              step_timings(session, first_day=date(2026, 3, 1), last_day=date(2026, 3, 1),
                           zone=VIETNAM)[0].worked_mean]

    roll_up_completed_steps(session, zone=VIETNAM)

    days = session.execute(select(StepTimingRollup.span, StepTimingRollup.starts_on)
                           .order_by(StepTimingRollup.starts_on, StepTimingRollup.span)).all()
    assert days == [("month", date(2026, 2, 1)), ("day", date(2026, 2, 28)),
                    ("day", date(2026, 3, 1)), ("month", date(2026, 3, 1))]
    after = [february_timings(session)[0].worked_mean,
             step_timings(session, first_day=date(2026, 3, 1), last_day=date(2026, 3, 1),
                          zone=VIETNAM)[0].worked_mean]
    assert before == after == [1.25, 2.5]


def test_a_period_reads_whole_months_and_the_days_around_them():
    months, days = spans_covering(date(2026, 1, 30), date(2026, 4, 2))
    assert months == [date(2026, 2, 1), date(2026, 3, 1)]
    assert days == [date(2026, 1, 30), date(2026, 1, 31), date(2026, 4, 1), date(2026, 4, 2)]
    assert spans_covering(date(2026, 2, 1), date(2026, 2, 27)) == (
        [], [date(2026, 2, d) for d in range(1, 28)])
    assert spans_covering(date(2025, 12, 1), date(2025, 12, 31)) == ([date(2025, 12, 1)], [])


def test_the_headline_of_february_reads_like_the_commune_report(session, february):
    figures = headline(session, period_start=FEB_START, period_end=FEB_END, now=NOW)

    # Received in February: D4–D10, D12, D14, D15; all but D7 (1 of 2 scanned) fully
    # digitised; 9 of 26 components reused; completed early or on time: D1, D4, D15, D16.
    assert figures == Headline(
        first_day=date(2026, 2, 1), last_day=date(2026, 2, 28), received=10,
        processed_and_digitised=9, digitised_share=0.9, components_total=26,
        components_reused=9, reused_share=0.3462, early_or_on_time=4,
        in_progress_within_deadline=3, overdue=2)
    assert figures.text() == (
        "From 1 February 2026 to 28 February 2026: 10 dossiers received, 9 processed and "
        "digitised (90%), reused components 35%, 4 processed early or on time, 3 in progress "
        "within deadline, 2 overdue.")
    assert figures.text_vi() == (
        "Từ ngày 01/02/2026 đến ngày 28/02/2026: tiếp nhận 10 hồ sơ, xử lý và số hóa 9 hồ sơ "
        "(đạt 90%), tái sử dụng thành phần hồ sơ đạt 35%, giải quyết trước hạn và đúng hạn "
        "4 hồ sơ, 3 hồ sơ đang giải quyết trong hạn, 2 hồ sơ quá hạn.")


XUAN_HOA = Headline(
    first_day=date(2025, 7, 1), last_day=date(2025, 11, 12), received=3366,
    processed_and_digitised=3366, digitised_share=1.0, components_total=9120,
    components_reused=9120, reused_share=1.0, early_or_on_time=3341,
    in_progress_within_deadline=24, overdue=1)


def test_the_headline_renders_the_xuan_hoa_sentence_exactly():
    assert XUAN_HOA.text() == (
        "From 1 July 2025 to 12 November 2025: 3,366 dossiers received, 3,366 processed and "
        "digitised (100%), reused components 100%, 3,341 processed early or on time, 24 in "
        "progress within deadline, 1 overdue.")
    assert XUAN_HOA.text_vi() == (
        "Từ ngày 01/07/2025 đến ngày 12/11/2025: tiếp nhận 3.366 hồ sơ, xử lý và số hóa "
        "3.366 hồ sơ (đạt 100%), tái sử dụng thành phần hồ sơ đạt 100%, giải quyết trước hạn "
        "và đúng hạn 3.341 hồ sơ, 24 hồ sơ đang giải quyết trong hạn, 1 hồ sơ quá hạn.")


def test_a_share_short_of_everything_never_shows_as_100_percent():
    one_missing = replace(XUAN_HOA, processed_and_digitised=3365)

    assert "3,365 processed and digitised (99%)" in one_missing.text()
    assert whole_percent(1, 3366) == 1
    assert whole_percent(1, 8) == 13  # 12.5 rounds half up
    assert whole_percent(0, 0) is None


def test_an_empty_period_reads_zero_and_no_shares(session):
    start, end = period_of(date(2026, 4, 1), date(2026, 4, 30), VIETNAM)

    figures = headline(session, period_start=start, period_end=end, now=NOW)

    assert figures.text() == (
        "From 1 April 2026 to 30 April 2026: 0 dossiers received, 0 processed and digitised "
        "(n/a), reused components n/a, 0 processed early or on time, 0 in progress within "
        "deadline, 0 overdue.")


def test_on_time_rate_by_month_buckets_by_local_month_and_department(session, february):
    start, end = period_of(date(2026, 1, 1), date(2026, 2, 28), VIETNAM)

    rows = on_time_by_month(session, period_start=start, period_end=end)

    office = "Văn phòng Hội đồng nhân dân và Ủy ban nhân dân (tư pháp, hộ tịch, chứng thực, " \
             "văn thư)"
    # January: D2. February: D1, D4, D15 good and D5 late; D16, processed on 1 February in
    # Hà Nội, stays in February; D8 was refused and is not a completion.
    assert rows == [
        MonthlyOnTimeRow("2026-01", "OFFICE", office, 1, 1, 1.0),
        MonthlyOnTimeRow("2026-02", "ECONOMIC", "Phòng Kinh tế", 4, 3, 0.75),
        MonthlyOnTimeRow("2026-02", "OFFICE", office, 1, 1, 1.0),
    ]


def test_a_period_ending_before_it_starts_is_refused():
    with pytest.raises(InvalidInput, match="give from ≤ to"):
        period_of(date(2026, 3, 1), date(2026, 2, 1), VIETNAM)


def test_two_workers_rolling_up_at_once_count_every_step_once(app, session, staff, pg_only):
    dossier = add_dossier(session, COPY, received=at(2, 2, 9), status=10, channel=COUNTER,
                          appointment=at(2, 2, 17))
    for n in range(60):
        add_step(session, dossier, "certify", department="OFFICE", budget=4,
                 created=at(2, 2, 9), due=at(2, 2, 13), state="completed",
                 holder=staff["office"].id, claimed=at(2, 2, 9),
                 completed=at(2, 2 + n % 20, 10), outcome="on_time", waited=0, worked=n / 4)
    session.commit()

    rolled = in_two_sessions_at_once(
        lambda own: roll_up_completed_steps(own, zone=VIETNAM, batch=3)[0])

    assert sum(rolled) == 60
    for span in ("day", "month"):
        totals = session.execute(select(func.sum(StepTimingRollup.completed),
                                        func.sum(StepTimingRollup.worked_sum))
                                 .where(StepTimingRollup.span == span)).one()
        assert tuple(totals) == (60, sum(n / 4 for n in range(60)))
    [row] = february_timings(session)
    assert (row.completed, row.worked_median) == (60, 7.38)


def test_the_worker_s_pass_rolls_up_completed_steps(app, session, february):
    session.commit()
    before = february_timings(session)

    again_at = due_pass(app)(NOW)

    waiting = session.scalar(select(func.count()).select_from(HumanTask)
                             .where(HumanTask.state == "completed", ~HumanTask.in_rollup))
    assert waiting == 0 and again_at != NOW
    assert february_timings(session) == before
