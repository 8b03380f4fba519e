"""The public catalogue of procedures, for citizens before they come to the counter."""

from flask.views import MethodView
from flask_smorest import Blueprint

from api.auth import public
from api.extensions import db
from api.schemas import CatalogueEntrySchema, CatalogueQuery
from engine.catalogue import search_catalogue

blp = Blueprint("catalogue", __name__, url_prefix="/api/v1/public/procedures",
                description="The procedures the center handles, as citizens read them "
                            "(no token).")


@blp.route("")
class Catalogue(MethodView):
    """The public procedure catalogue."""

    @public
    @blp.arguments(CatalogueQuery, location="query")
    @blp.response(200, CatalogueEntrySchema(many=True))
    @blp.doc(security=[])
    def get(self, query):
        """List the procedures with their required documents, fee, deadline and department.

        `q` narrows the list to procedures whose name or code holds every word given,
        ignoring case and Vietnamese accents. Nothing here needs a token.
        """
        return search_catalogue(db.session, query["q"])
