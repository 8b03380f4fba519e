"""`motcua workflows import` turns models from other tools into procedure folders, or says why not.

Every fixture under tests/fixtures/imports covers constructs of the OMG MIWG reference suite
(A.1.0 … B.2.0) or a Camunda Modeler habit: each either imports and runs a trial dossier to
its end, or is refused with a line and an action for every refusal.
"""

import json
import os
import re
import subprocess
from pathlib import Path

import pytest

from tests.e2e.test_cli import MOTCUA

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "imports"
RUNS = {"simple_flow", "gateways", "conditions", "events_timers", "pools_lanes", "camunda_leave"}
REFUSED = {"mixed_refused", "big_mixed", "camunda_refused"}
# A refusal or check problem printed with its file, line and element.
LOCATED = re.compile(r"^(REFUSED|CHECK  ) \S+\.bpmn:\d+ \[[^\]-][^\]]*\] \S")
MAPPING = ("--map", "Reception desk=RECEPTION", "--map", "economic-officers=ECONOMIC",
           "--map", "chairman=LEADERSHIP", "--map", "reception-desk=RECEPTION")


@pytest.fixture(scope="module")
def motcua(tmp_path_factory):
    """Run the console script against a database of its own, initialised once."""
    home = tmp_path_factory.mktemp("import-cli")
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("MOTCUA_", "FLASK_"))}
    env["MOTCUA_DATABASE_URL"] = f"sqlite:///{home / 'cli.db'}"

    def run(*args: str) -> subprocess.CompletedProcess:
        # The timeout guards the suite against a hang; it asserts nothing about time.
        return subprocess.run([str(MOTCUA), *args], env=env, cwd=home, capture_output=True,
                              text=True, timeout=120, check=False)

    assert run("init", "--no-demo").returncode == 0
    return run


def test_the_fixtures_are_all_classified():
    assert {p.stem for p in FIXTURES.glob("*.bpmn")} == RUNS | REFUSED


@pytest.mark.parametrize("name", sorted(RUNS))
def test_a_model_that_can_run_imports_and_runs_a_trial_dossier_to_its_end(motcua, tmp_path,
                                                                          name):
    result = motcua("workflows", "import", str(FIXTURES / f"{name}.bpmn"), "--department",
                    "OFFICE", *MAPPING, "--output", str(tmp_path))

    assert result.returncode == 0, result.stdout + result.stderr
    assert "Trial dossier finished" in result.stdout
    folder = next(p for p in tmp_path.iterdir() if p.name != "forms")
    meta = json.loads((folder / "procedure.json").read_text(encoding="utf-8"))
    assert (folder / meta["bpmn"]).is_file()
    assert (tmp_path / "forms" / f"{meta['intake_form']}.json").is_file()
    report = (folder / "import-report.md").read_text(encoding="utf-8")
    assert "## Đã thay đổi (changed)" in report and "## Chạy thử (trial run)" in report


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_a_model_that_cannot_run_is_refused_with_a_line_and_an_action(motcua, tmp_path, name):
    result = motcua("workflows", "import", str(FIXTURES / f"{name}.bpmn"), "--output",
                    str(tmp_path))

    assert result.returncode == 1, result.stdout + result.stderr
    refusals = [line for line in result.stdout.splitlines()
                if line.startswith(("REFUSED", "CHECK"))]
    assert refusals
    assert all(LOCATED.match(line) for line in refusals), refusals
    assert all(" → " in line for line in refusals if line.startswith("REFUSED"))
    assert "Traceback" not in result.stderr


def test_working_time_turns_timer_durations_into_working_days(motcua, tmp_path):
    result = motcua("workflows", "import", str(FIXTURES / "camunda_leave.bpmn"), "--code",
                    "HKD", "--department", "ECONOMIC", *MAPPING, "--timers", "working",
                    "--output", str(tmp_path))

    assert result.returncode == 0, result.stdout + result.stderr
    assert ">working_days(3)</bpmn:timeDate>" in (
        tmp_path / "hkd" / "hkd.bpmn").read_text(encoding="utf-8")
    assert "now counts working time: working_days(3)" in result.stdout


def test_a_file_that_is_not_bpmn_or_an_unknown_department_exits_2_writing_nothing(motcua,
                                                                                  tmp_path):
    not_bpmn = tmp_path / "notes.bpmn"
    not_bpmn.write_text("<notes><note>draw it later</note></notes>", encoding="utf-8")

    unreadable = motcua("workflows", "import", str(not_bpmn), "--output", str(tmp_path / "o"))
    unknown = motcua("workflows", "import", str(FIXTURES / "simple_flow.bpmn"), "--map",
                     "x=NOWHERE", "--output", str(tmp_path / "o"))

    assert (unreadable.returncode, unknown.returncode) == (2, 2)
    assert "not a BPMN 2.0 model" in unreadable.stderr
    assert "unknown department codes ['NOWHERE']" in unknown.stderr
    assert not (tmp_path / "o").exists()
