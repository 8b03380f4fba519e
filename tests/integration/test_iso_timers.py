"""A timer written as bpmn.io writes it, a bare ISO-8601 `P7D`, waits seven calendar days."""

from datetime import datetime

import time_machine
from sqlalchemy import select

from engine.calendar import VIETNAM
from engine.due import fire_all_due
from engine.models import AuditEvent, Dossier
from tests.integration.test_bpmn_timers import (
    MON_0900,
    MON_1000,
    SIGN,
    do_step,
    open_steps,
    publish_fixture,
    receive,
    steps,
)

# Seven calendar days after Mon 2 Mar 10:00, the weekend counted: Mon 9 Mar 10:00. A duration
# starts at the engine clock's now, which engine.timing puts one microsecond past the use
# case's instant (so a timer due at that instant fires): the step opens just after 10:00.
DUE = datetime(2026, 3, 9, 10, 0, tzinfo=VIETNAM)
JUST_BEFORE = datetime(2026, 3, 9, 9, 59, tzinfo=VIETNAM)
JUST_AFTER = datetime(2026, 3, 9, 10, 1, tzinfo=VIETNAM)


def test_a_bare_p7d_timer_waits_seven_calendar_days_then_opens_the_next_step(session, app,
                                                                              staff):
    ctx = app.extensions["motcua"]
    procedure = publish_fixture(app, "iso_timer")
    with time_machine.travel(MON_0900, tick=False) as clock:
        dossier = receive(session, app, staff, procedure, MON_0900)
        (prepare,) = steps(session, dossier, "prepare")
        clock.move_to(MON_1000)
        do_step(session, app, staff["office"], prepare, SIGN, MON_1000)
        session.expire_all()
        waiting = session.get(Dossier, dossier.id)
        assert waiting.timer_due_at.replace(microsecond=0) == DUE
        assert open_steps(session, waiting) == []

        clock.move_to(JUST_BEFORE)
        early = fire_all_due(session, ctx, now=JUST_BEFORE)
        clock.move_to(JUST_AFTER)
        fired = fire_all_due(session, ctx, now=JUST_AFTER)

    session.expire_all()
    assert (early, fired) == (0, 1)
    assert open_steps(session, session.get(Dossier, dossier.id)) == ["x"]
    actions = session.scalars(select(AuditEvent.action).where(
        AuditEvent.dossier_code == dossier.code, AuditEvent.action == "timer.fired")).all()
    assert actions == ["timer.fired"]
