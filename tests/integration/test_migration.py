"""Running dossiers move to a new model version when nothing they already did changes."""

from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from pathlib import Path
from threading import Barrier

import pytest
import time_machine
from lxml import etree
from SpiffWorkflow.util.task import TaskState as SpiffTaskState
from sqlalchemy import delete, func, select

from api.extensions import db
from engine import audit
from engine.calendar import VIETNAM
from engine.dossiers import receive_dossier
from engine.errors import InvalidInput, NotPermitted
from engine.migration import migrate_dossiers, plan_migration
from engine.models import (
    AuditEvent,
    Dossier,
    HumanTask,
    Procedure,
    ProcedureVersion,
    User,
    WorkflowSpec,
)
from engine.procedures import (
    load_departments,
    load_procedure,
    publish_procedures,
    publish_version,
    store_model,
)
from engine.specs import NSMAP, parse_model
from engine.statuses import Channel
from engine.tasks import claim_task, complete_task
from engine.versions import VersionNotFound
from tests.conftest import DATA_TABLES, NOW, sealed_chain, snapshot
from tests.e2e.helpers import APPLICANT
from tests.scenarios import PROCEDURE_CODES, SCENARIOS, WORKER

HOUSEHOLD = PROCEDURE_CODES["business_household"]
INTAKE = SCENARIOS["business_household"]["intake"]
REVIEW_OK, HEAD_OK, RETURN_OK = (data for _, data in SCENARIOS["business_household"]["happy"])
LATER = NOW + timedelta(hours=2)
FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
BPMN = f"{{{NSMAP['bpmn']}}}"
SPIFF = f"{{{NSMAP['spiffworkflow']}}}"


# ---- building new versions out of the real model -------------------------------------------

def with_step_after_head_approval(xml: str) -> str:
    """Insert `publish_notice` (ECONOMIC) between head_approval and return_result."""
    root = etree.fromstring(xml.encode("utf-8"))
    process = root.find(f"{BPMN}process")
    head = process.find(f"{BPMN}userTask[@id='head_approval']")
    step = etree.fromstring(
        f'<bpmn:userTask xmlns:bpmn="{NSMAP["bpmn"]}"'
        f' xmlns:spiffworkflow="{NSMAP["spiffworkflow"]}" id="publish_notice"'
        ' name="Niêm yết công khai thông tin hộ kinh doanh">'
        "<bpmn:extensionElements><spiffworkflow:properties>"
        '<spiffworkflow:property name="form" value="business_household/head_approval" />'
        '<spiffworkflow:property name="budget_hours" value="4" />'
        "</spiffworkflow:properties></bpmn:extensionElements>"
        "<bpmn:incoming>Flow_approved</bpmn:incoming>"
        "<bpmn:outgoing>Flow_published</bpmn:outgoing></bpmn:userTask>")
    head.addnext(step)
    process.find(f".//{BPMN}lane[@name='ECONOMIC']").append(
        _element("flowNodeRef", "publish_notice"))
    process.find(f"{BPMN}sequenceFlow[@id='Flow_approved']").set("targetRef", "publish_notice")
    ret = process.find(f"{BPMN}userTask[@id='return_result']")
    ret.find(f"{BPMN}incoming").text = "Flow_published"
    etree.SubElement(process, f"{BPMN}sequenceFlow", id="Flow_published",
                     sourceRef="publish_notice", targetRef="return_result")
    return _text(root)


def without_review(xml: str) -> str:
    """Remove `review`: received dossiers go straight to the decision gateway."""
    root = etree.fromstring(xml.encode("utf-8"))
    process = root.find(f"{BPMN}process")
    _remove(process.find(f"{BPMN}userTask[@id='review']"))
    _remove(process.find(f".//{BPMN}flowNodeRef[.='review']"))
    _remove(process.find(f"{BPMN}sequenceFlow[@id='Flow_review_done']"))
    process.find(f"{BPMN}sequenceFlow[@id='Flow_to_review']").set("targetRef", "gw_review")
    process.find(f"{BPMN}exclusiveGateway[@id='gw_review']/{BPMN}incoming").text = (
        "Flow_to_review")
    for di in root.iterfind(".//*[@bpmnElement]"):
        if di.get("bpmnElement") in ("review", "Flow_review_done"):
            _remove(di)
    return _text(root)


