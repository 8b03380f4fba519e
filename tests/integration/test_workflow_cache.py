"""Restored workflows kept between steps act exactly as fresh restores, and are never shared."""

import json
import threading
from datetime import datetime, timedelta
from pathlib import Path

from api import create_app
from api.extensions import db
from engine.calendar import VIETNAM, WorkingCalendar
from engine.dossiers import receive_dossier
from engine.models import Dossier, User
from engine.procedures import WORKFLOWS_DIR, load_departments, load_procedure, load_procedures
from engine.projection import open_tasks
from engine.runtime import ProcessRuntime
from engine.script_engine import create_script_engine
from engine.statuses import Channel, DossierStatus
from engine.tasks import claim_task, complete_task
from engine.timing import TIMER_HELPERS, EngineClock, engine_clock
from forms import FormCatalog
from tests.conftest import NOW, SECRET_KEY
from tests.e2e.helpers import APPLICANT
from tests.scenarios import PROCEDURE_CODES, SCENARIOS, WORKER

DEFINITIONS = {d.folder: d for d in load_procedures(forms=FormCatalog())[1]}
HOUSEHOLD = DEFINITIONS["business_household"].model
SUPPLEMENT = SCENARIOS["business_household"]["supplement"]
FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
CALENDAR = WorkingCalendar.from_config(
    json.loads((WORKFLOWS_DIR / "calendar.json").read_text(encoding="utf-8")))


def new_runtime(*, cache_bytes: int = 32 * 2**20) -> ProcessRuntime:
    return ProcessRuntime(script_engine=create_script_engine(helpers=TIMER_HELPERS),
                          cache_bytes=cache_bytes)


def open_step_id(runtime: ProcessRuntime, workflow, step: str) -> str:
    (found,) = [s.workflow_task_id for s in runtime.progress(HOUSEHOLD, workflow).open_steps
                if s.step.bpmn_id == step]
    return found


def started(runtime: ProcessRuntime) -> str:
    """Return the committed state of a new business-household dossier."""
    return runtime.dump(runtime.start(HOUSEHOLD, dict(SCENARIOS["business_household"]["intake"])))


def step(runtime: ProcessRuntime, state: str, name: str, data: dict) -> tuple[object, str]:
    """Restore, complete one step and dump, as a use case does; return the workflow and state."""
    workflow = runtime.restore(HOUSEHOLD, state)
    runtime.complete_step(workflow, open_step_id(runtime, workflow, name), data)
    return workflow, runtime.dump(workflow)


def shape(state: str) -> dict:
    """Return the stored state without what differs between any two runs: ids and times."""
    stored = json.loads(state)
    tasks = stored["tasks"]

    def tree(task_id):
        task = tasks[task_id]
        return {"spec": task["task_spec"], "state": task["state"], "data": task["data"],
                "internal_data": task["internal_data"],
                "children": [tree(child) for child in task["children"]]}

    return {"data": stored["data"], "tree": tree(stored["root"]),
            "completed": stored["completed"], "success": stored["success"]}


def test_a_cached_workflow_gives_the_same_states_as_fresh_restores():
    cached, fresh = new_runtime(), new_runtime(cache_bytes=0)
    state = started(cached)

    states = []
    for name, data in SUPPLEMENT:
        expected = step(fresh, state, name, data)[1]
        state = step(cached, state, name, data)[1]
        states.append((state, expected))

    assert cached.cache.hits == len(SUPPLEMENT)
    assert fresh.cache.hits == 0
    assert [shape(got) for got, _ in states] == [shape(expected) for _, expected in states]
    final = cached.progress(HOUSEHOLD, cached.restore(HOUSEHOLD, state))
    assert final.finished and final.status == DossierStatus.RESULT_RETURNED


def test_a_state_another_process_committed_is_restored_afresh():
    this_process, other_process = new_runtime(), new_runtime()
    (name, data), (next_name, next_data), (third_name, third_data) = SUPPLEMENT[:3]
    kept_workflow, state = step(this_process, started(this_process), name, data)

    newer = step(other_process, state, next_name, next_data)[1]
    restored = this_process.restore(HOUSEHOLD, newer)

    assert restored is not kept_workflow
    assert len(this_process.cache) == 1  # the stale entry stays unused until evicted
    assert [s.step.bpmn_id for s in this_process.progress(HOUSEHOLD, restored).open_steps] == [
        third_name]
    this_process.complete_step(restored, open_step_id(this_process, restored, third_name),
                               third_data)


