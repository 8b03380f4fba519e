"""Folder names of procedures: the accent-folded Vietnamese name, unique among procedures.

A procedure's folder names it in `motcua workflows export` and on disk; catalogue entries and
new procedures get one from their name (`Đăng ký khai sinh` → `dang_ky_khai_sinh`), with
`_2`, `_3`… after a name already taken.
"""

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.folding import identifier
from engine.models import Procedure

FOLDER_MAX = 100  # procedures.folder
SLUG_MAX = 80  # room left for a suffix
FALLBACK = "thu_tuc"


def folder_slug(name_vi: str) -> str:
    """Return the name lower-cased, without accents, its other characters as single '_'."""
    slug = identifier(name_vi)[:SLUG_MAX].strip("_")
    return slug or FALLBACK


def unique_folder(name_vi: str, taken: set[str]) -> str:
    """Return a folder name for `name_vi` that is not in `taken`, and add it there."""
    base = folder_slug(name_vi)
    folder, number = base, 1
    while folder in taken:
        number += 1
        folder = f"{base}_{number}"
    taken.add(folder)
    return folder


def taken_folders(session: Session) -> set[str]:
    """Return the folder names procedures already have."""
    return set(session.scalars(select(Procedure.folder)))
