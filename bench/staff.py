"""Staff accounts for the run: receptionists, officers, heads and a leader, with tokens."""

from dataclasses import dataclass, field
from datetime import UTC, datetime

from tests.scenarios import WORKER


@dataclass(frozen=True)
class Person:
    """A member of staff and their bearer token."""

    username: str
    role: str
    department: str
    token: str

    @property
    def headers(self) -> dict:
        """Return the Authorization header."""
        return {"Authorization": f"Bearer {self.token}"}


def role_of(department: str, required_role: str | None) -> str:
    """Return the account role that may work a step of this department and required role."""
    if required_role:
        return required_role
    return "receptionist" if department == "RECEPTION" else "officer"


@dataclass
class Staff:
    """Everyone the benchmark acts as, by the kind of worker of tests.scenarios.WORKER."""

    by_kind: dict[str, list[Person]] = field(default_factory=dict)

    def worker(self, department: str, required_role: str | None, index: int) -> Person:
        """Return the `index`-th person (modulo) who does steps of this department and role."""
        people = self.by_kind[WORKER[(department, required_role)]]
        return people[index % len(people)]

    def receptionist(self, index: int) -> Person:
        """Return a receptionist."""
        return self.worker("RECEPTION", None, index)

    def everyone(self) -> list[Person]:
        """Return all the people."""
        return [p for people in self.by_kind.values() for p in people]


def create_staff(*, database_url: str, per_kind: int, heads_per_kind: int = 1) -> Staff:
    """Create `per_kind` receptionists and officers per department, and heads and leaders.

    The accounts are made with engine.accounts.create_user, the use case behind
    `motcua user add`, in one process: each CLI call would build the app again (~3 s).
    """
    from api import create_app
    from api.config import database_url as sqlalchemy_url
    from api.extensions import db
    from engine.accounts import create_user

    app = create_app({"SQLALCHEMY_DATABASE_URI": sqlalchemy_url(database_url)})
    staff = Staff()
    with app.app_context():
        for (department, required_role), kind in WORKER.items():
            role = role_of(department, required_role)
            count = per_kind if required_role is None else heads_per_kind
            for n in range(1, count + 1):
                username = f"bench.{kind}.{n}"
                _, token = create_user(db.session, username=username, role=role,
                                       department_code=department,
                                       full_name=f"Bench {kind} {n}", actor="bench",
                                       now=datetime.now(UTC))
                staff.by_kind.setdefault(kind, []).append(
                    Person(username, role, department, token))
        db.session.remove()
        db.engine.dispose()
    return staff
