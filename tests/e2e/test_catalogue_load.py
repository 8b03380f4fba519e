"""`motcua catalogue load`: a commune's 432 procedures posted on the generic pattern."""

import pytest
from sqlalchemy import func, select

from api.cli_catalogue import catalogue_group
from api.config import PROJECT_ROOT
from engine.models import Procedure, ProcedureVersion
from tests.catalogue_files import HEADER, catalogue_rows, write_csv, write_xlsx
from tests.conftest import snapshot
from tests.e2e.test_procedures_from_patterns import run_generic_dossier

COMMUNE_SIZE = 432  # Xuân Hòa posts 432 procedures (DOMAIN.md)
EXAMPLE = PROJECT_ROOT / "docs" / "catalogue-example.csv"


def load(app, path, *extra):
    return app.test_cli_runner().invoke(catalogue_group, ["load", str(path), *extra])


def catalogue_versions(session) -> int:
    return session.scalar(select(func.count()).select_from(ProcedureVersion)
                          .where(ProcedureVersion.author == "catalogue"))


@pytest.fixture
def commune_csv(tmp_path):
    return write_csv(tmp_path / "danh_muc.csv", catalogue_rows(COMMUNE_SIZE))


def test_a_432_row_csv_posts_every_procedure_on_the_generic_pattern(
        app, http, session, commune_csv, versions_restored):
    result = load(app, commune_csv)

    assert result.exit_code == 0, result.output
    assert f"Loaded {COMMUNE_SIZE} procedures" in result.output
    assert f"{COMMUNE_SIZE} created" in result.output
    assert f"{COMMUNE_SIZE}/{COMMUNE_SIZE} rows" in result.output  # progress
    codes = [f"TEST.{n:04d}" for n in range(1, COMMUNE_SIZE + 1)]
    procedures = session.scalars(select(Procedure).where(Procedure.code.in_(codes))).all()
    assert len(procedures) == COMMUNE_SIZE
    assert len({p.folder for p in procedures}) == COMMUNE_SIZE
    assert all(p.meta["pattern"] == "generic" for p in procedures)
    posted = http.get("/api/v1/public/procedures").json()
    assert {entry["code"] for entry in posted} >= set(codes)


def test_loading_the_same_file_again_changes_nothing(app, session, commune_csv,
                                                     versions_restored):
    load(app, commune_csv)
    versions = catalogue_versions(session)

    again = load(app, commune_csv)

    assert again.exit_code == 0, again.output
    assert f"{COMMUNE_SIZE} unchanged" in again.output
    assert catalogue_versions(session) == versions


def test_a_changed_row_gets_a_new_version_and_others_stay(app, session, tmp_path,
                                                         versions_restored):
    rows = catalogue_rows(20)
    load(app, write_csv(tmp_path / "v1.csv", rows))
    rows[4][6] = "25000"  # TEST.0005's fee

    result = load(app, write_csv(tmp_path / "v2.csv", rows))

    assert "1 updated" in result.output and "19 unchanged" in result.output
    versions = session.scalars(select(ProcedureVersion).where(
        ProcedureVersion.procedure_code == "TEST.0005").order_by(ProcedureVersion.number)).all()
    assert [(v.number, v.state) for v in versions] == [(1, "retired"), (2, "published")]
    assert session.get(Procedure, "TEST.0005").meta["fee"]["amount_vnd"] == 25000


def test_a_procedure_with_its_own_model_is_kept(app, session, tmp_path, versions_restored):
    birth = session.get(Procedure, "1.001193")
    before = (birth.spec_hash, dict(birth.meta))
    rows = catalogue_rows(2)
    rows[0][0] = "1.001193"

    result = load(app, write_csv(tmp_path / "own.csv", rows))

    assert result.exit_code == 0, result.output
    assert "kept 1.001193: it has its own model" in result.output
    session.expire_all()
    birth = session.get(Procedure, "1.001193")
    assert (birth.spec_hash, birth.meta) == before