def with_review_budget(xml: str, hours: int) -> str:
    """Give `review` another budget: a change to a step a dossier may already have done."""
    root = etree.fromstring(xml.encode("utf-8"))
    review = root.find(f".//{BPMN}userTask[@id='review']")
    review.find(f".//{SPIFF}property[@name='budget_hours']").set("value", str(hours))
    return _text(root)


def _element(tag: str, text: str):
    element = etree.Element(f"{BPMN}{tag}")
    element.text = text
    return element


def _remove(element) -> None:
    element.getparent().remove(element)


def _text(root) -> str:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8").decode("utf-8")


# ---- fixtures --------------------------------------------------------------------------------

@pytest.fixture
def restore_versions(app, session):
    """Put every procedure's versions back as they were: the database outlives the test."""
    versions = {v.id: (v.state, v.retired_at) for v in session.scalars(select(ProcedureVersion))}
    procedures = {p.code: (p.spec_hash, p.meta) for p in session.scalars(select(Procedure))}
    session.commit()
    yield
    session.rollback()
    # Dossiers are pinned to versions: they go first, as the cleanup after each test does.
    for table in DATA_TABLES:
        session.execute(delete(table))
    session.execute(delete(ProcedureVersion).where(ProcedureVersion.id.not_in(versions)))
    session.execute(delete(Procedure).where(Procedure.code.not_in(procedures)))
    for version in session.scalars(select(ProcedureVersion)):
        version.state, version.retired_at = versions[version.id]
    for procedure in session.scalars(select(Procedure)):
        if procedure.code in procedures:
            procedure.spec_hash, procedure.meta = procedures[procedure.code]
    session.commit()


@pytest.fixture
def v1(session, restore_versions) -> ProcedureVersion:
    return published(session, HOUSEHOLD)


def published(session, code: str) -> ProcedureVersion:
    return session.scalars(select(ProcedureVersion).where(
        ProcedureVersion.procedure_code == code, ProcedureVersion.state == "published")).one()


def publish(session, base: ProcedureVersion, xml: str, note: str,
            process_id: str = "business_household") -> ProcedureVersion:
    """Publish `xml` as the next version of the procedure, as a designer would."""
    model = parse_model(xml.encode("utf-8"), process_id=process_id, file_name=note)
    store_model(session, model, now=LATER)
    folder = session.get(Procedure, base.procedure_code).folder
    version = publish_version(session, folder=folder, meta=base.meta, spec_hash=model.hash,
                              forms={}, author="designer", change_note=note, now=LATER)
    session.commit()
    return version


def xml_of(session, version: ProcedureVersion) -> str:
    return session.get(WorkflowSpec, version.spec_hash).bpmn_xml


def user(session, person) -> User:
    return session.get(User, person.id)


def receive(session, ctx, staff, *, procedure=HOUSEHOLD, intake=INTAKE, now=NOW) -> Dossier:
    dossier, _ = receive_dossier(session, ctx, procedure_code=procedure, applicant=APPLICANT,
                                 channel=Channel.COUNTER, intake=intake,
                                 user=user(session, staff["reception"]), now=now)
    return dossier


def open_rows(session, dossier: Dossier) -> list[HumanTask]:
    return list(session.scalars(select(HumanTask).where(
        HumanTask.dossier_id == dossier.id, HumanTask.state.in_(("ready", "claimed")))
        .order_by(HumanTask.id)))


def worker(staff, row: HumanTask):
    return staff[WORKER[(row.department_code, row.required_role)]]


def claim(session, ctx, staff, dossier: Dossier, step: str, now=NOW) -> HumanTask:
    (row,) = [r for r in open_rows(session, dossier) if r.step == step]
    if row.state == "ready":
        claim_task(session, ctx, task_id=row.id, user=user(session, worker(staff, row)), now=now)
    return row


def work(session, ctx, staff, dossier: Dossier, step: str, data: dict, now=NOW) -> None:
    """Claim (if needed) and complete the dossier's open `step`."""
    row = claim(session, ctx, staff, dossier, step, now)
    complete_task(session, ctx, task_id=row.id, data=data, user=user(session, row.assignee),
                  now=now)


