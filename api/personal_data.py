"""Who read citizens' personal data: the log supervisors search."""

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from api.auth import current_user
from api.extensions import db
from api.refusals import refusals
from api.schemas import PeriodQuery
from engine.personal_data import View, search_reads

blp = Blueprint("personal_data_reads", __name__, url_prefix="/api/v1/personal-data-reads",
                description="Staff reads of citizens' personal data, for supervisors and admins")


class PersonalDataReadQuery(PeriodQuery):
    """Filters of the reads; all of them narrow the result."""

    dossier_code = fields.String(metadata={"description": "only reads of this dossier"})
    actor = fields.String(metadata={"description": "only reads by this username"})


class PersonalDataReadSchema(Schema):
    """One answer that showed a staff member a dossier's applicant or form data."""

    id = fields.Integer(metadata={"description": "the order in which reads were recorded"})
    occurred_at = fields.DateTime()
    actor = fields.String(metadata={"description": "the username who read"})
    dossier_code = fields.String()
    view = fields.String(metadata={
        "description": "which answer: " + ", ".join(view.value for view in View) +
                       " (the dossier list records each dossier on the page)"})


@blp.route("")
class PersonalDataReads(MethodView):
    """The log of reads of personal data."""

    @blp.arguments(PersonalDataReadQuery, location="query")
    @blp.response(200, PersonalDataReadSchema(many=True))
    @refusals(blp, 403)
    def get(self, query):
        """List who read which dossier's personal data, oldest first, by dossier, actor or period.

        Every staff answer carrying an applicant's name, ID number or form data is recorded:
        the dossier list, a dossier, its history and its apology letter. The period is
        `since` (included) to `until` (excluded). Supervisors and admins only.
        """
        return search_reads(db.session, user=current_user(), **query)
