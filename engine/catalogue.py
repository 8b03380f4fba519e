"""The public catalogue of procedures: what to bring, what it costs, how long it takes."""

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.fees import fixed_fee_vnd
from engine.folding import fold, matches
from engine.models import Department, Procedure, ProcedureVersion
from engine.online import accepts_online
from engine.procedures import get_all_procedures, get_procedure_or_raise


@dataclass(frozen=True)
class CatalogueEntry:
    """One procedure as the public catalogue shows it."""

    code: str
    name_vi: str
    name_en: str
    department_code: str
    department_name_vi: str
    department_name_en: str
    required_documents: list[dict]
    fee_kind: str
    fee_vnd: int | None
    fee_text_vi: str
    fee_text_en: str
    deadline_working_days: int
    deadline_same_day: bool
    deadline_text_vi: str
    deadline_text_en: str
    online: bool  # a citizen may submit it online (engine.online)
    # The catalogue file's field (lĩnh vực) and level (cấp thực hiện); empty when not loaded.
    field: str = ""
    level: str = ""


def search_catalogue(session: Session, query: str = "", *, field: str = ""
                     ) -> list[CatalogueEntry]:
    """Return the posted procedures whose name, code or field holds every word of `query`.

    Case and accents are ignored; `field`, when given, keeps the procedures of that field
    (also ignoring case and accents).
    """
    return narrowed(posted_entries(session), query, field=field)


def posted_entries(session: Session) -> list[CatalogueEntry]:
    """Return every procedure with a published version, by code, as the catalogue shows it."""
    departments = {d.code: d for d in session.scalars(select(Department))}
    posted = posted_codes(session)
    return [catalogue_entry(procedure, departments[procedure.department_code])
            for procedure in get_all_procedures(session) if procedure.code in posted]


def narrowed(entries: list[CatalogueEntry], query: str, *, field: str = ""
             ) -> list[CatalogueEntry]:
    """Keep the entries of `field` (if given) holding every word of `query`, accents ignored."""
    wanted = fold(field)
    return [entry for entry in entries
            if (not wanted or fold(entry.field) == wanted)
            and matches(query, entry.name_vi, entry.name_en, entry.code, entry.field)]


def catalogue_fields(entries: list[CatalogueEntry]) -> list[tuple[str, int]]:
    """Return each field of the entries with how many procedures it has, by name."""
    counts: dict[str, int] = {}
    for entry in entries:
        counts[entry.field] = counts.get(entry.field, 0) + 1
    return sorted(counts.items(), key=lambda item: fold(item[0]))


def _catalogue(meta: dict) -> dict:
    catalogue = meta.get("catalogue")
    return catalogue if isinstance(catalogue, dict) else {}


def posted_codes(session: Session) -> set[str]:
    """Return the codes of the procedures with a published version: those the center posts."""
    return set(session.scalars(select(ProcedureVersion.procedure_code)
                               .where(ProcedureVersion.state == "published")))


def get_catalogue_entry_or_raise(session: Session, code: str) -> CatalogueEntry:
    """Return one procedure as the catalogue shows it; ProcedureNotFound if none has `code`."""
    procedure = get_procedure_or_raise(session, code)
    return catalogue_entry(procedure, session.get(Department, procedure.department_code))


def catalogue_entry(procedure: Procedure, department: Department) -> CatalogueEntry:
    """Return what the catalogue says of a procedure handled by `department`."""
    meta = procedure.meta
    fee, deadline = meta["fee"], meta["deadline"]
    return CatalogueEntry(
        code=procedure.code, name_vi=procedure.name_vi, name_en=procedure.name_en,
        department_code=department.code, department_name_vi=department.name_vi,
        department_name_en=department.name_en,
        required_documents=[
            {"name_vi": d["name_vi"], "name_en": d.get("name_en", ""),
             "original": bool(d.get("original")), "copies": int(d.get("copies", 0))}
            for d in meta["required_documents"]],
        fee_kind=fee["kind"], fee_vnd=fixed_fee_vnd(fee),
        fee_text_vi=fee.get("text_vi", ""), fee_text_en=fee.get("text_en", ""),
        deadline_working_days=int(deadline.get("working_days", 0)),
        deadline_same_day=bool(deadline.get("same_day")),
        deadline_text_vi=deadline.get("text_vi", ""),
        deadline_text_en=deadline.get("text_en", ""), online=accepts_online(meta),
        field=_catalogue(meta).get("field", ""), level=_catalogue(meta).get("level", ""))
