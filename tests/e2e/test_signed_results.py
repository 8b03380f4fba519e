"""A leader's signature issues the dossier's result: a PDF signed PAdES with the leader's
certificate at the engine clock's time, stored and recorded as a `result` document; its
signature endpoint says what the signature proves, and a changed byte is seen."""

import hashlib
import re
from datetime import timedelta

import pytest
import time_machine
from playwright.sync_api import expect

from api.cli_documents import documents_group
from api.config import signing_passphrase
from api.extensions import db
from engine.accounts import get_user_by_name_or_raise
from engine.document_store import DirectoryStore
from engine.pki import PkiStore
from engine.signing import validate_pdf
from tests.conftest import NOW, snapshot
from tests.e2e.browser import WAIT_MS
from tests.e2e.helpers import REVIEW_APPROVE, do_step, open_step, received
from tests.e2e.pdf import qr_of, text_of
from tests.e2e.staff_app import data_rows, name_staff, post_form, sign_in

LEADER_NAME = "Nguyễn Văn Chủ"
SIGNED_AT = NOW + timedelta(hours=1, minutes=25)  # Monday 2 March 2026, 10:25 in Hà Nội
SIGN = {"signer_position": "chairman"}
PHONE = {"width": 360, "height": 740}


@pytest.fixture
def clock():
    """Stop the clock at Monday 2 March 2026, 09:00 in Hà Nội, for the test and its server."""
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def documents_dir(app, tmp_path):
    """The document store of this test: an empty directory of its own."""
    app.config["MOTCUA_DOCUMENTS_DIR"] = str(tmp_path / "documents")
    return tmp_path / "documents"


@pytest.fixture
def pki(app, staff, tmp_path) -> PkiStore:
    """A PKI directory of the test's own: the demo CA, and a certificate for the leader."""
    app.config["MOTCUA_PKI_DIR"] = str(tmp_path / "pki")
    store = PkiStore(tmp_path / "pki", signing_passphrase(app.config))
    leader = get_user_by_name_or_raise(db.session, "leader")
    leader.full_name = LEADER_NAME
    db.session.commit()
    store.init_ca(organization="UBND xã Hòa Bình", now=NOW - timedelta(days=30))
    store.issue(leader, organization="UBND xã Hòa Bình", now=NOW - timedelta(days=30))
    return store


def to_signature(http, staff) -> tuple[str, int]:
    """Receive a birth registration and approve it: return its code and the open sign step."""
    code = receipt_to_signature(http, staff)["code"]
    return code, open_step(http, staff["leader"], code, "sign")["id"]


def receipt_to_signature(http, staff) -> dict:
    """Receive a birth registration and approve it: return the receipt (code and PIN)."""
    receipt = received(http, staff["reception"])
    code = receipt["code"]
    do_step(http, staff["office"], open_step(http, staff["office"], code, "review")["id"],
            REVIEW_APPROVE)
    return receipt


def documents_of(http, person, code: str) -> list[dict]:
    listed = http.get(f"/api/v1/dossiers/{code}/documents", headers=person.headers)
    assert listed.status_code == 200, listed.text
    return listed.json()


def history(http, staff, code: str) -> list[dict]:
    response = http.get(f"/api/v1/dossiers/{code}/history", headers=staff["supervisor"].headers)
    assert response.status_code == 200, response.text
    return response.json()


def signed_result(http, staff, clock) -> tuple[str, dict]:
    code, sign = to_signature(http, staff)
    clock.move_to(SIGNED_AT)
    do_step(http, staff["leader"], sign, SIGN)
    [result] = [d for d in documents_of(http, staff["office"], code) if d["kind"] == "result"]
    return code, result


