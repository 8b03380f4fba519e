"""The forms a step may name: the files under forms/ and the forms published with versions."""

from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields

blp = Blueprint("form_list", __name__, url_prefix="/api/v1/forms",
                description="The step forms models may name")


class FormSummarySchema(Schema):
    """A form's key, as a step's `form` property names it, and its title."""

    key = fields.String(metadata={"example": "birth_registration/review"})
    title = fields.String(allow_none=True)


@blp.route("")
class Forms(MethodView):
    """Every form known to the application."""

    @blp.response(200, FormSummarySchema(many=True))
    def get(self):
        """List every form by key (any staff member): files first, then published forms.

        A draft's own forms are in its version (`GET .../versions/{number}`), not here.
        """
        catalog = current_app.extensions["motcua"].forms
        return [{"key": key, "title": catalog.schema(key).get("title")}
                for key in catalog.keys()]
