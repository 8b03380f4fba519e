"""Printable slips (PDF) over HTTP: the text `pdftotext` reads and the QR `zbarimg` decodes.

Each slip is checked as a citizen's copy would be: the Vietnamese headings with their
diacritics, the dossier code and the applicant's name come out of the PDF as text, and its
QR code, rendered at 200 dpi, decodes to the citizen lookup link with the code, never the PIN.
"""

import json
from datetime import datetime
from pathlib import Path
from urllib.parse import quote

import pytest
import time_machine

from engine.calendar import VIETNAM
from engine.procedures import WORKFLOWS_DIR
from tests.conftest import snapshot
from tests.e2e.helpers import APPLICANT, do_step, open_step, received
from tests.e2e.pdf import qr_of, text_of
from tests.e2e.test_documents import attach, documents_dir  # noqa: F401 - fixture

BIRTH_STEPS = json.loads((WORKFLOWS_DIR / "birth_registration" / "samples.json")
                         .read_text(encoding="utf-8"))["steps"]
CENTER = "Bộ phận Tiếp nhận và Trả kết quả xã Xuân Hòa"
BASE_URL = "https://motcua.xuanhoa.example.vn"
NATION = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO = "Độc lập - Tự do - Hạnh phúc"
MON_0900 = datetime(2026, 3, 2, 9, 0, tzinfo=VIETNAM)
MON_1000 = datetime(2026, 3, 2, 10, 0, tzinfo=VIETNAM)
LETTER = {
    "reason": "Cần xác minh thêm thông tin về nơi sinh với Trạm y tế xã.",
    "apology": "Ủy ban nhân dân xã xin lỗi ông/bà vì sự chậm trễ này.",
    "signed_by": "Lê Văn Trưởng",
    "new_appointment_at": datetime(2026, 3, 3, 17, 0, tzinfo=VIETNAM).isoformat(),
}
FORMS = ["receipt", "supplement", "refusal", "apology", "stop", "control-sheet"]


@pytest.fixture
def center(app):
    app.config["MOTCUA_CENTER_NAME"] = CENTER
    app.config["MOTCUA_CENTER_PLACE"] = "Xuân Hòa"
    app.config["MOTCUA_PUBLIC_BASE_URL"] = BASE_URL + "/"


@pytest.fixture
def clock():
    with time_machine.travel(MON_0900, tick=False) as traveller:
        yield traveller


@pytest.fixture
def dossier(http, staff, center, clock) -> dict:
    return received(http, staff["reception"])


def reviewed(http, staff, dossier: dict, outcome: str) -> None:
    step = open_step(http, staff["office"], dossier["code"], "review")
    do_step(http, staff["office"], step["id"], BIRTH_STEPS["review"][outcome])


def slip(http, person, code: str, form: str):
    return http.get(f"/api/v1/dossiers/{code}/slips/{form}", headers=person.headers)


def pdf_of(response, form: str, code: str) -> bytes:
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["Content-Disposition"] == f'inline; filename="{form}-{code}.pdf"'
    assert response.content.startswith(b"%PDF-")
    return response.content


def lookup_link(code: str) -> str:
    return f"{BASE_URL}/tra-cuu?ma={quote(code)}"


def assert_slip(pdf: bytes, tmp_path: Path, *, code: str, title: str, number: str) -> str:
    text = text_of(pdf)
    for expected in (NATION, MOTTO, CENTER.upper(), title, f"Mẫu số {number}",
                     f"Mã hồ sơ: {code}", APPLICANT["full_name"],
                     "Xuân Hòa, ngày 02 tháng 03 năm 2026"):
        assert expected in text, f"{expected!r} not in:\n{text}"
    assert qr_of(pdf, tmp_path) == lookup_link(code)
    return text


def test_the_receipt_slip_has_form_01s_fields_in_local_time_and_a_qr_without_the_pin(
        http, staff, dossier, tmp_path):
    code = dossier["code"]

    pdf = pdf_of(slip(http, staff["reception"], code, "receipt"), "receipt", code)

    text = assert_slip(pdf, tmp_path, code=code, number="01",
                       title="GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ")
    assert "Tờ khai đăng ký khai sinh (theo mẫu)" in text
    assert APPLICANT["id_number"] in text and APPLICANT["phone"] in text
    assert "Đăng ký khai sinh" in text
    assert "4. Thời gian nhận hồ sơ: 02/03/2026 09:00" in text
    assert "5. Thời gian trả kết quả giải quyết hồ sơ: 02/03/2026 17:00" in text
    assert "NGƯỜI TIẾP NHẬN HỒ SƠ" in text and "reception" in text
    # Stored hashed: a GET cannot print the PIN, and says where the citizen has it.
    assert dossier["pin"] not in text
    assert "Mã PIN tra cứu: đã cấp khi tiếp nhận" in text


