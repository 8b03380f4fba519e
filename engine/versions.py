"""Procedure versions: a designer drafts, validates, compares, publishes and exports models.

Every version is a row of `ProcedureVersion` pointing at its BPMN by content hash. Drafts
with problems are kept so the designer can fix them; hostile documents are refused before
anything is stored. Publishing moves new dossiers to the version; dossiers already running
keep the version they started on (engine.dossier_versions).
"""

import copy
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError
from sqlalchemy import func, inspect, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from engine import audit
from engine.access import check_can_design
from engine.context import EngineContext
from engine.decisions import checked_decisions
from engine.errors import DomainError, InvalidInput, Kind, NotFound
from engine.form_renames import RenamedForms, rename_changed_forms
from engine.models import (
    Department,
    FormSchema,
    Procedure,
    ProcedureVersion,
    User,
    WorkflowSpec,
)
from engine.procedures import (
    DEPARTMENTS_FILE,
    METADATA_FILE,
    get_procedure_or_raise,
    publish_version,
    store_model,
    stored_decisions,
)
from engine.specs import ParsedModel, content_hash, parse_model
from engine.validation import (
    DEFAULT_MAX_MODEL_BYTES,
    Problem,
    is_valid,
    refuse_hostile,
    validate_model,
)
from forms.patterns import pattern_problems

FORMS_FOLDER = "forms"
FORM_KEY = re.compile(r"^[A-Za-z0-9_-]+(/[A-Za-z0-9_-]+)*$")
FORM_KEY_MAX = 200
BPMN_FILE = re.compile(r"^[A-Za-z0-9_-][A-Za-z0-9_.-]*\.bpmn$")
STEP_FIELDS = ("name", "lane", "budget_hours", "form", "role", "counted", "status")


class VersionNotFound(NotFound):
    """The procedure has no version with this number."""

    code = "version_not_found"


class VersionNotDraft(DomainError):
    """Only a draft can be changed or published; published and retired versions are history."""

    kind = Kind.CONFLICT
    code = "version_not_draft"


class VersionInvalid(DomainError):
    """The version has problems that stop its publication; the details list them."""

    code = "version_invalid"

    def __init__(self, message: str, problems: list[Problem], **details):
        super().__init__(message, problems=[p.as_dict() for p in problems], **details)


class FormInvalid(DomainError):
    """A form being drawn has problems that would stop its publication; the details list them."""

    code = "form_invalid"

    def __init__(self, message: str, problems: list[Problem], **details):
        super().__init__(message, problems=[p.as_dict() for p in problems], **details)


@dataclass(frozen=True)
class Draft:
    """A stored draft and the problems its model still has."""

    version: ProcedureVersion
    problems: list[Problem]
    forms_renamed: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class StepChange:
    """A step present in both versions, with each changed field as {"from", "to"}."""

    id: str
    fields: dict[str, dict]


@dataclass(frozen=True)
class VersionDiff:
    """What changed from one version of a procedure to another."""

    code: str
    from_number: int
    to_number: int
    from_hash: str
    to_hash: str
    steps_added: list[dict] = field(default_factory=list)
    steps_removed: list[dict] = field(default_factory=list)
    steps_changed: list[StepChange] = field(default_factory=list)
    lanes_added: list[str] = field(default_factory=list)
    lanes_removed: list[str] = field(default_factory=list)
    forms_added: list[str] = field(default_factory=list)
    forms_removed: list[str] = field(default_factory=list)
    forms_changed: list[str] = field(default_factory=list)
    decisions_added: list[str] = field(default_factory=list)
    decisions_removed: list[str] = field(default_factory=list)
    decisions_changed: list[str] = field(default_factory=list)
    meta_changed: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ExportedProcedure:
    """A published version written back as a procedure folder."""

    code: str
    number: int
    folder: str
    spec_hash: str
    bpmn_path: Path


# ---- reads

def get_versions(session: Session, code: str) -> list[ProcedureVersion]:
    """Return every version of a procedure, oldest first."""
    get_procedure_or_raise(session, code)
    return list(session.scalars(select(ProcedureVersion)
                                .where(ProcedureVersion.procedure_code == code)
                                .order_by(ProcedureVersion.number)))