def test_an_xlsx_with_vietnamese_headers_loads_too(app, session, tmp_path, versions_restored):
    path = write_xlsx(tmp_path / "danh_muc.xlsx", catalogue_rows(12))

    result = load(app, path)

    assert result.exit_code == 0, result.output
    assert "12 created" in result.output
    same_day = session.get(Procedure, "TEST.0010")  # deadline 0: the same working day
    assert same_day.meta["deadline"]["same_day"] is True
    assert session.get(Procedure, "TEST.0002").meta["fee"]["amount_vnd"] == 50000  # "50.000"


def test_folder_names_come_from_the_names_and_are_unique(app, session, tmp_path,
                                                        versions_restored):
    rows = catalogue_rows(3)
    for row in rows:
        row[1] = "Đăng ký khai sinh lưu động"

    load(app, write_csv(tmp_path / "same.csv", rows))

    folders = [session.get(Procedure, f"TEST.000{n}").folder for n in (1, 2, 3)]
    assert folders == ["dang_ky_khai_sinh_luu_dong", "dang_ky_khai_sinh_luu_dong_2",
                       "dang_ky_khai_sinh_luu_dong_3"]


def test_a_dry_run_says_what_would_happen_and_changes_nothing(app, session, commune_csv):
    before = snapshot(session)

    result = load(app, commune_csv, "--dry-run")

    assert result.exit_code == 0, result.output
    assert f"Would load {COMMUNE_SIZE} procedures" in result.output
    assert snapshot(session) == before


def test_a_bad_file_is_refused_row_by_row_and_nothing_is_loaded(app, session, tmp_path):
    rows = catalogue_rows(10)
    rows[2][8] = "POLICE"  # row 4
    rows[4][5] = "năm"  # row 6
    rows[6][5] = "2.5"  # row 8
    rows[8][0] = rows[1][0]  # row 10 repeats row 3's code
    path = write_csv(tmp_path / "bad.csv", rows)
    before = snapshot(session)

    result = load(app, path)

    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert any(line.startswith("row 4, column department: 'POLICE'") for line in lines)
    assert any(line.startswith("row 6, column working_days: 'năm'") for line in lines)
    assert any(line.startswith("row 8, column working_days: '2.5'") for line in lines)
    assert any(line.startswith("row 10, column code: code 'TEST.0002' is also on row 3")
               for line in lines)
    assert "4 problem(s); nothing was loaded." in result.output
    assert snapshot(session) == before


def test_a_missing_column_is_named(app, session, tmp_path):
    header = [name for name in HEADER if name != "department"]
    rows = [row[:8] for row in catalogue_rows(3)]
    path = write_csv(tmp_path / "no_department.csv", rows, header=header)
    before = snapshot(session)

    result = load(app, path)

    assert result.exit_code == 1
    assert "missing column(s) department" in result.output
    assert snapshot(session) == before


@pytest.mark.parametrize("code", [
    "TEST.0003",  # Culture-Social department, 3 working days, free
    "TEST.0002",  # Economic department, 2 working days, 50.000 đồng at receipt
    "TEST.0010",  # Office, the same working day, 50.000 đồng
])
def test_a_dossier_received_on_a_catalogue_entry_runs_to_its_end(app, http, staff, tmp_path,
                                                                 versions_restored, code):
    load(app, write_csv(tmp_path / "ten.csv", catalogue_rows(10)))

    dossier = run_generic_dossier(http, staff, code)

    assert dossier["status"] == 10
    assert dossier["finished_at"] is not None


def test_the_example_catalogue_checks_and_keeps_the_shipped_models(app, session):
    before = snapshot(session)

    result = load(app, EXAMPLE, "--dry-run")

    assert result.exit_code == 0, result.output
    assert "Would load 5 procedures" in result.output and "5 kept" in result.output
    assert snapshot(session) == before
