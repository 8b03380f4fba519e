"""Tables of the one-stop shop: departments, users, procedures, dossiers, steps, audit."""

from datetime import UTC, date, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
    event,
    false,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


def as_utc(value: datetime) -> datetime:
    """Return the aware datetime in UTC; refuse a naive one, whose instant is unknown."""
    if value.tzinfo is None:
        raise ValueError("naive datetime given where an aware one is required")
    return value.astimezone(UTC)


class UTCDateTime(TypeDecorator):
    """Store aware datetimes as UTC; SQLite keeps no zone, so normalise on the way in and out."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        """Refuse naive datetimes and store UTC without a zone."""
        return None if value is None else as_utc(value).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        """Give back an aware UTC datetime."""
        return None if value is None else value.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    """Declarative base shared by the engine and Flask-SQLAlchemy."""


class Department(Base):
    """A specialised department or the Center's reception, owner of BPMN lanes."""

    __tablename__ = "departments"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name_vi: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    # An agency outside the center (a land registration branch): it sees only what it is handed.
    external: Mapped[bool] = mapped_column(default=False, server_default=false())


class User(Base):
    """A member of staff with one role and, for most roles, one department."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    full_name: Mapped[str] = mapped_column(String(200), default="")
    role: Mapped[str] = mapped_column(String(32))
    department_code: Mapped[str | None] = mapped_column(
        ForeignKey("departments.code"), nullable=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # An argon2 hash; None: the user works through the API only and cannot sign in.
    password_hash: Mapped[str | None] = mapped_column(String(200), nullable=True)
    # Wrong passwords since the last sign-in or lock; the account locks at the limit.
    failed_sign_ins: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)

    @property
    def display_name(self) -> str:
        """The name people read: the full name, else the username."""
        return self.full_name or self.username


class WebSession(Base):
    """A signed-in browser: its cookie holds the id, the table only the id's hash."""

    __tablename__ = "web_sessions"
    __table_args__ = (Index("ix_web_sessions_user_id", "user_id"),
                      Index("ix_web_sessions_last_seen_at", "last_seen_at"))

    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime())


