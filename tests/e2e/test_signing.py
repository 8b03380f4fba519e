"""Signed results: `motcua pki` keeps the leaders' certificates, a result PDF signed with one
validates with pyHanko (intact, trusted, the leader's name, the engine clock's time), and a
changed byte or a missing certificate is reported plainly."""

import asyncio
import stat
import threading
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from asn1crypto import keys as asn1_keys
from asn1crypto import tsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from fpdf import FPDF

from api.config import signing_passphrase
from api.extensions import db
from engine.accounts import create_user, get_user_by_name_or_raise
from engine.errors import SigningCredentialMissing
from engine.pki import PkiStore, SigningCredential
from engine.signing import sign_pdf, validate_pdf
from tests.conftest import NOW, SECRET_KEY
from tests.e2e.other_process import run_motcua

LEADER_NAME = "Bùi Văn Quang"
RESULT_TEXT = b"KET QUA GIAI QUYET THU TUC HANH CHINH"


@pytest.fixture
def pki_dir(tmp_path) -> Path:
    return tmp_path / "pki"


@pytest.fixture
def pki(database, pki_dir):
    """Run `motcua pki …` in its own process on the test database and PKI directory."""
    def run(*args: str, env: dict | None = None, stdin: str | None = None):
        return run_motcua(database, "pki", *args, env={"MOTCUA_PKI_DIR": str(pki_dir),
                                                       **(env or {})}, stdin=stdin)
    return run


@pytest.fixture
def people(app):
    """A named leader with a certificate to come, one without, and an officer."""
    for username, role, department, full_name in (
            ("quang", "leader", "LEADERSHIP", LEADER_NAME),
            ("mai", "leader", "LEADERSHIP", "Vũ Thị Mai"),
            ("hung", "officer", "OFFICE", "Trần Văn Hùng")):
        create_user(db.session, username=username, role=role, department_code=department,
                    full_name=full_name, now=NOW)
    return {u: get_user_by_name_or_raise(db.session, u) for u in ("quang", "mai", "hung")}


@pytest.fixture
def issued(pki, people):
    """The demo CA and Quang's certificate, made by the CLI."""
    for args in (("init-ca",), ("issue", "quang")):
        result = pki(*args, env={"MOTCUA_AGENCY_NAME": "UBND xã Hòa Bình"})
        assert result.returncode == 0, result.stderr
    return people


@pytest.fixture
def passphrase() -> bytes:
    """The passphrase the app's keys are encrypted with: derived from the secret key."""
    return signing_passphrase({"MOTCUA_SIGNING_PASSPHRASE": None,
                               "MOTCUA_SECRET_KEY": SECRET_KEY})


@pytest.fixture
def store(pki_dir, passphrase) -> PkiStore:
    """The PKI directory as the app opens it."""
    return PkiStore(pki_dir, passphrase)


def result_pdf() -> bytes:
    document = FPDF()
    document.set_compression(False)  # the text stays readable in the file, to be altered
    document.add_page()
    document.set_font("helvetica", size=14)
    document.cell(text=RESULT_TEXT.decode())
    return bytes(document.output())


def engine_time(certificate: x509.Certificate) -> datetime:
    """A moment of the engine clock inside the certificate's validity, not the wall clock's."""
    return certificate.not_valid_before_utc + timedelta(days=40, hours=3, seconds=17)


def test_a_result_signed_at_the_engine_clock_validates_with_the_leaders_name(issued, store,
                                                                              pki, tmp_path):
    credential = store.credential(issued["quang"])
    at = engine_time(credential.certificate)

    signed = sign_pdf(result_pdf(), credential, at=at)
    report = validate_pdf(signed, store.trust_roots(), at=at)

    assert report.signer == LEADER_NAME
    assert report.signed_at == at
    assert not report.timestamped
    assert report.intact and report.trusted
    assert report.whole_document and not report.modified_after_signing
    subject = credential.certificate.subject
    assert subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value == "UBND xã Hòa Bình"
    usage = credential.certificate.extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.digital_signature and usage.content_commitment and not usage.key_cert_sign

    signed_file = tmp_path / "ket-qua.pdf"
    signed_file.write_bytes(signed)
    verified = pki("verify", str(signed_file))
    assert verified.returncode == 0, verified.stderr
    assert f"Signer: {LEADER_NAME}" in verified.stdout
    assert f"({at.isoformat()})" in verified.stdout
    assert "Intact: yes" in verified.stdout and "Trusted: yes" in verified.stdout