def get_version_or_raise(session: Session, code: str, number: int) -> ProcedureVersion:
    """Return one version of a procedure."""
    get_procedure_or_raise(session, code)
    version = session.scalars(select(ProcedureVersion).where(
        ProcedureVersion.procedure_code == code, ProcedureVersion.number == number)
    ).one_or_none()
    if version is None:
        raise VersionNotFound(f"Procedure '{code}' has no version {number}; "
                              f"GET /api/v1/procedures/{code}/versions lists them.",
                              code=code, number=number)
    return version


def get_form_or_raise(session: Session, ctx: EngineContext, key: str) -> dict:
    """Return the schema of a form under forms/ or published with a version."""
    schema = _published_form(session, ctx, key) if FORM_KEY.match(key) else None
    if schema is None:
        raise NotFound(f"no form '{key}' is under forms/ or published with a version",
                       reason="unknown_form", key=key)
    return schema


def check_form_or_raise(key: str, schema: dict) -> None:
    """Raise FormInvalid with what would stop the form's publication, the published aside."""
    problems = form_schema_problems(key, schema)
    if problems:
        raise FormInvalid(f"form '{key}' has problems: fix the problems listed", problems,
                          key=key)


def version_xml(session: Session, code: str, number: int) -> str:
    """Return the BPMN XML of a version."""
    version = get_version_or_raise(session, code, number)
    return session.get(WorkflowSpec, version.spec_hash).bpmn_xml


def version_decisions(session: Session, code: str, number: int) -> dict[str, str]:
    """Return the decision tables of a version: DMN file name → XML."""
    version = get_version_or_raise(session, code, number)
    return stored_decisions(session, version.spec_hash)


def validate_version(session: Session, ctx: EngineContext, *, code: str, number: int,
                     max_bytes: int = DEFAULT_MAX_MODEL_BYTES) -> list[Problem]:
    """Return every problem of a stored version; empty when it can be published."""
    version = get_version_or_raise(session, code, number)
    xml = session.get(WorkflowSpec, version.spec_hash).bpmn_xml.encode("utf-8")
    return _problems(session, ctx, xml, meta=version.meta, forms=version.forms,
                     decisions=stored_decisions(session, version.spec_hash),
                     max_bytes=max_bytes)


def diff_versions(session: Session, ctx: EngineContext, code: str, a: int, b: int
                  ) -> VersionDiff:
    """Compare version `a` with version `b`: steps, lanes, forms and metadata."""
    old, new = get_version_or_raise(session, code, a), get_version_or_raise(session, code, b)
    old_model, new_model = ctx.model(session, old.spec_hash), ctx.model(session, new.spec_hash)
    old_steps, new_steps = _step_views(old_model), _step_views(new_model)
    changed = []
    for ident in old_steps.keys() & new_steps.keys():
        fields = {name: {"from": old_steps[ident][name], "to": new_steps[ident][name]}
                  for name in STEP_FIELDS if old_steps[ident][name] != new_steps[ident][name]}
        if fields:
            changed.append(StepChange(ident, fields))
    old_lanes = {s["lane"] for s in old_steps.values()}
    new_lanes = {s["lane"] for s in new_steps.values()}
    old_forms, new_forms = _form_keys(old, old_model), _form_keys(new, new_model)
    old_tables, new_tables = old_model.decisions, new_model.decisions
    return VersionDiff(
        code=code, from_number=a, to_number=b, from_hash=old.spec_hash, to_hash=new.spec_hash,
        steps_added=[new_steps[i] for i in new_steps if i not in old_steps],
        steps_removed=[old_steps[i] for i in old_steps if i not in new_steps],
        steps_changed=sorted(changed, key=lambda c: list(new_steps).index(c.id)),
        lanes_added=sorted(new_lanes - old_lanes),
        lanes_removed=sorted(old_lanes - new_lanes),
        forms_added=sorted(new_forms - old_forms),
        forms_removed=sorted(old_forms - new_forms),
        forms_changed=sorted(key for key in old_forms & new_forms
                             if _effective_form(session, ctx, old, key)
                             != _effective_form(session, ctx, new, key)),
        decisions_added=sorted(new_tables.keys() - old_tables.keys()),
        decisions_removed=sorted(old_tables.keys() - new_tables.keys()),
        decisions_changed=sorted(name for name in old_tables.keys() & new_tables.keys()
                                 if old_tables[name] != new_tables[name]),
        meta_changed=sorted(key for key in old.meta.keys() | new.meta.keys()
                            if old.meta.get(key) != new.meta.get(key)),
    )