def test_the_receipt_posted_with_its_pin_prints_the_pin_but_the_qr_stays_without_it(
        http, staff, dossier, tmp_path):
    code = dossier["code"]

    response = http.post(f"/api/v1/dossiers/{code}/slips/receipt", json={"pin": dossier["pin"]},
                         headers=staff["reception"].headers)

    pdf = pdf_of(response, "receipt", code)
    text = assert_slip(pdf, tmp_path, code=code, number="01",
                       title="GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ")
    assert f"Mã PIN tra cứu: {dossier['pin']}" in text


def test_a_wrong_pin_is_refused_and_changes_nothing(http, staff, dossier, session):
    wrong = "000000" if dossier["pin"] != "000000" else "111111"
    before = snapshot(session)

    response = http.post(f"/api/v1/dossiers/{dossier['code']}/slips/receipt",
                         json={"pin": wrong}, headers=staff["reception"].headers)

    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert (error["code"], error["details"]["reason"]) == ("invalid_input", "pin_mismatch")
    assert "Mã PIN không khớp" in error["message"]
    assert snapshot(session) == before


def test_the_supplement_request_lists_what_the_officer_asked_for(
        http, staff, dossier, tmp_path):
    code = dossier["code"]
    reviewed(http, staff, dossier, "supplement")

    pdf = pdf_of(slip(http, staff["reception"], code, "supplement"), "supplement", code)

    text = assert_slip(pdf, tmp_path, code=code, number="02",
                       title="PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ")
    for document in BIRTH_STEPS["review"]["supplement"]["missing_documents"]:
        assert document in text


def test_the_refusal_slip_gives_the_officers_reason(http, staff, dossier, tmp_path):
    code = dossier["code"]
    reviewed(http, staff, dossier, "refuse")

    pdf = pdf_of(slip(http, staff["office"], code, "refusal"), "refusal", code)

    text = assert_slip(pdf, tmp_path, code=code, number="03",
                       title="PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ")
    assert BIRTH_STEPS["review"]["refuse"]["refusal_reason"] in text


def test_the_apology_prints_the_recorded_letter(http, staff, dossier, clock, tmp_path):
    code = dossier["code"]
    clock.move_to(MON_1000)
    recorded = http.post(f"/api/v1/dossiers/{code}/apology", json=LETTER,
                         headers=staff["office_head"].headers)
    assert recorded.status_code == 201, recorded.text

    pdf = pdf_of(slip(http, staff["office_head"], code, "apology"), "apology", code)

    text = assert_slip(pdf, tmp_path, code=code, number="04",
                       title="PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ")
    for expected in (LETTER["reason"], LETTER["apology"], LETTER["signed_by"],
                     "Thời gian hẹn trả kết quả: 02/03/2026 17:00",
                     "Thời gian hẹn trả kết quả mới: 03/03/2026 17:00",
                     APPLICANT["id_number"], "THỦ TRƯỞNG CƠ QUAN"):
        assert expected in text, expected


def test_the_control_sheet_prints_each_handoff(http, staff, dossier, clock, tmp_path):
    code = dossier["code"]
    clock.move_to(MON_1000)
    reviewed(http, staff, dossier, "approve")

    pdf = pdf_of(slip(http, staff["supervisor"], code, "control-sheet"), "control-sheet", code)

    text = assert_slip(pdf, tmp_path, code=code, number="06",
                       title="PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ")
    assert "02/03/2026 10:00" in text
    assert "Trước hạn" in text or "Đúng hạn" in text


