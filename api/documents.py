"""Dossiers' documents: components reception attaches, results staff add, and the files."""

from flask import request, send_file
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from api.auth import current_user
from api.clock import now
from api.document_uploads import allow_document_body, document_limits, document_store
from api.extensions import db
from api.formatting import local_moment
from api.refusals import refusals
from api.results import pki_store
from api.schemas import BIG_INTEGER_MAX
from engine.documents import (
    Component,
    add_result,
    attach_component,
    get_document_or_raise,
    get_documents,
    get_held_documents,
)
from engine.media_types import ACCEPTED
from engine.results import signature_of
from engine.statuses import DocumentKind, DocumentStage, Handling

EXTENSIONS = {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}
FILE_HELP = (f"the file ({ACCEPTED}; its type is told from its content) up to "
             "MOTCUA_MAX_DOCUMENT_BYTES")

blp = Blueprint("documents", __name__, url_prefix="/api/v1",
                description="Components handed in with a dossier and the results it issues")


@blp.before_request
def _allow_document_bodies():
    """Let an upload carry one document; refuse a larger body unread, naming the limit."""
    if request.method == "POST":
        allow_document_body()


class ComponentSchema(Schema):
    """A component of the dossier, sent as multipart/form-data (with `file`) or a form."""

    required_document = fields.Integer(required=True, validate=validate.Range(min=0, max=999),
                                       metadata={"description": "which of the procedure "
                                                 "version's required documents it is (0 first)"})
    handling = fields.String(required=True, validate=validate.OneOf([h.value for h in Handling]),
                             metadata={"description": "digitised: carries its scan as `file`; "
                                       "reused: names a held document in `reuse_of`; shown: "
                                       "shown at the counter, not kept"})
    stage = fields.String(load_default=DocumentStage.RECEIPT.value,
                          validate=validate.OneOf([s.value for s in DocumentStage]))
    reuse_of = fields.Integer(validate=validate.Range(min=1, max=BIG_INTEGER_MAX), metadata={
        "description": "id of a document held for the same citizen ID number "
                       "(GET /api/v1/documents/held)"})


class ResultSchema(Schema):
    """A result of the dossier, sent as multipart/form-data with `file`."""

    title = fields.String(required=True, validate=validate.Length(min=1, max=500),
                          metadata={"description": "e.g. Trích lục khai sinh"})


class FileSchema(Schema):
    """The uploaded file."""

    file = fields.Raw(metadata={"type": "string", "format": "binary", "description": FILE_HELP})


class DocumentSchema(Schema):
    """A document of a dossier; `sha256` names its bytes, null when none were kept."""

    id = fields.Integer()
    kind = fields.String(validate=validate.OneOf([k.value for k in DocumentKind]))
    title = fields.String()
    required_document = fields.Integer(allow_none=True)
    stage = fields.String(allow_none=True)
    handling = fields.String(allow_none=True)
    media_type = fields.String(allow_none=True)
    size = fields.Integer(attribute="size_bytes", allow_none=True)
    sha256 = fields.String(allow_none=True)
    uploaded_at = fields.DateTime()
    uploaded_by = fields.String(attribute="uploader.username")
    reused_from = fields.Integer(attribute="reused_from_id", allow_none=True)


class SignatureSchema(Schema):
    """What a document's signature proves, validated now against the PKI's trusted roots."""

    signer = fields.String(metadata={"description": "the signing certificate's common name"})
    signed_at = fields.DateTime(allow_none=True, metadata={
        "description": "the time-stamp authority's time when `timestamped`, else the signer's"})
    signed_at_local = fields.Function(lambda report: local_moment(report.signed_at), metadata={
        "description": "signed_at in the center's local time, dd/mm/yyyy HH:mm"})
    timestamped = fields.Boolean()
    intact = fields.Boolean(metadata={"description": "the signed bytes are unchanged"})
    trusted = fields.Boolean(metadata={"description": "the certificate chains to a trusted root"})
    whole_document = fields.Boolean()
    modified_after_signing = fields.Boolean()


class HeldQuery(Schema):
    """Whose documents."""

    id_number = fields.String(required=True, validate=validate.Regexp(
        r"^(\d{9}|\d{12})$", error="a citizen ID has 12 digits (or 9 for an old ID card)"))


class HeldDocumentSchema(Schema):
    """A file held for the citizen: what it is and when it came, not the file."""

    id = fields.Integer()
    title = fields.String()
    uploaded_at = fields.DateTime()