def _step_views(model: ParsedModel) -> dict[str, dict]:
    return {step.bpmn_id: {
        "id": step.bpmn_id, "name": step.name, "lane": step.lane,
        "budget_hours": step.budget_hours, "form": step.form_key, "role": step.role,
        "counted": step.counted,
        "status": None if step.status is None else int(step.status),
    } for step in model.steps.values()}


def _form_keys(version: ProcedureVersion, model: ParsedModel) -> set[str]:
    used = {step.form_key for step in model.steps.values()} | set(version.forms)
    intake = version.meta.get("intake_form")
    return used | {intake} if isinstance(intake, str) else used


def _effective_form(session: Session, ctx: EngineContext, version: ProcedureVersion,
                    key: str) -> dict | None:
    return version.forms.get(key) or _published_form(session, ctx, key)


def _published_form(session: Session, ctx: EngineContext, key: str) -> dict | None:
    row = session.get(FormSchema, key)
    if row is not None:
        return row.schema
    return ctx.forms.schema(key) if key in ctx.forms else None


# ---- writes

def create_draft(session: Session, ctx: EngineContext, *, code: str, bpmn_xml: bytes | str,
                 meta: dict | None = None, forms: dict | None = None,
                 decisions: dict | None = None, change_note: str, user: User, now: datetime,
                 max_bytes: int = DEFAULT_MAX_MODEL_BYTES) -> Draft:
    """Store a new draft version of a procedure and return it with its problems.

    The metadata and decision tables default to the procedure's current ones. A draft whose
    model has problems is stored anyway, so the designer can fix it; hostile XML is refused
    with nothing stored.
    """
    check_can_design(user, "change procedure models")
    xml = _as_bytes(bpmn_xml)
    refuse_hostile(xml, max_bytes=max_bytes)
    change_note = _checked_note(change_note)
    procedure = _lock_procedure(session, code)
    meta = copy.deepcopy(procedure.meta) if meta is None else _checked_meta(meta, code)
    draft = _renamed(session, ctx, xml, meta=meta, forms=_checked_forms(forms))
    xml, meta, forms = draft.bpmn_xml, draft.meta, draft.forms
    decisions = (stored_decisions(session, procedure.spec_hash) if decisions is None
                 else checked_decisions(decisions))
    problems = _problems(session, ctx, xml, meta=meta, forms=forms, decisions=decisions,
                         max_bytes=max_bytes)
    spec_hash = _store_xml(session, xml, meta, decisions, now)
    number = (session.scalar(select(func.max(ProcedureVersion.number))
                             .where(ProcedureVersion.procedure_code == code)) or 0) + 1
    version = ProcedureVersion(procedure_code=code, number=number, state="draft",
                               spec_hash=spec_hash, meta=meta, forms=forms,
                               author=user.username, change_note=change_note, created_at=now)
    session.add(version)
    session.flush()
    audit.append(session, [audit.Change(
        actor=user.username, action="procedure_version.drafted",
        after={"procedure_code": code, "number": number, "spec_hash": spec_hash,
               "change_note": change_note, "problems": len(problems),
               "forms_renamed": draft.renamed})], now=now)
    session.commit()
    return Draft(version, problems, draft.renamed)


