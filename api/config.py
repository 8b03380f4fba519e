"""Settings read from the environment, with defaults that run out of the box."""

import hashlib
import hmac
import os
import secrets
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SQLITE = PROJECT_ROOT / "var" / "motcua.db"
# A fresh install's secret key, generated once, beside the default database.
DEFAULT_SECRET_FILE = PROJECT_ROOT / "var" / "secret-key"
# An upload's multipart boundaries, part headers and small fields, beyond the file itself.
MULTIPART_FRAMING_BYTES = 64 * 1024


def from_environment() -> dict:
    """Return the Flask config for this process."""
    return {
        "SQLALCHEMY_DATABASE_URI": database_url(os.environ.get("MOTCUA_DATABASE_URL")),
        "MOTCUA_AGENCY_CODE": os.environ.get("MOTCUA_AGENCY_CODE", "000.00.00.H00"),
        "MOTCUA_WORKFLOWS_DIR": os.environ.get("MOTCUA_WORKFLOWS_DIR",
                                               str(PROJECT_ROOT / "workflows")),
        "MOTCUA_SCRIPT_TIME_LIMIT": float(os.environ.get("MOTCUA_SCRIPT_TIME_LIMIT", "1.0")),
        "MOTCUA_SCRIPT_MEMORY_MB": int(os.environ.get("MOTCUA_SCRIPT_MEMORY_MB", "512")),
        # Stored-state MB of restored workflows each server process keeps between steps; 0: none.
        "MOTCUA_WORKFLOW_CACHE_MB": float(os.environ.get("MOTCUA_WORKFLOW_CACHE_MB", "32")),
        "MOTCUA_SUPPLEMENT_WAIT_DAYS": float(os.environ.get("MOTCUA_SUPPLEMENT_WAIT_DAYS", "15")),
        "MOTCUA_REMINDER_LEAD_HOURS": float(os.environ.get("MOTCUA_REMINDER_LEAD_HOURS", "8")),
        "MAX_CONTENT_LENGTH": int(os.environ.get("MOTCUA_MAX_BODY_BYTES", str(1024 * 1024))),
        # A BPMN model a designer uploads; larger documents are refused unread.
        "MOTCUA_MAX_MODEL_BYTES": int(os.environ.get("MOTCUA_MAX_MODEL_BYTES",
                                                     str(2 * 1024 * 1024))),
        # Dossiers' documents, by SHA-256: one directory every API host shares.
        "MOTCUA_DOCUMENTS_DIR": os.environ.get("MOTCUA_DOCUMENTS_DIR",
                                               str(PROJECT_ROOT / "var" / "documents")),
        "MOTCUA_MAX_DOCUMENT_BYTES": int(os.environ.get("MOTCUA_MAX_DOCUMENT_BYTES",
                                                        str(20 * 1024 * 1024))),
        "MOTCUA_MAX_DOCUMENTS_PER_DOSSIER": int(os.environ.get(
            "MOTCUA_MAX_DOCUMENTS_PER_DOSSIER", "50")),
        # Keys stored PINs; unset, create_app reads or creates var/secret-key.
        "MOTCUA_SECRET_KEY": os.environ.get("MOTCUA_SECRET_KEY"),
        "MOTCUA_REDIS_URL": os.environ.get("MOTCUA_REDIS_URL", ""),
        # How many reverse proxies in front of the API append to X-Forwarded-For.
        "MOTCUA_TRUSTED_PROXIES": int(os.environ.get("MOTCUA_TRUSTED_PROXIES", "0")),
        "MOTCUA_LOOKUP_LIMIT_PER_CLIENT": int(os.environ.get("MOTCUA_LOOKUP_LIMIT_PER_CLIENT",
                                                             "30")),
        "MOTCUA_LOOKUP_LIMIT_PER_DOSSIER": int(os.environ.get("MOTCUA_LOOKUP_LIMIT_PER_DOSSIER",
                                                              "10")),
        "MOTCUA_LOOKUP_WINDOW_SECONDS": int(os.environ.get("MOTCUA_LOOKUP_WINDOW_SECONDS", "60")),
        # Printable slips: the issuing center's name and town under the national heading, and
        # where citizens reach the lookup page the slip's QR code links to.
        "MOTCUA_CENTER_NAME": os.environ.get("MOTCUA_CENTER_NAME",
                                             "Bộ phận Tiếp nhận và Trả kết quả"),
        "MOTCUA_CENTER_PLACE": os.environ.get("MOTCUA_CENTER_PLACE", "Hà Nội"),
        "MOTCUA_PUBLIC_BASE_URL": os.environ.get("MOTCUA_PUBLIC_BASE_URL",
                                                 "http://localhost:5000"),
        # Online submission by citizens (no token): per client per window, and body bytes.
        "MOTCUA_SUBMISSION_LIMIT_PER_CLIENT": int(os.environ.get(
            "MOTCUA_SUBMISSION_LIMIT_PER_CLIENT", "5")),
        "MOTCUA_SUBMISSION_WINDOW_SECONDS": int(os.environ.get(
            "MOTCUA_SUBMISSION_WINDOW_SECONDS", "3600")),
        "MOTCUA_SUBMISSION_MAX_BYTES": int(os.environ.get("MOTCUA_SUBMISSION_MAX_BYTES",
                                                          str(32 * 1024))),
        # The staff app: sessions end after this long unused, and at the latest after the
        # maximum; this many wrong passwords in a row lock an account for the lock's minutes.
        "MOTCUA_SESSION_IDLE_MINUTES": int(os.environ.get("MOTCUA_SESSION_IDLE_MINUTES", "30")),
        "MOTCUA_SESSION_MAX_HOURS": int(os.environ.get("MOTCUA_SESSION_MAX_HOURS", "12")),
        "MOTCUA_SIGN_IN_MAX_FAILURES": int(os.environ.get("MOTCUA_SIGN_IN_MAX_FAILURES", "5")),
        "MOTCUA_SIGN_IN_LOCK_MINUTES": int(os.environ.get("MOTCUA_SIGN_IN_LOCK_MINUTES", "15")),
        # The center's bank account the VietQR code pays into: the bank's BIN (NAPAS acquirer
        # id, e.g. 970436) and the account number; unset, no QR code is offered.
        "MOTCUA_PAYMENT_BANK_BIN": os.environ.get("MOTCUA_PAYMENT_BANK_BIN", ""),
        "MOTCUA_PAYMENT_ACCOUNT": os.environ.get("MOTCUA_PAYMENT_ACCOUNT", ""),
        # Signs the bank's payment notifications (HMAC-SHA256); unset, every one is refused.
        "MOTCUA_PAYMENT_WEBHOOK_SECRET": os.environ.get("MOTCUA_PAYMENT_WEBHOOK_SECRET", ""),
        # Signed results: the leaders' keys and certificates (engine.pki), encrypted with the
        # passphrase (unset: one derived from the secret key), and the organisation named in
        # the certificates `motcua pki` issues.
        "MOTCUA_PKI_DIR": os.environ.get("MOTCUA_PKI_DIR", str(PROJECT_ROOT / "var" / "pki")),
        "MOTCUA_SIGNING_PASSPHRASE": os.environ.get("MOTCUA_SIGNING_PASSPHRASE"),
        "MOTCUA_AGENCY_NAME": os.environ.get("MOTCUA_AGENCY_NAME",
                                             "Trung tâm Phục vụ hành chính công"),
        # A time-stamp authority (RFC 3161) for signatures PAdES B-T; unset: B-B.
        "MOTCUA_TSA_URL": os.environ.get("MOTCUA_TSA_URL", ""),
        # Refuse a leader's signing step when the leader has no certificate (409
        # signing_credential_missing); off, the result is issued unsigned and audited so.
        "MOTCUA_REQUIRE_SIGNED_RESULTS": os.environ.get(
            "MOTCUA_REQUIRE_SIGNED_RESULTS", "false").strip().lower() in ("1", "true", "yes"),
    }


