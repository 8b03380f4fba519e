"""Domain errors, each named for its condition and classed by what the caller did wrong."""

from enum import StrEnum


class Kind(StrEnum):
    """What went wrong, independent of any transport."""

    NOT_FOUND = "not_found"
    CONFLICT = "conflict"
    FORBIDDEN = "forbidden"
    INVALID = "invalid"
    TOO_MANY = "too_many"
    TOO_LARGE = "too_large"
    UNSUPPORTED_TYPE = "unsupported_type"
    ENGINE = "engine"


class DomainError(Exception):
    """Base of every error a use case raises on purpose.

    `message` is English, for logs and the command line. `code`, with a `reason` detail where
    one class covers several conditions, names the condition for clients, and the details
    carry the message's parameters: the API says it in the reader's language from those
    (api/error_messages.py), so a new condition needs a message there.
    """

    kind: Kind = Kind.INVALID
    code: str = "invalid"

    def __init__(self, message: str, **details):
        super().__init__(message)
        self.message = message
        self.details = details


class NotFound(DomainError):
    """Something named by the caller does not exist."""

    kind = Kind.NOT_FOUND
    code = "not_found"


class ProcedureNotFound(NotFound):
    """No procedure has this code."""

    code = "procedure_not_found"


class DossierNotFound(NotFound):
    """No dossier has this code."""

    code = "dossier_not_found"


class TaskNotFound(NotFound):
    """No step has this id."""

    code = "task_not_found"


class UserNotFound(NotFound):
    """No user has this name or id."""

    code = "user_not_found"


class DepartmentNotFound(NotFound):
    """No department has this code."""

    code = "department_not_found"


class TaskAlreadyClaimed(DomainError):
    """The step is held by someone else."""

    kind = Kind.CONFLICT
    code = "task_already_claimed"


class TaskNotClaimedByCaller(DomainError):
    """The step must be claimed by the caller before this action."""

    kind = Kind.CONFLICT
    code = "task_not_claimed_by_caller"


class TaskNotOpen(DomainError):
    """The step is completed or cancelled."""

    kind = Kind.CONFLICT
    code = "task_not_open"


class ConcurrentUpdate(DomainError):
    """Someone else changed the dossier at the same moment; retry with fresh data."""

    kind = Kind.CONFLICT
    code = "concurrent_update"


class SubmissionNotWaiting(DomainError):
    """The online submission is not in the state this answer needs (already answered)."""

    kind = Kind.CONFLICT
    code = "submission_not_waiting"


class NotPermitted(DomainError):
    """The caller's role or department does not allow this action."""

    kind = Kind.FORBIDDEN
    code = "not_permitted"


class InvalidFormData(DomainError):
    """Submitted form data does not satisfy the step's JSON Schema."""

    code = "invalid_form_data"

    def __init__(self, form_key: str, problems: list):
        """Keep jsonschema's problems (`forms.catalog.FieldProblem`) to be said in any language."""
        super().__init__(
            f"The data does not satisfy form '{form_key}': fix the fields listed.",
            form=form_key,
            fields=[{"field": p.field, "code": p.kind, "message": p.message} for p in problems],
        )
        self.problems = problems


class InvalidInput(DomainError):
    """A value is not acceptable for a reason the message states."""

    code = "invalid_input"


class ModelInvalid(DomainError):
    """A BPMN model or procedure folder cannot be loaded."""

    code = "model_invalid"

    def __init__(self, message: str, *, file: str | None = None, line: int | None = None,
                 element: str | None = None):
        where = ", ".join(
            part for part in (
                file and f"file {file}",
                line and f"line {line}",
                element and f"element {element}",
            ) if part
        )
        super().__init__(f"{where}: {message}" if where else message,
                         file=file, line=line, element=element, problem=message)


class EngineIncident(DomainError):
    """The workflow engine failed on a step; the dossier kept its last committed state."""

    kind = Kind.ENGINE
    code = "engine_incident"


class DeadlineExtensionUsed(DomainError):
    """The law allows one new appointment per dossier, and it was given."""

    kind = Kind.CONFLICT
    code = "deadline_extension_used"


class DossierNotRunning(DomainError):
    """The dossier is finished, processed or paused, so its deadline cannot change now."""

    kind = Kind.CONFLICT
    code = "dossier_not_running"


class SlipNotApplicable(DomainError):
    """The dossier's state does not call for this slip: no refusal, request or apology."""

    kind = Kind.CONFLICT
    code = "slip_not_applicable"


class PaymentNotFound(NotFound):
    """The dossier owes nothing yet: no payment was opened for it."""

    code = "payment_not_found"


class PaymentConflict(DomainError):
    """The dossier's payment is not in a state that allows this (see `reason`)."""

    kind = Kind.CONFLICT
    code = "payment_conflict"


class DossierDecided(DomainError):
    """The dossier is decided (signed or processed) or already ended: it cannot be withdrawn."""

    kind = Kind.CONFLICT
    code = "dossier_decided"


class PasswordTooShort(InvalidInput):
    """A new password is shorter than the minimum."""

    code = "password_too_short"

    def __init__(self, min_length: int):
        super().__init__(f"a password needs at least {min_length} characters",
                         field="password", min_length=min_length)


class SignInRefused(DomainError):
    """The username or the password is wrong (which one is not said)."""

    kind = Kind.FORBIDDEN
    code = "sign_in_refused"


class AccountLocked(DomainError):
    """Too many wrong passwords: the account refuses sign-ins until `until`."""

    kind = Kind.TOO_MANY
    code = "account_locked"

    def __init__(self, until):
        super().__init__(f"too many wrong passwords; the account is locked until "
                         f"{until.isoformat()}", until=until.isoformat())
        self.until = until


class IdempotencyKeyReused(DomainError):
    """The Idempotency-Key came with another body than the request that first used it."""

    code = "idempotency_key_reused"


class DocumentNotFound(NotFound):
    """The dossier has no document with this id."""

    code = "document_not_found"


class DocumentTooLarge(DomainError):
    """A file is over the size limit; `limit` names the setting, `max_bytes` its value."""

    kind = Kind.TOO_LARGE
    code = "document_too_large"


class UnsupportedDocumentType(DomainError):
    """A file's content is none of the accepted types, whatever its name or header say."""

    kind = Kind.UNSUPPORTED_TYPE
    code = "unsupported_document_type"


class TooManyDocuments(DomainError):
    """The dossier holds as many documents as the limit allows."""

    code = "too_many_documents"


class SigningCredentialMissing(DomainError):
    """A leader has no signing certificate (or, to issue one, there is no demo CA)."""

    kind = Kind.CONFLICT
    code = "signing_credential_missing"


class SigningCredentialUnreadable(DomainError):
    """A key or PKCS#12 file does not open: not such a file, or the passphrase is wrong."""

    kind = Kind.ENGINE
    code = "signing_credential_unreadable"