def update_draft(session: Session, ctx: EngineContext, *, code: str, number: int,
                 bpmn_xml: bytes | str | None = None, meta: dict | None = None,
                 forms: dict | None = None, decisions: dict | None = None,
                 change_note: str | None = None, user: User, now: datetime,
                 max_bytes: int = DEFAULT_MAX_MODEL_BYTES) -> Draft:
    """Replace what is given of a draft (model, metadata, forms, tables, note); list problems."""
    check_can_design(user, "change procedure models")
    xml = None if bpmn_xml is None else _as_bytes(bpmn_xml)
    if xml is not None:
        refuse_hostile(xml, max_bytes=max_bytes)
    if change_note is not None:
        change_note = _checked_note(change_note)
    if decisions is not None:
        decisions = checked_decisions(decisions)
    _lock_procedure(session, code)
    version = _draft_or_raise(session, code, number, doing="changed")
    before = {"spec_hash": version.spec_hash, "change_note": version.change_note}
    if xml is None:
        xml = session.get(WorkflowSpec, version.spec_hash).bpmn_xml.encode("utf-8")
    new_meta = version.meta if meta is None else _checked_meta(meta, code)
    new_forms = version.forms if forms is None else _checked_forms(forms)
    draft = _renamed(session, ctx, xml, meta=new_meta, forms=new_forms)
    xml, new_meta, new_forms = draft.bpmn_xml, draft.meta, draft.forms
    if decisions is None:
        decisions = stored_decisions(session, version.spec_hash)
    problems = _problems(session, ctx, xml, meta=new_meta, forms=new_forms, decisions=decisions,
                         max_bytes=max_bytes)
    version.spec_hash = _store_xml(session, xml, new_meta, decisions, now)
    version.meta, version.forms = copy.deepcopy(new_meta), copy.deepcopy(new_forms)
    if change_note is not None:
        version.change_note = change_note
    session.flush()
    audit.append(session, [audit.Change(
        actor=user.username, action="procedure_version.updated", before=before,
        after={"procedure_code": code, "number": number, "spec_hash": version.spec_hash,
               "change_note": version.change_note, "problems": len(problems),
               "forms_renamed": draft.renamed})], now=now)
    session.commit()
    return Draft(version, problems, draft.renamed)


def publish(session: Session, ctx: EngineContext, *, code: str, number: int, user: User,
            now: datetime, max_bytes: int = DEFAULT_MAX_MODEL_BYTES) -> ProcedureVersion:
    """Make a valid draft the version new dossiers start on; running dossiers keep theirs."""
    check_can_design(user, "change procedure models")
    procedure = _lock_procedure(session, code)
    version = _draft_or_raise(session, code, number, doing="published")
    xml = session.get(WorkflowSpec, version.spec_hash).bpmn_xml.encode("utf-8")
    decisions = stored_decisions(session, version.spec_hash)
    problems = _problems(session, ctx, xml, meta=version.meta, forms=version.forms,
                         decisions=decisions, max_bytes=max_bytes)
    if not is_valid(problems):
        raise VersionInvalid(f"Version {number} of '{code}' has problems that stop its "
                             "publication: fix the problems listed.", problems, code=code,
                             number=number)
    model = parse_model(xml, process_id=version.meta["process_id"],
                        file_name=f"{code} version {number}", decisions=decisions)
    store_model(session, model, now=now)
    previous = procedure.spec_hash
    publish_version(session, folder=procedure.folder, meta=version.meta,
                    spec_hash=version.spec_hash, forms=version.forms, author=version.author,
                    change_note=version.change_note, now=now, draft=version)
    for key, schema in version.forms.items():
        if session.get(FormSchema, key) is None:
            session.add(FormSchema(key=key, schema=schema, published_at=now))
    session.flush()
    audit.append(session, [audit.Change(
        actor=user.username, action="procedure_version.published",
        before={"procedure_code": code, "spec_hash": previous},
        after={"procedure_code": code, "number": number, "spec_hash": version.spec_hash,
               "forms": sorted(version.forms)})], now=now)
    session.commit()
    # Only once committed: another process may not see the forms before the version.
    ctx.runtime.remember(model)
    for key, schema in version.forms.items():
        ctx.forms.register(key, schema)
    return version


class PublishedForms:
    """The forms published with procedure versions, as a FormCatalog fallback.

    Checking procedure files (`motcua workflows check`) must not need a database: until the
    table exists, there are simply no published forms.
    """

    def __init__(self, session_factory: Callable[[], Session]):
        self._session = session_factory
        self._table_seen = False

    def get(self, key: str) -> dict | None:
        """Return the schema published under a key, or None."""
        if not self._has_table():
            return None
        row = self._session().get(FormSchema, key)
        return None if row is None else row.schema

    def keys(self) -> list[str]:
        """Return every published form key."""
        if not self._has_table():
            return []
        return list(self._session().scalars(select(FormSchema.key).order_by(FormSchema.key)))

    def _has_table(self) -> bool:
        if not self._table_seen:
            try:
                self._table_seen = inspect(self._session().connection()).has_table(
                    FormSchema.__tablename__)
            except SQLAlchemyError:
                return False  # no database reachable: only the files count
        return self._table_seen


