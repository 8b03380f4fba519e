"""Step forms for the designer: the list, published schemas, a preview as officers see it."""

from flask import Response, current_app, render_template_string
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from api.auth import current_user
from api.extensions import db
from api.refusals import refusals
from api.web.schema_form import form_fields
from engine.access import check_can_design
from engine.validation import Problem
from engine.versions import FORM_KEY_MAX, FormInvalid, check_form_or_raise, get_form_or_raise

blp = Blueprint("forms", __name__, url_prefix="/api/v1/forms",
                description="Step forms: published JSON Schemas and previews of drafts' forms")

# The step page's form (web/step.html) without its buttons: the same field template.
PREVIEW = """<form class="stack schema-form" novalidate data-testid="form-preview">
{% if title %}<h2>{{ title }}</h2>{% endif %}
{% for f in fields %}{% include "web/_schema_field.html" %}{% endfor %}
<p class="hint"><span class="required" aria-hidden="true">*</span> {{ _("Trường bắt buộc") }}</p>
</form>"""


class FormPreviewSchema(Schema):
    """A form being drawn: its key and JSON Schema."""

    key = fields.String(required=True, validate=validate.Length(min=1, max=FORM_KEY_MAX),
                        metadata={"description": "folder/name, e.g. certified_copy/certify"})
    schema = fields.Dict(required=True, metadata={"description": "the form's JSON Schema"})


class FormSummarySchema(Schema):
    """A form's key, as a step's `form` property names it, and its title."""

    key = fields.String(metadata={"example": "birth_registration/review"})
    title = fields.String(allow_none=True)


class FormSchemaSchema(Schema):
    """A form and its JSON Schema."""

    key = fields.String()
    schema = fields.Dict()


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


@blp.route("/preview")
class FormPreview(MethodView):
    """A form rendered as the officer's step page renders it."""

    @blp.arguments(FormPreviewSchema)
    @blp.response(200, {"type": "string"}, content_type="text/html",
                  description="the form's fields as an HTML fragment")
    @refusals(blp, 403, 422)
    def post(self, body):
        """Render a form's fields with the staff pages' own renderer (designers and admins).

        422 with `details.problems` when the schema would stop publication (not a JSON
        Schema, a pattern RE2 cannot run, a malformed key). Nothing is stored.
        """
        check_can_design(current_user(), "preview forms")
        key, schema = body["key"], body["schema"]
        check_form_or_raise(key, schema)
        try:
            fields_ = form_fields(schema)
        except (AttributeError, TypeError) as err:
            # Valid JSON Schema the staff pages cannot show, e.g. `true` as a field's schema.
            raise FormInvalid(f"the staff pages cannot show form '{key}'", [Problem(
                f"form '{key}' cannot be shown to officers: each field must be an object "
                f"with a type, choices listed in 'enum' with 'x-enum-titles' ({err})",
                element=f"forms.{key}")], key=key) from None
        html = render_template_string(PREVIEW, title=schema.get("title"), fields=fields_,
                                      values={}, errors={})
        return Response(html, status=200, mimetype="text/html")


@blp.route("/<path:key>")
class FormByKey(MethodView):
    """A published form."""

    @blp.response(200, FormSchemaSchema)
    @refusals(blp, 404)
    def get(self, key):
        """Show the JSON Schema of a form under forms/ or published with a version."""
        return {"key": key, "schema": get_form_or_raise(db.session,
                                                        current_app.extensions["motcua"], key)}
