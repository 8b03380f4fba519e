"""Citizens read the procedure catalogue without a token and find procedures without accents."""

import re

from sqlalchemy import select

from engine.models import Procedure
from tests.conftest import snapshot

BIRTH, CERTIFIED_COPY, BUSINESS = "1.001193", "2.000815", "MC.HKD.001"
CATALOGUE = "/api/v1/public/procedures"


def codes(response) -> list[str]:
    assert response.status_code == 200, response.text
    return [entry["code"] for entry in response.json()]


def test_the_catalogue_needs_no_token_and_lists_every_procedure(http, session):
    entries = {e["code"]: e for e in http.get(CATALOGUE).json()}

    # Other tests publish procedures of their own into the shared database: all are listed.
    assert set(entries) == set(session.scalars(select(Procedure.code)))
    assert {BIRTH, CERTIFIED_COPY, BUSINESS, "MC.CTTT.001", "MC.DD.001"} <= set(entries)
    birth = entries[BIRTH]
    assert birth["name_vi"] == "Đăng ký khai sinh"
    assert birth["department_code"] == "OFFICE"
    assert birth["department_name_vi"].startswith("Văn phòng Hội đồng nhân dân")
    # Free within 60 days of birth, the late fee after: no one amount for every dossier.
    assert (birth["fee_kind"], birth["fee_vnd"]) == ("free_within_days", None)
    assert (birth["deadline_working_days"], birth["deadline_same_day"]) == (0, True)
    assert birth["required_documents"][0] == {
        "name_vi": "Tờ khai đăng ký khai sinh (theo mẫu)",
        "name_en": "Birth registration declaration (standard form)",
        "original": True, "copies": 1}
    assert entries[BUSINESS]["fee_vnd"] == 100_000
    assert entries[BUSINESS]["deadline_working_days"] == 3
    # A fee that depends on the pages and copies has no one amount: the text says how.
    assert entries[CERTIFIED_COPY]["fee_vnd"] is None
    assert "2.000 đồng/trang" in entries[CERTIFIED_COPY]["fee_text_vi"]


def test_search_ignores_case_and_diacritics(http):
    assert codes(http.get(CATALOGUE, params={"q": "khai sinh"})) == [BIRTH]
    assert codes(http.get(CATALOGUE, params={"q": "KHAI SINH"})) == [BIRTH]
    assert codes(http.get(CATALOGUE, params={"q": "dang ky ho kinh doanh"})) == [BUSINESS]
    assert codes(http.get(CATALOGUE, params={"q": "Chứng thực"})) == [CERTIFIED_COPY]
    assert codes(http.get(CATALOGUE, params={"q": "2.000815"})) == [CERTIFIED_COPY]
    assert codes(http.get(CATALOGUE, params={"q": "khai tu"})) == []


def test_a_query_too_long_is_a_422_naming_q_and_changes_nothing(http, session):
    before = snapshot(session)

    response = http.get(CATALOGUE, params={"q": "x" * 201})

    assert response.status_code == 422
    assert [f["field"] for f in response.json()["error"]["details"]["fields"]] == ["q"]
    assert snapshot(session) == before


def test_the_catalogue_is_documented_as_public(http):
    operation = http.get("/api/openapi.json").json()["paths"][CATALOGUE]["get"]

    assert operation["security"] == []
    assert "401" not in operation["responses"]


def test_the_catalogue_page_finds_birth_registration_typed_without_accents(http):
    page = http.get("/thu-tuc", params={"q": "khai sinh"})

    assert page.status_code == 200
    assert page.headers["Content-Type"].startswith("text/html")
    assert 'lang="vi"' in page.text
    assert 'data-testid="procedure-1.001193"' in page.text
    assert len(re.findall(r'data-testid="procedure-', page.text)) == 1
    assert "Đăng ký khai sinh" in page.text
    assert "Miễn lệ phí đăng ký khai sinh đúng hạn" in page.text
    assert "Tờ khai đăng ký khai sinh (theo mẫu)" in page.text
    assert 'value="khai sinh"' in page.text


def test_the_catalogue_page_shows_fees_in_dong_and_deadlines_in_working_days(http):
    page = http.get("/thu-tuc").text

    business = page[page.index('data-testid="procedure-MC.HKD.001"'):]
    business = business[:business.index("</article>")]
    assert "100.000\u00a0₫" in business
    assert "3 ngày làm việc" in business
    assert "Phòng Kinh tế" in business


def test_the_catalogue_page_speaks_english_when_asked(http):
    page = http.get("/thu-tuc", params={"q": "khai sinh", "lang": "en"})

    assert 'lang="en"' in page.text
    assert "Birth registration" in page.text and "Free" in page.text
    assert page.cookies.get("lang") == "en"
