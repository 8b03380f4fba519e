"""The access policy: who may see which dossiers and steps, and who may do what with them.

Officers and heads see the dossiers that have or had a step in their department; reception
sees every dossier of its center (this installation); leaders, supervisors and admins see
all; anyone in an external agency sees only the dossiers handed to it (a step in its
department), whatever their role; designers see none. A dossier the caller may not see is
answered as if it did not exist.
"""

from sqlalchemy import ColumnElement, exists, false, select, true
from sqlalchemy.orm import Session

from engine.errors import NotPermitted
from engine.models import Department, Dossier, HumanTask, User
from engine.statuses import Role

ROLES_WITH_DEPARTMENT = {Role.RECEPTIONIST, Role.OFFICER, Role.HEAD, Role.LEADER}
ROLES_READING_DOSSIERS = {Role.RECEPTIONIST, Role.OFFICER, Role.HEAD, Role.LEADER,
                          Role.SUPERVISOR, Role.ADMIN}
# Reception returns results and asks for supplements on dossiers colleagues received.
ROLES_SEEING_ALL_DOSSIERS = {Role.RECEPTIONIST, Role.LEADER, Role.SUPERVISOR, Role.ADMIN}
ROLES_SEEING_ALL_TASKS = {Role.SUPERVISOR, Role.ADMIN}
ROLES_RECEIVING = {Role.RECEPTIONIST, Role.ADMIN}
# Reception asks for fees, takes cash at the counter and refunds.
ROLES_COLLECTING_FEES = {Role.RECEPTIONIST, Role.ADMIN}
ROLES_READING_AUDIT = {Role.SUPERVISOR, Role.ADMIN}
ROLES_READING_PERSONAL_DATA_READS = {Role.SUPERVISOR, Role.ADMIN}
ROLES_READING_REPORTS = {Role.SUPERVISOR, Role.ADMIN, Role.LEADER}
# Models are code: designers write them, and only they and admins run or publish drafts.
ROLES_DESIGNING = {Role.DESIGNER, Role.ADMIN}


def in_external_agency(session: Session, user: User) -> bool:
    """Tell whether the user works for an agency outside the center (workflows/departments.json)."""
    if user.department_code is None:
        return False
    department = session.get(Department, user.department_code)
    return department is not None and department.external


def sees_all_dossiers(session: Session, user: User) -> bool:
    """Tell whether the user sees every dossier of the center."""
    return Role(user.role) in ROLES_SEEING_ALL_DOSSIERS and not in_external_agency(session, user)


def _has_step_in(department_code: str | None) -> ColumnElement[bool]:
    if department_code is None:
        return false()
    return exists().where(HumanTask.dossier_id == Dossier.id,
                          HumanTask.department_code == department_code)


def sees_everyones_notifications(user: User) -> bool:
    """Tell whether the user may list the notifications of all staff (supervisors, admins)."""
    return Role(user.role) in ROLES_SEEING_ALL_TASKS


def visible_dossiers(session: Session, user: User) -> ColumnElement[bool]:
    """Return the SQL condition on `Dossier` that holds for the dossiers the user may see."""
    if Role(user.role) not in ROLES_READING_DOSSIERS:
        return false()
    if sees_all_dossiers(session, user):
        return true()
    return _has_step_in(user.department_code)


def works_on(session: Session, user: User, dossier: Dossier) -> bool:
    """Tell whether the user's department has or had a step of the dossier."""
    return bool(user.department_code) and session.scalar(select(
        exists().where(HumanTask.dossier_id == dossier.id,
                       HumanTask.department_code == user.department_code)))


def check_can_read_dossiers(user: User) -> None:
    """Staff who handle or supervise dossiers may read them; designers do not."""
    if Role(user.role) not in ROLES_READING_DOSSIERS:
        raise NotPermitted(f"a {user.role} cannot read dossiers", reason="reads_no_dossiers",
                           role=user.role)


def check_can_receive(user: User) -> None:
    """Only reception staff receive dossiers."""
    if Role(user.role) not in ROLES_RECEIVING:
        raise NotPermitted(f"a {user.role} cannot receive dossiers; reception staff do",
                           reason="receives_no_dossiers", role=user.role)


def check_can_collect_fees(user: User) -> None:
    """Only reception staff ask for fees, record cash and refund."""
    if Role(user.role) not in ROLES_COLLECTING_FEES:
        raise NotPermitted(f"a {user.role} cannot collect fees; reception staff do",
                           reason="collects_no_fees", role=user.role)


def check_can_see_task(user: User, task: HumanTask) -> None:
    """Officers see the steps of their own department; supervisors and admins see all."""
    if Role(user.role) in ROLES_SEEING_ALL_TASKS:
        return
    if user.department_code != task.department_code:
        raise NotPermitted(f"this step belongs to department {task.department_code}; "
                           f"you are in {user.department_code}", reason="other_department",
                           department=task.department_code, own_department=user.department_code)


def check_can_list_tasks_of(user: User, department_code: str | None) -> None:
    """Staff list their own department's steps; supervisors and admins any department's."""
    if Role(user.role) in ROLES_SEEING_ALL_TASKS:
        return
    if user.department_code is None:
        raise NotPermitted(f"a {user.role} has no department and so no steps",
                           reason="no_department", role=user.role)
    if department_code != user.department_code:
        raise NotPermitted(f"you see the steps of department {user.department_code} only",
                           reason="own_department_only", own_department=user.department_code)


