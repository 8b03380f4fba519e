"""A new procedure drawn from a starting pattern, stored as its draft version 1.

The procedure is not posted until a designer publishes the draft: the catalogue lists only
procedures with a published version, and a dossier is received only on one.
"""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.access import check_can_design
from engine.context import EngineContext
from engine.errors import DomainError, InvalidInput, Kind
from engine.models import Department, Procedure, User
from engine.procedure_folders import taken_folders, unique_folder
from engine.procedure_patterns import (
    LEADERSHIP,
    MIN_HOURS,
    RECEPTION,
    Pattern,
    PatternProcedure,
    generic_procedure,
    statutory_hours_of,
)
from engine.procedures import store_model
from engine.specs import parse_model
from engine.versions import Draft, create_draft

PROCEDURE_CODE = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$"  # procedures.code is 32 characters
NAME_MAX = 300  # procedures.name_vi / name_en
MAX_WORKING_DAYS = 365


class ProcedureExists(DomainError):
    """A procedure already has this code."""

    kind = Kind.CONFLICT
    code = "procedure_exists"


@dataclass(frozen=True)
class NewProcedure:
    """What a designer gives to start a procedure from a pattern."""

    code: str
    name_vi: str
    name_en: str
    department: str
    working_days: int
    same_day: bool = False
    pattern: Pattern = Pattern.GENERIC


def handling_departments(session: Session) -> set[str]:
    """Return the departments that may handle a procedure: not reception, leadership, outsiders."""
    return set(session.scalars(select(Department.code).where(
        Department.external.is_(False), Department.code.not_in((RECEPTION, LEADERSHIP)))))


def check_new_procedure(new: NewProcedure, departments: set[str]) -> None:
    """Raise InvalidInput unless the pattern can draw the procedure."""
    if new.department not in departments:
        raise InvalidInput(f"department '{new.department}' cannot handle a procedure; choose "
                           f"one of {sorted(departments)}", field="department",
                           reason="not_a_handling_department", department=new.department,
                           known=", ".join(sorted(departments)))
    if statutory_hours_of(new.working_days, new.same_day) < MIN_HOURS:
        raise InvalidInput("give a deadline of at least one working day, or mark the procedure "
                           "same-day", field="working_days", reason="deadline_too_short")


def drawn_procedure(new: NewProcedure) -> PatternProcedure:
    """Return the procedure the pattern draws for `new`."""
    return generic_procedure(code=new.code, name_vi=new.name_vi, name_en=new.name_en,
                             department=new.department, working_days=new.working_days,
                             same_day=new.same_day)


def create_procedure(session: Session, ctx: EngineContext, *, new: NewProcedure, user: User,
                     now: datetime) -> Draft:
    """Create a procedure and its draft version 1 drawn from the pattern; commit.

    Raises:
        ProcedureExists: when a procedure already has the code (nothing is changed).
        InvalidInput: for a department that cannot handle it or a deadline too short.
    """
    check_can_design(user, "create procedures")
    if session.get(Procedure, new.code) is not None:
        raise ProcedureExists(f"a procedure already has code '{new.code}'; open it and draft a "
                              "new version instead", code=new.code)
    check_new_procedure(new, handling_departments(session))
    drawn = drawn_procedure(new)
    model = parse_model(drawn.bpmn_xml, process_id=drawn.meta["process_id"],
                        file_name=drawn.meta["bpmn"])
    store_model(session, model, now=now)
    session.add(Procedure(code=new.code, folder=unique_folder(new.name_vi, taken_folders(session)),
                          name_vi=new.name_vi, name_en=new.name_en,
                          department_code=new.department, spec_hash=model.hash, meta=drawn.meta,
                          updated_at=now))
    session.flush()
    return create_draft(session, ctx, code=new.code, bpmn_xml=drawn.bpmn_xml, meta=drawn.meta,
                        change_note=f"drawn from the {new.pattern} pattern", user=user, now=now)
