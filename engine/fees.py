"""Fees owed at receipt, from a procedure's fee rule."""

FEE_KINDS = ("free", "per_page", "province_set")


def fee_vnd(rule: dict, intake: dict) -> int:
    """Return the fee in VND for a dossier with this intake data."""
    kind = rule.get("kind")
    if kind == "per_page":
        return _per_page(rule, pages=int(intake.get("pages", 1)),
                         copies=int(intake.get("copies", 1)))
    if kind == "province_set":
        return int(rule.get("amount_vnd") or 0)
    return 0


def _per_page(rule: dict, *, pages: int, copies: int) -> int:
    """Certified copies: a price for the first pages, a lower one after, capped per copy."""
    first = min(pages, rule["first_pages"])
    per_copy = first * rule["first_page_vnd"] + (pages - first) * rule["next_page_vnd"]
    return min(per_copy, rule["max_per_copy_vnd"]) * copies


def fixed_fee_vnd(rule: dict) -> int | None:
    """Return the fee every dossier pays under this rule, or None when it depends on the intake."""
    return None if rule.get("kind") == "per_page" else fee_vnd(rule, {})
