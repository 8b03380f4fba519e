"""Find a dossier when the citizen lost the slip: by code, ID number or the applicant's name."""

from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, text

from engine.dossiers import found_by
from engine.models import Dossier, User
from engine.passwords import set_password
from engine.statuses import DossierStatus
from tests.conftest import NOW
from tests.e2e.helpers import APPLICANT, received
from tests.e2e.staff_app import sign_in

BINH = APPLICANT
HUONG = {"full_name": "Đặng Thị Hương", "id_number": "038190005678"}
NAM = {"full_name": "Trần Văn Nam", "id_number": "038090009999"}
LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")
SEARCH_INDEXES = {"ix_dossiers_applicant_name_folded", "ix_dossiers_applicant_id_number"}


@pytest.fixture
def dossiers(http, staff) -> dict[str, str]:
    """Three dossiers received at the counter, their codes by the applicant's given name."""
    return {name: received(http, staff["reception"], applicant=applicant)["code"]
            for name, applicant in (("binh", BINH), ("huong", HUONG), ("nam", NAM))}


def found(http, person, query: str) -> list[str]:
    response = http.get("/api/v1/dossiers", params={"q": query}, headers=person.headers)
    assert response.status_code == 200, response.text
    return sorted(item["code"] for item in response.json()["items"])


@pytest.mark.parametrize(("query", "who"), [
    ("nguyen van binh", "binh"),
    ("Nguyễn Văn Bình", "binh"),
    ("  NGUYEN  van  b", "binh"),
    ("dang", "huong"),
    ("Đặng thị", "huong"),
    ("038190005678", "huong"),
    ("tran van nam", "nam"),
])
def test_reception_finds_a_dossier_by_name_without_diacritics_or_by_id_number(
        http, staff, dossiers, query, who):
    assert found(http, staff["reception"], query) == [dossiers[who]]


def test_reception_finds_a_dossier_by_its_code(http, staff, dossiers):
    assert found(http, staff["reception"], dossiers["nam"]) == [dossiers["nam"]]


def test_a_name_matches_from_its_start_and_wildcards_are_plain_characters(
        http, staff, dossiers):
    assert found(http, staff["reception"], "van binh") == []
    assert found(http, staff["reception"], "%") == []
    assert found(http, staff["reception"], "_guyen") == []
    assert found(http, staff["reception"], "0380900") == []  # an ID number matches whole


def test_an_external_agency_does_not_find_the_dossiers_of_others(http, staff, dossiers):
    assert found(http, staff["land"], "nguyen van binh") == []
    assert found(http, staff["land"], dossiers["binh"]) == []
    assert found(http, staff["supervisor"], "nguyen van binh") == [dossiers["binh"]]


def test_an_empty_or_too_long_query_is_refused(http, staff):
    for query in ("", "x" * 201):
        response = http.get("/api/v1/dossiers", params={"q": query},
                            headers=staff["reception"].headers)
        assert response.status_code == 422, response.text
        assert response.json()["error"]["details"]


def test_the_search_columns_hold_the_folded_name_and_id_number(session, dossiers):
    session.expire_all()
    row = session.scalars(select(Dossier).where(Dossier.code == dossiers["huong"])).one()
    assert (row.applicant_name_folded, row.applicant_id_number) == ("dang thi huong",
                                                                    "038190005678")


def test_the_search_page_lists_matches_with_links_to_the_control_sheet(
        http, staff, session, dossiers):
    set_password(session, session.get(User, staff["reception"].id), "mật-khẩu-đủ-dài",
                 actor="test", now=NOW)
    sign_in(http, "reception")

    page = http.get("/ho-so", params={"q": "dang"})

    assert page.status_code == 200
    assert 'data-testid="search-results"' in page.text
    code = dossiers["huong"]
    assert f'<a href="/ho-so/{code}">{code}</a>' in page.text
    assert "<td>Đặng Thị Hương</td>" in page.text
    assert "<td>Đăng ký khai sinh</td>" in page.text
    assert "Nguyễn Văn Bình" not in page.text
    session.expire_all()
    row = session.scalars(select(Dossier).where(Dossier.code == code)).one()
    assert f"<td>{DossierStatus(row.status).label_vi}</td>" in page.text
    for moment in (row.received_at, row.appointment_at):
        assert f"<td>{moment.astimezone(LOCAL):%d/%m/%Y %H:%M}</td>" in page.text
    none = http.get("/ho-so", params={"q": "khong co ai"})
    assert 'data-testid="search-none"' in none.text


def test_on_postgresql_each_way_of_finding_reads_an_index(session, pg_only, dossiers):
    query = select(Dossier.id).where(found_by("Đặng thị"))
    sql = str(query.compile(session.get_bind(), compile_kwargs={"literal_binds": True}))
    session.execute(text("SET LOCAL enable_seqscan = off"))
    plan = "\n".join(session.scalars(text(f"EXPLAIN {sql}")))
    session.rollback()

    for index in SEARCH_INDEXES:
        assert index in plan, plan
    assert "Seq Scan" not in plan, plan


def test_a_designer_neither_sees_the_search_nor_may_use_it(http, staff, session, dossiers):
    set_password(session, session.get(User, staff["designer"].id), "mật-khẩu-đủ-dài",
                 actor="test", now=NOW)
    sign_in(http, "designer")

    assert 'data-testid="link-find-dossier"' not in http.get("/").text
    page = http.get("/ho-so", params={"q": "nguyen"})
    assert page.status_code == 403
    assert "thuộc phòng khác hoặc vai trò khác" in page.text
    assert dossiers["binh"] not in page.text
