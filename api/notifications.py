"""The notification outbox: reminders before deadlines and escalations after them."""

from flask.views import MethodView
from flask_smorest import Blueprint

from api.auth import current_user
from api.extensions import db
from api.schemas import NotificationQuery, NotificationSchema
from engine.notifications import get_all_notifications

blp = Blueprint("notifications", __name__, url_prefix="/api/v1/notifications",
                description="Reminders and escalations waiting for delivery")


@blp.route("")
class Notifications(MethodView):
    """The caller's notifications."""

    @blp.arguments(NotificationQuery, location="query")
    @blp.response(200, NotificationSchema(many=True))
    def get(self, query):
        """List your reminders and escalations, newest first (supervisors: `everyone=true`)."""
        return get_all_notifications(db.session, user=current_user(),
                                     everyone=query["everyone"], kind=query.get("kind"),
                                     page=query["page"], page_size=query["page_size"])
