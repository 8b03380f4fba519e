"""Results signed by a leader: PAdES signatures on PDFs (pyHanko), and what a signature proves.

A signature is PAdES baseline B-B, or B-T when a time-stamp authority is given: the
authority's token then proves when the signature existed. The signing time written in the
signature (`/M`) is the engine clock's, passed in, never the wall clock's.
"""

import warnings
from dataclasses import dataclass
from datetime import datetime
from io import BytesIO

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.utils import CryptographyDeprecationWarning

from engine.errors import InvalidInput
from engine.pki import SigningCredential

with warnings.catch_warnings():
    # pyHanko imports cryptography's DSA key class, which cryptography 51 deprecates.
    warnings.filterwarnings("ignore", "DSA is deprecated", CryptographyDeprecationWarning)
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.pdf_utils.misc import PdfError
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign import PdfSignatureMetadata, PdfSigner, SimpleSigner
    from pyhanko.sign.diff_analysis import ModificationLevel
    from pyhanko.sign.fields import SigSeedSubFilter
    from pyhanko.sign.timestamps import HTTPTimeStamper
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.settings import KeyUsageConstraints
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko_certvalidator import ValidationContext
    from pyhanko_certvalidator.registry import SimpleCertificateStore

SIGNATURE_FIELD = "KetQua"
# A deployment's certificate may carry either usage; the demo CA's carry both.
SIGNER_KEY_USAGE = KeyUsageConstraints(key_usage={"digital_signature", "non_repudiation"},
                                       match_all_key_usages=False)


@dataclass(frozen=True)
class SignatureReport:
    """What a result's signature proves, as of the moment it was validated.

    `signed_at` is the time-stamp authority's time when the signature carries a token
    (`timestamped`), else the time the signer wrote, to the second.
    """

    signer: str
    signed_at: datetime | None
    timestamped: bool
    intact: bool
    trusted: bool
    whole_document: bool
    modified_after_signing: bool


class _PdfSignerAt(PdfSigner):
    """pyHanko's PDF signer with the signing time given rather than read from the wall clock.

    pyHanko takes the time for the signature dictionary's `/M` (and for the appearance) from
    its signing session's `system_time`, which `PdfSigner.sign_pdf` leaves to `datetime.now`.
    """

    def __init__(self, *args, at: datetime, **kwargs):
        super().__init__(*args, **kwargs)
        self._at = at

    def init_signing_session(self, pdf_out, existing_fields_only=False):
        """Open pyHanko's signing session, then set its clock to the given time."""
        session = super().init_signing_session(pdf_out, existing_fields_only=existing_fields_only)
        session.system_time = self._at
        return session


def sign_pdf(pdf: bytes, credential: SigningCredential, *, at: datetime,
             tsa_url: str | None = None) -> bytes:
    """Return `pdf` signed by the credential's holder at `at` (PAdES B-B, B-T with `tsa_url`).

    Raises:
        InvalidInput: `pdf` is not a PDF (reason `not_a_pdf`).
    """
    signer = SimpleSigner(
        signing_cert=_asn1_certificate(credential.certificate),
        signing_key=asn1_keys.PrivateKeyInfo.load(credential.key.private_bytes(
            serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption())),
        cert_registry=SimpleCertificateStore.from_certs(
            [_asn1_certificate(c) for c in credential.chain]))
    metadata = PdfSignatureMetadata(field_name=SIGNATURE_FIELD, md_algorithm="sha256",
                                    subfilter=SigSeedSubFilter.PADES)
    timestamper = HTTPTimeStamper(tsa_url) if tsa_url else None
    try:
        writer = IncrementalPdfFileWriter(BytesIO(pdf), strict=False)
    except (PdfError, ValueError) as err:
        raise InvalidInput("the file is not a PDF", reason="not_a_pdf") from err
    output = _PdfSignerAt(metadata, signer, timestamper=timestamper, at=at).sign_pdf(writer)
    return output.getvalue()


def validate_pdf(pdf: bytes, trust_roots: list[x509.Certificate], *,
                 at: datetime) -> SignatureReport:
    """Validate the last signature on `pdf`, its chain judged against `trust_roots` at `at`.

    Raises:
        InvalidInput: `pdf` is not a PDF (reason `not_a_pdf`) or has no signature (reason
            `unsigned_pdf`).
    """
    try:
        signatures = PdfFileReader(BytesIO(pdf), strict=False).embedded_regular_signatures
    except (PdfError, ValueError) as err:
        raise InvalidInput("the file is not a PDF", reason="not_a_pdf") from err
    if not signatures:
        raise InvalidInput("the PDF carries no signature", reason="unsigned_pdf")
    context = ValidationContext(trust_roots=[_asn1_certificate(c) for c in trust_roots],
                                moment=at, allow_fetching=False, revocation_mode="soft-fail")
    status = validate_pdf_signature(signatures[-1], signer_validation_context=context,
                                    key_usage_settings=SIGNER_KEY_USAGE)
    token = status.timestamp_validity
    return SignatureReport(
        signer=status.signing_cert.subject.native.get("common_name", ""),
        signed_at=token.timestamp if token is not None else status.signer_reported_dt,
        timestamped=token is not None,
        intact=status.intact and status.valid,
        trusted=status.trusted,
        whole_document=status.coverage == SignatureCoverageLevel.ENTIRE_FILE,
        modified_after_signing=status.modification_level != ModificationLevel.NONE,
    )


def _asn1_certificate(certificate: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(certificate.public_bytes(serialization.Encoding.DER))
