"""Post a center's catalogue: every row becomes a procedure published on the generic pattern.

The database is the one source of truth, as for a designer's versions: each row becomes (or
updates) a procedure with a published version whose author is `catalogue`, drawn from the
generic pattern. A re-load publishes a new version only for rows that changed, and never
touches a procedure that has its own model: one published by `motcua init` from workflows/
or by a designer, or one a designer has started (a draft only). In-flight dossiers keep
their version. Everything is one transaction: a dry run rolls it back.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import audit
from engine.catalogue_file import CatalogueRow
from engine.models import Procedure, ProcedureVersion
from engine.procedure_folders import taken_folders, unique_folder
from engine.procedure_patterns import PatternProcedure, generic_procedure
from engine.procedures import publish_version, store_model
from engine.specs import ParsedModel, parse_model

CATALOGUE_AUTHOR = "catalogue"
PROGRESS_EVERY = 50


class Outcome(StrEnum):
    """What loading did with one row."""

    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    KEPT = "kept"  # the procedure has its own model: left as it is


@dataclass
class LoadReport:
    """The outcome of each row, by procedure code, in the file's order."""

    outcomes: dict[str, Outcome] = field(default_factory=dict)
    dry_run: bool = False

    def count(self, outcome: Outcome) -> int:
        """Return how many rows had this outcome."""
        return sum(1 for found in self.outcomes.values() if found == outcome)


def drawn_entry(row: CatalogueRow) -> PatternProcedure:
    """Return the procedure the generic pattern draws for a catalogue row."""
    return generic_procedure(
        code=row.code, name_vi=row.name_vi, name_en=row.name_en, department=row.department,
        working_days=row.working_days, same_day=row.same_day, fee_vnd=row.fee_vnd,
        required_documents=[{"name_vi": name, "name_en": "", "original": True, "copies": 1}
                            for name in row.required_documents],
        catalogue={"field": row.field, "level": row.level})


def load_catalogue(session: Session, rows: list[CatalogueRow], *, source: str, now: datetime,
                   dry_run: bool = False,
                   progress: Callable[[int, int], None] | None = None) -> LoadReport:
    """Create or update a procedure on the generic pattern for each row; commit unless dry."""
    report = LoadReport(dry_run=dry_run)
    authors = dict(session.execute(
        select(ProcedureVersion.procedure_code, ProcedureVersion.author)
        .where(ProcedureVersion.state == "published")).all())
    folders = taken_folders(session)
    models: dict[bytes, ParsedModel] = {}
    for done, row in enumerate(rows, start=1):
        drawn = drawn_entry(row)
        model = models.get(drawn.bpmn_xml)
        if model is None:
            model = models[drawn.bpmn_xml] = parse_model(
                drawn.bpmn_xml, process_id=drawn.meta["process_id"], file_name=source)
            store_model(session, model, now=now)
        procedure = session.get(Procedure, row.code)
        if procedure is None:
            folder = unique_folder(row.name_vi, folders)
            outcome = Outcome.CREATED
        elif authors.get(row.code) != CATALOGUE_AUTHOR:
            outcome = Outcome.KEPT
        elif procedure.meta == drawn.meta and procedure.spec_hash == model.hash:
            outcome = Outcome.UNCHANGED
        else:
            folder, outcome = procedure.folder, Outcome.UPDATED
        if outcome in (Outcome.CREATED, Outcome.UPDATED):
            publish_version(session, folder=folder, meta=drawn.meta, spec_hash=model.hash,
                            forms={}, author=CATALOGUE_AUTHOR,
                            change_note=f"{outcome} from the catalogue {source}, row {row.row}",
                            now=now)
        report.outcomes[row.code] = outcome
        if progress is not None and (done % PROGRESS_EVERY == 0 or done == len(rows)):
            progress(done, len(rows))
    if dry_run:
        session.rollback()
        return report
    audit.append(session, [audit.Change(
        actor=CATALOGUE_AUTHOR, action="catalogue.loaded",
        after={"source": source, **{str(o): report.count(o) for o in Outcome}})], now=now)
    session.commit()
    return report
