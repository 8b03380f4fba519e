"""A dossier's documents: components handed in (digitised, reused or shown) and its results.

Who may see a dossier may see its documents (engine.access); reception attaches components,
staff working on the dossier add results. Bytes go to the document store before the row
that names their hash is committed, so a committed row always finds its blob.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import BinaryIO

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine import audit
from engine.access import check_can_add_result, check_can_receive
from engine.document_store import DocumentStore, rehash
from engine.dossier_versions import required_documents
from engine.dossiers import get_dossier_or_raise
from engine.errors import (
    DocumentNotFound,
    DocumentTooLarge,
    InvalidInput,
    TooManyDocuments,
    UnsupportedDocumentType,
)
from engine.media_types import ACCEPTED, HEAD_BYTES, sniff
from engine.models import Document, Dossier, User
from engine.statuses import DocumentKind, DocumentStage, Handling


@dataclass(frozen=True)
class DocumentLimits:
    """How large one file may be, and how many documents one dossier may hold."""

    max_bytes: int
    max_per_dossier: int


@dataclass(frozen=True)
class Component:
    """What reception says of a component: which required document, when, and how handled.

    `upload` is the scan of a digitised component; `reuse_of` the id of the document held
    from the citizen's earlier dossier that a reused one points at.
    """

    required_document: int
    handling: Handling
    stage: DocumentStage = DocumentStage.RECEIPT
    upload: BinaryIO | None = None
    reuse_of: int | None = None


def attach_component(session: Session, store: DocumentStore, *, code: str, component: Component,
                     user: User, limits: DocumentLimits, now: datetime) -> Document:
    """Record a component of the dossier; a digitised one's scan is stored first."""
    check_can_receive(user)
    dossier = get_dossier_or_raise(session, code, user=user)
    titles = [d["name_vi"] for d in required_documents(session, dossier)]
    if not 0 <= component.required_document < len(titles):
        raise InvalidInput(f"dossier {code} has required documents 0 to {len(titles) - 1}",
                           field="required_document", reason="unknown_required_document",
                           required_document=component.required_document, last=len(titles) - 1)
    _check_handling(component)
    _check_room(session, dossier, limits)
    document = Document(dossier=dossier, kind=DocumentKind.COMPONENT,
                        title=titles[component.required_document],
                        required_document=component.required_document, stage=component.stage,
                        handling=component.handling, uploaded_at=now, uploaded_by=user.id)
    if component.handling == Handling.REUSED:
        source = _held_source(session, dossier, component.reuse_of)
        document.reused_from_id = source.id
        document.sha256, document.size_bytes = source.sha256, source.size_bytes
        document.media_type = source.media_type
    elif component.handling == Handling.DIGITISED:
        _store(store, component.upload, document, limits)
    return _recorded(session, document, user=user, now=now)


def add_result(session: Session, store: DocumentStore, *, code: str, title: str,
               upload: BinaryIO, user: User, limits: DocumentLimits, now: datetime) -> Document:
    """Store a result file of the dossier (an extract, a certified copy) and record it."""
    dossier = get_dossier_or_raise(session, code, user=user)
    check_can_add_result(session, user, dossier)
    _check_room(session, dossier, limits)
    document = Document(dossier=dossier, kind=DocumentKind.RESULT, title=title, uploaded_at=now,
                        uploaded_by=user.id)
    _store(store, upload, document, limits)
    return _recorded(session, document, user=user, now=now)


def get_documents(session: Session, *, code: str, user: User) -> list[Document]:
    """List the documents of a dossier the user may see, in the order they were recorded."""
    dossier = get_dossier_or_raise(session, code, user=user)
    return list(session.scalars(select(Document).where(Document.dossier_id == dossier.id)
                                .order_by(Document.id)))


def get_document_or_raise(session: Session, *, code: str, document_id: int, user: User,
                          with_file: bool = False) -> Document:
    """Return one document of a dossier the user may see; `with_file`: one with bytes kept."""
    dossier = get_dossier_or_raise(session, code, user=user)
    document = session.scalars(select(Document).where(
        Document.id == document_id, Document.dossier_id == dossier.id)).one_or_none()
    if document is None or (with_file and document.sha256 is None):
        raise DocumentNotFound(f"dossier {code} has no document {document_id}", code=code,
                               document=document_id)
    return document


def get_held_documents(session: Session, *, id_number: str, user: User) -> list[Document]:
    """List the files held for a citizen ID number from earlier dossiers, newest first.

    Reception sees only what they are (title, date) to pick one to reuse; the documents
    themselves stay behind the access policy of their dossiers.
    """
    check_can_receive(user)
    return list(session.scalars(
        select(Document).join(Dossier, Dossier.id == Document.dossier_id)
        .where(Dossier.applicant_id_number == id_number, Document.sha256.is_not(None),
               Document.reused_from_id.is_(None))
        .order_by(Document.uploaded_at.desc(), Document.id.desc())))