def test_the_leaders_signature_issues_one_signed_result_that_validates(
        http, staff, clock, pki, documents_dir):
    code, result = signed_result(http, staff, clock)

    assert (result["title"], result["media_type"]) == (
        "Kết quả giải quyết thủ tục hành chính", "application/pdf")
    assert result["uploaded_by"] == "leader"
    pdf = http.get(f"/api/v1/dossiers/{code}/documents/{result['id']}",
                   headers=staff["office"].headers).content
    report = validate_pdf(pdf, pki.trust_roots(), at=SIGNED_AT)
    assert report.intact and report.trusted and report.whole_document
    assert report.signer == LEADER_NAME
    assert report.signed_at == SIGNED_AT and not report.timestamped
    signature = http.get(f"/api/v1/dossiers/{code}/documents/{result['id']}/signature",
                         headers=staff["office"].headers)
    assert signature.status_code == 200, signature.text
    assert signature.json() == {
        "signer": LEADER_NAME, "signed_at": SIGNED_AT.isoformat(),
        "signed_at_local": "02/03/2026 10:25", "timestamped": False, "intact": True,
        "trusted": True, "whole_document": True, "modified_after_signing": False}
    signed = [e for e in history(http, staff, code) if e["action"] == "result.signed"]
    assert [e["after"]["document"] for e in signed] == [result["id"]]
    assert signed[0]["after"]["signer"] == LEADER_NAME


def test_the_result_reads_the_heading_the_code_and_the_decision(
        http, staff, clock, pki, documents_dir, app, tmp_path):
    code, result = signed_result(http, staff, clock)
    pdf = http.get(f"/api/v1/dossiers/{code}/documents/{result['id']}",
                   headers=staff["office"].headers).content

    text = text_of(pdf)

    for expected in ("KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH", f"Mã hồ sơ: {code}",
                     "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Nguyễn Văn Bình",
                     "Nguyễn Minh Khôi", "20/02/2026", "Chủ tịch Ủy ban nhân dân",
                     "ngày 02 tháng 03 năm 2026",
                     "02/03/2026 10:25", LEADER_NAME):
        assert expected in text, expected
    assert qr_of(pdf, tmp_path) == f"{app.config['MOTCUA_PUBLIC_BASE_URL']}/tra-cuu?ma={code}"


def test_one_byte_changed_in_the_stored_result_is_reported(http, staff, clock, pki, app,
                                                           documents_dir):
    code, result = signed_result(http, staff, clock)
    blob = documents_dir / result["sha256"][:2] / result["sha256"][2:4] / result["sha256"]
    content = bytearray(blob.read_bytes())
    where = content.index(b"/Title")  # in the first signed byte range
    content[where + 1] ^= 0x01
    blob.write_bytes(bytes(content))

    signature = http.get(f"/api/v1/dossiers/{code}/documents/{result['id']}/signature",
                         headers=staff["office"].headers)
    verified = app.test_cli_runner().invoke(documents_group, ["verify"])

    assert signature.status_code == 200, signature.text
    assert signature.json()["intact"] is False
    assert verified.exit_code == 1
    assert f"CHANGED {result['sha256']}" in verified.stderr


def test_a_document_without_signature_has_no_signature_to_report(http, staff, clock, pki,
                                                                 documents_dir):
    code = received(http, staff["reception"])["code"]
    scan = http.post(f"/api/v1/dossiers/{code}/documents", data={
        "required_document": "1", "handling": "digitised"},
        files={"file": ("scan.pdf", b"%PDF-1.7\nscan\n%%EOF\n", "application/pdf")},
        headers=staff["reception"].headers).json()

    signature = http.get(f"/api/v1/dossiers/{code}/documents/{scan['id']}/signature",
                         headers=staff["office"].headers)
    outsider = http.get(f"/api/v1/dossiers/{code}/documents/{scan['id']}/signature",
                        headers=staff["land"].headers)

    assert signature.status_code == 404
    assert signature.json()["error"]["code"] == "document_not_found"
    assert signature.json()["error"]["details"]["reason"] == "not_signed"
    assert signature.json()["error"]["message"] == (
        f"Giấy tờ số {scan['id']} của hồ sơ {code} không có chữ ký số.")
    assert outsider.status_code == 404


