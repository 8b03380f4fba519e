"""Reception staff find a procedure, take a dossier in and hand over the receipt, in the app."""

import re

import pytest
import time_machine

from engine.models import Dossier
from tests.conftest import NOW
from tests.e2e.helpers import APPLICANT, BIRTH, BIRTH_INTAKE
from tests.e2e.staff_app import csrf_token, data_rows, name_staff, post_form, sign_in

INTAKE_PAGE = f"/tiep-nhan/{BIRTH}"
# The intake form of a birth registration as the receptionist fills it in.
BIRTH_FORM = {
    "applicant_full_name": APPLICANT["full_name"], "applicant_id_number": APPLICANT["id_number"],
    "applicant_phone": APPLICANT["phone"], **BIRTH_INTAKE,
    "document-0": "digitised", "document-1": "digitised", "document-2": "reused",
    "document-3": "missing", "channel": "1",
}


@pytest.fixture
def counter(staff, session):
    """The receptionist and an officer, named and with passwords for the app."""
    return name_staff(session, staff, {"reception": "Đỗ Thị Hoa", "office": "Trần Văn An"})


def test_the_procedure_search_ignores_accents_and_case_and_shows_documents_fee_and_deadline(
        http, counter):
    sign_in(http, "reception")

    home = http.get("/")
    unaccented = http.get("/tiep-nhan", params={"q": "DANG KY khai sinh"})
    household = http.get("/tiep-nhan", params={"q": "hộ kinh doanh"})
    nothing = http.get("/tiep-nhan", params={"q": "kết hôn"})
    english = http.get("/tiep-nhan", params={"q": "khai sinh", "lang": "en"})

    assert 'data-testid="link-reception"' in home.text
    assert unaccented.status_code == 200
    found = re.findall(r'class="card procedure" data-testid="procedure-([^"]+)"', unaccented.text)
    assert found == [BIRTH]
    assert "Đăng ký khai sinh" in unaccented.text
    assert "Giấy chứng sinh; trường hợp không có" in unaccented.text
    assert "Trong ngày làm việc" in unaccented.text
    # Free within 60 days of birth, the late fee after: the rule's text, no one amount.
    assert re.search(f'data-testid="fee-{BIRTH}">\\s*<span class="hint">Miễn lệ phí đăng ký '
                     "khai sinh đúng hạn", unaccented.text)
    assert f'href="/tiep-nhan/{BIRTH}"' in unaccented.text
    assert 'href="/ho-so"' in unaccented.text  # the lost-slip search
    assert "<strong>100.000\xa0₫</strong>" in household.text
    assert "<strong>3 ngày làm việc</strong>" in household.text
    assert 'data-testid="procedure-none"' in nothing.text
    assert "Birth registration" in english.text and "Receive a dossier" in english.text


def test_a_wrong_value_is_told_in_vietnamese_beside_its_field_and_nothing_is_stored(
        http, counter, session):
    sign_in(http, "reception")
    page = http.get(INTAKE_PAGE)
    before = data_rows(session)

    wrong = http.post(INTAKE_PAGE, data={
        **BIRTH_FORM, "csrf_token": csrf_token(page), "applicant_id_number": "12345",
        "child_date_of_birth": "20/02/2026", "mother_full_name": "", "document-3": "lost",
        "channel": "9"})

    assert wrong.status_code == 422
    assert data_rows(session) == before
    assert ('data-testid="error-applicant_id_number"><p class="field-error">Số định danh gồm '
            '12 chữ số (hoặc 9 chữ số với chứng minh nhân dân cũ).' in wrong.text)
    assert ('data-testid="error-child_date_of_birth"><p class="field-error">Giá trị không '
            'đúng dạng ngày (dd/mm/yyyy).' in wrong.text)
    assert ('data-testid="error-mother_full_name"><p class="field-error">Trường này là bắt '
            'buộc.' in wrong.text)
    assert ('data-testid="error-document-3">Hãy chọn một trong các giá trị cho sẵn.'
            in wrong.text)
    assert 'data-testid="error-channel">Hãy chọn một trong các giá trị cho sẵn.' in wrong.text
    assert f'value="{BIRTH_INTAKE["child_full_name"]}"' in wrong.text  # what was typed is kept
    assert 'name="document-2" value="reused" checked' in wrong.text


def test_an_intake_without_its_csrf_token_is_refused_and_stores_nothing(http, counter,
                                                                        session):
    sign_in(http, "reception")
    before = data_rows(session)

    refused = http.post(INTAKE_PAGE, data=BIRTH_FORM)

    assert refused.status_code == 400
    assert data_rows(session) == before


