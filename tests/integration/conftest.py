"""Fixtures of the integration tests: an application on an empty database, for upgrades."""

import pytest

from api import create_app
from api.config import database_url
from api.extensions import db
from engine.procedures import load_procedures
from tests.conftest import PG_URL, SECRET_KEY
from tests.scratch_database import ScratchDatabase


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_app(request, tmp_path):
    """An application on an empty database of its own, migrated to nothing yet."""
    if request.param == "sqlite":
        url, drop = f"sqlite:///{tmp_path / 'upgrade.db'}", None
    else:
        if not PG_URL:
            pytest.skip("set MOTCUA_TEST_DATABASE_URL to also run on PostgreSQL")
        scratch = ScratchDatabase.create(database_url(PG_URL), prefix="motcua_upgrade")
        url, drop = scratch.sqlalchemy_url, scratch.drop
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "MOTCUA_SECRET_KEY": SECRET_KEY})
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()
    if drop:
        drop()


def procedures_before_decision_tables(forms) -> tuple[list[dict], list]:
    """Read workflows/ as a database from before 0023 can store it: no decision tables.

    Upgrade tests publish the procedures with today's code on an older schema; a model with
    decision tables needs the column 0023 adds, so those procedures are left out.
    """
    departments, definitions = load_procedures(forms=forms)
    return departments, [d for d in definitions if not d.model.decisions]
