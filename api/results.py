"""What issuing a signed result needs from the app: the PKI directory, the store, the center."""

from pathlib import Path

from flask import current_app

from api.config import signing_passphrase
from api.document_uploads import document_store
from api.slips import center
from engine.pki import PkiStore
from engine.results import ResultIssuing


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