def test_a_leader_without_certificate_issues_an_unsigned_result_by_default(
        http, staff, clock, app, tmp_path, documents_dir):
    app.config["MOTCUA_PKI_DIR"] = str(tmp_path / "empty-pki")
    code, sign = to_signature(http, staff)

    do_step(http, staff["leader"], sign, SIGN)

    [result] = [d for d in documents_of(http, staff["office"], code) if d["kind"] == "result"]
    assert DirectoryStore(documents_dir).exists(result["sha256"])
    unsigned = [e for e in history(http, staff, code) if e["action"] == "result.unsigned"]
    assert [e["after"]["document"] for e in unsigned] == [result["id"]]
    signature = http.get(f"/api/v1/dossiers/{code}/documents/{result['id']}/signature",
                         headers=staff["office"].headers)
    assert signature.status_code == 404


def test_required_signed_results_refuse_a_leader_without_certificate_changing_nothing(
        http, staff, clock, app, tmp_path, documents_dir):
    app.config.update(MOTCUA_PKI_DIR=str(tmp_path / "empty-pki"),
                      MOTCUA_REQUIRE_SIGNED_RESULTS=True)
    code, sign = to_signature(http, staff)
    claimed = http.post(f"/api/v1/tasks/{sign}/claim", headers=staff["leader"].headers)
    assert claimed.status_code == 200, claimed.text
    before = snapshot(db.session)

    refused = http.post(f"/api/v1/tasks/{sign}/complete", json={"form_data": SIGN},
                        headers=staff["leader"].headers)

    assert refused.status_code == 409, refused.text
    assert refused.json()["error"]["code"] == "signing_credential_missing"
    assert snapshot(db.session) == before
    assert list(DirectoryStore(documents_dir).hashes()) == []



def look_up(http, code: str, pin: str, path: str = "/tra-cuu"):
    """Open the citizen page from the slip's link, then post code and PIN in the body."""
    form = http.get("/tra-cuu", params={"ma": code})
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text).group(1)
    return http.post(path, data={"ma": code, "pin": pin, "csrf_token": token})


def test_the_citizen_sees_the_signed_result_and_downloads_it_with_code_and_pin(
        http, staff, clock, pki, documents_dir):
    receipt = receipt_to_signature(http, staff)
    clock.move_to(SIGNED_AT)
    sign = open_step(http, staff["leader"], receipt["code"], "sign")["id"]
    do_step(http, staff["leader"], sign, SIGN)
    [result] = [d for d in documents_of(http, staff["office"], receipt["code"])
                if d["kind"] == "result"]

    page = look_up(http, receipt["code"], receipt["pin"])
    download = look_up(http, receipt["code"], receipt["pin"], path="/tra-cuu/ket-qua")

    assert page.status_code == 200, page.text
    for shown in ("Kết quả đã ký số", LEADER_NAME, "02/03/2026 10:25",
                  "Hợp lệ: tệp còn nguyên vẹn", 'action="/tra-cuu/ket-qua"'):
        assert shown in page.text, shown
    assert download.status_code == 200, download.text
    assert download.headers["Content-Type"] == "application/pdf"
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert download.headers["Cache-Control"] == "no-store"
    assert hashlib.sha256(download.content).hexdigest() == result["sha256"]
    assert receipt["pin"] not in str(download.request.url)
    report = validate_pdf(download.content, pki.trust_roots(), at=SIGNED_AT)
    assert report.intact and report.trusted and report.signer == LEADER_NAME


def test_a_wrong_pin_downloads_nothing_and_counts_against_the_lookup_limit(
        http, staff, clock, pki, app, documents_dir):
    receipt = receipt_to_signature(http, staff)
    sign = open_step(http, staff["leader"], receipt["code"], "sign")["id"]
    do_step(http, staff["leader"], sign, SIGN)
    app.config["MOTCUA_LOOKUP_LIMIT_PER_DOSSIER"] = 2
    wrong_pin = "000000" if receipt["pin"] != "000000" else "111111"

    wrong = look_up(http, receipt["code"], wrong_pin, path="/tra-cuu/ket-qua")
    right = look_up(http, receipt["code"], receipt["pin"], path="/tra-cuu/ket-qua")
    limited = look_up(http, receipt["code"], receipt["pin"], path="/tra-cuu/ket-qua")

    assert wrong.status_code == 404
    assert "Không tìm thấy hồ sơ với mã hồ sơ và mã PIN này." in wrong.text
    assert not wrong.content.startswith(b"%PDF")
    assert right.status_code == 200 and right.content.startswith(b"%PDF")
    assert limited.status_code == 429
    assert not limited.content.startswith(b"%PDF")


