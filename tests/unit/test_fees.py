import json
from datetime import date

import pytest

from engine.errors import InvalidInput
from engine.fee_rules import fee_rule_problems
from engine.fees import assess_fee, fixed_fee_vnd
from engine.procedures import WORKFLOWS_DIR

DAY = date(2026, 12, 7)


def _fee_rule(folder: str) -> dict:
    meta = json.loads((WORKFLOWS_DIR / folder / "procedure.json").read_text(encoding="utf-8"))
    return meta["fee"]


def _assess(folder: str, intake: dict, received_on: date = DAY):
    return assess_fee(_fee_rule(folder), intake, received_on=received_on)


FOLDERS = sorted(path.parent.name for path in WORKFLOWS_DIR.glob("*/procedure.json"))


@pytest.mark.parametrize("folder", FOLDERS)
def test_every_shipped_rule_has_the_checked_shape(folder):
    assert list(fee_rule_problems(_fee_rule(folder))) == []


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
def test_a_certified_copy_costs_per_page_capped_per_copy(pages, copies, expected):
    fee = _assess("certified_copy", {"pages": pages, "copies": copies})

    assert fee.amount_vnd == expected
    assert sum(line["subtotal_vnd"] for line in fee.basis["lines"]) == expected


def test_the_lines_say_each_tier_and_the_cap():
    fee = _assess("certified_copy", {"pages": 250, "copies": 2})

    assert [(line["quantity"], line["unit_vnd"], line["subtotal_vnd"])
            for line in fee.basis["lines"]] == [
        (4, 2_000, 8_000),  # pages 1-2 of both copies
        (496, 1_000, 496_000),  # pages 3-250 of both copies
        (2, -52_000, -104_000),  # 252,000 a copy, capped at 200,000
    ]
    assert fee.basis["lines"][0]["label_vi"].endswith("trang 1–2, 2 bản")
    assert fee.basis["legal_basis_vi"].startswith("Thông tư 226/2016/TT-BTC")
    assert (fee.basis["collect_at"], fee.basis["exemption"]) == ("receipt", None)


def test_a_flat_fee_is_the_provincial_amount_whatever_the_intake():
    fees = {_assess("business_household", intake).amount_vnd
            for intake in ({}, {"pages": 40, "copies": 5})}

    assert fees == {100_000}


# Luật Hộ tịch art. 16: within 60 days of birth, free. Days counted from the day after the
# birth (Civil Code art. 147); weekends and holidays count.
@pytest.mark.parametrize(("born", "registered", "expected"), [
    pytest.param("2026-12-07", DAY, 0, id="the day of birth: day 0"),
    pytest.param("2026-02-01", date(2026, 4, 2), 0, id="born 1 Feb, 2 Apr is day 60: free"),
    pytest.param("2026-02-01", date(2026, 4, 3), 8_000, id="born 1 Feb, 3 Apr is day 61: late"),
    pytest.param("2026-10-08", DAY, 0, id="born 8 Oct, 7 Dec is day 60: free"),
    pytest.param("2026-10-07", DAY, 8_000, id="born 7 Oct, 7 Dec is day 61: late"),
    pytest.param("2026-02-14", DAY, 8_000, id="born in February, registered in December"),
    pytest.param("2023-12-31", date(2024, 2, 29), 0, id="over a leap day: day 60"),
])
def test_birth_registration_is_free_for_60_days_then_pays_the_late_fee(born, registered,
                                                                       expected):
    fee = _assess("birth_registration", {"child_date_of_birth": born}, registered)

    assert fee.amount_vnd == expected
    assert [line["subtotal_vnd"] for line in fee.basis["lines"]] == [expected]


def test_the_late_line_says_which_day_it_was():
    fee = _assess("birth_registration", {"child_date_of_birth": "2026-10-07"})

    assert fee.basis["lines"][0]["label_vi"] == (
        "Lệ phí đăng ký khai sinh quá hạn (ngày thứ 61, quá hạn 60 ngày)")


def test_a_birth_date_after_the_receipt_is_refused():
    with pytest.raises(InvalidInput) as refused:
        _assess("birth_registration", {"child_date_of_birth": "2026-12-08"})

    assert refused.value.details["reason"] == "fee_date_after_receipt"


def test_an_exempted_applicant_pays_nothing_and_the_reason_is_kept():
    fee = _assess("first_land_registration", {"fee_exemption": "poor_household"})

    assert fee.amount_vnd == 0
    assert fee.basis["exemption"] == {"code": "poor_household", "reason_vi": "Hộ nghèo"}
    assert [(line["label_vi"], line["subtotal_vnd"]) for line in fee.basis["lines"]] == [
        ("Lệ phí cấp Giấy chứng nhận quyền sử dụng đất", 100_000), ("Miễn: Hộ nghèo", -100_000)]
    assert fee.basis["collect_at"] == "return"


def test_an_exemption_the_rule_does_not_list_is_refused():
    with pytest.raises(InvalidInput) as refused:
        _assess("first_land_registration", {"fee_exemption": "veteran"})

    assert refused.value.details["reason"] == "unknown_fee_exemption"
    assert refused.value.details["allowed"] == "poor_household"


@pytest.mark.parametrize("folder", ["ending_substitute_care"])
def test_a_free_procedure_costs_nothing(folder):
    fee = _assess(folder, {"pages": 10, "copies": 2})

    assert (fee.amount_vnd, fee.basis["lines"]) == (0, [])


@pytest.mark.parametrize(("folder", "expected"), [
    ("ending_substitute_care", 0),
    ("business_household", 100_000),
    ("certified_copy", None),
    ("birth_registration", None),
])
def test_the_catalogue_shows_one_amount_only_for_fees_every_dossier_pays(folder, expected):
    assert fixed_fee_vnd(_fee_rule(folder)) == expected


@pytest.mark.parametrize(("rule", "says"), [
    pytest.param({"kind": "province_set", "amount_vnd": 1},
                 "fee.kind: 'province_set' is not one of", id="an old kind"),
    pytest.param({"kind": "per_page", "first_pages": 2, "first_page_vnd": 2000, "label_vi": "x",
                  "tiers": [{"from_page": 1, "unit_vnd": 1}]},
                 "fee: Additional properties are not allowed ('first_page_vnd', 'first_pages'",
                 id="old per-page keys"),
    pytest.param({"kind": "flat", "label_vi": "x"}, "fee: 'amount_vnd' is a required property",
                 id="a flat fee without its amount"),
    pytest.param({"kind": "flat", "label_vi": "x", "amount_vnd": -1},
                 "fee.amount_vnd: -1 is less than the minimum of 0", id="a negative amount"),
    pytest.param({"kind": "free", "collect_at": "never"}, "fee.collect_at: 'never' is not one of",
                 id="an unknown collection moment"),
    pytest.param({"kind": "per_page", "label_vi": "x", "tiers": [{"from_page": 3, "unit_vnd": 1}]},
                 "fee.tiers: the tiers start at pages [3]; the first must start at page 1",
                 id="tiers not starting at page 1"),
    pytest.param({"kind": "free", "exemptions": {"field": "f", "allowed": {}}},
                 "fee.exemptions.allowed: {} should be non-empty", id="no allowed exemption"),
])
def test_a_malformed_rule_is_told_what_to_fix(rule, says):
    problems = list(fee_rule_problems(rule))

    assert any(problem.startswith(says) for problem in problems), problems
