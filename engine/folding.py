"""Fold Vietnamese text for search: "Đăng ký Khai sinh" and "dang ky khai sinh" match."""

import functools
import re
import unicodedata

# Unicode gives đ/Đ no decomposition: the stroke is part of the letter, so strip it by hand.
_STROKED = str.maketrans({"đ": "d", "Đ": "d"})
_NOT_IDENTIFIER = re.compile(r"[^a-z0-9]+")


def fold(text: str) -> str:
    """Return `text` lower-cased, without diacritics, its spaces collapsed to one."""
    decomposed = unicodedata.normalize("NFD", text.translate(_STROKED))
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(bare.casefold().split())


def matches(query: str, *texts: str) -> bool:
    """Tell whether every word of `query` occurs, folded, in one of `texts` taken together."""
    haystack = _fold_remembered(" ".join(texts))
    return all(word in haystack for word in fold(query).split())


# A search folds the same few hundred catalogue names on every request: remember them. Only
# `matches` uses it: personal data (applicants' names) goes through `fold`, never kept.
_fold_remembered = functools.lru_cache(maxsize=8192)(fold)


def identifier(text: str) -> str:
    """Return `text` folded, its runs of other characters as one '_': a file or form name.

    `Đăng ký khai sinh` → `dang_ky_khai_sinh`; empty when nothing of it is a letter or digit.
    """
    return _NOT_IDENTIFIER.sub("_", fold(text)).strip("_")
