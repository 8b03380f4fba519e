"""Pages of a long list for the server-rendered pages (the catalogue's 400-odd procedures)."""

from dataclasses import dataclass

CATALOGUE_PAGE_SIZE = 50


@dataclass(frozen=True)
class PageView:
    """One page of a list: its items, its number, how many pages and items there are."""

    items: list
    number: int
    pages: int
    total: int


def page_of(items: list, requested: str | None, *, size: int = CATALOGUE_PAGE_SIZE) -> PageView:
    """Return page `requested` (a query-string value; the last page if past it, else 1)."""
    pages = max(1, -(-len(items) // size))
    try:
        number = min(max(int(requested or 1), 1), pages)
    except ValueError:
        number = 1
    start = (number - 1) * size
    return PageView(items=items[start:start + size], number=number, pages=pages,
                    total=len(items))
