"""The process designer: draft, validate, compare and publish versions of procedure models."""

from flask import Response, current_app, request
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, ValidationError, fields, pre_dump, validate, validates_schema

from api.auth import current_user
from api.clock import now
from api.config import model_body_bytes
from api.error_messages import message_of
from api.errors import error_response
from api.extensions import db
from api.json_numbers import decode_json_body
from engine.validation import HostileXml, Severity, is_valid
from engine.versions import (
    create_draft,
    diff_versions,
    get_version_or_raise,
    get_versions,
    publish,
    update_draft,
    validate_version,
    version_decisions,
    version_xml,
)

CHANGE_NOTE_MAX = 2000
# Version numbers are 32-bit integers in the database; larger ones cannot name a version.
NUMBER_MAX = 2**31 - 1
NUMBER = f"int(min=1, max={NUMBER_MAX})"
HOSTILE = "hostile XML (a DTD, entities, or over MOTCUA_MAX_MODEL_BYTES): nothing stored"
WRITERS_ONLY = "only designers and admins change procedure models"
DECISIONS = ("decision tables: DMN file name (e.g. review_routing.dmn) → DMN XML; "
             "default: the published version's")

blp = Blueprint("designer", __name__, url_prefix="/api/v1/procedures",
                description="Versions of procedure models: drafts, validation, diff, publication")


@blp.before_request
def _allow_model_bodies():
    """Let a request carry a whole model: the XML limit, JSON-escaped, on top of the usual."""
    if request.method in ("POST", "PUT"):
        request.max_content_length = model_body_bytes(current_app.config)
        decode_json_body()


@blp.errorhandler(HostileXml)
def _hostile(err: HostileXml):
    """Refuse hostile documents as a bad request: they are never stored nor parsed further."""
    return error_response(400, err.code, message_of(err), err.details)


class ProblemSchema(Schema):
    """Something to fix in a model, its metadata or its forms."""

    message = fields.String()
    line = fields.Integer(allow_none=True, metadata={"description": "line in the BPMN XML"})
    element = fields.String(allow_none=True, metadata={
        "description": "the BPMN element id, or meta.<key> / forms.<key>"})
    severity = fields.String(validate=validate.OneOf([s.value for s in Severity]),
                             metadata={"description": "errors stop publication; warnings do not"})


class VersionSummarySchema(Schema):
    """A version of a procedure's model."""

    procedure_code = fields.String()
    number = fields.Integer()
    state = fields.String(validate=validate.OneOf(["draft", "published", "retired"]))
    spec_hash = fields.String(metadata={"description": "SHA-256 of the BPMN XML"})
    author = fields.String()
    change_note = fields.String()
    created_at = fields.DateTime()
    published_at = fields.DateTime(allow_none=True)
    retired_at = fields.DateTime(allow_none=True)


class VersionSchema(VersionSummarySchema):
    """A version with its procedure metadata and the forms it brings."""

    meta = fields.Dict(metadata={"description": "procedure.json of this version"})
    forms = fields.Dict(keys=fields.String(), values=fields.Dict(),
                        metadata={"description": "form key → JSON Schema brought by the version"})


class DraftSchema(VersionSchema):
    """A stored draft with the problems its model still has."""

    problems = fields.List(fields.Nested(ProblemSchema))
    forms_renamed = fields.Dict(keys=fields.String(), values=fields.String(), metadata={
        "description": "old key → new key of each form that differed from the form published "
                       "under its key: published forms never change, so the draft's form was "
                       "stored under the next free key and its steps pointed at it"})

    @pre_dump
    def _flatten(self, draft, **_kwargs):
        own = ("problems", "forms_renamed")
        body = {name: getattr(draft.version, name) for name in self.fields if name not in own}
        return {**body, "problems": draft.problems, "forms_renamed": draft.forms_renamed}


