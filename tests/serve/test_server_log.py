"""An unhandled error in the shipped server leaves its traceback in the server's log."""

from contextlib import closing

import httpx
from sqlalchemy import create_engine, update

from engine.models import Dossier
from tests.faults.clients import Api
from tests.faults.harness import create_staff, wait_for


def corrupt_status(database, code: str) -> None:
    """Write a status no release of motcua knows, as a bad manual fix of the data would."""
    engine = create_engine(database.sqlalchemy_url)
    try:
        with engine.begin() as conn:
            conn.execute(update(Dossier).where(Dossier.code == code).values(status=9999))
    finally:
        engine.dispose()


def test_an_unhandled_error_is_logged_with_its_traceback_in_the_servers_log(
        one_database, shipped, deadline, cleanup):
    staff = create_staff(one_database)
    server = shipped(one_database).serve_as_shipped("serve")
    wait_for(server.ready, timeout=deadline.within(60), what="motcua serve to answer",
             interval=0.2)
    receptionist = staff.kind("reception")[0]
    api = cleanup.enter_context(closing(Api([server.base_url], timeout=30)))
    code = api.receive(receptionist).body["code"]
    corrupt_status(one_database, code)

    answer = httpx.get(f"{server.base_url}/api/v1/dossiers/{code}",
                       headers=receptionist.headers, timeout=30)

    assert answer.status_code == 500
    assert answer.json()["error"]["code"] == "internal_error"
    assert "9999" not in answer.text  # nothing of the internals leaks to the client
    log = wait_for(lambda: _traceback_in(server.log_path), timeout=deadline.within(10),
                   what="the traceback in the server's log")
    assert "9999" in log and "unhandled error" in log


def _traceback_in(path) -> str | None:
    text = path.read_text(encoding="utf-8", errors="replace")
    start = text.find("Traceback (most recent call last)")
    return None if start < 0 else text[text.rfind("\n", 0, start - 100) + 1:]