def test_one_byte_changed_inside_the_signed_range_fails_validation(issued, store, pki,
                                                                   tmp_path):
    credential = store.credential(issued["quang"])
    at = engine_time(credential.certificate)
    original = result_pdf()
    signed = sign_pdf(original, credential, at=at)
    where = signed.index(RESULT_TEXT)
    assert where < len(original)  # the original file is the first signed byte range
    tampered = bytearray(signed)
    tampered[where] ^= 0x01  # K becomes J

    report = validate_pdf(bytes(tampered), store.trust_roots(), at=at)

    assert not report.intact and not report.trusted
    tampered_file = tmp_path / "ket-qua-sua.pdf"
    tampered_file.write_bytes(bytes(tampered))
    verified = pki("verify", str(tampered_file))
    assert verified.returncode == 1
    assert "Intact: NO" in verified.stdout


def test_verify_refuses_a_pdf_without_signature(pki, tmp_path):
    unsigned = tmp_path / "unsigned.pdf"
    unsigned.write_bytes(result_pdf())

    verified = pki("verify", str(unsigned))

    assert verified.returncode == 1
    assert "no signature" in verified.stderr


def test_a_leader_without_a_certificate_gets_a_clear_error(people, store):
    with pytest.raises(SigningCredentialMissing) as raised:
        store.credential(people["mai"])

    assert raised.value.code == "signing_credential_missing"
    assert raised.value.details == {"user": "Vũ Thị Mai"}


def test_only_leaders_are_issued_certificates_and_only_from_a_ca(pki, people, pki_dir):
    no_ca = pki("issue", "quang")
    assert no_ca.returncode == 1
    assert "motcua pki init-ca" in no_ca.stderr
    assert pki("init-ca").returncode == 0

    officer = pki("issue", "hung")

    assert officer.returncode == 1
    assert "only leaders sign results" in officer.stderr
    assert not (pki_dir / "signers").exists()
    again = pki("init-ca")
    assert again.returncode == 1 and "exists already" in again.stderr


def test_private_keys_are_encrypted_at_rest_in_private_files(issued, store, pki_dir,
                                                             passphrase):
    key_files = [pki_dir / "ca" / "demo-ca.key", pki_dir / "signers" / f"{issued['quang'].id}.p12"]
    for path in [*key_files, pki_dir / "ca" / "demo-ca.pem"]:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    ca_key, leader_p12 = (path.read_bytes() for path in key_files)

    assert ca_key.startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----")
    with pytest.raises(TypeError):  # a password is needed
        serialization.load_pem_private_key(ca_key, None)
    with pytest.raises(ValueError):
        serialization.load_pem_private_key(ca_key, b"not the passphrase")
    for wrong in (None, b"not the passphrase"):
        with pytest.raises(ValueError):
            pkcs12.load_key_and_certificates(leader_p12, wrong)
    key, certificate, _ = pkcs12.load_key_and_certificates(leader_p12, passphrase)
    assert key is not None and certificate == store.credential(issued["quang"]).certificate