def export_published(session: Session, directory: Path) -> list[ExportedProcedure]:
    """Write each published version as a workflows/-style folder, with forms and tables.

    Departments are written too. The BPMN and DMN files are written byte for byte as stored,
    so loading the folder again gives the versions' hashes.
    """
    directory.mkdir(parents=True, exist_ok=True)
    departments = session.scalars(select(Department).order_by(Department.code))
    _write_json(directory / DEPARTMENTS_FILE, [
        {"code": d.code, "name_vi": d.name_vi, "name_en": d.name_en} for d in departments])
    exported = []
    forms: dict[str, dict] = {}
    published = session.scalars(select(ProcedureVersion)
                                .where(ProcedureVersion.state == "published")
                                .order_by(ProcedureVersion.procedure_code))
    for version in published:
        procedure = get_procedure_or_raise(session, version.procedure_code)
        spec = session.get(WorkflowSpec, version.spec_hash)
        folder = _inside(directory, procedure.folder)
        folder.mkdir(parents=True, exist_ok=True)
        bpmn_path = _inside(folder, version.meta["bpmn"])
        bpmn_path.write_bytes(spec.bpmn_xml.encode("utf-8"))
        for name, dmn_xml in (spec.decisions or {}).items():
            _inside(folder, name).write_bytes(dmn_xml.encode("utf-8"))
        _write_json(folder / METADATA_FILE, version.meta)
        forms.update(version.forms)
        model = parse_model(spec.bpmn_xml.encode("utf-8"), process_id=spec.process_id,
                            file_name=str(bpmn_path), decisions=spec.decisions)
        for key in {s.form_key for s in model.steps.values()} | {version.meta["intake_form"]}:
            row = session.get(FormSchema, key)
            if row is not None:
                forms.setdefault(key, row.schema)
        exported.append(ExportedProcedure(version.procedure_code, version.number,
                                          procedure.folder, version.spec_hash, bpmn_path))
    for key, schema in sorted(forms.items()):
        path = _inside(directory / FORMS_FOLDER, f"{key}.json")
        path.parent.mkdir(parents=True, exist_ok=True)
        _write_json(path, schema)
    return exported


# ---- helpers

def _as_bytes(bpmn_xml: bytes | str) -> bytes:
    if isinstance(bpmn_xml, str):
        try:
            return bpmn_xml.encode("utf-8")
        except UnicodeEncodeError:  # a lone surrogate, which JSON can carry as "\ud800"
            raise InvalidInput("the BPMN model is not valid Unicode text",
                               field="bpmn_xml", reason="model_not_text") from None
    try:
        bpmn_xml.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidInput("the BPMN model must be UTF-8 text", field="bpmn_xml",
                           reason="model_not_text") from None
    return bpmn_xml


def _lock_procedure(session: Session, code: str) -> Procedure:
    """Hold the procedure row so version numbers and publication happen one at a time.

    An UPDATE rather than SELECT … FOR UPDATE: SQLite ignores the latter but takes its write
    lock for the former, so what is read afterwards includes a concurrent commit.
    """
    locked = session.execute(update(Procedure).where(Procedure.code == code)
                             .values(updated_at=Procedure.updated_at)
                             .execution_options(synchronize_session=False))
    if locked.rowcount == 0:
        get_procedure_or_raise(session, code)
    return session.get(Procedure, code)


def _draft_or_raise(session: Session, code: str, number: int, *, doing: str
                    ) -> ProcedureVersion:
    version = get_version_or_raise(session, code, number)
    if version.state != "draft":
        raise VersionNotDraft(f"Version {number} of '{code}' is {version.state}; only a draft "
                              f"can be {doing}. Create a new draft with POST "
                              f"/api/v1/procedures/{code}/versions.",
                              code=code, number=number, state=version.state)
    return version


def _checked_note(note: str) -> str:
    if not note.strip() or "\x00" in note:
        raise InvalidInput("say what changed and why, in plain text", field="change_note",
                           reason="change_note_required")
    return note


def _checked_meta(meta: dict, code: str) -> dict:
    if not isinstance(meta, dict):
        raise InvalidInput("the metadata must be a JSON object", field="meta",
                           reason="meta_not_object")
    if meta.get("code", code) != code:
        raise InvalidInput(f"the metadata's code '{meta.get('code')}' is not the procedure's "
                           f"'{code}'", field="meta.code", reason="meta_code_differs",
                           meta_code=meta.get("code"), code=code)
    return copy.deepcopy({**meta, "code": code})