class CreateVersionSchema(Schema):
    """A new draft: the model, optionally new metadata and forms, and why it changed."""

    bpmn_xml = fields.String(required=True, validate=validate.Length(min=1),
                             metadata={"description": "the BPMN 2.0 XML as the modeler saved it"})
    meta = fields.Dict(metadata={"description": "procedure.json; default: the published one"})
    forms = fields.Dict(keys=fields.String(), values=fields.Dict(), metadata={
        "description": "new step forms: form key → JSON Schema"})
    decisions = fields.Dict(keys=fields.String(), values=fields.String(), metadata={
        "description": DECISIONS})
    change_note = fields.String(required=True,
                                validate=validate.Length(min=1, max=CHANGE_NOTE_MAX))


class UpdateVersionSchema(Schema):
    """What to replace in a draft; fields left out keep their value."""

    bpmn_xml = fields.String(validate=validate.Length(min=1))
    meta = fields.Dict()
    forms = fields.Dict(keys=fields.String(), values=fields.Dict())
    decisions = fields.Dict(keys=fields.String(), values=fields.String(), metadata={
        "description": DECISIONS})
    change_note = fields.String(validate=validate.Length(min=1, max=CHANGE_NOTE_MAX))

    @validates_schema
    def _something(self, data, **_kwargs):
        if not data:
            raise ValidationError("give at least one of bpmn_xml, meta, forms, decisions, "
                                  "change_note")


class DecisionTablesSchema(Schema):
    """The decision tables of a version, byte for byte as stored."""

    decisions = fields.Dict(keys=fields.String(), values=fields.String(),
                            metadata={"description": DECISIONS})


class ValidationResultSchema(Schema):
    """Whether a version can be published, and everything to fix."""

    valid = fields.Boolean()
    problems = fields.List(fields.Nested(ProblemSchema))


class DiffQuery(Schema):
    """The two versions to compare."""

    from_number = fields.Integer(required=True, data_key="from",
                                 validate=validate.Range(min=1, max=NUMBER_MAX))
    to_number = fields.Integer(required=True, data_key="to",
                               validate=validate.Range(min=1, max=NUMBER_MAX))


class StepViewSchema(Schema):
    """A human step as the diff shows it."""

    id = fields.String()
    name = fields.String()
    lane = fields.String()
    budget_hours = fields.Float()
    form = fields.String()
    role = fields.String(allow_none=True)
    counted = fields.Boolean()
    status = fields.Integer(allow_none=True)


class StepChangeSchema(Schema):
    """A step in both versions and its changed fields."""

    id = fields.String()
    fields_ = fields.Dict(data_key="fields", attribute="fields", metadata={
        "description": 'field → {"from": old, "to": new}'})


class VersionDiffSchema(Schema):
    """What changed between two versions."""

    code = fields.String()
    from_number = fields.Integer()
    to_number = fields.Integer()
    from_hash = fields.String()
    to_hash = fields.String()
    steps_added = fields.List(fields.Nested(StepViewSchema))
    steps_removed = fields.List(fields.Nested(StepViewSchema))
    steps_changed = fields.List(fields.Nested(StepChangeSchema))
    lanes_added = fields.List(fields.String())
    lanes_removed = fields.List(fields.String())
    forms_added = fields.List(fields.String())
    forms_removed = fields.List(fields.String())
    forms_changed = fields.List(fields.String())
    decisions_added = fields.List(fields.String())
    decisions_removed = fields.List(fields.String())
    decisions_changed = fields.List(fields.String())
    meta_changed = fields.List(fields.String())


def _ctx():
    return current_app.extensions["motcua"]


def _max_bytes() -> int:
    return current_app.config["MOTCUA_MAX_MODEL_BYTES"]


@blp.route("/<string:code>/versions")
class Versions(MethodView):
    """The versions of a procedure's model."""

    @blp.response(200, VersionSummarySchema(many=True))
    def get(self, code):
        """List every version, oldest first: drafts, the published one and retired ones."""
        return get_versions(db.session, code)

    @blp.arguments(CreateVersionSchema)
    @blp.response(201, DraftSchema)
    @blp.alt_response(400, description=HOSTILE)
    @blp.alt_response(403, description=WRITERS_ONLY)
    def post(self, body, code):
        """Store a new draft (designers and admins) and list the problems its model has.

        A draft with problems is stored so it can be fixed with PUT; hostile XML (a DTD,
        entities, or more than MOTCUA_MAX_MODEL_BYTES) is refused with 400 and nothing stored.
        A form brought under a key published with another schema is stored under the next
        free key (`…/certify` → `…/certify_2`), the steps naming it are pointed at the new key,
        and `forms_renamed` says so.
        """
        return create_draft(db.session, _ctx(), code=code, bpmn_xml=body["bpmn_xml"],
                            meta=body.get("meta"), forms=body.get("forms"),
                            decisions=body.get("decisions"),
                            change_note=body["change_note"], user=current_user(), now=now(),
                            max_bytes=_max_bytes())