def check_can_work_on(user: User, task: HumanTask) -> None:
    """A step is worked by its department, and by its head or leader when the model says so."""
    if user.department_code != task.department_code or Role(user.role) not in (
            ROLES_WITH_DEPARTMENT):
        raise NotPermitted(f"this step belongs to department {task.department_code}; "
                           f"you are a {user.role} in {user.department_code}",
                           reason="other_department", department=task.department_code,
                           own_department=user.department_code)
    if task.required_role and user.role != task.required_role:
        raise NotPermitted(f"step '{task.step}' must be done by the department's "
                           f"{task.required_role}; you are a {user.role}",
                           reason="step_role", step=task.step, required_role=task.required_role,
                           role=user.role)


def check_can_assign(user: User, task: HumanTask) -> None:
    """The head of the step's department, or an admin, hands steps out."""
    if user.role == Role.ADMIN:
        return
    if user.role != Role.HEAD or user.department_code != task.department_code:
        raise NotPermitted(f"only the head of department {task.department_code} may assign "
                           "this step", reason="head_assigns", department=task.department_code)


def check_can_sign(user: User) -> None:
    """Leaders sign what the departments hand up: the signing queue is theirs."""
    if user.role != Role.LEADER:
        raise NotPermitted(f"a {user.role} has no signing queue; leaders sign")


def check_can_list_members(user: User, department_code: str) -> None:
    """The head of a department, or an admin, lists its members to hand steps to them."""
    if user.role == Role.ADMIN:
        return
    if user.role != Role.HEAD or user.department_code != department_code:
        raise NotPermitted(f"only the head of department {department_code} or an admin may "
                           "list its members", reason="head_lists_members",
                           department=department_code)


def check_can_extend(session: Session, user: User, dossier: Dossier) -> None:
    """The head of a department working on the dossier, a leader or an admin gives Form 04."""
    role = Role(user.role)
    if role == Role.ADMIN or (role == Role.LEADER and not in_external_agency(session, user)):
        return
    if role == Role.HEAD and works_on(session, user, dossier):
        return
    raise NotPermitted(f"the head of a department working on dossier {dossier.code}, a leader "
                       f"or an admin records an apology and extension; you are a {user.role}",
                       reason="extends_no_deadline", dossier=dossier.code, role=user.role)


def check_can_withdraw(user: User) -> None:
    """Reception withdraws a dossier at the citizen's request, as it received it."""
    if Role(user.role) not in ROLES_RECEIVING:
        raise NotPermitted(f"a {user.role} cannot withdraw dossiers; reception staff do at the "
                           "citizen's request", reason="withdraws_no_dossiers", role=user.role)


def check_can_stop(session: Session, user: User, dossier: Dossier) -> None:
    """The head of a department working on the dossier, or a leader, stops it."""
    role = Role(user.role)
    if role == Role.LEADER and not in_external_agency(session, user):
        return
    if role == Role.HEAD and works_on(session, user, dossier):
        return
    raise NotPermitted(f"the head of a department working on dossier {dossier.code} or a "
                       f"leader stops it; you are a {user.role}", reason="stops_no_dossiers",
                       dossier=dossier.code, role=user.role)


def check_can_read_audit(user: User) -> None:
    """Only supervisors and admins read the whole audit trail and verify the chain."""
    if Role(user.role) not in ROLES_READING_AUDIT:
        raise NotPermitted(f"a {user.role} cannot read the audit trail; supervisors and "
                           "admins do", reason="reads_no_audit", role=user.role)


def check_can_read_personal_data_reads(user: User) -> None:
    """Only supervisors and admins search who read citizens' personal data."""
    if Role(user.role) not in ROLES_READING_PERSONAL_DATA_READS:
        raise NotPermitted(f"a {user.role} cannot search reads of personal data; supervisors "
                           "and admins do", reason="reads_no_personal_data_reads",
                           role=user.role)


def check_can_read_reports(user: User) -> None:
    """Refuse anyone but supervisors, leaders and admins."""
    if Role(user.role) not in ROLES_READING_REPORTS:
        raise NotPermitted(f"a {user.role} cannot read reports; supervisors, leaders and "
                           "admins do", reason="reads_no_reports", role=user.role)


def check_can_design(user: User, doing: str) -> None:
    """Only designers and admins change models, test-run drafts and move dossiers between them.

    `doing` says what was refused, e.g. 'change procedure models'.
    """
    if Role(user.role) not in ROLES_DESIGNING:
        raise NotPermitted(f"a {user.role} cannot {doing}; designers and admins do",
                           reason="designers_only", role=user.role)


def check_is_admin(user: User, action: str) -> None:
    """Refuse anyone but an admin; `action` says what they tried, e.g. 'manages users'."""
    if user.role != Role.ADMIN:
        raise NotPermitted(f"only an admin {action}", reason="admins_only", role=user.role)


def check_can_add_result(session: Session, user: User, dossier: Dossier) -> None:
    """Staff of a department working on the dossier, leaders and admins add its results."""
    role = Role(user.role)
    if role == Role.ADMIN or (role == Role.LEADER and not in_external_agency(session, user)):
        return
    if role in ROLES_WITH_DEPARTMENT and works_on(session, user, dossier):
        return
    raise NotPermitted(f"staff of a department working on dossier {dossier.code}, a leader or "
                       f"an admin adds its results; you are a {user.role}",
                       reason="adds_no_result", dossier=dossier.code, role=user.role)
