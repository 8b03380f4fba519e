"""What issuing a signed result needs from the app: the PKI directory, the store, the center."""

from pathlib import Path

from flask import current_app

from api.clock import now
from api.config import signing_passphrase
from api.document_uploads import document_store
from api.extensions import db
from api.slips import center
from engine.models import Document
from engine.pki import PkiStore
from engine.results import ResultIssuing, issued_result, validated
from engine.signing import SignatureReport


def pki_store() -> PkiStore:
    """Return the leaders' keys and the trusted roots in MOTCUA_PKI_DIR."""
    config = current_app.config
    return PkiStore(Path(config["MOTCUA_PKI_DIR"]), signing_passphrase(config))


def result_issuing() -> ResultIssuing:
    """Return how a leader's signing step issues the result, as the settings say."""
    config = current_app.config
    return ResultIssuing(store=document_store(), pki=pki_store(), center=center(),
                         tsa_url=config["MOTCUA_TSA_URL"] or None,
                         require_signed=config["MOTCUA_REQUIRE_SIGNED_RESULTS"])


def citizen_result(code: str) -> tuple[Document, SignatureReport | None] | None:
    """Return the dossier's issued result and what its signature proves now (None: unsigned).

    Only for a caller who proved the PIN: the citizen page after a lookup.
    """
    document = issued_result(db.session, code)
    if document is None:
        return None
    return document, validated(document_store(), document, pki_store().trust_roots(), now=now())