class Authority:
    """A certificate authority outside motcua (EC keys), valid around the tests' NOW."""

    def __init__(self, name: str):
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
        self.root = self.certify(self.name, self.key.public_key(), ca=True)

    def certify(self, subject: x509.Name, public_key, *, ca: bool = False,
                time_stamping: bool = False) -> x509.Certificate:
        since = NOW - timedelta(days=1)
        builder = (
            x509.CertificateBuilder().subject_name(subject).issuer_name(self.name)
            .public_key(public_key).serial_number(x509.random_serial_number())
            .not_valid_before(since).not_valid_after(since + timedelta(days=400))
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(
                digital_signature=not ca, content_commitment=False, key_encipherment=False,
                data_encipherment=False, key_agreement=False, key_cert_sign=ca, crl_sign=ca,
                encipher_only=False, decipher_only=False), critical=True))
        if time_stamping:
            builder = builder.add_extension(
                x509.ExtendedKeyUsage([x509.ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
        return builder.sign(self.key, hashes.SHA256())


def person(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def deployment_pkcs12(full_name: str, passphrase: bytes) -> tuple[bytes, x509.Certificate]:
    """A PKCS#12 issued to a leader by the deployment's own CA, and that CA's root."""
    authority = Authority("Root CA of the province")
    leader_key = ec.generate_private_key(ec.SECP256R1())
    leader = authority.certify(person(full_name), leader_key.public_key())
    data = pkcs12.serialize_key_and_certificates(
        b"leader", leader_key, leader, [authority.root],
        serialization.BestAvailableEncryption(passphrase))
    return data, authority.root


def test_a_deployment_imports_its_own_pkcs12(issued, store, pki, tmp_path):
    data, root = deployment_pkcs12("Vũ Thị Mai", b"tinh-pass")
    p12 = tmp_path / "mai.p12"
    p12.write_bytes(data)

    wrong = pki("import", "mai", str(p12), stdin="not it\n")
    assert wrong.returncode == 1 and "does not open" in wrong.stderr
    with pytest.raises(SigningCredentialMissing):
        store.credential(issued["mai"])
    imported = pki("import", "mai", str(p12), "--passphrase-env", "P12_PASSPHRASE",
                   env={"P12_PASSPHRASE": "tinh-pass"})
    assert imported.returncode == 0, imported.stderr
    prompted = pki("import", "mai", str(p12), stdin="tinh-pass\n")
    assert prompted.returncode == 0, prompted.stderr

    listed = pki("list").stdout.splitlines()
    assert [line.split()[0] for line in listed] == ["mai", "quang"]
    assert "CN=Vũ Thị Mai" in listed[0] and "CN=Root CA of the province" in listed[0]
    credential = store.credential(issued["mai"])
    at = NOW
    signed = sign_pdf(result_pdf(), credential, at=at)
    trusted = validate_pdf(signed, [root], at=at)
    assert trusted.signer == "Vũ Thị Mai" and trusted.intact and trusted.trusted
    # Not yet among the install's trusted roots: intact, but not trusted.
    untrusted = validate_pdf(signed, store.trust_roots(), at=at)
    assert untrusted.intact and not untrusted.trusted


@pytest.fixture
def time_stamp_authority():
    """An RFC 3161 time-stamp authority on a local port (pyHanko's own TSA, its time fixed)."""
    # Imported once engine.signing has imported pyHanko without cryptography's DSA warning.
    from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper

    authority = Authority("Time-stamp root")
    tsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)  # pyHanko's: RSA
    tsa_certificate = authority.certify(person("Time-stamp unit"), tsa_key.public_key(),
                                        time_stamping=True)
    stamped_at = NOW + timedelta(seconds=2)
    stamper = DummyTimeStamper(
        tsa_cert=asn1_x509.Certificate.load(tsa_certificate.public_bytes(
            serialization.Encoding.DER)),
        tsa_key=asn1_keys.PrivateKeyInfo.load(tsa_key.private_bytes(
            serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption())),
        fixed_dt=stamped_at)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            request = tsp.TimeStampReq.load(self.rfile.read(int(self.headers["Content-Length"])))
            reply = asyncio.run(stamper.async_request_tsa_response(request)).dump()
            self.send_response(200)
            self.send_header("Content-Type", "application/timestamp-reply")
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/", authority.root, stamped_at
    server.shutdown()
    server.server_close()
    thread.join()


def test_with_a_time_stamp_authority_the_signature_is_time_stamped(time_stamp_authority):
    url, tsa_root, stamped_at = time_stamp_authority
    authority = Authority("Root CA of the province")
    key = ec.generate_private_key(ec.SECP256R1())
    credential = SigningCredential("quang", key,
                                   authority.certify(person(LEADER_NAME), key.public_key()),
                                   (authority.root,))

    signed = sign_pdf(result_pdf(), credential, at=NOW, tsa_url=url)
    report = validate_pdf(signed, [authority.root, tsa_root], at=NOW + timedelta(minutes=1))

    assert report.timestamped and report.signed_at == stamped_at
    assert report.intact and report.trusted and report.signer == LEADER_NAME
