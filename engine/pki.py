"""The leaders' signing keys and certificates, kept encrypted in one directory.

Layout of the directory (`MOTCUA_PKI_DIR`), every file mode 0600:

- `ca/demo-ca.pem`, `ca/demo-ca.key`: the demo CA of a development install, its key PKCS#8
  encrypted with the passphrase;
- `trust/*.pem`: the certificates a result's signature must chain to (the demo CA's is put
  here; a deployment puts its CA's root);
- `signers/USER_ID.p12`: each leader's key, certificate and chain, named by the user's id (a
  username may hold any character), PKCS#12 encrypted with the passphrase whatever passphrase
  the file was imported with; its friendly name is the username.
"""

import os
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

from engine.errors import InvalidInput, SigningCredentialMissing, SigningCredentialUnreadable
from engine.models import User
from engine.statuses import Role

DEMO_CA_NAME = "motcua demo CA"
CA_YEARS = 10
SIGNER_YEARS = 2
# Certificates are valid from a little before they are made: clocks of other machines differ.
BACKDATE = timedelta(hours=1)
SIGNING_KEY_TYPES = (rsa.RSAPrivateKey, ec.EllipticCurvePrivateKey)


@dataclass(frozen=True)
class SigningCredential:
    """What a leader signs with: the private key, its certificate and the issuers' chain."""

    username: str
    key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey
    certificate: x509.Certificate
    chain: tuple[x509.Certificate, ...]


@dataclass(frozen=True)
class CredentialSummary:
    """One stored signing certificate, as `motcua pki list` shows it."""

    username: str
    subject: str
    issuer: str
    serial: int
    not_after: datetime


