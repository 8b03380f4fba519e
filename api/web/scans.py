"""The receipt page's scans: each digitised component's file, uploaded after the receipt.

The page sends each file with fetch and the CSRF token in a header, so the receipt and its
PIN stay on screen; the rules are engine.documents', as in POST …/documents.
"""

from flask import jsonify, request

from api.clock import now
from api.document_uploads import allow_document_body, document_limits, document_store
from api.extensions import db
from api.web import blp, sessions
from engine.documents import Component, attach_component
from engine.statuses import Handling


@blp.post("/tiep-nhan/ho-so/<string:code>/ban-quet/<int:required_document>")
def upload_scan(code: str, required_document: int):
    """Store the scan of a digitised component; answer its record, or the error, as JSON."""
    allow_document_body()
    file = request.files.get("file")
    document = attach_component(
        db.session, document_store(), code=code, user=sessions.signed_in_user(), now=now(),
        limits=document_limits(),
        component=Component(required_document=required_document, handling=Handling.DIGITISED,
                            upload=None if file is None else file.stream))
    return jsonify({"id": document.id, "size": document.size_bytes,
                    "media_type": document.media_type}), 201
