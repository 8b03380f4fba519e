"""The public catalogue of procedures, for citizens before they come to the counter."""

from flask.views import MethodView
from flask_smorest import Blueprint, Page

from api.auth import public
from api.extensions import db
from api.schemas import CatalogueEntrySchema, CatalogueFieldSchema, CatalogueQuery
from engine.catalogue import catalogue_fields, search_catalogue

# A commune posts some 430 procedures: one page holds them all unless the client asks less.
PAGE_SIZE = 500

blp = Blueprint("catalogue", __name__, url_prefix="/api/v1/public/procedures",
                description="The procedures the center handles, as citizens read them "
                            "(no token).")


@blp.route("")
class Catalogue(MethodView):
    """The public procedure catalogue."""

    @public
    @blp.arguments(CatalogueQuery, location="query")
    @blp.response(200, CatalogueEntrySchema(many=True))
    @blp.paginate(Page, page_size=PAGE_SIZE, max_page_size=PAGE_SIZE)
    @blp.doc(security=[])
    def get(self, query):
        """List the procedures with their required documents, fee, deadline and department.

        `q` narrows the list to procedures whose name, code or field holds every word given,
        ignoring case and Vietnamese accents; `field` keeps one field (lĩnh vực) of the
        catalogue. `page` and `page_size` page the list (the X-Pagination header gives the
        total); by default one page holds every procedure. Nothing here needs a token.
        """
        return search_catalogue(db.session, query["q"], field=query["field"])


@blp.route("/fields")
class CatalogueFields(MethodView):
    """The fields (lĩnh vực) the catalogue groups procedures in."""

    @public
    @blp.response(200, CatalogueFieldSchema(many=True))
    @blp.doc(security=[])
    def get(self):
        """List each field with how many posted procedures it has, by name.

        Procedures not loaded from a catalogue file have no field: they are counted under "".
        """
        return [{"field": name, "count": count}
                for name, count in catalogue_fields(search_catalogue(db.session))]
