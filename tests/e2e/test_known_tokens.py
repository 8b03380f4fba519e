"""A token's user is not read again on every request, yet account changes count at once.

The changes are made by another process, as an admin's `motcua user …` beside a running
server would: the very next request of the user sees them, on SQLite and PostgreSQL.
"""

from sqlalchemy import event

from api.extensions import db
from tests.e2e.other_process import motcua, python

CHANGE_ROLE = """
import sys
from sqlalchemy import create_engine
from sqlalchemy.orm import Session
from engine.models import User

with Session(create_engine(sys.argv[1])) as session:
    user = session.get(User, int(sys.argv[2]))
    user.role, user.department_code = sys.argv[3], None
    session.commit()
"""


def dossiers(http, token: str):
    """Make an authenticated request with this token (the dossier list any officer reads)."""
    return http.get("/api/v1/dossiers", headers={"Authorization": f"Bearer {token}"})


def users(http, token: str):
    """Ask for the list of users: admins only."""
    return http.get("/api/v1/users", headers={"Authorization": f"Bearer {token}"})


def test_a_user_deactivated_by_another_process_is_refused_on_the_very_next_request(
        http, staff, database):
    office = staff["office"]
    assert dossiers(http, office.token).status_code == 200
    assert dossiers(http, office.token).status_code == 200

    motcua(database, "user", "deactivate", "office")

    refused = dossiers(http, office.token)
    assert refused.status_code == 401
    assert refused.json()["error"]["code"] == "unauthenticated"
    motcua(database, "user", "activate", "office")
    assert dossiers(http, office.token).status_code == 200


def test_a_token_rotated_by_another_process_fails_and_the_new_one_works_at_once(
        http, staff, database):
    office = staff["office"]
    assert dossiers(http, office.token).status_code == 200

    output = motcua(database, "user", "rotate-token", "office")

    (new_token,) = [word for word in output.split() if word.startswith("mc_")]
    assert dossiers(http, office.token).status_code == 401
    assert dossiers(http, new_token).status_code == 200


def test_a_role_changed_by_another_process_counts_from_the_next_request(
        http, staff, database):
    office = staff["office"]
    assert users(http, office.token).status_code == 403

    python(database, CHANGE_ROLE, str(office.id), "admin")

    assert users(http, office.token).status_code == 200
    python(database, CHANGE_ROLE, str(office.id), "supervisor")
    assert users(http, office.token).status_code == 403


def test_a_known_token_is_read_once_where_changes_are_signalled_and_every_time_elsewhere(
        http, staff, backend):
    office = staff["office"]
    statements = []

    def seen(_conn, _cursor, statement, *_args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", seen)
    try:
        replies = [dossiers(http, office.token).status_code for _ in range(3)]
    finally:
        event.remove(db.engine, "before_cursor_execute", seen)

    assert replies == [200, 200, 200]
    token_reads = [s for s in statements if "users.token_hash =" in s]
    assert len(token_reads) == (1 if backend == "postgresql" else 3)