class PkiStore:
    """The PKI directory: the demo CA, the trusted roots and each leader's credential."""

    def __init__(self, root: Path, passphrase: bytes):
        """Keep keys under `root`, encrypted with `passphrase`."""
        self.root = Path(root)
        self._passphrase = passphrase

    @property
    def _ca_certificate_file(self) -> Path:
        return self.root / "ca" / "demo-ca.pem"

    @property
    def _ca_key_file(self) -> Path:
        return self.root / "ca" / "demo-ca.key"

    def _signer_file(self, user: User) -> Path:
        return self.root / "signers" / f"{user.id}.p12"

    def init_ca(self, *, organization: str, now: datetime) -> x509.Certificate:
        """Create the demo CA (key and self-signed certificate) and trust it.

        Raises:
            InvalidInput: a demo CA exists already (reason `ca_exists`).
        """
        if self._ca_certificate_file.exists():
            raise InvalidInput(f"a demo CA exists already in {self.root}", reason="ca_exists",
                               pki_dir=str(self.root))
        key = rsa.generate_private_key(public_exponent=65537, key_size=3072)
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, DEMO_CA_NAME),
                          x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization)])
        certificate = (
            _builder(name, name, key.public_key(), now, years=CA_YEARS)
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(_key_usage(key_cert_sign=True, crl_sign=True), critical=True)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(key.public_key()),
                           critical=False)
            .sign(key, hashes.SHA256())
        )
        _write_private(self._ca_key_file, key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(self._passphrase)))
        pem = certificate.public_bytes(serialization.Encoding.PEM)
        _write_private(self._ca_certificate_file, pem)
        _write_private(self.root / "trust" / "demo-ca.pem", pem)
        return certificate

    def issue(self, user: User, *, organization: str, now: datetime) -> x509.Certificate:
        """Issue a leader a signing certificate from the demo CA and store it with its key.

        The subject's common name is the leader's display name, the organisation the agency's.

        Raises:
            InvalidInput: the user is not a leader (reason `signer_not_leader`).
            SigningCredentialMissing: there is no demo CA yet (reason `no_ca`).
        """
        _require_leader(user)
        ca_certificate, ca_key = self._demo_ca()
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, user.display_name),
                             x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization)])
        certificate = (
            _builder(subject, ca_certificate.subject, key.public_key(), now, years=SIGNER_YEARS)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(_key_usage(digital_signature=True, content_commitment=True),
                           critical=True)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
                ca_key.public_key()), critical=False)
            .sign(ca_key, hashes.SHA256())
        )
        self._store(user, SigningCredential(user.username, key, certificate, (ca_certificate,)))
        return certificate

    def import_pkcs12(self, user: User, data: bytes, passphrase: bytes | None) -> x509.Certificate:
        """Store a leader's own PKCS#12 (key, certificate, chain), re-encrypted for this install.

        Raises:
            InvalidInput: the user is not a leader (reason `signer_not_leader`).
            SigningCredentialUnreadable: the file is no PKCS#12 or the passphrase is wrong.
        """
        _require_leader(user)
        credential = self._open(data, passphrase, source="the imported file")
        self._store(user, credential)
        return credential.certificate

    def credential(self, user: User) -> SigningCredential:
        """Return the leader's signing credential, decrypted.

        Raises:
            SigningCredentialMissing: the leader has none.
            SigningCredentialUnreadable: the stored file does not open with the passphrase.
        """
        path = self._signer_file(user)
        if not path.exists():
            raise SigningCredentialMissing(
                f"{user.username} has no signing certificate: `motcua pki issue` or "
                f"`motcua pki import` one", user=user.display_name)
        return self._open(path.read_bytes(), self._passphrase, source=str(path))

    def credentials(self) -> list[CredentialSummary]:
        """Describe every stored signing certificate, by username."""
        summaries = []
        for path in (self.root / "signers").glob("*.p12"):
            credential = self._open(path.read_bytes(), self._passphrase, source=str(path))
            certificate = credential.certificate
            summaries.append(CredentialSummary(
                username=credential.username, subject=certificate.subject.rfc4514_string(),
                issuer=certificate.issuer.rfc4514_string(), serial=certificate.serial_number,
                not_after=certificate.not_valid_after_utc))
        return sorted(summaries, key=lambda summary: summary.username)

    def trust_roots(self) -> list[x509.Certificate]:
        """Return the certificates a signature's chain must end in."""
        return [certificate for path in sorted((self.root / "trust").glob("*.pem"))
                for certificate in x509.load_pem_x509_certificates(path.read_bytes())]

    def _demo_ca(self) -> tuple[x509.Certificate, rsa.RSAPrivateKey]:
        if not self._ca_certificate_file.exists():
            raise SigningCredentialMissing(f"no demo CA in {self.root}: `motcua pki init-ca`",
                                           reason="no_ca", pki_dir=str(self.root))
        certificate = x509.load_pem_x509_certificate(self._ca_certificate_file.read_bytes())
        try:
            key = serialization.load_pem_private_key(self._ca_key_file.read_bytes(),
                                                     self._passphrase)
        except ValueError as err:
            raise _unreadable(str(self._ca_key_file)) from err
        return certificate, key

    def _store(self, user: User, credential: SigningCredential) -> None:
        _write_private(self._signer_file(user), pkcs12.serialize_key_and_certificates(
            user.username.encode(), credential.key, credential.certificate,
            list(credential.chain), serialization.BestAvailableEncryption(self._passphrase)))

    @staticmethod
    def _open(data: bytes, passphrase: bytes | None, *, source: str) -> SigningCredential:
        try:
            loaded = pkcs12.load_pkcs12(data, passphrase)
        except ValueError as err:
            raise _unreadable(source) from err
        if loaded.cert is None or not isinstance(loaded.key, SIGNING_KEY_TYPES):
            raise _unreadable(source)
        name = loaded.cert.friendly_name
        return SigningCredential(name.decode() if name else "", loaded.key,
                                 loaded.cert.certificate,
                                 tuple(c.certificate for c in loaded.additional_certs))


def _require_leader(user: User) -> None:
    if user.role != Role.LEADER:
        raise InvalidInput(f"only leaders sign results; {user.username} is a {user.role}",
                           reason="signer_not_leader", username=user.username, role=user.role)


def _unreadable(source: str) -> SigningCredentialUnreadable:
    return SigningCredentialUnreadable(
        f"{source} does not open: not a PKCS#12 or key file, or the passphrase is wrong",
        file=source)


def _builder(subject: x509.Name, issuer: x509.Name, public_key, now: datetime, *,
             years: int) -> x509.CertificateBuilder:
    return (x509.CertificateBuilder()
            .subject_name(subject).issuer_name(issuer).public_key(public_key)
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - BACKDATE)
            .not_valid_after(now + timedelta(days=365 * years))
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key),
                           critical=False))


def _key_usage(**granted: bool) -> x509.KeyUsage:
    usages = ("digital_signature", "content_commitment", "key_encipherment", "data_encipherment",
              "key_agreement", "key_cert_sign", "crl_sign", "encipher_only", "decipher_only")
    return x509.KeyUsage(**{usage: granted.get(usage, False) for usage in usages})


def _write_private(path: Path, data: bytes) -> None:
    """Write `data` to `path` (mode 0600, its folder 0700), whole or not at all."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    draft = path.with_name(f".{path.name}.{secrets.token_hex(8)}")
    fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(data)
        os.replace(draft, path)
    finally:
        draft.unlink(missing_ok=True)