@pytest.fixture
def dossiers(session, app, staff, v1):
    """Three household dossiers on v1: one at review, one at head_approval, one finished."""
    ctx = app.extensions["motcua"]
    at_review = receive(session, ctx, staff)
    at_head = receive(session, ctx, staff)
    work(session, ctx, staff, at_head, "review", REVIEW_OK)
    claim(session, ctx, staff, at_head, "head_approval")
    done = receive(session, ctx, staff)
    for step, data in SCENARIOS["business_household"]["happy"]:
        work(session, ctx, staff, done, step, data)
    return at_review, at_head, done


def codes(checks) -> dict:
    return {c.dossier_code: c for c in checks}


def row_of(session, dossier: Dossier) -> dict:
    session.expire_all()
    fresh = session.get(Dossier, dossier.id)
    return {c.key: getattr(fresh, c.key) for c in Dossier.__table__.columns}


def assert_projection_matches_workflow(session, ctx, dossier: Dossier) -> None:
    """The open step rows are exactly the workflow's ready human tasks, on its own model."""
    session.expire_all()
    fresh = session.get(Dossier, dossier.id)
    model = ctx.model(session, fresh.spec_hash)
    workflow = ctx.runtime.restore(model, fresh.workflow_state)
    ready = {str(t.id): t.task_spec.bpmn_id
             for t in workflow.get_tasks(state=SpiffTaskState.READY, manual=True)}
    assert {r.workflow_task_id: r.step for r in open_rows(session, fresh)} == ready


# ---- (a) a step added after head_approval ---------------------------------------------------

def test_every_running_dossier_can_move_to_a_version_that_adds_a_later_step(
        session, app, staff, v1, dossiers):
    at_review, at_head, done = dossiers
    v2 = publish(session, v1, with_step_after_head_approval(xml_of(session, v1)), "v2")

    checks = plan_migration(session, app.extensions["motcua"], code=HOUSEHOLD,
                            target_number=v2.number, user=user(session, staff["designer"]))

    assert [(c.dossier_code, c.from_hash, c.from_version_number, c.can_move, c.reason)
            for c in checks] == [(at_review.code, v1.spec_hash, v1.number, True, None),
                                 (at_head.code, v1.spec_hash, v1.number, True, None)]


def test_moved_dossiers_continue_on_the_new_version_and_reach_the_new_step(
        session, app, staff, v1, dossiers):
    ctx = app.extensions["motcua"]
    at_review, at_head, done = dossiers
    head_row = claim(session, ctx, staff, at_head, "head_approval")
    done_before = row_of(session, done)
    v2 = publish(session, v1, with_step_after_head_approval(xml_of(session, v1)), "v2")

    result = migrate_dossiers(session, ctx, code=HOUSEHOLD, target_number=v2.number,
                              user=user(session, staff["designer"]), now=LATER)

    assert (result.moved, result.skipped) == ([at_review.code, at_head.code], [])
    assert row_of(session, done) == done_before
    for dossier in (at_review, at_head):
        assert row_of(session, dossier)["spec_hash"] == v2.spec_hash
        assert_projection_matches_workflow(session, ctx, dossier)
    # The claimed step kept its row and its holder across the move.
    (still_open,) = open_rows(session, at_head)
    assert (still_open.id, still_open.state, still_open.assignee_id) == (
        head_row.id, "claimed", staff["economic_head"].id)

    work(session, ctx, staff, at_head, "head_approval", HEAD_OK, LATER)
    assert [r.step for r in open_rows(session, at_head)] == ["publish_notice"]
    work(session, ctx, staff, at_head, "publish_notice", HEAD_OK, LATER)
    work(session, ctx, staff, at_head, "return_result", RETURN_OK, LATER)
    assert row_of(session, at_head)["status"] == 10
    work(session, ctx, staff, at_review, "review", REVIEW_OK, LATER)
    work(session, ctx, staff, at_review, "head_approval", HEAD_OK, LATER)
    assert [r.step for r in open_rows(session, at_review)] == ["publish_notice"]


