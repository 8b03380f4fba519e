"""Drop finished loop iterations from a running workflow, so its cost stops growing with them.

SpiffWorkflow keeps every task it ever ran: a dossier sent back for supplement 200 times
carries 800 completed tasks, and every step walks, serializes and stores them all. What the
workflow can still do depends only on its unfinished tasks and their data; the history of
finished steps is kept by the dossier's steps, status history and audit trail.

Only tasks on the single path from the root are removed, and only when all of this holds:
each is COMPLETED and has exactly one child (no branch, join, boundary event or
multi-instance is ever cut through); the root and the last KEEP_TASKS tasks of the path stay;
the workflow's last task and any task owning a subprocess stay; and a later task of the same
spec stays completed on the path, so the workflow still shows every step it completed (the
end status and engine.migration's refusal to change completed parts read them). Every task
after the cut keeps its data: in memory each task holds all of it, and the serializer
stores the next kept task's changes against its new parent.
"""

from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState

# Completed tasks kept at the end of the path: a few loop iterations, and more than any
# ordinary dossier ever runs, whose state is therefore never changed.
KEEP_TASKS = 32


def compact(workflow: BpmnWorkflow) -> int:
    """Remove the completed tasks the workflow no longer needs; return how many went."""
    path = [workflow.task_tree]
    task = workflow.task_tree
    while task.state == TaskState.COMPLETED and len(task._children) == 1:
        task = workflow.tasks[task._children[0]]
        path.append(task)
    # path[-1] is the first task that is unfinished or branches: it and all below it stay.
    finished = path[:-1]
    if len(finished) <= KEEP_TASKS + 1:
        return 0
    kept_specs = {t.task_spec.name for t in finished[-KEEP_TASKS:]}
    removed = set()
    # Newest first, so a spec is removable only while a later instance of it is kept.
    for task in reversed(finished[1:-KEEP_TASKS]):
        spec = task.task_spec.name
        if (spec in kept_specs and task is not workflow.last_task
                and task.id not in workflow.subprocesses):
            removed.add(task.id)
        else:
            kept_specs.add(spec)
    if not removed:
        return 0
    kept = [t for t in path if t.id not in removed]
    for parent, child in zip(kept, kept[1:], strict=False):
        parent._children = [child.id]
        child._parent = parent.id
    for task_id in removed:
        del workflow.tasks[task_id]
    return len(removed)