@blp.route(f"/<string:code>/versions/<{NUMBER}:number>")
class VersionByNumber(MethodView):
    """One version."""

    @blp.response(200, VersionSchema)
    def get(self, code, number):
        """Show a version with its metadata and the forms it brings."""
        return get_version_or_raise(db.session, code, number)

    @blp.arguments(UpdateVersionSchema)
    @blp.response(200, DraftSchema)
    @blp.alt_response(400, description=HOSTILE)
    @blp.alt_response(403, description=WRITERS_ONLY)
    @blp.alt_response(409, description="the version is not a draft")
    def put(self, body, code, number):
        """Replace a draft's model, metadata, forms or note; 409 unless it is a draft.

        Forms changed from their published schema get a new key, as with POST.
        """
        return update_draft(db.session, _ctx(), code=code, number=number,
                            bpmn_xml=body.get("bpmn_xml"), meta=body.get("meta"),
                            forms=body.get("forms"), decisions=body.get("decisions"),
                            change_note=body.get("change_note"),
                            user=current_user(), now=now(), max_bytes=_max_bytes())


@blp.route(f"/<string:code>/versions/<{NUMBER}:number>/bpmn")
class VersionBpmn(MethodView):
    """The model file of a version."""

    @blp.response(200, {"type": "string"}, content_type="application/xml",
                  description="the BPMN 2.0 XML, byte for byte as stored")
    def get(self, code, number):
        """Download the BPMN XML of a version, for the modeler."""
        xml = version_xml(db.session, code, number)
        return Response(xml.encode("utf-8"), status=200, mimetype="application/xml")


@blp.route(f"/<string:code>/versions/<{NUMBER}:number>/decisions")
class VersionDecisions(MethodView):
    """The decision tables of a version."""

    @blp.response(200, DecisionTablesSchema)
    def get(self, code, number):
        """Show the decision tables the version's business rule tasks read."""
        return {"decisions": version_decisions(db.session, code, number)}


@blp.route(f"/<string:code>/versions/<{NUMBER}:number>/validate")
class VersionValidation(MethodView):
    """Check a version."""

    @blp.response(200, ValidationResultSchema)
    def post(self, code, number):
        """List every problem of a version; valid when no problem is an error."""
        problems = validate_version(db.session, _ctx(), code=code, number=number,
                                    max_bytes=_max_bytes())
        return {"valid": is_valid(problems), "problems": problems}


@blp.route(f"/<string:code>/versions/<{NUMBER}:number>/publish")
class VersionPublication(MethodView):
    """Publish a draft."""

    @blp.response(200, VersionSchema)
    @blp.alt_response(403, description=WRITERS_ONLY)
    @blp.alt_response(409, description="the version is not a draft (e.g. already published)")
    @blp.alt_response(422, description="the draft has problems: error.details.problems")
    def post(self, code, number):
        """Make a valid draft the version new dossiers start on (designers and admins).

        Dossiers already received keep the version they started on. 422 lists the problems
        of an invalid draft; 409 when the version is not a draft (e.g. already published).
        """
        return publish(db.session, _ctx(), code=code, number=number, user=current_user(),
                       now=now(), max_bytes=_max_bytes())


@blp.route("/<string:code>/diff")
class VersionDiff(MethodView):
    """Compare two versions."""

    @blp.arguments(DiffQuery, location="query")
    @blp.response(200, VersionDiffSchema)
    def get(self, query, code):
        """Show the steps, lanes, forms, decision tables and metadata keys that differ."""
        return diff_versions(db.session, _ctx(), code, query["from_number"], query["to_number"])