class WorkflowSpec(Base):
    """A BPMN model and its decision tables, stored once per hash; dossiers name the hash."""

    __tablename__ = "workflow_specs"

    hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    process_id: Mapped[str] = mapped_column(String(100))
    bpmn_xml: Mapped[str] = mapped_column(Text)
    # DMN file name → XML of the decision tables the model's business rule tasks read; part
    # of the hash, so a dossier keeps the tables it started with.
    # Deferred: read only where tables are needed, not with every model looked up.
    decisions: Mapped[dict | None] = mapped_column(JSON, nullable=True, deferred=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Procedure(Base):
    """An administrative procedure as posted by the center, pointing at its current model."""

    __tablename__ = "procedures"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    folder: Mapped[str] = mapped_column(String(100), unique=True)
    name_vi: Mapped[str] = mapped_column(String(300))
    name_en: Mapped[str] = mapped_column(String(300))
    department_code: Mapped[str] = mapped_column(ForeignKey("departments.code"))
    spec_hash: Mapped[str] = mapped_column(ForeignKey("workflow_specs.hash"))
    meta: Mapped[dict] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class DossierSequence(Base):
    """The daily receipt counter behind dossier codes, one row per agency and day."""

    __tablename__ = "dossier_sequences"

    prefix: Mapped[str] = mapped_column(String(64), primary_key=True)
    last: Mapped[int] = mapped_column(Integer)


class Dossier(Base):
    """A citizen's dossier and the committed state of its workflow."""

    __tablename__ = "dossiers"
    __table_args__ = (
        Index("ix_dossiers_procedure_status", "procedure_code", "status"),
        Index("ix_dossiers_received_at", "received_at"),
        Index("ix_dossiers_next_due_at", "next_due_at"),
        # Finding a dossier when the slip is lost: a prefix of the folded name (the pattern
        # operator class lets PostgreSQL use the index for LIKE 'prefix%'), or the ID number.
        Index("ix_dossiers_applicant_name_folded", "applicant_name_folded",
              postgresql_ops={"applicant_name_folded": "varchar_pattern_ops"}),
        Index("ix_dossiers_applicant_id_number", "applicant_id_number"),
        Index("ix_dossiers_procedure_version_id", "procedure_version_id"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    procedure_code: Mapped[str] = mapped_column(ForeignKey("procedures.code"))
    # The version the dossier runs (engine.dossier_versions): its deadline rules, forms and
    # fee rule; spec_hash is always that version's model.
    procedure_version_id: Mapped[int] = mapped_column(ForeignKey("procedure_versions.id"))
    spec_hash: Mapped[str] = mapped_column(ForeignKey("workflow_specs.hash"))
    status: Mapped[int] = mapped_column(Integer)
    channel: Mapped[int] = mapped_column(Integer)
    applicant: Mapped[dict] = mapped_column(JSON)
    intake: Mapped[dict] = mapped_column(JSON)
    # The applicant's name folded (engine.folding) and ID number, copied out to be searched.
    applicant_name_folded: Mapped[str] = mapped_column(String(200), default="",
                                                       server_default="")
    applicant_id_number: Mapped[str] = mapped_column(String(12), default="", server_default="")
    fee_vnd: Mapped[int] = mapped_column(Integer, default=0)
    # How fee_vnd was computed (engine.fees.assess_fee); None for dossiers received before.
    fee_basis: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    # Digitisation at receipt: components handed in, scanned and signed, or reused from
    # earlier dossiers and national databases instead of being collected again.
    components_total: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    components_digitised: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    components_reused: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    pin_hash: Mapped[str] = mapped_column(String(64))
    received_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    workflow_state: Mapped[str] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer)
    # The statutory clock: the appointment, and while paused what was left of it.
    appointment_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    remind_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    clock_paused_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    clock_pause_reason: Mapped[str | None] = mapped_column(String(16), nullable=True)
    clock_remaining_hours: Mapped[float | None] = mapped_column(nullable=True)
    processed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    outcome: Mapped[str | None] = mapped_column(String(8), nullable=True)
    # The earliest BPMN timer the workflow waits on, and the earliest thing due of any kind.
    timer_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    next_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)

    __mapper_args__ = {"version_id_col": version}


class DossierStatusChange(Base):
    """One change of a dossier's status: from what, to what, when and by whom.

    Written in the transaction that changes the status (engine.status_history), so reports
    read what a dossier's status was at any past moment.
    """

    __tablename__ = "dossier_status_changes"
    __table_args__ = (Index("ix_dossier_status_changes_dossier_at", "dossier_id", "at"),
                      Index("ix_dossier_status_changes_at", "at"))

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id"))
    # None on the first row: the status the dossier was received in.
    from_status: Mapped[int | None] = mapped_column(Integer, nullable=True)
    to_status: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    # None when the system changed it: a BPMN timer or the scheduler.
    by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    # Why, where the change calls for one: the stop notice (Form 05) and the citizen read it.
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)

    dossier: Mapped[Dossier] = relationship()


class DossierClockChange(Base):
    """The dossier's statutory clock from `at` on: its appointment and whether it runs.

    Written by the unit of work whenever the appointment or the pause changes
    (engine.clock_history), so reports judge a past period against the appointment then.
    """

    __tablename__ = "dossier_clock_changes"
    __table_args__ = (Index("ix_dossier_clock_changes_dossier_at", "dossier_id", "at"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    appointment_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # False while the clock is paused (waiting for the citizen, or steps not counted).
    running: Mapped[bool] = mapped_column()

    dossier: Mapped[Dossier] = relationship()


class Document(Base):
    """A component of a dossier or one of its results: metadata, and the hash of its bytes.

    The bytes live in the document store (engine.document_store) under `sha256`; a component
    shown at the counter and not kept has none, a reused one shares its source's.
    """

    __tablename__ = "documents"
    __table_args__ = (Index("ix_documents_dossier_kind", "dossier_id", "kind"),
                      Index("ix_documents_sha256", "sha256"))

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id"))
    kind: Mapped[str] = mapped_column(String(16))  # engine.statuses.DocumentKind
    title: Mapped[str] = mapped_column(String(500))
    # Which of the dossier's version's required documents it is (their index); None: a result.
    required_document: Mapped[int | None] = mapped_column(Integer, nullable=True)
    stage: Mapped[str | None] = mapped_column(String(16), nullable=True)  # DocumentStage
    handling: Mapped[str | None] = mapped_column(String(16), nullable=True)  # Handling
    sha256: Mapped[str | None] = mapped_column(String(64), nullable=True)
    size_bytes: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    media_type: Mapped[str | None] = mapped_column(String(64), nullable=True)
    reused_from_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"), nullable=True)
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime())
    uploaded_by: Mapped[int] = mapped_column(ForeignKey("users.id"))

    dossier: Mapped[Dossier] = relationship()
    uploader: Mapped[User] = relationship(lazy="joined")


class OnlineSubmission(Base):
    """A dossier a citizen submitted online, and reception's verification of it.

    The dossier itself is a row of `dossiers` (status 1, channel 2, its workflow not started);
    this row holds what only an online submission has: when it was (re)submitted, by when
    reception must verify it, and what reception answered.
    """

    __tablename__ = "online_submissions"
    __table_args__ = (Index("ix_online_submissions_state_submitted_at", "state", "submitted_at"),)

    dossier_id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), ForeignKey("dossiers.id"), primary_key=True)
    # engine.online.SubmissionState: waiting, incomplete, accepted, refused.
    state: Mapped[str] = mapped_column(String(16))
    # The last (re)submission: verification and the statutory clock count from it.
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime())
    verify_by: Mapped[datetime] = mapped_column(UTCDateTime())
    missing: Mapped[list] = mapped_column(JSON, default=list)
    refusal_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    verified_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)