def _checked_forms(forms: dict | None) -> dict:
    if forms is None:
        return {}
    if not isinstance(forms, dict) or not all(
            isinstance(k, str) and isinstance(v, dict) for k, v in forms.items()):
        raise InvalidInput("forms must map form keys to JSON Schemas (objects)", field="forms",
                           reason="forms_not_schemas")
    return copy.deepcopy(forms)


def _renamed(session: Session, ctx: EngineContext, xml: bytes, *, meta: dict, forms: dict
             ) -> RenamedForms:
    """Give each form changed from its published schema the next free key."""
    return rename_changed_forms(
        xml, meta=meta, forms=forms, published=lambda key: _published_form(session, ctx, key),
        key_allowed=lambda key: len(key) <= FORM_KEY_MAX and bool(FORM_KEY.match(key)))


def _problems(session: Session, ctx: EngineContext, xml: bytes, *, meta: dict, forms: dict,
              decisions: dict[str, str], max_bytes: int) -> list[Problem]:
    def exists(key: str) -> bool:
        return key in forms or key in ctx.forms or session.get(FormSchema, key) is not None

    departments = set(session.scalars(select(Department.code)))
    problems = validate_model(xml, meta=meta, forms=exists, department_codes=departments,
                              file_name=meta.get("bpmn") or "model.bpmn", max_bytes=max_bytes,
                              decisions=decisions)
    bpmn = meta.get("bpmn")
    if "bpmn" in meta and not (isinstance(bpmn, str) and BPMN_FILE.match(bpmn)):
        # Export writes the model under this name: it must stay inside the folder.
        problems.append(Problem(f"'bpmn' must be a plain file name ending in .bpmn, not "
                                f"{bpmn!r}", element="meta.bpmn"))
    return problems + _form_problems(session, ctx, forms)


def form_schema_problems(key: str, schema: dict) -> list[Problem]:
    """Return what stops a form from being published, the published forms aside.

    The key's shape, the JSON Schema itself and its patterns (RE2 must run them).
    """
    where = f"forms.{key}"
    if len(key) > FORM_KEY_MAX or not FORM_KEY.match(key):
        return [Problem(f"form key '{key}' must be folder/name made of letters, digits, '_' "
                        "and '-', e.g. certified_copy/certify_v2", element=where)]
    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as err:
        return [Problem(f"form '{key}' is not a valid JSON Schema: {err.message}",
                        element=where)]
    return [Problem(problem, element=where) for problem in pattern_problems(key, schema)]


def _form_problems(session: Session, ctx: EngineContext, forms: dict) -> list[Problem]:
    problems = []
    for key, schema in forms.items():
        where = f"forms.{key}"
        problems.extend(form_schema_problems(key, schema))
        # Only left when the key could not be numbered (see _renamed).
        published = _published_form(session, ctx, key) if FORM_KEY.match(key) else None
        if published is not None and published != schema:
            problems.append(Problem(
                f"form '{key}' already exists with another schema, and dossiers may be using "
                "it; give the changed form a new key, e.g. "
                f"'{key}_v2', and point the steps at it", element=where))
    return problems


def _store_xml(session: Session, xml: bytes, meta: dict, decisions: dict[str, str],
               now: datetime) -> str:
    """Store the model and its tables under their hash; a draft that does not parse as text."""
    process_id = meta.get("process_id") if isinstance(meta.get("process_id"), str) else ""
    try:
        model = parse_model(xml, process_id=process_id, file_name="draft", decisions=decisions)
    except Exception:  # the problems were reported; a broken draft is still kept
        spec_hash = content_hash(xml, decisions)
        if session.get(WorkflowSpec, spec_hash) is None:
            session.add(WorkflowSpec(hash=spec_hash, process_id=process_id[:100],
                                     bpmn_xml=xml.decode("utf-8"), decisions=decisions or None,
                                     created_at=now))
            session.flush()
        return spec_hash
    store_model(session, model, now=now)
    return model.hash


def _inside(directory: Path, name: str) -> Path:
    """Return directory/name, refusing names that would escape the directory."""
    path = (directory / name).resolve()
    if not path.is_relative_to(directory.resolve()):
        raise InvalidInput(f"'{name}' would be written outside {directory}",
                           reason="path_escapes", name=name)
    return path


def _write_json(path: Path, data) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