def test_a_move_is_audited_with_the_hashes_and_versions_before_and_after(
        session, app, staff, v1, dossiers):
    at_review, at_head, done = dossiers
    v2 = publish(session, v1, with_step_after_head_approval(xml_of(session, v1)), "v2")

    migrate_dossiers(session, app.extensions["motcua"], code=HOUSEHOLD,
                     target_number=v2.number, user=user(session, staff["designer"]), now=LATER)

    moves = session.scalars(select(AuditEvent).where(AuditEvent.action == "dossier.migrated")
                            .order_by(AuditEvent.id)).all()
    assert [(e.dossier_code, e.actor, e.occurred_at, e.before, e.after) for e in moves] == [
        (code, "designer", LATER, {"spec_hash": v1.spec_hash, "version": v1.number},
         {"spec_hash": v2.spec_hash, "version": v2.number})
        for code in (at_review.code, at_head.code)]
    assert not [e for e in audit.history(session, done.code) if e.occurred_at == LATER]
    assert sealed_chain(session).intact


def test_planning_changes_nothing(session, app, staff, v1, dossiers):
    v2 = publish(session, v1, with_step_after_head_approval(xml_of(session, v1)), "v2")
    before = snapshot(session)

    plan_migration(session, app.extensions["motcua"], code=HOUSEHOLD,
                   target_number=v2.number, user=user(session, staff["admin"]))

    assert snapshot(session) == before


# ---- (b) a version without the review step --------------------------------------------------

def test_a_dossier_waiting_at_a_removed_step_cannot_move(session, app, staff, v1, dossiers):
    at_review, at_head, done = dossiers
    v3 = publish(session, v1, without_review(xml_of(session, v1)), "v3 without review")

    checks = codes(plan_migration(session, app.extensions["motcua"], code=HOUSEHOLD,
                                  target_number=v3.number,
                                  user=user(session, staff["designer"])))

    assert set(checks) == {at_review.code, at_head.code}
    assert not checks[at_review.code].can_move
    assert checks[at_review.code].reason.startswith("its current step was removed: 'review: ")
    # at_head already did `review`: removing it rewrites its history, so it cannot move either.
    assert not checks[at_head.code].can_move
    assert checks[at_head.code].reason.startswith("the change touches a completed step: "
                                                  "'review: ")
    assert checks[at_head.code].reason.endswith(f"version {v3.number} removes it")


def test_refused_dossiers_are_skipped_with_the_reason_and_left_unchanged(
        session, app, staff, v1, dossiers):
    at_review, at_head, done = dossiers
    v3 = publish(session, v1, without_review(xml_of(session, v1)), "v3 without review")
    before = snapshot(session)

    result = migrate_dossiers(session, app.extensions["motcua"], code=HOUSEHOLD,
                              target_number=v3.number, user=user(session, staff["designer"]),
                              now=LATER)

    assert result.moved == []
    assert [(s.dossier_code, s.reason.split(":")[0]) for s in result.skipped] == [
        (at_review.code, "its current step was removed"),
        (at_head.code, "the change touches a completed step")]
    assert snapshot(session) == before


# ---- (c) a version that changes a step some dossiers already did ----------------------------

def test_a_dossier_whose_completed_step_changed_cannot_move_but_one_still_on_it_can(
        session, app, staff, v1, dossiers):
    ctx = app.extensions["motcua"]
    at_review, at_head, done = dossiers
    v4 = publish(session, v1, with_review_budget(xml_of(session, v1), 24), "v4 review 24 h")

    checks = codes(plan_migration(session, ctx, code=HOUSEHOLD, target_number=v4.number,
                                  user=user(session, staff["designer"])))

    assert checks[at_review.code].can_move
    assert not checks[at_head.code].can_move
    assert checks[at_head.code].reason == (
        "the change touches a completed step: 'review: Thẩm định hồ sơ, dự thảo Giấy chứng "
        f"nhận đăng ký hộ kinh doanh' was already done and version {v4.number} changes its "
        "properties")