class IdempotencyKey(Base):
    """A client's key for one receipt request, so a retried request returns the same dossier.

    Kept 24 hours (engine.idempotency); the body hash tells a retry from a reused key.
    """

    __tablename__ = "idempotency_keys"
    __table_args__ = (Index("ix_idempotency_keys_created_at", "created_at"),)

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    body_hash: Mapped[str] = mapped_column(String(64))
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class HumanTask(Base):
    """A human step of a dossier, projected out of the workflow so inboxes are plain queries."""

    __tablename__ = "human_tasks"
    __table_args__ = (
        # The inbox reads only open steps, most urgent first: index just those.
        Index("ix_human_tasks_open_inbox", "department_code", "due_at", "id",
              postgresql_where=text("state IN ('ready', 'claimed')"),
              sqlite_where=text("state IN ('ready', 'claimed')")),
        Index("ix_human_tasks_completed_at", "completed_at"),
        # Completed steps the step-timing rollups do not hold yet: the worker's queue.
        Index("ix_human_tasks_to_roll_up", "completed_at",
              postgresql_where=text("state = 'completed' AND NOT in_rollup"),
              sqlite_where=text("state = 'completed' AND NOT in_rollup")),
        Index("ix_human_tasks_assignee", "assignee_id", "state"),
        Index("ix_human_tasks_dossier", "dossier_id", "state"),
        # Which dossiers a department has or had a step in: the access policy's list filter.
        Index("ix_human_tasks_department_dossier", "department_code", "dossier_id"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id"))
    dossier_code: Mapped[str] = mapped_column(String(64))
    workflow_task_id: Mapped[str] = mapped_column(String(36), unique=True)
    step: Mapped[str] = mapped_column(String(100))
    step_name: Mapped[str] = mapped_column(String(300))
    department_code: Mapped[str] = mapped_column(ForeignKey("departments.code"))
    required_role: Mapped[str | None] = mapped_column(String(32), nullable=True)
    form_key: Mapped[str] = mapped_column(String(200))
    budget_hours: Mapped[float] = mapped_column()
    counted: Mapped[bool] = mapped_column(default=True)
    state: Mapped[str] = mapped_column(String(16))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    completed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    form_data: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    remind_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    outcome: Mapped[str | None] = mapped_column(String(8), nullable=True)
    # Working hours from ready to claimed and from claimed to completed, fixed when they end
    # so reports aggregate in SQL instead of replaying the calendar per row.
    waited_hours: Mapped[float | None] = mapped_column(nullable=True)
    worked_hours: Mapped[float | None] = mapped_column(nullable=True)
    # Set in the transaction that adds the completed step to the step-timing rollups.
    in_rollup: Mapped[bool] = mapped_column(default=False, server_default=false())

    assignee: Mapped[User | None] = relationship(foreign_keys=[assignee_id], lazy="joined")


class StepTimingRollup(Base):
    """Completed steps of one procedure step on one local day or month, added up.

    Counts and sums are exact; waited and worked hours are also kept as histograms of
    hundredths of an hour ({"150": 3} = three steps of 1.50 h) for medians and percentiles.
    """

    __tablename__ = "step_timing_rollups"

    span: Mapped[str] = mapped_column(String(5), primary_key=True)  # "day" or "month"
    starts_on: Mapped[date] = mapped_column(Date, primary_key=True)
    procedure_code: Mapped[str] = mapped_column(String(32), primary_key=True)
    step: Mapped[str] = mapped_column(String(100), primary_key=True)
    department_code: Mapped[str] = mapped_column(String(32), primary_key=True)
    counted: Mapped[bool] = mapped_column(primary_key=True)
    step_name: Mapped[str] = mapped_column(String(300))
    completed: Mapped[int] = mapped_column(default=0)
    waited_count: Mapped[int] = mapped_column(default=0)
    waited_sum: Mapped[float] = mapped_column(default=0.0)
    worked_count: Mapped[int] = mapped_column(default=0)
    worked_sum: Mapped[float] = mapped_column(default=0.0)
    budget_sum: Mapped[float] = mapped_column(default=0.0)
    late: Mapped[int] = mapped_column(default=0)
    waited_histogram: Mapped[dict] = mapped_column(JSON, default=dict)
    worked_histogram: Mapped[dict] = mapped_column(JSON, default=dict)


class Incident(Base):
    """An engine failure on a dossier; the dossier stays at its last committed state."""

    __tablename__ = "incidents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dossier_id: Mapped[int | None] = mapped_column(ForeignKey("dossiers.id"), nullable=True)
    step: Mapped[str | None] = mapped_column(String(100), nullable=True)
    error_type: Mapped[str] = mapped_column(String(200))
    message: Mapped[str] = mapped_column(Text)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime())
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class AuditEvent(Base):
    """One state change, chained to the previous event by hash so tampering is detectable.

    Writers append events unsealed (no seq, no hashes), so no writer waits for another; the
    sealer gives committed events their place in the chain and their hashes shortly after.
    """

    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_dossier", "dossier_code", "id"),
                      Index("ix_audit_events_unsealed", "id",
                            postgresql_where=text("seq IS NULL"), sqlite_where=text("seq IS NULL")))

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    seq: Mapped[int | None] = mapped_column(BigInteger().with_variant(Integer, "sqlite"),
                                            unique=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor: Mapped[str] = mapped_column(String(80))
    action: Mapped[str] = mapped_column(String(40))
    dossier_code: Mapped[str | None] = mapped_column(String(64), nullable=True)
    task_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    before: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    after: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    prev_hash: Mapped[str | None] = mapped_column(String(64))
    hash: Mapped[str | None] = mapped_column(String(64))


class PersonalDataRead(Base):
    """A staff member's read of a citizen's personal data in one dossier, kept for supervisors.

    Written in the reading request's transaction, outside the audit chain: reads are many.
    """

    __tablename__ = "personal_data_reads"
    __table_args__ = (Index("ix_personal_data_reads_dossier", "dossier_code", "id"),
                      Index("ix_personal_data_reads_actor", "actor", "id"),
                      Index("ix_personal_data_reads_occurred_at", "occurred_at"))

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor: Mapped[str] = mapped_column(String(80))
    dossier_code: Mapped[str] = mapped_column(String(64))
    view: Mapped[str] = mapped_column(String(32))


class AuditChainHead(Base):
    """The single row that records the chain's last sealed event; locking it serialises sealers."""

    __tablename__ = "audit_chain_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_seq: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"))
    last_hash: Mapped[str] = mapped_column(String(64))


