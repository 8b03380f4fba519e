"""The fee is assessed at receipt under the dossier's fee rule, over HTTP, with its computation.

Amounts are worked by hand from the shipped rules (workflows/*/procedure.json `fee`). Days
since birth are calendar days counted from the day after the birth (README "Fee rules").
"""

from datetime import datetime

import httpx
import pytest
import time_machine

from engine.calendar import VIETNAM
from tests.conftest import snapshot
from tests.e2e.helpers import BIRTH, BIRTH_INTAKE, receive, received
from tests.e2e.staff_app import name_staff, sign_in
from tests.scenarios import PROCEDURE_CODES, SCENARIOS

COPY = PROCEDURE_CODES["certified_copy"]
LAND = PROCEDURE_CODES["first_land_registration"]


@pytest.fixture
def clock():
    """Stop the clock at Monday 7 December 2026, 09:00 in Hà Nội, for the test and its server."""
    with time_machine.travel(datetime(2026, 12, 7, 9, tzinfo=VIETNAM), tick=False) as traveller:
        yield traveller


@pytest.mark.parametrize(("pages", "copies", "expected"), [
    pytest.param(3, 2, 10_000, id="(2 x 2,000 + 1 x 1,000) x 2"),
    pytest.param(250, 1, 200_000, id="252,000 capped at 200,000"),
    pytest.param(250, 3, 600_000, id="capped per copy: 200,000 x 3"),
])
def test_a_certified_copy_pays_per_page_within_the_cap(http, staff, clock, pages, copies,
                                                       expected):
    form = {**SCENARIOS["certified_copy"]["intake"], "pages": pages, "copies": copies}

    dossier = received(http, staff["reception"], procedure=COPY, form_data=form)

    assert dossier["fee_vnd"] == expected
    basis = dossier["fee_basis"]
    assert (basis["kind"], basis["amount_vnd"], basis["collect_at"]) == (
        "per_page", expected, "receipt")
    assert sum(line["subtotal_vnd"] for line in basis["lines"]) == expected
    again = http.get(f"/api/v1/dossiers/{dossier['code']}",
                     headers=staff["reception"].headers).json()
    assert (again["fee_vnd"], again["fee_basis"]) == (expected, basis)


@pytest.mark.parametrize(("born", "expected", "day"), [
    pytest.param("2026-10-08", 0, 60, id="day 60: free"),
    pytest.param("2026-10-07", 8_000, 61, id="day 61: the late fee"),
    pytest.param("2026-02-14", 8_000, 296, id="born in February, registered in December"),
])
def test_a_birth_registered_after_60_days_pays_the_late_fee(http, staff, clock, born,
                                                             expected, day):
    form = {**BIRTH_INTAKE, "child_date_of_birth": born}

    dossier = received(http, staff["reception"], form_data=form)

    assert dossier["fee_vnd"] == expected
    (line,) = dossier["fee_basis"]["lines"]
    assert (line["subtotal_vnd"], f"ngày thứ {day}" in line["label_vi"]) == (expected, True)
    assert "Luật Hộ tịch" in dossier["fee_basis"]["legal_basis_vi"]


def test_a_poor_household_is_exempt_and_the_reason_is_kept(http, staff, clock):
    form = {**SCENARIOS["first_land_registration"]["intake"], "fee_exemption": "poor_household"}

    dossier = received(http, staff["reception"], procedure=LAND, form_data=form)

    assert dossier["fee_vnd"] == 0
    assert dossier["fee_basis"]["exemption"] == {"code": "poor_household", "reason_vi": "Hộ nghèo"}
    assert [line["subtotal_vnd"] for line in dossier["fee_basis"]["lines"]] == [100_000, -100_000]
    assert dossier["fee_basis"]["collect_at"] == "return"


def test_an_exemption_the_procedure_does_not_grant_is_refused_and_nothing_changes(
        http, staff, clock, session):
    form = {**SCENARIOS["first_land_registration"]["intake"], "fee_exemption": "veteran"}
    before = snapshot(session)

    response = receive(http, staff["reception"], procedure=LAND, form_data=form)

    assert response.status_code == 422, response.text
    assert "fee_exemption" in response.text
    assert snapshot(session) == before


def test_a_birth_date_after_the_receipt_is_refused_and_nothing_changes(http, staff, clock,
                                                                       session):
    before = snapshot(session)

    response = receive(http, staff["reception"],
                       form_data={**BIRTH_INTAKE, "child_date_of_birth": "2026-12-08"})

    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert (error["code"], error["details"]["reason"]) == (
        "invalid_input", "fee_date_after_receipt")
    assert error["message"] == ("Ngày 08/12/2026 ở trường child_date_of_birth sau ngày tiếp nhận "
                                "07/12/2026.")
    assert snapshot(session) == before


def test_the_staff_page_of_the_dossier_shows_how_the_fee_was_computed(http, staff, clock,
                                                                      live_server, session):
    form = {**SCENARIOS["certified_copy"]["intake"], "pages": 3, "copies": 2}
    dossier = received(http, staff["reception"], procedure=COPY, form_data=form)
    name_staff(session, staff, {"reception": "Lê Thị Tiếp Nhận"})

    with httpx.Client(base_url=live_server) as browser:
        sign_in(browser, "reception")
        page = browser.get(f"/ho-so/{dossier['code']}")

    assert page.status_code == 200
    assert 'data-testid="sheet-fee">10.000\xa0₫<' in page.text
    assert 'data-testid="fee-total">10.000\xa0₫<' in page.text
    assert "Phí chứng thực bản sao từ bản chính: trang 1–2, 2 bản" in page.text
    assert "Thông tư 226/2016/TT-BTC" in page.text
    assert BIRTH not in page.text