def test_a_moved_open_step_takes_the_new_budget_and_due_time(session, app, staff, v1, dossiers):
    ctx = app.extensions["motcua"]
    at_review, at_head, done = dossiers
    (review,) = open_rows(session, at_review)
    v4 = publish(session, v1, with_review_budget(xml_of(session, v1), 24), "v4 review 24 h")

    result = migrate_dossiers(session, ctx, code=HOUSEHOLD, target_number=v4.number,
                              user=user(session, staff["designer"]), now=LATER)

    assert result.moved == [at_review.code]
    assert [s.dossier_code for s in result.skipped] == [at_head.code]
    session.expire_all()
    (moved,) = open_rows(session, at_review)
    # Ready since Mon 2 Mar 09:00; 24 working hours instead of 16: Thu 5 Mar 09:00.
    assert (moved.id, moved.budget_hours, moved.due_at) == (
        review.id, 24, datetime(2026, 3, 5, 9, 0, tzinfo=VIETNAM))
    event = session.scalars(select(AuditEvent).where(
        AuditEvent.action == "dossier.migrated")).one()
    assert event.after["steps_updated"] == ["review"]


# ---- choosing dossiers, permissions, failures -------------------------------------------------

def test_only_the_listed_dossiers_move_and_the_others_are_explained(
        session, app, staff, v1, dossiers):
    at_review, at_head, done = dossiers
    v2 = publish(session, v1, with_step_after_head_approval(xml_of(session, v1)), "v2")

    result = migrate_dossiers(session, app.extensions["motcua"], code=HOUSEHOLD,
                              target_number=v2.number,
                              dossier_codes=[at_head.code, done.code, "NO-SUCH-CODE"],
                              user=user(session, staff["designer"]), now=LATER)

    assert result.moved == [at_head.code]
    assert [(s.dossier_code, s.reason) for s in result.skipped] == [
        (done.code, "the dossier is finished; finished dossiers keep the version they ran on"),
        ("NO-SUCH-CODE", "no dossier has this code")]
    assert row_of(session, at_review)["spec_hash"] == v1.spec_hash


def test_a_move_that_fails_midway_leaves_that_dossier_whole_and_moves_the_others(
        session, app, staff, v1, dossiers, monkeypatch):
    import engine.unit_of_work
    ctx = app.extensions["motcua"]
    at_review, at_head, done = dossiers
    v2 = publish(session, v1, with_step_after_head_approval(xml_of(session, v1)), "v2")
    review_before = row_of(session, at_review)
    rows_before = [(r.id, r.state, r.step) for r in open_rows(session, at_review)]
    real = engine.unit_of_work.apply_progress

    def failing(session_, ctx_, dossier, progress, **kwargs):
        changes = real(session_, ctx_, dossier, progress, **kwargs)
        if dossier.code == at_review.code:
            raise RuntimeError("disk full")
        return changes

    monkeypatch.setattr(engine.unit_of_work, "apply_progress", failing)

    result = migrate_dossiers(session, ctx, code=HOUSEHOLD, target_number=v2.number,
                              user=user(session, staff["designer"]), now=LATER)

    assert result.moved == [at_head.code]
    assert [(s.dossier_code, s.reason) for s in result.skipped] == [
        (at_review.code, "moving it failed (RuntimeError: disk full); it was left unchanged")]
    assert row_of(session, at_review) == review_before
    assert [(r.id, r.state, r.step) for r in open_rows(session, at_review)] == rows_before
    assert not audit.history(session, at_review.code)[-1].action == "dossier.migrated"
    assert sealed_chain(session).intact


@pytest.mark.parametrize("role", ["officer", "head", "supervisor", "receptionist"])
def test_only_designers_and_admins_plan_or_move(session, app, staff, v1, role):
    ctx = app.extensions["motcua"]
    person = next(p for name, p in staff.items() if name.startswith(
        {"officer": "office", "head": "office_head", "supervisor": "supervisor",
         "receptionist": "reception"}[role]))
    assert user(session, person).role == role

    with pytest.raises(NotPermitted):
        plan_migration(session, ctx, code=HOUSEHOLD, target_number=v1.number,
                       user=user(session, person))
    with pytest.raises(NotPermitted):
        migrate_dossiers(session, ctx, code=HOUSEHOLD, target_number=v1.number,
                         user=user(session, person), now=LATER)