class CalendarOverrideRow(Base):
    """A day whose working status an admin set, winning over holidays and weekends."""

    __tablename__ = "calendar_overrides"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    working: Mapped[bool] = mapped_column()
    note: Mapped[str] = mapped_column(String(300), default="")
    updated_by: Mapped[str] = mapped_column(String(80))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class DeadlineExtension(Base):
    """The one apology and new appointment the law allows a dossier (Form 04)."""

    __tablename__ = "deadline_extensions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id"), unique=True)
    reason: Mapped[str] = mapped_column(Text)
    apology: Mapped[str] = mapped_column(Text)
    signed_by: Mapped[str] = mapped_column(String(200))
    original_appointment_at: Mapped[datetime] = mapped_column(UTCDateTime())
    new_appointment_at: Mapped[datetime] = mapped_column(UTCDateTime())
    recorded_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Payment(Base):
    """What a dossier owes: its fee, the reference a transfer carries, and how it was settled.

    One per dossier, opened when the fee falls due (engine.payments); `state` is due, paid,
    refunded or waived, `channel` qr or cash once paid.
    """

    __tablename__ = "payments"
    __table_args__ = (Index("ix_payments_paid_at", "paid_at"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id"), unique=True)
    amount_vnd: Mapped[int] = mapped_column(BigInteger)
    state: Mapped[str] = mapped_column(String(16))
    reference: Mapped[str] = mapped_column(String(25), unique=True)
    channel: Mapped[str | None] = mapped_column(String(8), nullable=True)
    # The bank's id of the transfer that paid it; None for cash.
    transaction_id: Mapped[str | None] = mapped_column(String(64), unique=True, nullable=True)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # Who recorded a cash payment or a refund; None when the bank confirmed.
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    refunded_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    refund_reason: Mapped[str | None] = mapped_column(Text, nullable=True)


class HeldTransfer(Base):
    """A transfer the bank confirmed that could not be applied: held for reconciliation.

    Its reference matched no dossier, its amount was not the amount due, or nothing was due.
    Reception resolves it (engine.reconciliation): applied to a dossier's payment by hand, or
    dismissed with a reason; the row stays, so the same transaction sent again changes nothing.
    """

    __tablename__ = "held_transfers"
    __table_args__ = (Index("ix_held_transfers_received_at", "received_at"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    transaction_id: Mapped[str] = mapped_column(String(64), unique=True)
    amount_vnd: Mapped[int] = mapped_column(BigInteger)
    description: Mapped[str] = mapped_column(Text)
    paid_at: Mapped[datetime] = mapped_column(UTCDateTime())
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # unknown_reference, amount_mismatch or not_due.
    reason: Mapped[str] = mapped_column(String(32))
    payment_id: Mapped[int | None] = mapped_column(ForeignKey("payments.id"), nullable=True)
    # None while held; applied or dismissed once resolved, by whom, when, and why if dismissed.
    resolution: Mapped[str | None] = mapped_column(String(16), nullable=True)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    resolved_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    resolution_note: Mapped[str | None] = mapped_column(Text, nullable=True)


class Notification(Base):
    """A reminder, an escalation or a word to a citizen waiting in the outbox for delivery."""

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_recipient", "recipient_id", "created_at"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    # A member of staff, or None for a citizen reached at `contact` (an email or a phone).
    recipient_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    contact: Mapped[str | None] = mapped_column(String(254), nullable=True)
    dossier_code: Mapped[str] = mapped_column(String(64))
    task_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    message: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class ProcedureVersion(Base):
    """One version of a procedure's model: a draft, the published one, or a retired one."""

    __tablename__ = "procedure_versions"
    __table_args__ = (
        Index("ix_procedure_versions_code_number", "procedure_code", "number", unique=True),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    procedure_code: Mapped[str] = mapped_column(String(32))
    number: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(16))
    spec_hash: Mapped[str] = mapped_column(ForeignKey("workflow_specs.hash"))
    meta: Mapped[dict] = mapped_column(JSON)
    forms: Mapped[dict] = mapped_column(JSON, default=dict)
    author: Mapped[str] = mapped_column(String(80))
    change_note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class FormSchema(Base):
    """A step form published with a procedure version, beside the files under forms/."""

    __tablename__ = "form_schemas"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    schema: Mapped[dict] = mapped_column(JSON)
    published_at: Mapped[datetime] = mapped_column(UTCDateTime())


class RateLimitCounter(Base):
    """The requests one client or one dossier made in one fixed window of the rate limiter."""

    __tablename__ = "rate_limit_counters"
    __table_args__ = (Index("ix_rate_limit_counters_expires_at", "expires_at"),)

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    hits: Mapped[int] = mapped_column(Integer)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())


def _to_utc(_target, value, _old, _initiator):
    """Keep UTC in memory too, so an object read after COMMIT says what the row says."""
    return as_utc(value) if isinstance(value, datetime) else value


for _mapper in Base.registry.mappers:
    for _column in _mapper.columns:
        if isinstance(_column.type, UTCDateTime):
            event.listen(getattr(_mapper.class_, _mapper.get_property_by_column(_column).key),
                         "set", _to_utc, retval=True)
