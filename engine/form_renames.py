"""A changed form gets a new key: a published form is never changed, dossiers may be using it.

When a draft brings a schema under a key already published with other content, the schema is
stored under the next free key (`certified_copy/certify` → `certified_copy/certify_2`), and
the draft's steps and intake that named the old key are pointed at the new one.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass, field

NUMBERED = re.compile(r"^(?P<base>.+)_(?P<number>[0-9]+)$")
# A step's form property as any modeler writes it: either attribute order, either quotes.
PROPERTY_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?property\b[^>]*>")
FORM_NAME = re.compile(rb"""\bname\s*=\s*(["'])form\1""")


@dataclass(frozen=True)
class RenamedForms:
    """The draft's model, metadata and forms after renaming, and each key renamed (old → new)."""

    bpmn_xml: bytes
    meta: dict
    forms: dict
    renamed: dict[str, str] = field(default_factory=dict)


def rename_changed_forms(xml: bytes, *, meta: dict, forms: dict,
                         published: Callable[[str], dict | None],
                         key_allowed: Callable[[str], bool]) -> RenamedForms:
    """Move every form whose key is published with other content to the next free key.

    `published(key)` returns the schema published under a key, or None; `key_allowed` says
    whether a key is well-formed (a malformed one is left for the form checks to report).
    """
    renamed = {}
    new_forms = {}
    for key, schema in forms.items():
        current = published(key) if key_allowed(key) else None
        if current is None or current == schema:
            new_forms[key] = schema
            continue
        new_key = _next_free(key, taken=lambda k: k in forms or k in new_forms
                             or published(k) is not None)
        if not key_allowed(new_key):
            new_forms[key] = schema  # too long to number: the form checks say to rename it
            continue
        renamed[key] = new_key
        new_forms[new_key] = schema
    if not renamed:
        return RenamedForms(xml, meta, forms)
    new_meta = dict(meta)
    if meta.get("intake_form") in renamed:
        new_meta["intake_form"] = renamed[meta["intake_form"]]
    return RenamedForms(_point_steps(xml, renamed), new_meta, new_forms, renamed)


def _next_free(key: str, *, taken: Callable[[str], bool]) -> str:
    numbered = NUMBERED.match(key)
    base, number = (numbered["base"], int(numbered["number"])) if numbered else (key, 1)
    while True:
        number += 1
        candidate = f"{base}_{number}"
        if not taken(candidate):
            return candidate


def _point_steps(xml: bytes, renamed: dict[str, str]) -> bytes:
    """Rewrite the `form` properties naming a renamed key, leaving every other byte as it was."""
    def rewrite(tag: re.Match) -> bytes:
        text = tag[0]
        if not FORM_NAME.search(text):
            return text
        for old, new in renamed.items():
            text = re.sub(rb"""(\bvalue\s*=\s*)(["'])""" + re.escape(old.encode()) + rb"\2",
                          lambda m, new=new: m[1] + m[2] + new.encode() + m[2], text)
        return text

    return PROPERTY_TAG.sub(rewrite, xml)
