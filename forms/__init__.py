"""JSON Schema forms of the procedures' steps, and their server-side validation."""

from forms.catalog import FormCatalog, UnknownForm

__all__ = ["FormCatalog", "UnknownForm"]
