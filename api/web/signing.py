"""The leaders' signing queue: what the departments handed up, most urgent first."""

from flask import render_template, request

from api.clock import now
from api.extensions import db
from api.views import task_view
from api.web import blp, sessions
from api.web.inbox import INBOX_SIZE, procedure_names
from engine.access import check_can_sign
from engine.handoffs import get_givers
from engine.statuses import Role
from engine.tasks import TaskFilter, get_all_tasks


@blp.get("/ky-duyet")
def signing_queue():
    """Show the steps waiting for a leader's signature, with who handed each one up."""
    user = sessions.signed_in_user()
    check_can_sign(user)
    tasks = get_all_tasks(db.session, user=user, where=TaskFilter(required_role=Role.LEADER),
                          page=1, page_size=INBOX_SIZE)
    moment = now()
    names = procedure_names({task.dossier_id for task in tasks})
    givers = get_givers(db.session, tasks)
    rows = [task_view(task, moment, procedure_name=names[task.dossier_id],
                      giver=givers[task.id]) for task in tasks]
    return render_template("web/signing.html", rows=rows, done=request.args.get("xong"))