def test_an_unknown_version_is_named_and_a_draft_is_refused(session, app, staff, v1):
    ctx = app.extensions["motcua"]
    designer = user(session, staff["designer"])
    model = parse_model(with_step_after_head_approval(xml_of(session, v1)).encode("utf-8"),
                        process_id="business_household", file_name="draft")
    store_model(session, model, now=LATER)
    draft_number = session.scalar(select(func.max(ProcedureVersion.number)).where(
        ProcedureVersion.procedure_code == HOUSEHOLD)) + 1
    session.add(ProcedureVersion(procedure_code=HOUSEHOLD, number=draft_number, state="draft",
                                 spec_hash=model.hash, meta=v1.meta, forms={},
                                 author="designer", change_note="draft", created_at=LATER))
    session.commit()

    with pytest.raises(VersionNotFound, match="has no version 99"):
        plan_migration(session, ctx, code=HOUSEHOLD, target_number=99, user=designer)
    with pytest.raises(InvalidInput, match="is a draft; publish it"):
        migrate_dossiers(session, ctx, code=HOUSEHOLD, target_number=draft_number,
                         user=designer, now=LATER)


# ---- a waiting timer keeps its due time ------------------------------------------------------

@pytest.fixture
def timer_procedure(app, session, restore_versions) -> str:
    ctx = app.extensions["motcua"]
    codes_ = {d["code"] for d in load_departments()}
    definition = load_procedure(FIXTURES / "timer_step", forms=ctx.forms,
                                department_codes=codes_)
    publish_procedures(db.session, departments=[], definitions=[definition], now=NOW)
    return definition.code


def test_a_dossier_waiting_on_a_timer_moves_without_restarting_the_wait(
        session, app, staff, timer_procedure):
    ctx = app.extensions["motcua"]
    mon_1000, mon_1100, mon_1500 = (datetime(2026, 3, 2, h, 0, tzinfo=VIETNAM)
                                    for h in (10, 11, 15))
    intake = SCENARIOS["certified_copy"]["intake"]
    with time_machine.travel(NOW, tick=False) as clock:
        dossier = receive(session, ctx, staff, procedure=timer_procedure, intake=intake)
        clock.move_to(mon_1000)
        work(session, ctx, staff, dossier, "prepare", {"signer_position": "chairman"},
             mon_1000)
        v1 = published(session, timer_procedure)
        xml = xml_of(session, v1).replace('name="Publish"', 'name="Publish the result"')
        v2 = publish(session, v1, xml, "v2", process_id="timer_step")
        clock.move_to(mon_1100)

        result = migrate_dossiers(session, ctx, code=timer_procedure, target_number=v2.number,
                                  user=user(session, staff["designer"]), now=mon_1100)

    # Restarting the 4 working hours at 11:00 would have made it 16:00.
    assert result.moved == [dossier.code]
    moved = row_of(session, dossier)
    assert (moved["spec_hash"], moved["timer_due_at"]) == (v2.spec_hash, mon_1500)
    assert open_rows(session, dossier) == []


# ---- subprocesses ------------------------------------------------------------------------

SUB_CODE = "TEST.SUB"
SUB_META = {"code": SUB_CODE, "name_vi": "Thủ tục thử nghiệm có tiến trình con",
            "name_en": "Test procedure with an embedded subprocess", "process_id": "sub_step",
            "bpmn": "sub_step.bpmn", "department": "OFFICE", "intake_form": "certified_copy/intake",
            "deadline": {"working_days": 2}, "fee": {"kind": "free"}, "required_documents": []}


def sub_user_task(bpmn_id: str, name: str, incoming: str, outgoing: str) -> str:
    return (f'<bpmn:userTask id="{bpmn_id}" name="{name}"><bpmn:extensionElements>'
            "<spiffworkflow:properties>"
            '<spiffworkflow:property name="form" value="birth_registration/sign" />'
            '<spiffworkflow:property name="budget_hours" value="4" />'
            "</spiffworkflow:properties></bpmn:extensionElements>"
            f"<bpmn:incoming>{incoming}</bpmn:incoming><bpmn:outgoing>{outgoing}</bpmn:outgoing>"
            "</bpmn:userTask>")


