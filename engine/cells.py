"""Spreadsheet cells that a spreadsheet cannot run: text that looks like a formula is made inert."""

# A cell starting with one of these is read as a formula by Excel, LibreOffice or Sheets
# (OWASP "CSV injection"): `=HYPERLINK(...)` in a step or person name would become a live link.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def inert(value):
    """Return text that starts like a formula behind a quote; other values are returned as is.

    Only text is touched: a negative number stays a number.
    """
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value
