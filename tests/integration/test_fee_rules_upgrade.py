"""Upgrading to fee rules as data (0020) rewrites stored old-shape rules; dossiers pay by them."""

from datetime import datetime

from flask import current_app
from flask_migrate import downgrade, upgrade
from sqlalchemy import select, text

from api.extensions import db
from engine.accounts import create_user
from engine.calendar import VIETNAM
from engine.dossiers import receive_dossier
from engine.fee_rules import fee_rule_problems
from engine.models import Procedure, ProcedureVersion
from engine.procedures import publish_procedures
from engine.statuses import Channel
from tests.e2e.helpers import APPLICANT
from tests.integration.conftest import procedures_before_decision_tables
from tests.scenarios import PROCEDURE_CODES, SCENARIOS

BEFORE = "0015"
TEXT = {"text_vi": "văn bản cũ", "text_en": "old text"}
# The rules as procedure.json wrote them before 0020, and what 0020 makes of them.
OLD_RULES = {
    "birth_registration": {"kind": "free", "late_registration_vnd": 8000, **TEXT},
    "business_household": {"kind": "province_set", "amount_vnd": 100000, **TEXT},
    "certified_copy": {"kind": "per_page", "first_pages": 2, "first_page_vnd": 2000,
                       "next_page_vnd": 1000, "max_per_copy_vnd": 200000, **TEXT},
    "ending_substitute_care": {"kind": "free", **TEXT},
}
COMMON = {"collect_at": "receipt", "legal_basis_vi": "văn bản cũ", **TEXT}
NEW_RULES = {
    "birth_registration": {"kind": "free_within_days", "date_field": "child_date_of_birth",
                           "free_days": 60, "amount_vnd": 8000,
                           "label_vi": "Lệ phí đăng ký khai sinh quá hạn", **COMMON},
    "business_household": {"kind": "flat", "amount_vnd": 100000,
                           "label_vi": "Phí, lệ phí theo mức tỉnh quy định", **COMMON},
    "certified_copy": {"kind": "per_page", "tiers": [{"from_page": 1, "unit_vnd": 2000},
                                                     {"from_page": 3, "unit_vnd": 1000}],
                       "max_per_copy_vnd": 200000, "label_vi": "Phí chứng thực bản sao",
                       **COMMON},
    "ending_substitute_care": {"kind": "free", **TEXT},
}
DECEMBER = datetime(2026, 12, 7, 9, tzinfo=VIETNAM)


def store_old_rules() -> None:
    """Publish the shipped procedures, then give their rows and versions the old rules."""
    ctx = current_app.extensions["motcua"]
    departments, definitions = procedures_before_decision_tables(ctx.forms)
    publish_procedures(db.session, departments=departments, definitions=definitions,
                       now=DECEMBER)
    for folder, rule in OLD_RULES.items():
        code = PROCEDURE_CODES[folder]
        procedure = db.session.get(Procedure, code)
        procedure.meta = {**procedure.meta, "fee": rule}
        for version in db.session.scalars(select(ProcedureVersion)
                                          .where(ProcedureVersion.procedure_code == code)):
            version.meta = {**version.meta, "fee": rule}
    db.session.commit()


def stored_rules() -> dict:
    db.session.expire_all()
    rules = {}
    for folder in OLD_RULES:
        code = PROCEDURE_CODES[folder]
        versions = db.session.scalars(select(ProcedureVersion)
                                      .where(ProcedureVersion.procedure_code == code)).all()
        rules[folder] = [db.session.get(Procedure, code).meta["fee"],
                         *(version.meta["fee"] for version in versions)]
    return rules


def receive(reception, folder: str, **intake):
    dossier, _ = receive_dossier(
        db.session, current_app.extensions["motcua"], procedure_code=PROCEDURE_CODES[folder],
        applicant=APPLICANT, channel=Channel.COUNTER,
        intake={**SCENARIOS[folder]["intake"], **intake}, user=reception, now=DECEMBER)
    return dossier


def test_old_shape_rules_are_rewritten_and_a_dossier_is_received_on_them(empty_app):
    directory = empty_app.extensions["migrate"].directory
    upgrade(directory=directory, revision=BEFORE)
    store_old_rules()

    upgrade(directory=directory)

    assert stored_rules() == {folder: [rule, rule] for folder, rule in NEW_RULES.items()}
    assert all(list(fee_rule_problems(rule)) == [] for rule in NEW_RULES.values())
    reception, _ = create_user(db.session, username="reception", role="receptionist",
                               department_code="RECEPTION", now=DECEMBER)

    def fee_of(folder: str, **intake):
        dossier = receive(reception, folder, **intake)
        return dossier.fee_vnd, dossier.fee_basis["amount_vnd"]

    # Born 20 February, received 7 December: day 290, the late fee the old rule never charged.
    assert fee_of("birth_registration") == (8_000, 8_000)
    assert fee_of("certified_copy", pages=3, copies=2) == (10_000, 10_000)
    assert fee_of("business_household") == (100_000, 100_000)


def test_the_downgrade_writes_the_old_rules_back(empty_app):
    directory = empty_app.extensions["migrate"].directory
    upgrade(directory=directory, revision=BEFORE)
    store_old_rules()
    upgrade(directory=directory)
    reception, _ = create_user(db.session, username="reception", role="receptionist",
                               department_code="RECEPTION", now=DECEMBER)
    code = receive(reception, "certified_copy").code
    db.session.commit()

    downgrade(directory=directory, revision=BEFORE)

    assert stored_rules() == {folder: [rule, rule] for folder, rule in OLD_RULES.items()}
    dossiers = db.session.execute(text("SELECT * FROM dossiers"))
    assert "fee_basis" not in dossiers.keys()
    assert [row.code for row in dossiers] == [code]