# prepare, then the embedded subprocess `checks` (one step, inner_check), then publish.
SUB_XML = f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="{NSMAP['bpmn']}" xmlns:spiffworkflow="{NSMAP['spiffworkflow']}"
                  id="sub_defs" targetNamespace="http://motcua.example/test">
  <bpmn:process id="sub_step" isExecutable="true">
    <bpmn:laneSet id="lanes"><bpmn:lane id="lane_office" name="OFFICE">
      <bpmn:flowNodeRef>start</bpmn:flowNodeRef><bpmn:flowNodeRef>prepare</bpmn:flowNodeRef>
      <bpmn:flowNodeRef>checks</bpmn:flowNodeRef><bpmn:flowNodeRef>publish</bpmn:flowNodeRef>
      <bpmn:flowNodeRef>end</bpmn:flowNodeRef>
    </bpmn:lane></bpmn:laneSet>
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    {sub_user_task("prepare", "Prepare", "f1", "f2")}
    <bpmn:subProcess id="checks" name="Checks">
      <bpmn:incoming>f2</bpmn:incoming><bpmn:outgoing>f3</bpmn:outgoing>
      <bpmn:laneSet id="inner_lanes"><bpmn:lane id="inner_office" name="OFFICE">
        <bpmn:flowNodeRef>inner_start</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>inner_check</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>inner_end</bpmn:flowNodeRef>
      </bpmn:lane></bpmn:laneSet>
      <bpmn:startEvent id="inner_start"><bpmn:outgoing>g1</bpmn:outgoing></bpmn:startEvent>
      {sub_user_task("inner_check", "Check", "g1", "g2")}
      <bpmn:endEvent id="inner_end"><bpmn:incoming>g2</bpmn:incoming></bpmn:endEvent>
      <bpmn:sequenceFlow id="g1" sourceRef="inner_start" targetRef="inner_check" />
      <bpmn:sequenceFlow id="g2" sourceRef="inner_check" targetRef="inner_end" />
    </bpmn:subProcess>
    {sub_user_task("publish", "Publish", "f3", "f4")}
    <bpmn:endEvent id="end"><bpmn:incoming>f4</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="prepare" />
    <bpmn:sequenceFlow id="f2" sourceRef="prepare" targetRef="checks" />
    <bpmn:sequenceFlow id="f3" sourceRef="checks" targetRef="publish" />
    <bpmn:sequenceFlow id="f4" sourceRef="publish" targetRef="end" />
  </bpmn:process>
