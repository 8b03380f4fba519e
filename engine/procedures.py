"""Load the procedure folders under workflows/ and publish them to the database."""

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.decisions import read_decisions
from engine.errors import ModelInvalid, ProcedureNotFound
from engine.models import Department, Procedure, ProcedureVersion, WorkflowSpec
from engine.specs import ParsedModel
from engine.validation import REQUIRED_META_KEYS, check_model
from forms import FormCatalog

WORKFLOWS_DIR = Path(__file__).resolve().parent.parent / "workflows"
METADATA_FILE = "procedure.json"
DEPARTMENTS_FILE = "departments.json"


@dataclass
class ProcedureDefinition:
    """A procedure folder: its metadata and its checked BPMN model with its decision tables."""

    folder: str
    meta: dict
    model: ParsedModel

    @property
    def code(self) -> str:
        """Return the procedure code."""
        return self.meta["code"]


def load_departments(root: Path = WORKFLOWS_DIR) -> list[dict]:
    """Read the departments that lanes may name."""
    path = root / DEPARTMENTS_FILE
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as err:
        raise ModelInvalid(f"cannot read the department list: {err}", file=str(path)) from None


def load_procedure(folder: Path, *, forms: FormCatalog, department_codes: set[str]
                   ) -> ProcedureDefinition:
    """Read and check one procedure folder; raise ModelInvalid saying what to fix.

    The checks are the designer's (`engine.validation`): a folder loads exactly when the
    same model and metadata could be published.
    """
    meta_path = folder / METADATA_FILE
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as err:
        raise ModelInvalid(f"cannot read procedure metadata: {err}", file=str(meta_path)) from None
    missing = [key for key in REQUIRED_META_KEYS if not isinstance(meta, dict) or key not in meta]
    if missing:
        raise ModelInvalid(f"procedure metadata lacks {missing}", file=str(meta_path))
    bpmn_path = folder / meta["bpmn"]
    try:
        xml = bpmn_path.read_bytes()
    except OSError as err:
        raise ModelInvalid(f"cannot read the BPMN model: {err.strerror}",
                           file=str(bpmn_path)) from None
    known_forms = set(forms.keys())
    model = check_model(xml, meta=meta, forms=known_forms.__contains__,
                        department_codes=department_codes, file_name=str(bpmn_path),
                        meta_file=str(meta_path), decisions=read_decisions(folder))
    return ProcedureDefinition(folder=folder.name, meta=meta, model=model)


def load_procedures(root: Path = WORKFLOWS_DIR, *, forms: FormCatalog
                    ) -> tuple[list[dict], list[ProcedureDefinition]]:
    """Read every procedure folder under `root`; raise on the first invalid one."""
    departments = load_departments(root)
    codes = {d["code"] for d in departments}
    definitions = [
        load_procedure(folder, forms=forms, department_codes=codes)
        for folder in sorted(p.parent for p in root.glob(f"*/{METADATA_FILE}"))
    ]
    seen: dict[str, str] = {}
    for definition in definitions:
        if definition.code in seen:
            raise ModelInvalid(f"procedure code '{definition.code}' is used by both "
                               f"'{seen[definition.code]}' and '{definition.folder}'",
                               file=str(root / definition.folder / METADATA_FILE))
        seen[definition.code] = definition.folder
    return departments, definitions


def publish_procedures(session: Session, *, departments: list[dict],
                       definitions: list[ProcedureDefinition], now: datetime,
                       author: str = "workflows/") -> int:
    """Import procedure folders as published versions; return how many versions were new.

    A folder whose model and metadata match a version already stored is skipped, so a
    version a designer published later is not overwritten by an unchanged file. Dossiers
    in flight keep the version they started on.
    """
    for dept in departments:
        session.merge(Department(code=dept["code"], name_vi=dept["name_vi"],
                                 name_en=dept["name_en"],
                                 external=bool(dept.get("external", False))))
    imported = 0
    for definition in definitions:
        if _already_stored(session, definition):
            continue
        store_model(session, definition.model, now=now)
        publish_version(session, folder=definition.folder, meta=definition.meta,
                        spec_hash=definition.model.hash, forms={}, author=author,
                        change_note=f"imported from {author}{definition.folder}", now=now)
        imported += 1
    session.commit()
    return imported


def _already_stored(session: Session, definition: ProcedureDefinition) -> bool:
    versions = session.scalars(select(ProcedureVersion).where(
        ProcedureVersion.procedure_code == definition.code,
        ProcedureVersion.spec_hash == definition.model.hash))
    return any(version.meta == definition.meta for version in versions)


def store_model(session: Session, model: ParsedModel, *, now: datetime) -> None:
    """Store a model's XML and decision tables once under their content hash."""
    if session.get(WorkflowSpec, model.hash) is None:
        spec = WorkflowSpec(hash=model.hash, process_id=model.process_id,
                            bpmn_xml=model.bpmn_xml, created_at=now)
        # A model without tables leaves the column out, as every model stored before it
        # existed: code that stores models keeps working on a database not yet upgraded.
        if model.decisions:
            spec.decisions = model.decisions
        session.add(spec)
        session.flush()


def publish_version(session: Session, *, folder: str, meta: dict, spec_hash: str, forms: dict,
                    author: str, change_note: str, now: datetime,
                    draft: ProcedureVersion | None = None) -> ProcedureVersion:
    """Make a version the one new dossiers start on, retiring the previously published one."""
    code = meta["code"]
    for current in session.scalars(select(ProcedureVersion).where(
            ProcedureVersion.procedure_code == code, ProcedureVersion.state == "published")):
        current.state, current.retired_at = "retired", now
    if draft is None:
        number = (session.scalar(select(func.max(ProcedureVersion.number))
                                 .where(ProcedureVersion.procedure_code == code)) or 0) + 1
        draft = ProcedureVersion(procedure_code=code, number=number, spec_hash=spec_hash,
                                 meta=meta, forms=forms, author=author,
                                 change_note=change_note, created_at=now)
        session.add(draft)
    draft.state, draft.published_at = "published", now
    session.merge(Procedure(
        code=code, folder=folder, name_vi=meta["name_vi"], name_en=meta["name_en"],
        department_code=meta["department"], spec_hash=spec_hash, meta=meta, updated_at=now,
    ))
    session.flush()
    return draft


def get_procedure_or_raise(session: Session, code: str) -> Procedure:
    """Return the procedure with this code."""
    procedure = session.get(Procedure, code)
    if procedure is None:
        raise ProcedureNotFound(f"No procedure has code '{code}'; GET /api/v1/procedures "
                                "lists the codes.", code=code)
    return procedure


def get_all_procedures(session: Session) -> list[Procedure]:
    """Return every procedure, by code."""
    return list(session.scalars(select(Procedure).order_by(Procedure.code)))


def stored_model_xml(session: Session, spec_hash: str) -> tuple[str, str]:
    """Return the BPMN XML and process id stored under a model hash."""
    spec = session.get(WorkflowSpec, spec_hash)
    return spec.bpmn_xml, spec.process_id


def stored_decisions(session: Session, spec_hash: str) -> dict[str, str]:
    """Return the decision tables stored with a model hash: DMN file name → XML."""
    return dict(session.get(WorkflowSpec, spec_hash).decisions or {})