@pytest.mark.parametrize(("ended_by", "says"), [
    ("office_head", "theo quyết định của cơ quan giải quyết"),
    ("reception", "theo đề nghị rút hồ sơ của Ông/Bà"),
])
def test_the_stop_notice_gives_why_and_when_the_dossier_stopped(
        http, staff, dossier, clock, tmp_path, ended_by, says):
    code = dossier["code"]
    clock.move_to(MON_1000)
    action = "stop" if ended_by == "office_head" else "withdrawal"
    ended = http.post(f"/api/v1/dossiers/{code}/{action}", headers=staff[ended_by].headers,
                      json={"reason": "Công dân chuyển nơi cư trú."})
    assert ended.status_code == 200, ended.text

    pdf = pdf_of(slip(http, staff["reception"], code, "stop"), "stop", code)

    text = assert_slip(pdf, tmp_path, code=code, number="05", title="PHIẾU DỪNG XỬ LÝ HỒ SƠ")
    assert says in text
    assert "Lý do: Công dân chuyển nơi cư trú." in text
    assert "Dừng xử lý lúc: 02/03/2026 10:00" in text
    assert ended_by in text  # the officer who ended it signs the notice


@pytest.mark.parametrize(("form", "reason", "says"), [
    ("refusal", "not_refused", "không bị từ chối tiếp nhận"),
    ("supplement", "no_supplement_request", "không có yêu cầu bổ sung"),
    ("apology", "no_apology", "chưa có phiếu xin lỗi"),
    ("stop", "not_stopped", "không bị dừng xử lý"),
])
def test_a_slip_the_dossiers_state_does_not_call_for_is_refused_with_409(
        http, staff, dossier, session, form, reason, says):
    before = snapshot(session)

    response = slip(http, staff["reception"], dossier["code"], form)

    assert response.status_code == 409, response.text
    error = response.json()["error"]
    assert (error["code"], error["details"]["reason"]) == ("slip_not_applicable", reason)
    assert says in error["message"]
    assert snapshot(session) == before


def test_an_unknown_form_is_404_listing_the_forms(http, staff, dossier, session):
    before = snapshot(session)

    response = slip(http, staff["reception"], dossier["code"], "birth-certificate")

    assert response.status_code == 404, response.text
    error = response.json()["error"]
    assert error["details"]["reason"] == "unknown_slip"
    assert all(form in error["message"] for form in FORMS)
    assert snapshot(session) == before


def test_another_departments_officer_cannot_print_the_slips(http, staff, dossier, session):
    before = snapshot(session)

    responses = [slip(http, staff["economic"], dossier["code"], form) for form in FORMS]

    assert [r.status_code for r in responses] == [404] * len(FORMS)
    assert {r.json()["error"]["code"] for r in responses} == {"dossier_not_found"}
    assert snapshot(session) == before


def test_slips_need_a_token(http, dossier):
    response = http.get(f"/api/v1/dossiers/{dossier['code']}/slips/receipt")

    assert response.status_code == 401


def test_the_receipt_lists_each_recorded_component_and_how_it_was_handled(
        http, staff, center, clock, documents_dir, tmp_path):  # noqa: F811 - fixture
    reception = staff["reception"]
    earlier = received(http, reception)["code"]
    scan = attach(http, reception, earlier, required_document=0).json()
    code = received(http, reception)["code"]
    for fields in ({"required_document": 0, "handling": "reused", "content": None,
                    "reuse_of": scan["id"]},
                   {"required_document": 1},
                   {"required_document": 2, "handling": "shown", "content": None}):
        assert attach(http, reception, code, **fields).status_code == 201

    pdf = pdf_of(slip(http, reception, code, "receipt"), "receipt", code)

    text = assert_slip(pdf, tmp_path, code=code, number="01",
                       title="GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ")
    listed = text[text.index("Thành phần đã nhận:"):text.index("2. Số lượng hồ sơ")]
    # pdftotext reads the table column by column: each title, then each handling, in order.
    titles = ["Tờ khai đăng ký khai sinh (theo mẫu)",
              "Giấy chứng sinh; trường hợp không có thì văn bản xác nhận của người làm chứng "
              "hoặc giấy cam đoan về việc sinh",
              "Giấy tờ tùy thân của người đi đăng ký (xuất trình, nếu chưa khai thác được từ "
              "Cơ sở dữ liệu quốc gia về dân cư)"]
    handlings = ["Hình thức", "Tái sử dụng dữ liệu sẵn có", "Số hóa", "Xuất trình, trả lại"]
    for in_order in (titles, handlings):
        places = [listed.find(expected) for expected in in_order]
        assert -1 not in places and places == sorted(places), (in_order, listed)
    assert "Đã nhận 3 thành phần" not in text