def test_an_officer_gets_the_refusal_page_and_cannot_receive(http, counter, session):
    sign_in(http, "office")
    before = data_rows(session)

    home = http.get("/")
    search = http.get("/tiep-nhan")
    intake = http.get(INTAKE_PAGE)
    posted = post_form(http, "/", INTAKE_PAGE, BIRTH_FORM)

    assert 'data-testid="link-reception"' not in home.text
    for refused in (search, intake, posted):
        assert refused.status_code == 403
        assert 'data-testid="page-refused"' in refused.text
    assert data_rows(session) == before


def test_an_unknown_procedure_answers_the_not_found_page(http, counter):
    sign_in(http, "reception")

    missing = http.get("/tiep-nhan/NO.SUCH")

    assert missing.status_code == 404
    assert "Không có thủ tục với mã này" in missing.text


def test_receiving_shows_the_receipt_with_code_pin_and_local_appointment_once(
        http, counter, session):
    sign_in(http, "reception")
    page = http.get(INTAKE_PAGE)

    with time_machine.travel(NOW, tick=False):  # Monday 09:00 in Hà Nội
        receipt = http.post(INTAKE_PAGE, data={**BIRTH_FORM, "csrf_token": csrf_token(page)})

    assert receipt.status_code == 201
    assert receipt.headers["Cache-Control"] == "no-store"
    code = re.search(r'data-testid="receipt-code">([^<]+)<', receipt.text).group(1)
    pin = re.search(r'data-testid="receipt-pin">(\d{6})<', receipt.text).group(1)
    assert 'data-testid="receipt-received-at">02/03/2026 09:00<' in receipt.text
    assert 'data-testid="receipt-appointment"><strong>02/03/2026 17:00<' in receipt.text
    assert 'data-testid="receipt-fee">Miễn phí<' in receipt.text
    assert "Nguyễn Văn Bình · Số định danh 038090001234" in receipt.text
    assert f'href="/tra-cuu?ma={code}"' in receipt.text
    assert "<em>Tái sử dụng dữ liệu sẵn có</em>" in receipt.text
    dossier = session.query(Dossier).filter_by(code=code).one()
    assert (dossier.components_total, dossier.components_digitised,
            dossier.components_reused) == (3, 2, 1)
    assert dossier.channel == 1
    assert dossier.intake == BIRTH_INTAKE
    assert dossier.applicant == APPLICANT
    assert dossier.received_by == counter["reception"].id
    lookup = http.post(f"/api/v1/public/dossiers/{code}/lookup", json={"pin": pin})
    assert lookup.status_code == 200
    assert pin not in http.get(f"/ho-so/{code}").text


def test_the_same_intake_form_sent_twice_receives_one_dossier_with_a_new_pin(
        http, counter, session):
    sign_in(http, "reception")
    page = http.get(INTAKE_PAGE)
    receipt_key = re.search(r'name="receipt_key" value="([^"]+)"', page.text).group(1)
    form = {**BIRTH_FORM, "csrf_token": csrf_token(page), "receipt_key": receipt_key}

    first = http.post(INTAKE_PAGE, data=form)
    again = http.post(INTAKE_PAGE, data=form)  # a double click, or the request sent again

    assert (first.status_code, again.status_code) == (201, 201)
    code = re.search(r'data-testid="receipt-code">([^<]+)<', first.text).group(1)
    assert re.search(r'data-testid="receipt-code">([^<]+)<', again.text).group(1) == code
    assert session.query(Dossier).count() == 1
    assert 'data-testid="pin-reissued"' in again.text
    assert 'data-testid="pin-reissued"' not in first.text
    old_pin, new_pin = (re.search(r'data-testid="receipt-pin">(\d{6})<', answer.text).group(1)
                        for answer in (first, again))
    lookup = f"/api/v1/public/dossiers/{code}/lookup"
    assert http.post(lookup, json={"pin": new_pin}).status_code == 200
    if new_pin != old_pin:
        assert http.post(lookup, json={"pin": old_pin}).status_code == 404

    # Another intake page has another key: the same citizen's next dossier is a new one.
    other = http.get(INTAKE_PAGE)
    other_key = re.search(r'name="receipt_key" value="([^"]+)"', other.text).group(1)
    assert other_key != receipt_key
    next_one = http.post(INTAKE_PAGE, data={**form, "csrf_token": csrf_token(other),
                                            "receipt_key": other_key})
    assert next_one.status_code == 201
    assert session.query(Dossier).count() == 2
