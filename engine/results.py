"""A dossier's result, issued when its leader signs: the PDF, signed, stored, recorded, audited.

The leader's completion of the signing step (a step reserved for role `leader`) produces the
result paper (engine.slips.result), signed PAdES with the leader's credential at the unit's
`now` (time-stamped when a TSA is configured), stored in the document store and recorded as
a `result` document, all in the completion's unit of work: a failure rolls the completion
back (a blob already stored is harmless, nothing names it). A leader without a credential
issues the result unsigned (`result.unsigned`), unless signed results are required: then the
completion is refused, `signing_credential_missing`.
"""

from dataclasses import dataclass
from datetime import datetime
from io import BytesIO

from cryptography import x509
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import audit
from engine.document_store import DocumentStore
from engine.documents import get_document_or_raise
from engine.dossier_versions import intake_form_key
from engine.errors import DocumentNotFound, InvalidInput, SigningCredentialMissing
from engine.models import Document, Dossier, HumanTask, User
from engine.pki import PkiStore, SigningCredential
from engine.procedures import get_procedure_or_raise
from engine.signing import SignatureReport, sign_pdf, validate_pdf
from engine.slips.forms import SlipFacts
from engine.slips.layout import Center
from engine.slips.result import Decision, form_rows, result_pdf
from engine.statuses import DocumentKind, Role
from engine.unit_of_work import DossierUnitOfWork

PDF = "application/pdf"
TITLE = "Kết quả giải quyết thủ tục hành chính"


def issues_result(task: HumanTask) -> bool:
    """Tell whether completing the step issues the dossier's result: a leader's signing step."""
    return task.required_role == Role.LEADER


@dataclass(frozen=True)
class ResultIssuing:
    """Where results go and what signs them: the store, the leaders' keys, the center, a TSA."""

    store: DocumentStore
    pki: PkiStore
    center: Center
    tsa_url: str | None = None
    require_signed: bool = False

    def credential(self, task: HumanTask, user: User) -> SigningCredential | None:
        """Return what the leader completing `task` signs its result with; None: unsigned.

        None also for a step that issues no result (not reserved for leaders).

        Raises:
            SigningCredentialMissing: the leader has no credential and signed results are
                required.
        """
        if not issues_result(task):
            return None
        try:
            return self.pki.credential(user)
        except SigningCredentialMissing:
            if self.require_signed:
                raise
            return None


def issue_result(uow: DossierUnitOfWork, issuing: ResultIssuing, *, task: HumanTask, user: User,
                 credential: SigningCredential | None) -> Document:
    """Write, sign (with a credential), store and record the result of the unit's dossier."""
    session, dossier, now = uow.session, uow.dossier, uow.now
    forms = uow.ctx.forms
    facts = SlipFacts(session=session, dossier=dossier,
                      procedure=get_procedure_or_raise(session, dossier.procedure_code),
                      user=user, center=issuing.center, calendar=uow.calendar, now=now, pin=None)
    pdf = result_pdf(
        facts, intake=form_rows(forms.schema(intake_form_key(session, dossier)), dossier.intake),
        decision=Decision(step_name=task.step_name,
                          rows=form_rows(forms.schema(task.form_key), task.form_data or {}),
                          signer=user.display_name))
    if credential is not None:
        pdf = sign_pdf(pdf, credential, at=now, tsa_url=issuing.tsa_url or None)
    blob = issuing.store.put(BytesIO(pdf))
    document = Document(dossier=dossier, kind=DocumentKind.RESULT, title=TITLE,
                        sha256=blob.sha256, size_bytes=blob.size, media_type=PDF,
                        uploaded_at=now, uploaded_by=user.id)
    session.add(document)
    session.flush()
    uow.record(audit.Change(
        actor=user.username, action="result.signed" if credential else "result.unsigned",
        dossier_code=dossier.code, task_id=task.id,
        after={"document": document.id, "sha256": blob.sha256,
               "signer": user.display_name if credential else None,
               "timestamped": bool(credential and issuing.tsa_url)}))
    return document


def issued_result(session: Session, code: str) -> Document | None:
    """Return the result last issued as a PDF for the dossier with this code, or None."""
    return session.scalars(select(Document).join(Dossier, Dossier.id == Document.dossier_id).where(
        Dossier.code == code, Document.kind == DocumentKind.RESULT,
        Document.media_type == PDF, Document.sha256.is_not(None))
        .order_by(Document.id.desc()).limit(1)).one_or_none()


def validated(store: DocumentStore, document: Document, trust_roots: list[x509.Certificate],
              *, now: datetime) -> SignatureReport | None:
    """Validate the signature of the document's file at `now`; None when it carries none."""
    if document.media_type != PDF:
        return None
    with store.open(document.sha256) as stream:
        pdf = stream.read()
    try:
        return validate_pdf(pdf, trust_roots, at=now)
    except InvalidInput as err:
        if err.details.get("reason") not in ("unsigned_pdf", "not_a_pdf"):
            raise
        return None


def signature_of(session: Session, store: DocumentStore, *, code: str, document_id: int,
                 user: User, trust_roots: list[x509.Certificate],
                 now: datetime) -> SignatureReport:
    """Validate the signature of a document of a dossier the user may see, at `now`.

    Raises:
        DocumentNotFound: no such document with a file, or its file carries no signature
            (reason `not_signed`).
    """
    document = get_document_or_raise(session, code=code, document_id=document_id, user=user,
                                     with_file=True)
    report = validated(store, document, trust_roots, now=now)
    if report is None:
        raise DocumentNotFound(f"document {document_id} of dossier {code} carries no signature",
                               reason="not_signed", code=code, document=document_id)
    return report
