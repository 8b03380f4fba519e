"""The fee a dossier owes under its procedure's fee rule, and how it was computed.

The rule (engine.fee_rules gives its shape) comes from the dossier's pinned version. The
assessment is kept on the dossier: `fee_vnd` the amount, `fee_basis` the computation, whose
lines always add up to the amount (a cap or an exemption is a line of its own, negative).
"""

from dataclasses import dataclass
from datetime import date

from engine.errors import InvalidInput


@dataclass(frozen=True)
class FeeAssessment:
    """The amount owed and the computation shown on the receipt and the dossier's page."""

    amount_vnd: int
    basis: dict


def assess_fee(rule: dict, intake: dict, *, received_on: date) -> FeeAssessment:
    """Return the fee for a dossier with this intake data received on this (local) day.

    Raises InvalidInput when the intake names an exemption the rule does not allow, or a
    date that counts from after the receipt.
    """
    lines = _LINES[rule["kind"]](rule, intake, received_on)
    exemption = _exemption(rule, intake)
    owed = sum(line["subtotal_vnd"] for line in lines)
    if exemption is not None and owed:
        lines.append(_line(f"Miễn: {exemption['reason_vi']}", 1, -owed))
    amount = sum(line["subtotal_vnd"] for line in lines)
    return FeeAssessment(amount, {
        "kind": rule["kind"], "amount_vnd": amount,
        "collect_at": rule.get("collect_at", "receipt"), "lines": lines,
        "exemption": exemption, "legal_basis_vi": rule.get("legal_basis_vi", "")})


def fixed_fee_vnd(rule: dict) -> int | None:
    """Return the fee every dossier pays under this rule, or None when it depends on the intake."""
    return {"free": 0, "flat": rule.get("amount_vnd")}.get(rule["kind"])


def _line(label_vi: str, quantity: int, unit_vnd: int) -> dict:
    return {"label_vi": label_vi, "quantity": quantity, "unit_vnd": unit_vnd,
            "subtotal_vnd": quantity * unit_vnd}


def _free(rule: dict, intake: dict, received_on: date) -> list[dict]:
    return []


def _flat(rule: dict, intake: dict, received_on: date) -> list[dict]:
    return [_line(rule["label_vi"], 1, rule["amount_vnd"])]


def _per_page(rule: dict, intake: dict, received_on: date) -> list[dict]:
    """Each tier prices its pages of every copy; a cap per copy takes off what is over it."""
    pages, copies = int(intake.get("pages", 1)), int(intake.get("copies", 1))
    tiers = rule["tiers"]
    lines, per_copy = [], 0
    for tier, following in zip(tiers, [*tiers[1:], None], strict=True):
        last = pages if following is None else min(pages, following["from_page"] - 1)
        count = last - tier["from_page"] + 1
        if count <= 0:
            continue
        span = f"trang {tier['from_page']}" + (f"–{last}" if last > tier["from_page"] else "")
        lines.append(_line(f"{rule['label_vi']}: {span}, {copies} bản", count * copies,
                           tier["unit_vnd"]))
        per_copy += count * tier["unit_vnd"]
    cap = rule.get("max_per_copy_vnd")
    if cap is not None and per_copy > cap:
        lines.append(_line("Phần vượt mức tối đa mỗi bản", copies, cap - per_copy))
    return lines


def _free_within_days(rule: dict, intake: dict, received_on: date) -> list[dict]:
    """Free up to `free_days` calendar days after the date in `date_field`, the fee after.

    Days are counted as the law counts a period of days (Civil Code art. 147): from the day
    after the event, so a child born on 1 February is registered on its 60th day on 2 April
    (free) and on its 61st on 3 April (late). Weekends and holidays count like other days.
    """
    field = rule["date_field"]
    day = received_on.toordinal() - date.fromisoformat(intake[field]).toordinal()
    if day < 0:
        raise InvalidInput(f"{field} {intake[field]} is after the day of receipt {received_on}",
                           field=field, reason="fee_date_after_receipt",
                           day=intake[field], received_on=received_on.isoformat())
    free_days = rule["free_days"]
    if day <= free_days:
        return [_line(f"Trong hạn {free_days} ngày (ngày thứ {day}): miễn", 1, 0)]
    return [_line(f"{rule['label_vi']} (ngày thứ {day}, quá hạn {free_days} ngày)", 1,
                  rule["amount_vnd"])]


def _exemption(rule: dict, intake: dict) -> dict | None:
    exemptions = rule.get("exemptions")
    code = intake.get(exemptions["field"]) if exemptions else None
    if not code:
        return None
    allowed = exemptions["allowed"]
    if code not in allowed:
        raise InvalidInput(f"exemption '{code}' is not one this procedure allows: "
                           f"{sorted(allowed)}", field=exemptions["field"],
                           reason="unknown_fee_exemption", exemption=code,
                           allowed=", ".join(sorted(allowed)))
    return {"code": code, "reason_vi": allowed[code]}


_LINES = {"free": _free, "flat": _flat, "per_page": _per_page,
          "free_within_days": _free_within_days}
