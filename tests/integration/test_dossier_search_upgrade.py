"""Upgrading to dossier search (0012) fills the search columns of dossiers received before it."""

from datetime import datetime

from flask_migrate import upgrade
from sqlalchemy import text

from api.extensions import db

BEFORE = "0011"
AT = datetime(2026, 3, 2, 2, 0)
APPLICANTS = {"X-1": ("Đặng Thị  Hương", "038190005678"),
              "X-2": ("NGUYỄN Văn Bình", "038090001234")}


def write_old_dossiers() -> None:
    """Write dossiers as revision 0011 stored them: the applicant only in its JSON."""
    run = db.session.execute
    run(text("INSERT INTO departments (code, name_vi, name_en) VALUES ('OFFICE', 'VP', 'Office')"))
    run(text("INSERT INTO workflow_specs (hash, process_id, bpmn_xml, created_at) "
             "VALUES ('h', 'p', '<x/>', :at)"), {"at": AT})
    run(text("INSERT INTO procedures (code, folder, name_vi, name_en, department_code, "
             "spec_hash, meta, updated_at) VALUES ('P', 'p', 'P', 'P', 'OFFICE', 'h', '{}', :at)"),
        {"at": AT})
    for code, (name, id_number) in APPLICANTS.items():
        applicant = f'{{"full_name": "{name}", "id_number": "{id_number}"}}'
        run(text("INSERT INTO dossiers (code, procedure_code, spec_hash, status, channel, "
                 "applicant, intake, fee_vnd, pin_hash, received_at, updated_at, "
                 "workflow_state, version) VALUES (:code, 'P', 'h', 2, 1, :applicant, '{}', 0, "
                 "'x', :at, :at, '{}', 1)"), {"code": code, "applicant": applicant, "at": AT})
    db.session.commit()


def test_the_upgrade_folds_the_names_and_copies_the_id_numbers_of_existing_dossiers(
        empty_app):
    directory = empty_app.extensions["migrate"].directory
    upgrade(directory=directory, revision=BEFORE)
    write_old_dossiers()

    upgrade(directory=directory)

    rows = db.session.execute(text("SELECT code, applicant_name_folded, applicant_id_number "
                                   "FROM dossiers ORDER BY code")).all()
    assert [tuple(row) for row in rows] == [("X-1", "dang thi huong", "038190005678"),
                                            ("X-2", "nguyen van binh", "038090001234")]
