"""A request's session keeps what it committed: the answer is built without reading it back.

A request ends soon after its use case commits, and the answer describes what that use
case just wrote, so expiring every object at COMMIT only cost a SELECT per write (the
step, the dossier) to read the same values again. Times stay right because the models
keep them in UTC in memory as in the database (engine.models). Sessions outside requests
(the worker, the simulator, scripts) keep the default: they live long and must see what
other processes wrote after each commit.
"""

from api.extensions import db


def _keep_committed_values() -> None:
    db.session().expire_on_commit = False


def init_app(app) -> None:
    """Give every request's session expire_on_commit=False."""
    app.before_request(_keep_committed_values)
