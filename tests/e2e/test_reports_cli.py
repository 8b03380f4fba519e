"""`motcua report`: the installed console script prints the headline and exports the reports."""

import csv
import io
import os
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from api import create_app
from api.extensions import db
from tests.integration.test_reports import add_dossier, at

MOTCUA = Path(sys.executable).with_name("motcua")
FEBRUARY = ("--from", "2026-02-01", "--to", "2026-02-28")


@pytest.fixture
def motcua(tmp_path):
    """Run the installed console script against the test's own SQLite file."""
    url = f"sqlite:///{tmp_path / 'reports.db'}"
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("MOTCUA_", "FLASK_"))}
    env["MOTCUA_DATABASE_URL"] = url

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([str(MOTCUA), *args], env=env, cwd=tmp_path, capture_output=True,
                              text=True, timeout=120, check=False)

    result = run("init", "--no-demo")
    assert result.returncode == 0, result.stderr
    run.url = url
    return run


@pytest.fixture
def february(motcua):
    """Three dossiers of February 2026 written straight into the CLI's database."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": motcua.url, "TESTING": True})
    with app.app_context():
        # Household at the counter across Tết: due Wed 25 Feb 10:00, processed Tue 24: early.
        add_dossier(db.session, "MC.HKD.001", received=at(2, 13, 10), status=10, channel=1,
                    components=(4, 4, 0), appointment=at(2, 25, 10), processed=at(2, 24, 11),
                    outcome="early", finished=at(2, 25, 9))
        # Birth online during Tết: due Mon 23 Feb 17:00, still open at the end: overdue.
        add_dossier(db.session, "1.001193", received=at(2, 17, 20), status=4, channel=2,
                    components=(2, 0, 1), appointment=at(2, 23, 17))
        # Certified copy on Fri 27 Feb 16:00, after the cut-off: due Mon 2 Mar 17:00, open.
        add_dossier(db.session, "2.000815", received=at(2, 27, 16), status=4, channel=1,
                    components=(2, 1, 1), appointment=at(3, 2, 17))
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return motcua


def output_lines(result: subprocess.CompletedProcess) -> list[str]:
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()


def test_report_summary_prints_the_english_headline_as_its_last_line(february):
    lines = output_lines(february("report", "summary", *FEBRUARY))

    # 3 received; the birth dossier has 1 of 2 components: 2 of 3 fully digitised (67%);
    # 2 of 8 components reused (25%).
    assert lines[-1] == (
        "From 1 February 2026 to 28 February 2026: 3 dossiers received, 2 processed and "
        "digitised (67%), reused components 25%, 1 processed early or on time, 1 in progress "
        "within deadline, 1 overdue.")
    assert lines[-2] == (
        "Từ ngày 01/02/2026 đến ngày 28/02/2026: tiếp nhận 3 hồ sơ, xử lý và số hóa 2 hồ sơ "
        "(đạt 67%), tái sử dụng thành phần hồ sơ đạt 25%, giải quyết trước hạn và đúng hạn "
        "1 hồ sơ, 1 hồ sơ đang giải quyết trong hạn, 1 hồ sơ quá hạn.")


def test_report_progress_prints_csv_by_department(february):
    result = february("report", "progress", *FEBRUARY, "--group-by", "department")

    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [(r["key"], r["received_new"], r["completed_early"], r["in_progress_overdue"])
            for r in rows] == [("ECONOMIC", "1", "1", "0"), ("OFFICE", "2", "0", "1"),
                               ("", "3", "1", "1")]


def test_report_progress_writes_an_excel_workbook(february, tmp_path):
    target = tmp_path / "progress.xlsx"

    result = february("report", "progress", *FEBRUARY, "--format", "xlsx", "--output",
                      str(target))

    assert result.returncode == 0, result.stderr
    values = list(openpyxl.load_workbook(target).active.values)
    total = dict(zip(values[0], values[-1], strict=True))
    assert (total["received_new"], total["received_online"], total["in_progress_overdue"]) \
        == (3, 1, 1)


def test_report_step_timings_writes_csv_with_a_bom(february, tmp_path):
    target = tmp_path / "steps.csv"

    result = february("report", "step-timings", *FEBRUARY, "--output", str(target))

    assert result.returncode == 0, result.stderr
    assert target.read_bytes().startswith(b"\xef\xbb\xbf")
    assert target.read_text(encoding="utf-8-sig").splitlines()[0].startswith(
        "rank,procedure_code,step,")


def test_report_chart_writes_a_png(february, tmp_path):
    target = tmp_path / "on-time.png"

    result = february("report", "chart", *FEBRUARY, "--output", str(target))

    assert result.returncode == 0, result.stderr
    assert target.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")


def test_a_period_ending_before_it_starts_fails(motcua):
    result = motcua("report", "summary", "--from", "2026-03-01", "--to", "2026-02-01")

    assert result.returncode == 1
    assert "from ≤ to" in result.stderr
