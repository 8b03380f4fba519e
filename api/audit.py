"""The audit trail: search the hash-chained events and verify that none was altered."""

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from api.auth import current_user
from api.extensions import db
from api.schemas import PeriodQuery
from engine import audit
from engine.access import check_can_read_audit

blp = Blueprint("audit", __name__, url_prefix="/api/v1/audit",
                description="The audit trail, for supervisors and admins")


class AuditQuery(PeriodQuery):
    """Filters of the audit trail; all of them narrow the result."""

    dossier_code = fields.String(metadata={"description": "only this dossier's events"})
    actor = fields.String(metadata={"description": "only events by this username "
                                                   "('system', 'cli' for unattended work)"})
    action = fields.String(metadata={"description": "only this action, e.g. task.completed"})


class AuditEventSchema(Schema):
    """One state change, sealed to the event before it by its hash.

    Events are written unsealed and sealed by the worker within seconds of their commit:
    until then `seq`, `prev_hash` and `hash` are null.
    """

    id = fields.Integer(metadata={"description": "the order in which events were written"})
    seq = fields.Integer(allow_none=True, metadata={
        "description": "the event's place in the chain; null until sealed"})
    occurred_at = fields.DateTime()
    actor = fields.String()
    action = fields.String()
    dossier_code = fields.String(allow_none=True)
    task_id = fields.Integer(allow_none=True)
    before = fields.Dict(allow_none=True)
    after = fields.Dict(allow_none=True)
    prev_hash = fields.String(allow_none=True)
    hash = fields.String(allow_none=True)


class ChainReportSchema(Schema):
    """The outcome of recomputing every hash of the chain."""

    intact = fields.Boolean()
    events = fields.Integer(metadata={"description": "sealed events verified before any break"})
    first_broken_seq = fields.Integer(allow_none=True, metadata={
        "description": "the first event changed, removed or unlinked; null when intact"})
    reason = fields.String(allow_none=True)
    unsealed = fields.Integer(metadata={
        "description": "events written but not sealed yet (the worker seals them within "
                       "seconds); they are verified once sealed"})
    oldest_unsealed_at = fields.DateTime(allow_none=True, metadata={
        "description": "when the oldest unsealed event was written; minutes ago means no "
                       "worker is running"})


@blp.route("")
class AuditEvents(MethodView):
    """The audit trail."""

    @blp.arguments(AuditQuery, location="query")
    @blp.response(200, AuditEventSchema(many=True))
    def get(self, query):
        """List audited events, oldest first, by dossier, actor, action or period.

        The period is `since` (included) to `until` (excluded). Supervisors and admins only.
        """
        check_can_read_audit(current_user())
        return audit.search(db.session, **query)


@blp.route("/verify")
class AuditVerification(MethodView):
    """The integrity of the audit trail."""

    @blp.response(200, ChainReportSchema)
    def get(self):
        """Recompute every event's hash; name the first event changed or removed.

        Supervisors and admins only. The walk reads the whole trail, so it takes longer
        as the trail grows.
        """
        check_can_read_audit(current_user())
        return audit.verify_chain(db.session)