@pytest.mark.one_backend
def test_on_a_phone_the_citizen_reads_the_signature_and_downloads_the_result(
        new_page, script_errors, live_server, http, staff, clock, pki, documents_dir, tmp_path):
    receipt = receipt_to_signature(http, staff)
    clock.move_to(SIGNED_AT)
    do_step(http, staff["leader"], open_step(http, staff["leader"], receipt["code"],
                                             "sign")["id"], SIGN)
    page = new_page(viewport=PHONE, locale="vi-VN", device_scale_factor=2, is_mobile=True,
                    has_touch=True)

    page.goto(f"{live_server}/tra-cuu?ma={receipt['code']}")
    page.get_by_label("Mã PIN", exact=True).fill(receipt["pin"])
    page.get_by_role("button", name="Tra cứu").click()

    expect(page.get_by_test_id("result-signer")).to_have_text(LEADER_NAME, timeout=WAIT_MS)
    expect(page.get_by_test_id("result-signed-at")).to_have_text("02/03/2026 10:25")
    expect(page.get_by_test_id("result-intact")).to_have_text("Hợp lệ: tệp còn nguyên vẹn")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.screenshot(path=tmp_path / "citizen-signed-result.png", full_page=True)
    with page.expect_download(timeout=WAIT_MS) as download:
        page.get_by_test_id("result-download").click()
    saved = tmp_path / "ket-qua.pdf"
    download.value.save_as(saved)
    assert download.value.suggested_filename == f"ket-qua-{receipt['code']}.pdf"
    assert receipt["pin"] not in download.value.url
    # Playwright's loop runs in this thread: the bytes are those validated by the other tests.
    [result] = [d for d in documents_of(http, staff["office"], receipt["code"])
                if d["kind"] == "result"]
    assert hashlib.sha256(saved.read_bytes()).hexdigest() == result["sha256"]
    assert script_errors == []


def test_the_staff_app_tells_a_leader_without_certificate_why_signing_is_refused(
        http, staff, clock, app, tmp_path, documents_dir):
    app.config.update(MOTCUA_PKI_DIR=str(tmp_path / "empty-pki"),
                      MOTCUA_REQUIRE_SIGNED_RESULTS=True)
    name_staff(db.session, staff, {"leader": LEADER_NAME})
    code, sign = to_signature(http, staff)
    assert sign_in(http, "leader").status_code == 302
    assert post_form(http, "/ky-duyet", f"/hop-viec/{sign}/nhan", {}).status_code == 302
    before = data_rows(db.session)

    refused = post_form(http, f"/hop-viec/{sign}", f"/hop-viec/{sign}", SIGN)

    assert refused.status_code == 409
    assert f"Lãnh đạo {LEADER_NAME} chưa có chứng thư số để ký" in refused.text
    assert data_rows(db.session) == before


def test_a_result_that_cannot_be_stored_rolls_the_signature_back(http, staff, clock, pki, app,
                                                                tmp_path):
    blocked = tmp_path / "not-a-directory"
    blocked.write_bytes(b"")
    app.config["MOTCUA_DOCUMENTS_DIR"] = str(blocked)
    code, sign = to_signature(http, staff)
    claimed = http.post(f"/api/v1/tasks/{sign}/claim", headers=staff["leader"].headers)
    assert claimed.status_code == 200, claimed.text
    before = snapshot(db.session)

    failed = http.post(f"/api/v1/tasks/{sign}/complete", json={"form_data": SIGN},
                       headers=staff["leader"].headers)

    assert failed.status_code == 500
    assert snapshot(db.session) == before
    assert open_step(http, staff["leader"], code, "sign")["state"] == "claimed"
