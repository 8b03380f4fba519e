"""`motcua workflows export` writes the published versions back as checkable procedure folders."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from api.config import PROJECT_ROOT
from engine.decisions import read_decisions
from engine.models import Procedure, ProcedureVersion, User
from engine.specs import content_hash
from engine.versions import create_draft, publish
from tests.conftest import NOW
from tests.scenarios import PROCEDURE_CODES

MOTCUA = Path(sys.executable).with_name("motcua")
COPY = PROCEDURE_CODES["certified_copy"]
NEW_FORM = "certified_copy/certify_v2"
NEW_SCHEMA = {"type": "object", "required": ["certify_decision"],
              "properties": {"certify_decision": {"enum": ["approve", "supplement", "refuse"]},
                             "witness": {"type": "string"}}}




@pytest.fixture
def motcua(tmp_path, database):
    """Run the installed console script against the test database."""
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("MOTCUA_", "FLASK_"))}
    env["MOTCUA_DATABASE_URL"] = database

    def run(*args: str, **extra_env: str) -> subprocess.CompletedProcess:
        return subprocess.run([str(MOTCUA), *args], env={**env, **extra_env}, cwd=tmp_path,
                              capture_output=True, text=True, timeout=120, check=False)

    return run


@pytest.fixture
def designer_version(app, session, staff, versions_restored) -> ProcedureVersion:
    """Publish a certified_copy version whose certify step uses a form the version brings."""
    ctx = app.extensions["motcua"]
    designer = session.get(User, staff["designer"].id)
    xml = (PROJECT_ROOT / "workflows" / "certified_copy" / "certified_copy.bpmn").read_text(
        encoding="utf-8").replace('value="certified_copy/certify"', f'value="{NEW_FORM}"')
    draft = create_draft(session, ctx, code=COPY, bpmn_xml=xml, forms={NEW_FORM: NEW_SCHEMA},
                         change_note="certify may record a witness", user=designer, now=NOW)
    assert draft.problems == []
    return publish(session, ctx, code=COPY, number=draft.version.number, user=designer, now=NOW)


def test_export_writes_each_published_version_under_its_hash_and_check_accepts_it(
        motcua, tmp_path, session, designer_version):
    out = tmp_path / "out"

    result = motcua("workflows", "export", "--output", str(out))

    assert result.returncode == 0, result.stderr
    session.expire_all()
    published = session.scalars(select(ProcedureVersion)
                                .where(ProcedureVersion.state == "published")).all()
    assert COPY in {version.procedure_code for version in published}
    for version in published:
        folder = out / session.get(Procedure, version.procedure_code).folder
        meta = json.loads((folder / "procedure.json").read_text(encoding="utf-8"))
        assert meta == version.meta
        bpmn = (folder / meta["bpmn"]).read_bytes()
        assert content_hash(bpmn, read_decisions(folder)) == version.spec_hash
    assert json.loads((out / "forms" / f"{NEW_FORM}.json").read_text(encoding="utf-8")) == \
        NEW_SCHEMA
    assert (out / "departments.json").is_file() and (out / "calendar.json").is_file()
    folders = sorted(p.parent for p in out.glob("*/procedure.json"))
    checked = motcua("workflows", "check", *map(str, folders), MOTCUA_WORKFLOWS_DIR=str(out))
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert checked.stdout.count("ok   ") == len(published) == len(folders)


def published_count(session) -> int:
    session.expire_all()
    return len(session.scalars(select(ProcedureVersion.id)
                               .where(ProcedureVersion.state == "published")).all())


def test_export_refuses_a_folder_that_is_not_empty_unless_forced(motcua, tmp_path, session):
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("mine", encoding="utf-8")

    refused = motcua("workflows", "export", "--output", str(out))
    forced = motcua("workflows", "export", "--output", str(out), "--force")

    assert refused.returncode == 1
    assert "not empty" in refused.stderr
    assert forced.returncode == 0, forced.stderr
    assert (out / "notes.txt").read_text(encoding="utf-8") == "mine"
    assert len(list(out.glob("*/procedure.json"))) == published_count(session)


def test_export_writes_to_exported_workflows_in_the_current_folder_by_default(
        motcua, tmp_path, session):
    result = motcua("workflows", "export")

    assert result.returncode == 0, result.stderr
    folder = tmp_path / "exported-workflows"
    assert len(list(folder.glob("*/procedure.json"))) == published_count(session)