def _check_handling(component: Component) -> None:
    handling = component.handling
    if handling == Handling.DIGITISED and component.upload is None:
        raise InvalidInput("a digitised component carries its scan: send it as `file`",
                           field="file", reason="scan_required")
    if handling != Handling.DIGITISED and component.upload is not None:
        raise InvalidInput(f"a {handling} component keeps no new file: send no `file`",
                           field="file", reason="no_file_kept", handling=handling.value)
    if handling == Handling.REUSED and component.reuse_of is None:
        raise InvalidInput("a reused component names the held document in `reuse_of`",
                           field="reuse_of", reason="reuse_of_required")
    if handling != Handling.REUSED and component.reuse_of is not None:
        raise InvalidInput("only a reused component names a held document",
                           field="reuse_of", reason="reuse_of_unexpected")


def _check_room(session: Session, dossier: Dossier, limits: DocumentLimits) -> None:
    held = session.scalar(select(func.count()).where(Document.dossier_id == dossier.id))
    if held >= limits.max_per_dossier:
        raise TooManyDocuments(f"dossier {dossier.code} holds {held} documents, the limit "
                               "MOTCUA_MAX_DOCUMENTS_PER_DOSSIER", dossier=dossier.code,
                               limit="MOTCUA_MAX_DOCUMENTS_PER_DOSSIER",
                               max_documents=limits.max_per_dossier)


def _held_source(session: Session, dossier: Dossier, document_id: int) -> Document:
    """Return the document to reuse: a file held for the same citizen from another dossier."""
    source = session.scalars(
        select(Document).join(Dossier, Dossier.id == Document.dossier_id)
        .where(Document.id == document_id, Document.sha256.is_not(None),
               Dossier.applicant_id_number == dossier.applicant_id_number,
               Dossier.id != dossier.id)).one_or_none()
    if source is None:
        # Another citizen's document is answered as one that does not exist.
        raise InvalidInput(f"no file {document_id} is held for this citizen from an earlier "
                           "dossier", field="reuse_of", reason="not_held_for_citizen",
                           document=document_id)
    return source


def _store(store: DocumentStore, upload: BinaryIO, document: Document,
           limits: DocumentLimits) -> None:
    head = upload.read(HEAD_BYTES)
    media_type = sniff(head)
    if media_type is None:
        raise UnsupportedDocumentType(f"only {ACCEPTED} files are accepted; this content is "
                                      "none of them", accepted=ACCEPTED)
    blob = store.put(_LimitedStream(head, upload, limits.max_bytes))
    document.sha256, document.size_bytes, document.media_type = blob.sha256, blob.size, media_type


def _recorded(session: Session, document: Document, *, user: User, now: datetime) -> Document:
    session.add(document)
    session.flush()
    audit.append(session, [audit.Change(
        actor=user.username, action="document.attached", dossier_code=document.dossier.code,
        after={"document": document.id, "kind": document.kind, "title": document.title,
               "handling": document.handling, "sha256": document.sha256,
               "reused_from": document.reused_from_id})], now=now)
    session.commit()
    return document


class _LimitedStream:
    """The upload's bytes, its already-read head first, refused once past `max_bytes`."""

    def __init__(self, head: bytes, rest: BinaryIO, max_bytes: int):
        self._head, self._rest, self._max_bytes, self._read = head, rest, max_bytes, 0

    def read(self, size: int = -1) -> bytes:
        chunk, self._head = (self._head, b"") if self._head else (self._rest.read(size), b"")
        self._read += len(chunk)
        if self._read > self._max_bytes:
            raise DocumentTooLarge(f"the file is over MOTCUA_MAX_DOCUMENT_BYTES "
                                   f"({self._max_bytes} bytes)", limit="MOTCUA_MAX_DOCUMENT_BYTES",
                                   max_bytes=self._max_bytes)
        return chunk


@dataclass(frozen=True)
class StoreCheck:
    """What `verify_documents` found: the hashes it rehashed, and those missing or changed."""

    checked: int
    missing: list[str]
    changed: list[str]

    @property
    def intact(self) -> bool:
        """Tell whether every referenced blob is there with its bytes unchanged."""
        return not self.missing and not self.changed


def verify_documents(session: Session, store: DocumentStore) -> StoreCheck:
    """Rehash every blob the database refers to; report those missing or whose bytes changed."""
    missing, changed, checked = [], [], 0
    for sha256 in session.scalars(select(Document.sha256).where(Document.sha256.is_not(None))
                                  .distinct().order_by(Document.sha256)):
        checked += 1
        try:
            with store.open(sha256) as stream:
                if rehash(stream) != sha256:
                    changed.append(sha256)
        except FileNotFoundError:
            missing.append(sha256)
    return StoreCheck(checked=checked, missing=missing, changed=changed)