def test_two_threads_restoring_one_state_never_share_a_workflow():
    runtime = new_runtime()
    state = started(runtime)
    barrier = threading.Barrier(2)
    restored = [None, None]

    def restore(index):
        barrier.wait()
        restored[index] = runtime.restore(HOUSEHOLD, state)

    threads = [threading.Thread(target=restore, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert restored[0] is not None and restored[1] is not None
    assert restored[0] is not restored[1]
    assert runtime.cache.hits == 1 and runtime.cache.misses == 1
    assert runtime.restore(HOUSEHOLD, state) not in restored  # checked out, not left behind


def test_a_workflow_whose_step_failed_is_not_served_again():
    runtime = new_runtime()
    state = started(runtime)
    workflow = runtime.restore(HOUSEHOLD, state)
    workflow.data["half_done"] = True  # changed in memory, then the use case gave up

    again = runtime.restore(HOUSEHOLD, state)

    assert again is not workflow
    assert "half_done" not in again.data


def test_the_cache_holds_no_more_than_its_budget_and_keeps_the_latest():
    one_state = len(started(new_runtime()))
    runtime = new_runtime(cache_bytes=int(3.5 * one_state))  # states differ by a few bytes

    states = [started(runtime) for _ in range(10)]

    assert len(runtime.cache) == 3
    assert runtime.cache.bytes_held <= 3.5 * one_state
    runtime.restore(HOUSEHOLD, states[0])
    runtime.restore(HOUSEHOLD, states[-1])
    assert (runtime.cache.hits, runtime.cache.misses) == (1, 1)


def test_a_state_larger_than_the_budget_is_not_kept():
    runtime = new_runtime(cache_bytes=100)

    runtime.restore(HOUSEHOLD, started(runtime))

    assert len(runtime.cache) == 0 and runtime.cache.hits == 0


def test_a_cached_workflow_is_given_the_runtimes_script_engine_again():
    runtime = new_runtime()
    state = started(runtime)
    runtime.cache._entries[next(iter(runtime.cache._entries))].workflow.script_engine = None

    restored = runtime.restore(HOUSEHOLD, state)

    assert runtime.cache.hits == 1
    assert restored.script_engine is runtime.script_engine


def test_a_cached_workflow_times_its_timers_by_the_clock_of_the_step_that_runs_it():
    model = load_procedure(FIXTURES / "timer_step", forms=FormCatalog(),
                           department_codes={d["code"] for d in load_departments()}).model
    runtime = new_runtime()
    monday = datetime(2026, 3, 2, 9, 0, tzinfo=VIETNAM)
    tuesday = monday + timedelta(days=1)
    with engine_clock(EngineClock(monday, CALENDAR, None)):
        state = runtime.dump(runtime.start(model, {}))

    with engine_clock(EngineClock(tuesday, CALENDAR, None)):
        workflow = runtime.restore(model, state)
        (prepare,) = runtime.progress(model, workflow).open_steps
        runtime.complete_step(workflow, prepare.workflow_task_id, {})

    assert runtime.cache.hits == 1
    assert runtime.progress(model, workflow).timer_due_at == CALENDAR.add_working_hours(
        tuesday, 4)


def test_a_workflow_moved_to_another_model_is_not_kept_for_its_old_one():
    runtime = new_runtime()
    other = DEFINITIONS["ending_substitute_care"].model
    workflow = runtime.restore(HOUSEHOLD, started(runtime))
    workflow.spec = other.spec  # what engine.migration's migrate_workflow does

    runtime.dump(workflow)

    assert len(runtime.cache) == 0


def test_steps_alternating_between_two_server_processes_follow_the_committed_state(
        session, app, staff, database):
    other_app = create_app({"SQLALCHEMY_DATABASE_URI": database, "TESTING": True,
                            "MOTCUA_SECRET_KEY": SECRET_KEY})
    processes = [app, other_app]
    reception = session.get(User, staff["reception"].id)
    dossier, _ = receive_dossier(session, app.extensions["motcua"],
                                 procedure_code=PROCEDURE_CODES["business_household"],
                                 applicant=APPLICANT, channel=Channel.COUNTER,
                                 intake=SCENARIOS["business_household"]["intake"],
                                 user=reception, now=NOW)
    dossier_id = dossier.id

    # This process, the other, this one again (its kept workflow is two steps old), ...
    for n, (name, data) in enumerate(SUPPLEMENT):
        process = processes[n % 2]
        with process.app_context():
            own = db.session
            (task,) = [t for t in open_tasks(own, own.get(Dossier, dossier_id)) if t.step == name]
            worker = own.get(User, staff[WORKER[(task.department_code, task.required_role)]].id)
            claim_task(own, process.extensions["motcua"], task_id=task.id, user=worker, now=NOW)
            complete_task(own, process.extensions["motcua"], task_id=task.id, data=data,
                          user=worker, now=NOW)

    session.expire_all()
    finished = session.get(Dossier, dossier_id)
    assert finished.status == DossierStatus.RESULT_RETURNED and finished.finished_at is not None
    assert app.extensions["motcua"].runtime.cache.hits >= 1
    with other_app.app_context():
        db.engine.dispose()
