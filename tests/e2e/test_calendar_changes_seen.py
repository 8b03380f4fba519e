"""The working calendar is built once per change, and a change counts from the next request."""

from sqlalchemy import event

from api.extensions import db
from tests.e2e.helpers import REVIEW_APPROVE, received
from tests.e2e.other_process import motcua

NEW_YEARS_EVE = "2026-12-31"


def day(http, staff, when: str) -> dict:
    response = http.get(f"/api/v1/calendar/days/{when}", headers=staff["office"].headers)
    assert response.status_code == 200, response.text
    return response.json()


def test_a_closure_declared_by_another_process_counts_from_the_next_request(
        http, staff, database, pg_only):
    assert day(http, staff, NEW_YEARS_EVE)["working"] is True

    motcua(database, "calendar", "override", "set", NEW_YEARS_EVE, "--off",
           "--note", "Local closure")

    assert day(http, staff, NEW_YEARS_EVE) == {"date": NEW_YEARS_EVE, "working": False,
                                               "reason": "Local closure"}
    motcua(database, "calendar", "override", "delete", NEW_YEARS_EVE)
    assert day(http, staff, NEW_YEARS_EVE)["working"] is True


def test_a_completion_builds_a_changed_calendar_once_and_the_next_none(http, staff):
    first, second = (received(http, staff["reception"])["open_steps"][0] for _ in range(2))
    office = staff["office"]
    changed = http.put(f"/api/v1/calendar/overrides/{NEW_YEARS_EVE}",
                       json={"working": False, "note": "Local closure"},
                       headers=staff["admin"].headers)
    assert changed.status_code == 200, changed.text
    reads = []

    def seen(_conn, _cursor, statement, *_args):
        if "FROM calendar_overrides" in statement:
            reads.append(statement)

    event.listen(db.engine, "before_cursor_execute", seen)
    try:
        counts = []
        for task in (first, second):
            before = len(reads)
            http.post(f"/api/v1/tasks/{task['id']}/claim", headers=office.headers)
            done = http.post(f"/api/v1/tasks/{task['id']}/complete",
                             json={"form_data": REVIEW_APPROVE}, headers=office.headers)
            assert done.status_code == 200, done.text
            counts.append(len(reads) - before)
    finally:
        event.remove(db.engine, "before_cursor_execute", seen)

    assert counts == [1, 0]
    assert day(http, staff, NEW_YEARS_EVE)["working"] is False