def _upload():
    file = request.files.get("file")
    return None if file is None else file.stream


@blp.route("/dossiers/<string:code>/documents")
class DossierDocuments(MethodView):
    """The components and results of one dossier."""

    @blp.response(200, DocumentSchema(many=True))
    @refusals(blp, 404)
    def get(self, code):
        """List the dossier's documents, oldest first.

        Who may see the dossier may list its documents; others get 404, as for the dossier.
        """
        return get_documents(db.session, code=code, user=current_user())

    @blp.arguments(ComponentSchema, location="form")
    @blp.arguments(FileSchema, location="files")
    @blp.response(201, DocumentSchema)
    @refusals(blp, 403, 404, 422)
    def post(self, component, _file, code):
        """Attach a component, at receipt or on supplement (reception staff).

        Send multipart/form-data: `required_document` and `handling`, with the scan as
        `file` for a digitised component, or `reuse_of` (a document held for the same
        citizen ID number from an earlier dossier) for a reused one; a component shown at
        the counter and handed back carries neither. The file's type is told from its
        content: PDF, JPEG or PNG, else 415 naming them. A file over
        MOTCUA_MAX_DOCUMENT_BYTES answers 413 and a dossier already holding
        MOTCUA_MAX_DOCUMENTS_PER_DOSSIER documents 422, each naming its limit; nothing is
        recorded then. Identical bytes are stored once.
        """
        return attach_component(
            db.session, document_store(), code=code, user=current_user(),
            limits=document_limits(), now=now(),
            component=Component(required_document=component["required_document"],
                                handling=Handling(component["handling"]),
                                stage=DocumentStage(component["stage"]),
                                upload=_upload(), reuse_of=component.get("reuse_of")))


@blp.route("/dossiers/<string:code>/results")
class DossierResults(MethodView):
    """The results a dossier issues."""

    @blp.arguments(ResultSchema, location="form")
    @blp.arguments(FileSchema, location="files")
    @blp.response(201, DocumentSchema)
    @refusals(blp, 403, 404, 422)
    def post(self, result, _file, code):
        """Add a result file (an extract, a certified copy): a document of kind `result`.

        Staff of a department working on the dossier, leaders and admins add results. The
        file's type and size are checked as for components (415, 413).
        """
        return add_result(db.session, document_store(), code=code, title=result["title"],
                          upload=_upload(), user=current_user(), limits=document_limits(),
                          now=now())


@blp.route("/dossiers/<string:code>/documents/<int:document_id>")
class DossierDocument(MethodView):
    """One document's bytes."""

    @blp.response(200, content_type="application/octet-stream",
                  description="the file, with the media type told from its content")
    @refusals(blp, 404)
    def get(self, code, document_id):
        """Download the document's file, as an attachment.

        404 for a document kept without a file (shown at the counter), as for one that
        does not exist or a dossier you may not see.
        """
        document = get_document_or_raise(db.session, code=code, document_id=document_id,
                                         user=current_user(), with_file=True)
        return send_file(document_store().open(document.sha256), mimetype=document.media_type,
                         as_attachment=True, etag=document.sha256, max_age=0,
                         download_name=f"{code}-{document.id}{EXTENSIONS[document.media_type]}")


@blp.route("/dossiers/<string:code>/documents/<int:document_id>/signature")
class DocumentSignature(MethodView):
    """What a document's digital signature proves."""

    @blp.response(200, SignatureSchema)
    @refusals(blp, 404)
    def get(self, code, document_id):
        """Validate the document's signature: signer, signing time, intact, trusted.

        Who may see the dossier's documents may check their signatures. 404 with reason
        `not_signed` for a document whose file carries no signature.
        """
        return signature_of(db.session, document_store(), code=code, document_id=document_id,
                            user=current_user(), trust_roots=pki_store().trust_roots(),
                            now=now())


@blp.route("/documents/held")
class HeldDocuments(MethodView):
    """Documents already held for a citizen."""

    @blp.arguments(HeldQuery, location="query")
    @blp.response(200, HeldDocumentSchema(many=True))
    @refusals(blp, 403, 422)
    def get(self, query):
        """List the files held for a citizen ID number from earlier dossiers (reception).

        Only the title and date: attach one to a new dossier as `reuse_of` instead of a
        new scan. The files stay behind their dossiers' access policy.
        """
        return get_held_documents(db.session, id_number=query["id_number"],
                                  user=current_user())