</bpmn:definitions>
"""
SIGN = {"signer_position": "chairman"}


@pytest.fixture
def sub_dossiers(session, app, staff, restore_versions):
    """Version 1 of TEST.SUB; one dossier at prepare, one inside the subprocess."""
    model = parse_model(SUB_XML.encode("utf-8"), process_id="sub_step", file_name="sub v1")
    store_model(session, model, now=NOW)
    v1 = publish_version(session, folder="test_subprocess", meta=SUB_META, spec_hash=model.hash,
                         forms={}, author="designer", change_note="v1", now=NOW)
    session.commit()
    ctx = app.extensions["motcua"]
    intake = SCENARIOS["certified_copy"]["intake"]
    at_prepare = receive(session, ctx, staff, procedure=SUB_CODE, intake=intake)
    inside = receive(session, ctx, staff, procedure=SUB_CODE, intake=intake)
    work(session, ctx, staff, inside, "prepare", SIGN)
    assert [r.step for r in open_rows(session, inside)] == ["inner_check"]
    return v1, at_prepare, inside


def test_a_dossier_inside_a_subprocess_that_changed_cannot_move(session, app, staff,
                                                                sub_dossiers):
    ctx = app.extensions["motcua"]
    v1, at_prepare, inside = sub_dossiers
    inner_budget = SUB_XML.replace(
        '<bpmn:userTask id="inner_check" name="Check">',
        '<bpmn:userTask id="inner_check" name="Check the documents">')
    v2 = publish(session, v1, inner_budget, "v2", process_id="sub_step")

    result = migrate_dossiers(session, ctx, code=SUB_CODE, target_number=v2.number,
                              user=user(session, staff["designer"]), now=LATER)

    # The dossier at prepare has not entered the subprocess: it will enter the new one.
    assert result.moved == [at_prepare.code]
    assert [(s.dossier_code, s.reason) for s in result.skipped] == [
        (inside.code, "the dossier's workflow uses subprocess 'checks', which version "
                      f"{v2.number} changes")]
    work(session, ctx, staff, at_prepare, "prepare", SIGN, LATER)
    assert [r.step_name for r in open_rows(session, at_prepare)] == ["Check the documents"]


def test_a_dossier_inside_an_unchanged_subprocess_moves_and_finishes_on_the_new_version(
        session, app, staff, sub_dossiers):
    ctx = app.extensions["motcua"]
    v1, at_prepare, inside = sub_dossiers
    renamed = SUB_XML.replace('name="Publish"', 'name="Publish the decision"')
    v2 = publish(session, v1, renamed, "v2", process_id="sub_step")

    result = migrate_dossiers(session, ctx, code=SUB_CODE, target_number=v2.number,
                              user=user(session, staff["designer"]), now=LATER)

    assert (result.moved, result.skipped) == ([at_prepare.code, inside.code], [])
    assert_projection_matches_workflow(session, ctx, inside)
    work(session, ctx, staff, inside, "inner_check", SIGN, LATER)
    assert [r.step_name for r in open_rows(session, inside)] == ["Publish the decision"]
    work(session, ctx, staff, inside, "publish", SIGN, LATER)
    assert row_of(session, inside)["finished_at"] == LATER


# ---- the batch on PostgreSQL, racing with the departments' work -----------------------------

def race(calls):
    barrier = Barrier(len(calls))

    def run(call):
        barrier.wait()
        return call()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(run, calls))


def test_batch_moves_racing_each_other_and_the_departments_move_each_dossier_once_and_whole(
        pg_only, session, app, staff, http, v1):
    ctx = app.extensions["motcua"]
    at_head = [receive(session, ctx, staff) for _ in range(8)]
    at_review = [receive(session, ctx, staff) for _ in range(4)]
    for dossier in at_head:
        work(session, ctx, staff, dossier, "review", REVIEW_OK)
    heads = [claim(session, ctx, staff, dossier, "head_approval") for dossier in at_head]
    v2 = publish(session, v1, with_step_after_head_approval(xml_of(session, v1)), "v2")
    head, target = staff["economic_head"].headers, {"target_version": v2.number}
    designer, admin = staff["designer"].headers, staff["admin"].headers
    head_ids = [row.id for row in heads]

    responses = race(
        [lambda who=who: http.post(f"/api/v1/procedures/{HOUSEHOLD}/migrations", json=target,
                                   headers=who) for who in (designer, admin, designer)]
        + [lambda task_id=task_id: http.post(f"/api/v1/tasks/{task_id}/complete", headers=head,
                                             json={"form_data": HEAD_OK})
           for task_id in head_ids])

    assert [r.status_code for r in responses] == [200] * 11, [r.text for r in responses]
    batches = [r.json() for r in responses[:3]]
    moved = [code for batch in batches for code in batch["moved"]]
    assert len(moved) == len(set(moved))
    reasons = {s["reason"].split(":")[0] for batch in batches for s in batch["skipped"]}
    assert reasons <= {f"the dossier already runs on version {v2.number}",
                       "the change touches a completed step"}
    for dossier in at_review + at_head:
        assert_projection_matches_workflow(session, ctx, dossier)
        steps = [r.step for r in open_rows(session, dossier)]
        row = row_of(session, dossier)
        assert (row["spec_hash"] == v2.spec_hash) == (dossier.code in moved)
        if dossier in at_review:
            assert (row["spec_hash"], steps) == (v2.spec_hash, ["review"])
        elif dossier.code in moved:
            # Moved, then head_approval completed on v2: the new step comes next.
            assert steps == ["publish_notice"]
        else:
            # head_approval was completed first: its outgoing flow changed, so it stays on v1.
            assert steps == ["return_result"]
    events = session.scalars(select(AuditEvent.dossier_code)
                             .where(AuditEvent.action == "dossier.migrated")).all()
    assert sorted(events) == sorted(moved)
    assert sealed_chain(session).intact