def stored_secret_key(path: Path = DEFAULT_SECRET_FILE) -> str:
    """Return the key kept in `path`, creating it (mode 0600) on a fresh install.

    The key is written to a private temporary file first and linked into place, so processes
    starting together all read the same whole key.
    """
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        draft = path.with_name(f".{path.name}.{secrets.token_hex(8)}")
        fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as file:
            file.write(secrets.token_hex(32) + "\n")
        try:
            os.link(draft, path)
        except FileExistsError:
            pass  # another process created it first: its key wins
        finally:
            draft.unlink()
    return path.read_text(encoding="ascii").strip()


def signing_passphrase(config) -> bytes:
    """Return the passphrase the signing keys are encrypted with.

    `MOTCUA_SIGNING_PASSPHRASE` when set, else one derived from the secret key: changing the
    secret key then needs the keys re-imported.
    """
    if config["MOTCUA_SIGNING_PASSPHRASE"]:
        return config["MOTCUA_SIGNING_PASSPHRASE"].encode()
    secret = config["MOTCUA_SECRET_KEY"].encode()
    return hmac.new(secret, b"motcua signing keys", hashlib.sha256).hexdigest().encode()


def model_body_bytes(config) -> int:
    """Return the largest body a designer's request may carry: a model, JSON-escaped."""
    return (config.get("MAX_CONTENT_LENGTH") or 0) + 2 * config["MOTCUA_MAX_MODEL_BYTES"]


def document_body_bytes(config) -> int:
    """Return the largest body an upload may carry: one document and its multipart framing."""
    return config["MOTCUA_MAX_DOCUMENT_BYTES"] + MULTIPART_FRAMING_BYTES


def largest_body_bytes(config) -> int:
    """Return the largest body any view accepts."""
    return max(model_body_bytes(config), document_body_bytes(config))


def database_url(url: str | None) -> str:
    """Return a SQLAlchemy URL; PostgreSQL URLs are sent through psycopg 3."""
    if not url:
        DEFAULT_SQLITE.parent.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{DEFAULT_SQLITE}"
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url
