"""The procedure version a dossier runs: its deadline rules, forms and fee rule.

A dossier is pinned to the version published when it was received, and moves only when a
designer migrates it (engine.migration). Everything about a dossier that a version states
is read here, never from the procedure's current metadata, which follows the newest version.
"""

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.deadlines import StatutoryDeadline
from engine.errors import ProcedureNotFound
from engine.models import Dossier, ProcedureVersion


def get_published_version_or_raise(session: Session, code: str) -> ProcedureVersion:
    """Return the version new dossiers of a procedure start on: the published one."""
    version = session.scalars(select(ProcedureVersion).where(
        ProcedureVersion.procedure_code == code, ProcedureVersion.state == "published")
    ).one_or_none()
    if version is None:
        raise ProcedureNotFound(f"No procedure has code '{code}'; GET /api/v1/procedures "
                                "lists the codes.", code=code)
    return version


def dossier_version(session: Session, dossier: Dossier) -> ProcedureVersion:
    """Return the procedure version the dossier runs."""
    # Read while the dossier's own changes are pending (apply_progress): no flush here.
    with session.no_autoflush:
        return session.get(ProcedureVersion, dossier.procedure_version_id)


def statutory_deadline(session: Session, dossier: Dossier) -> StatutoryDeadline:
    """Return the statutory deadline of the version the dossier runs."""
    return StatutoryDeadline.of(dossier_version(session, dossier).meta)


def intake_form_key(session: Session, dossier: Dossier) -> str:
    """Return the key of the intake form the dossier was received with."""
    return dossier_version(session, dossier).meta["intake_form"]


def required_documents(session: Session, dossier: Dossier) -> list:
    """Return the documents the dossier's version asks the citizen for."""
    return dossier_version(session, dossier).meta["required_documents"]
