import json

import pytest

from engine.fees import fee_vnd, fixed_fee_vnd
from engine.procedures import WORKFLOWS_DIR


def _fee_rule(folder: str) -> dict:
    meta = json.loads((WORKFLOWS_DIR / folder / "procedure.json").read_text(encoding="utf-8"))
    return meta["fee"]


@pytest.fixture(scope="module")
def certified_copy_rule() -> dict:
    return _fee_rule("certified_copy")


# Thông tư 226/2016/TT-BTC: 2,000 VND a page for pages 1-2, 1,000 VND a page from
# page 3, at most 200,000 VND a copy. Worked by hand:
@pytest.mark.parametrize(("pages", "copies", "expected"), [
    pytest.param(1, 1, 2_000, id="one page: 1 x 2,000"),
    pytest.param(2, 1, 4_000, id="two pages: 2 x 2,000"),
    pytest.param(3, 1, 5_000, id="three pages: 2 x 2,000 + 1 x 1,000"),
    pytest.param(10, 3, 36_000, id="ten pages, three copies: (4,000 + 8 x 1,000) x 3"),
    pytest.param(198, 1, 200_000, id="198 pages reach the cap exactly: 4,000 + 196 x 1,000"),
    pytest.param(199, 1, 200_000, id="199 pages would be 201,000: capped"),
    pytest.param(500, 1, 200_000, id="500 pages would be 502,000: capped"),
    pytest.param(500, 2, 400_000, id="the cap applies per copy: 200,000 x 2"),
])
def test_a_certified_copy_costs_per_page_capped_per_copy(certified_copy_rule, pages, copies,
                                                         expected):
    fee = fee_vnd(certified_copy_rule, {"pages": pages, "copies": copies})

    assert fee == expected


def test_a_province_set_fee_is_the_provincial_amount_whatever_the_intake():
    rule = _fee_rule("business_household")

    fees = {fee_vnd(rule, {}), fee_vnd(rule, {"pages": 40, "copies": 5})}

    assert fees == {100_000}


@pytest.mark.parametrize("folder", ["birth_registration", "ending_substitute_care"])
def test_a_free_procedure_costs_nothing(folder):
    rule = _fee_rule(folder)

    fee = fee_vnd(rule, {"pages": 10, "copies": 2})

    assert rule["kind"] == "free"
    assert fee == 0


@pytest.mark.parametrize(("folder", "expected"), [
    ("birth_registration", 0),
    ("business_household", 100_000),
    ("certified_copy", None),
])
def test_the_catalogue_shows_one_amount_only_for_fees_every_dossier_pays(folder, expected):
    assert fixed_fee_vnd(_fee_rule(folder)) == expected
