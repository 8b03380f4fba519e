"""The engine: use cases over the database and the workflow runtime, free of Flask."""

# Registers the session hooks that signal account and calendar changes to every process.
from engine import change_signals  # noqa: F401
