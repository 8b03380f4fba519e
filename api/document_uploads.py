"""What every upload of a document needs from the app: the store, the limits, a body size."""

from pathlib import Path

from flask import current_app, request

from api.config import document_body_bytes
from engine.document_store import DirectoryStore
from engine.documents import DocumentLimits
from engine.errors import DocumentTooLarge


def document_store() -> DirectoryStore:
    """Return the store in MOTCUA_DOCUMENTS_DIR (stateless: every host may share it)."""
    return DirectoryStore(Path(current_app.config["MOTCUA_DOCUMENTS_DIR"]))


def document_limits() -> DocumentLimits:
    """Return the size and count limits of the configuration."""
    config = current_app.config
    return DocumentLimits(max_bytes=config["MOTCUA_MAX_DOCUMENT_BYTES"],
                          max_per_dossier=config["MOTCUA_MAX_DOCUMENTS_PER_DOSSIER"])


def allow_document_body() -> None:
    """Let this request carry one document; refuse a larger body unread, naming the limit."""
    request.max_content_length = document_body_bytes(current_app.config)
    if (request.content_length or 0) > request.max_content_length:
        limit = current_app.config["MOTCUA_MAX_DOCUMENT_BYTES"]
        raise DocumentTooLarge(f"the body is over MOTCUA_MAX_DOCUMENT_BYTES ({limit} bytes)",
                               limit="MOTCUA_MAX_DOCUMENT_BYTES", max_bytes=limit)
