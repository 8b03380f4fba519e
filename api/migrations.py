"""Moving running dossiers to another model version, and trial runs of a version."""

from pathlib import Path

from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from api.auth import current_user
from api.clock import now
from api.extensions import db
from api.schemas import INTEGER_MAX, MOMENTS
from engine.migration import migrate_dossiers, plan_migration
from engine.trial_run import trial_run_version

blp = Blueprint("migrations", __name__, url_prefix="/api/v1/procedures",
                description="Moving running dossiers between model versions; trial runs")

MAX_DOSSIERS = 1000


class PlanMigrationSchema(Schema):
    """Which version to check the running dossiers against."""

    target_version = fields.Integer(required=True, validate=validate.Range(min=1, max=INTEGER_MAX))


class MigrateSchema(PlanMigrationSchema):
    """Which version to move dossiers to, and optionally which dossiers."""

    dossier_codes = fields.List(
        fields.String(validate=validate.Length(min=1, max=64)),
        validate=validate.Length(min=1, max=MAX_DOSSIERS),
        metadata={"description": "only these dossiers; default: every running dossier"})


class MoveCheckSchema(Schema):
    """Whether a running dossier can move to the target version."""

    dossier_code = fields.String()
    from_hash = fields.String()
    from_version = fields.Integer(attribute="from_version_number", metadata={
        "description": "the procedure version the dossier runs now"})
    can_move = fields.Boolean()
    reason = fields.String(allow_none=True)


class SkippedSchema(Schema):
    """A dossier left on its version."""

    dossier_code = fields.String()
    reason = fields.String()


class MigrationResultSchema(Schema):
    """The dossiers moved and those skipped."""

    moved = fields.List(fields.String())
    skipped = fields.List(fields.Nested(SkippedSchema))


class TrialRunRequestSchema(Schema):
    """When the simulated dossier is received and which way its decisions go."""

    start_at = fields.AwareDateTime(
        validate=MOMENTS,
        metadata={"description": "default: now; between 2000 and 2100"})
    decisions = fields.Dict(
        keys=fields.String(), values=fields.Raw(),
        metadata={"description": 'step id → sample variant, or a list used in turn when the '
                                 'step comes back: {"review": ["supplement", "approve"]}'})


class TrialStepSchema(Schema):
    """A step on the simulated path."""

    step = fields.String()
    name = fields.String()
    department = fields.String(allow_none=True)
    ready_at = fields.DateTime()
    due_at = fields.DateTime()
    completed_at = fields.DateTime()
    variant = fields.String()


class TrialRunSchema(Schema):
    """The path a dossier would take and how it would do against its appointment."""

    started_at = fields.DateTime()
    path = fields.List(fields.Nested(TrialStepSchema))
    first_appointment_at = fields.DateTime()
    appointment_at = fields.DateTime(
        metadata={"description": "the appointment in force at the end (a supplement restarts "
                                 "the clock)"})
    finished = fields.Boolean()
    finished_at = fields.DateTime(allow_none=True)
    status = fields.Integer()
    status_label_vi = fields.Function(lambda run: run.status.label_vi)
    processed_at = fields.DateTime(allow_none=True,
                                   metadata={"description": "when the statutory clock stopped"})
    outcome = fields.String(allow_none=True, metadata={"description": "early, on_time or late"})
    within_appointment = fields.Boolean()
    clock = fields.List(fields.Dict(), metadata={"description": "pauses, restarts, stop"})
    error = fields.String(allow_none=True)


@blp.route("/<string:code>/migrations/plan")
class MigrationPlan(MethodView):
    """What moving to a version would do."""

    @blp.arguments(PlanMigrationSchema)
    @blp.response(200, MoveCheckSchema(many=True))
    def post(self, body, code):
        """Check every running dossier against a version: can it move, and if not why.

        Nothing changes. Designers and admins only.
        """
        return plan_migration(db.session, current_app.extensions["motcua"], code=code,
                              target_number=body["target_version"], user=current_user(),
                              now=now())


@blp.route("/<string:code>/migrations")
class Migrations(MethodView):
    """Moving running dossiers to a version."""

    @blp.arguments(MigrateSchema)
    @blp.response(200, MigrationResultSchema)
    def post(self, body, code):
        """Move running dossiers (all, or those listed) onto a published version.

        Each dossier moves in its own transaction after being checked again; one that
        cannot move is listed under `skipped` with the reason and left unchanged.
        Designers and admins only.
        """
        return migrate_dossiers(db.session, current_app.extensions["motcua"], code=code,
                                target_number=body["target_version"],
                                dossier_codes=body.get("dossier_codes"), user=current_user(),
                                now=now())


@blp.route(f"/<string:code>/versions/<int(min=1, max={INTEGER_MAX}):number>/trial-run")
class TrialRun(MethodView):
    """A dossier run through a version in memory."""

    @blp.arguments(TrialRunRequestSchema)
    @blp.response(200, TrialRunSchema)
    def post(self, body, code, number):
        """Run a version (draft or published) with the sample data of its procedure's folder.

        A procedure without samples.json (imported, or new) runs with data generated from
        its forms: required fields, each choice's first value. Each step takes its whole
        budget in working hours and is completed with the `approve` or `default` sample
        unless `decisions` chooses another. Nothing is written. Only designers and admins
        may run it: it runs the version's scripts (403 for other roles). 422 when a step
        reached has no sample data. A run that loops, gets stuck or whose script is
        stopped at its limits answers 200 with `finished: false` and `error`.
        """
        return trial_run_version(db.session, current_app.extensions["motcua"], code=code,
                                 number=number, user=current_user(),
                                 workflows_dir=Path(current_app.config["MOTCUA_WORKFLOWS_DIR"]),
                                 decisions=body.get("decisions"),
                                 start_at=body.get("start_at") or now())
