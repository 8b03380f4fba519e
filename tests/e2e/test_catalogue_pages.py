"""The citizen catalogue and reception's search list a 432-procedure catalogue, a page at a time."""

import json
import re

import pytest

from api.cli_catalogue import catalogue_group
from tests.catalogue_files import catalogue_rows, write_csv
from tests.e2e.staff_app import name_staff, sign_in

COMMUNE_SIZE = 432
CIVIL_STATUS_ROWS = sum(row[3] == "Hộ tịch" for row in catalogue_rows(COMMUNE_SIZE))
CARD = re.compile(r'class="card procedure" data-testid="procedure-([^"]+)"')


@pytest.fixture
def commune(app, tmp_path, versions_restored):
    """The 432 procedures of a made-up commune catalogue, posted."""
    path = write_csv(tmp_path / "danh_muc.csv", catalogue_rows(COMMUNE_SIZE))
    result = app.test_cli_runner().invoke(catalogue_group, ["load", str(path)])
    assert result.exit_code == 0, result.output


def test_the_public_api_pages_and_filters_the_catalogue_by_field(http, commune):
    everything = http.get("/api/v1/public/procedures")
    second = http.get("/api/v1/public/procedures", params={"page": 2, "page_size": 100})
    civil = http.get("/api/v1/public/procedures", params={"field": "ho tich"})
    fields = http.get("/api/v1/public/procedures/fields").json()

    total = len(everything.json())
    assert total >= COMMUNE_SIZE
    assert json.loads(everything.headers["X-Pagination"])["total"] == total
    assert len(second.json()) == 100
    assert {e["field"] for e in civil.json()} == {"Hộ tịch"}
    assert len(civil.json()) == CIVIL_STATUS_ROWS
    assert {"field": "Hộ tịch", "count": CIVIL_STATUS_ROWS} in fields


def test_the_citizen_catalogue_shows_fifty_a_page_and_finds_without_accents(http, commune):
    first = http.get("/thu-tuc")
    last = http.get("/thu-tuc", params={"page": 99})
    found = http.get("/thu-tuc", params={"q": "THU NGHIEM SO 17 ve dat dai"})
    civil = http.get("/thu-tuc", params={"field": "Hộ tịch", "page": 1})

    assert first.status_code == 200
    assert len(CARD.findall(first.text)) == 50
    assert 'data-testid="catalogue-next"' in first.text
    total = int(re.search(r'data-testid="catalogue-count">(\d+) thủ tục', first.text).group(1))
    assert total >= COMMUNE_SIZE
    assert len(CARD.findall(last.text)) == total - 50 * (-(-total // 50) - 1)
    assert f"Trang {-(-total // 50)}/{-(-total // 50)}" in last.text
    assert "TEST.0017" in CARD.findall(found.text)
    assert '<option value="Hộ tịch" selected>' in civil.text
    assert all(code.startswith("TEST.") for code in CARD.findall(civil.text))
    assert "Lĩnh vực: Hộ tịch" in civil.text


def test_reception_search_finds_catalogue_entries_and_leads_to_their_intake(http, staff,
                                                                            session, commune):
    name_staff(session, staff, {"reception": "Đỗ Thị Hoa"})
    sign_in(http, "reception")

    found = http.get("/tiep-nhan", params={"q": "thu nghiem so 250"})
    paged = http.get("/tiep-nhan", params={"page": 3})
    intake = http.get("/tiep-nhan/TEST.0250")

    assert CARD.findall(found.text) == ["TEST.0250"]
    assert 'href="/tiep-nhan/TEST.0250"' in found.text
    assert len(CARD.findall(paged.text)) == 50
    assert "Trang 3/" in paged.text
    assert intake.status_code == 200
    assert "Nội dung đề nghị" in intake.text  # the generic intake form
