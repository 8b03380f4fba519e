"""Request and response bodies of the REST API."""

from datetime import UTC, date, datetime
from http import HTTPStatus

from apispec import BasePlugin
from marshmallow import Schema, ValidationError, fields, validate, validates_schema
from marshmallow.utils import get_value

from engine.statuses import Channel, DossierStatus, TaskState

PAGE_SIZE_MAX = 200
# The integers the database holds: user ids and version numbers are 32-bit on PostgreSQL,
# ids of dossiers and steps 64-bit. A larger number is refused before it reaches a query.
INTEGER_MAX = 2**31 - 1
# Days and moments a request may name: wide enough for any dossier, and away from the ends
# of the calendar, where converting between zones overflows.
DAYS = validate.Range(min=date(2000, 1, 1), max=date(2099, 12, 31),
                      error="give a day from {min} to {max}")
MOMENTS = validate.Range(min=datetime(2000, 1, 1, tzinfo=UTC),
                         max=datetime(2100, 1, 1, tzinfo=UTC),
                         error="give a moment from {min} to {max}")
BIG_INTEGER_MAX = 2**63 - 1


class ErrorBodySchema(Schema):
    """What went wrong and what to do about it."""

    status = fields.Integer(required=True, metadata={"description": "the HTTP status"})
    code = fields.String(required=True, metadata={
        "description": "why, for programs: e.g. task_already_claimed, invalid_request"})
    message = fields.String(required=True, metadata={
        "description": "why, for people, in the language Accept-Language prefers (vi or en; "
                       "Vietnamese by default)"})
    details = fields.Dict(required=True, metadata={
        "description": "more about it: `reason` where one code covers several conditions, "
                       "the message's parameters, and for invalid input `fields` as "
                       "[{field, message}] (form data adds jsonschema's `code`)"})


class ErrorSchema(Schema):
    """The one shape of every failure; documents the answers, never loads or dumps them."""

    error = fields.Nested(ErrorBodySchema, required=True)


class ErrorResponsesPlugin(BasePlugin):
    """Document the errors every operation of a kind answers with, besides `default`."""

    def operation_helper(self, path=None, operations=None, **kwargs):
        """Add 401 to operations that need a token, 400 and 413 to those that take a body."""
        for operation in (operations or {}).values():
            responses = operation.setdefault("responses", {})
            if operation.get("security") != []:
                responses.setdefault("401", HTTPStatus.UNAUTHORIZED.name)
            if "requestBody" in operation:
                responses.setdefault("400", HTTPStatus.BAD_REQUEST.name)
                responses.setdefault("413", HTTPStatus(413).name)


class PageQuery(Schema):
    """Pagination of a list."""

    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=INTEGER_MAX))
    page_size = fields.Integer(load_default=50, validate=validate.Range(min=1, max=PAGE_SIZE_MAX))


class PeriodQuery(PageQuery):
    """A page of a log narrowed to the period [since, until)."""

    since = fields.AwareDateTime(validate=MOMENTS,
                                  metadata={"description": "events at or after this moment"})
    until = fields.AwareDateTime(validate=MOMENTS,
                                  metadata={"description": "events before this moment"})

    @validates_schema
    def _period_in_order(self, data, **_kwargs):
        since, until = data.get("since"), data.get("until")
        if since is not None and until is not None and since >= until:
            raise ValidationError("until must come after since", field_name="until")


class StepSchema(Schema):
    """A human step of a procedure's model."""

    id = fields.String()
    name = fields.String()
    department = fields.String()
    role = fields.String(allow_none=True)
    budget_hours = fields.Float()
    counted = fields.Boolean()
    form = fields.String()


class ProcedureSummarySchema(Schema):
    """A procedure in the list the center posts."""

    code = fields.String()
    name_vi = fields.String()
    name_en = fields.String()
    department = fields.String(attribute="department_code")
    deadline = fields.Dict(attribute="meta.deadline")
    fee = fields.Dict(attribute="meta.fee")


class ProcedureSchema(ProcedureSummarySchema):
    """A procedure with its documents, intake form and steps."""

    required_documents = fields.List(fields.Dict(), attribute="meta.required_documents")
    legal_basis = fields.List(fields.String(), attribute="meta.legal_basis")
    intake_form = fields.String(attribute="meta.intake_form")
    intake_schema = fields.Dict()
    model_hash = fields.String(attribute="spec_hash")
    steps = fields.List(fields.Nested(StepSchema))


class ApplicantSchema(Schema):
    """The citizen or organisation submitting the dossier."""

    full_name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    id_number = fields.String(required=True, validate=validate.Regexp(
        r"^(\d{9}|\d{12})$", error="a citizen ID has 12 digits (or 9 for an old ID card)"))
    phone = fields.String(validate=validate.Regexp(r"^\+?\d{9,15}$"))
    email = fields.Email()
    address = fields.String(validate=validate.Length(max=500))


class ComponentsSchema(Schema):
    """How the components were handled at receipt, for the digitisation reports."""

    total = fields.Integer(required=True, validate=validate.Range(min=0, max=1000))
    digitised = fields.Integer(load_default=0, validate=validate.Range(min=0, max=1000),
                               metadata={"description": "scanned and signed at receipt"})
    reused = fields.Integer(load_default=0, validate=validate.Range(min=0, max=1000),
                            metadata={"description": "taken from earlier dossiers or national "
                                                     "databases instead of collected"})


class ReceiveDossierSchema(Schema):
    """What reception enters when a complete dossier is received."""

    procedure_code = fields.String(required=True, validate=validate.Length(min=1, max=32))
    applicant = fields.Nested(ApplicantSchema, required=True)
    channel = fields.Integer(load_default=int(Channel.COUNTER),
                             validate=validate.OneOf([int(c) for c in Channel]),
                             metadata={"description": "1 counter, 2 online, 3 post"})
    form_data = fields.Dict(load_default=dict,
                            metadata={"description": "the procedure's intake form"})
    components = fields.Nested(ComponentsSchema, metadata={
        "description": "default: the procedure's required documents, none digitised"})


class TaskSchema(Schema):
    """A human step of a dossier."""

    id = fields.Integer()
    dossier_code = fields.String()
    step = fields.String()
    step_name = fields.String()
    department = fields.String(attribute="department_code")
    required_role = fields.String(allow_none=True)
    form = fields.String(attribute="form_key")
    state = fields.String(validate=validate.OneOf([s.value for s in TaskState]))
    assignee = fields.Method("_assignee")
    budget_hours = fields.Float()
    counted = fields.Boolean()
    created_at = fields.DateTime()
    claimed_at = fields.DateTime(allow_none=True)
    completed_at = fields.DateTime(allow_none=True)
    due_at = fields.DateTime(allow_none=True)
    remaining_working_hours = fields.Float(
        allow_none=True, metadata={"description": "negative once overdue; null when closed"})
    overdue = fields.Boolean()
    outcome = fields.String(allow_none=True, metadata={"description": "early, on_time or late"})

    def _assignee(self, task) -> str | None:
        user = get_value(task, "assignee")
        return user.username if user else None


class NextStepSchema(Schema):
    """A step the dossier waits on now: enough for a client to pick who works it."""

    id = fields.Integer()
    step = fields.String()
    name = fields.String(attribute="step_name")
    department = fields.String(attribute="department_code")
    required_role = fields.String(allow_none=True)
    state = fields.String(validate=validate.OneOf([s.value for s in TaskState]))
    due_at = fields.DateTime(allow_none=True)


class CompletedTaskSchema(TaskSchema):
    """A completed step with the dossier's steps open after it (none once it is finished)."""

    next_steps = fields.List(fields.Nested(NextStepSchema))


class TaskDetailSchema(TaskSchema):
    """A step with its form's schema and submitted data."""

    form_schema = fields.Dict()
    form_data = fields.Dict(allow_none=True)


class DossierStatusFields(Schema):
    """A dossier's status with its labels."""

    status = fields.Integer(metadata={"description": "DVCQG status code"})
    status_label_vi = fields.Method("_label_vi")
    status_label_en = fields.Method("_label_en")

    def _label_vi(self, obj) -> str:
        return DossierStatus(get_value(obj, "status")).label_vi

    def _label_en(self, obj) -> str:
        return DossierStatus(get_value(obj, "status")).label_en


class FeeLineSchema(Schema):
    """One line of a fee's computation; the lines add up to the fee."""

    label_vi = fields.String()
    quantity = fields.Integer()
    unit_vnd = fields.Integer(metadata={"description": "negative for a cap or an exemption"})
    subtotal_vnd = fields.Integer()


class FeeExemptionSchema(Schema):
    """The exemption a dossier's fee was waived under, and why."""

    code = fields.String()
    reason_vi = fields.String()


class FeeBasisSchema(Schema):
    """How a dossier's fee was computed under its version's fee rule (README "Fee rules")."""

    kind = fields.String(metadata={"description": "free, flat, per_page or free_within_days"})
    amount_vnd = fields.Integer()
    collect_at = fields.String(metadata={"description": "receipt, supplement or return"})
    lines = fields.List(fields.Nested(FeeLineSchema))
    exemption = fields.Nested(FeeExemptionSchema, allow_none=True)
    legal_basis_vi = fields.String()


class DossierSchema(DossierStatusFields):
    """A dossier as staff see it."""

    code = fields.String()
    procedure_code = fields.String()
    procedure_version = fields.Integer(metadata={
        "description": "the number of the procedure version the dossier runs: its deadline "
                       "rules, forms and fee are that version's, whatever was published "
                       "since, until a designer moves the dossier to another version"})
    channel = fields.Integer()
    applicant = fields.Dict()
    form_data = fields.Dict(attribute="intake")
    fee_vnd = fields.Integer(metadata={
        "description": "the fee assessed at receipt under the dossier's version, in đồng"})
    fee_basis = fields.Nested(FeeBasisSchema, allow_none=True, metadata={
        "description": "how fee_vnd was computed; null for dossiers received before fee "
                       "rules were data"})
    components_total = fields.Integer()
    components_digitised = fields.Integer()
    components_reused = fields.Integer()
    received_at = fields.DateTime()
    updated_at = fields.DateTime()
    finished_at = fields.DateTime(allow_none=True)
    appointment_at = fields.DateTime(allow_none=True,
                                     metadata={"description": "when the result is due"})
    remaining_working_hours = fields.Float(allow_none=True)
    overdue = fields.Boolean()
    clock_paused = fields.Boolean()
    processed_at = fields.DateTime(allow_none=True)
    outcome = fields.String(allow_none=True, metadata={"description": "early, on_time or late"})
    end_reason = fields.String(allow_none=True, metadata={
        "description": "when the dossier was withdrawn (7) or stopped (8): why"})
    open_steps = fields.List(fields.Nested(TaskSchema))


class ReceiptSchema(DossierSchema):
    """A received dossier with the PIN for the citizen's receipt slip (shown only now)."""

    pin = fields.String()
    pin_reissued = fields.Boolean(metadata={
        "description": "true when an Idempotency-Key replay answered an earlier receipt: "
                       "this PIN replaces the one issued before, which no longer works"})


class ReceiptHeaders(Schema):
    """The client's key that makes a retried receipt return the same dossier."""

    idempotency_key = fields.String(
        data_key="Idempotency-Key", validate=validate.Regexp(r"^[\x20-\x7e]{1,255}$", error=(
            "1 to 255 printable ASCII characters (a UUID is a good key)")),
        metadata={"description": "1 to 255 printable ASCII characters, kept 24 hours per user"})


class DossierListQuery(PageQuery):
    """Filters of the dossier list."""

    procedure_code = fields.String()
    status = fields.Integer(validate=validate.OneOf([int(s) for s in DossierStatus]))
    channel = fields.Integer(validate=validate.OneOf([int(c) for c in Channel]))
    received_from = fields.AwareDateTime(validate=MOMENTS)
    received_to = fields.AwareDateTime(validate=MOMENTS)
    query = fields.String(data_key="q", validate=validate.Length(min=1, max=200), metadata={
        "description": "a dossier code, the applicant's ID number (both exact), or the start "
                       "of the applicant's name, with or without diacritics: "
                       "'nguyen van b' finds 'Nguyễn Văn Bình'"})


class DossierListItemSchema(DossierSchema):
    """A dossier in a list, without its steps and version."""

    class Meta:
        exclude = ("open_steps", "procedure_version")


class DossierPageSchema(Schema):
    """One page of dossiers."""

    items = fields.List(fields.Nested(DossierListItemSchema))
    page = fields.Integer()
    page_size = fields.Integer()
    total = fields.Integer()


class HistoryEventSchema(Schema):
    """One audited change of a dossier."""

    id = fields.Integer(metadata={"description": "the order in which events were written"})
    seq = fields.Integer(allow_none=True, metadata={
        "description": "the event's place in the audit chain; null until the worker seals "
                       "it, within seconds"})
    occurred_at = fields.DateTime()
    actor = fields.String()
    action = fields.String()
    task_id = fields.Integer(allow_none=True)
    before = fields.Dict(allow_none=True)
    after = fields.Dict(allow_none=True)


class TaskListQuery(PageQuery):
    """Filters of the task inbox."""

    department = fields.String()
    state = fields.String(validate=validate.OneOf([s.value for s in TaskState]))
    assignee_id = fields.Integer(validate=validate.Range(min=1, max=INTEGER_MAX))
    dossier_code = fields.String()


class CompleteTaskSchema(Schema):
    """The step's form data."""

    form_data = fields.Dict(load_default=dict)


class AssignTaskSchema(Schema):
    """Who takes the step."""

    assignee_id = fields.Integer(required=True, validate=validate.Range(min=1, max=INTEGER_MAX))


PIN_HEADER = "X-Dossier-PIN"
PIN_FIELD = {"required": True, "validate": validate.Regexp(
    r"^\d{6}$", error="the PIN is the 6 digits printed on the receipt slip")}


class PublicLookupHeaders(Schema):
    """The PIN printed on the receipt slip, in a header so that it never reaches a URL."""

    pin = fields.String(data_key=PIN_HEADER, **PIN_FIELD)


class PublicLookupBody(Schema):
    """The PIN printed on the receipt slip."""

    pin = fields.String(**PIN_FIELD)


class PublicWithdrawalBody(PublicLookupBody):
    """The PIN printed on the receipt slip, and why the citizen withdraws (optional)."""

    reason = fields.String(load_default=None, validate=validate.Length(max=2000))


class WithdrawalSchema(Schema):
    """Why the citizen withdraws, if they said."""

    reason = fields.String(load_default=None, validate=validate.Length(max=2000))


class StopSchema(Schema):
    """Why processing stops: the citizen's stop notice (Form 05) states it."""

    reason = fields.String(required=True, validate=validate.Length(max=2000))


class OnlineSubmissionBody(Schema):
    """What a citizen submits online: the procedure, the intake form and how to reach them."""

    procedure_code = fields.String(required=True, validate=validate.Length(min=1, max=32))
    applicant = fields.Nested(ApplicantSchema, required=True, metadata={
        "description": "the applicant, with a phone or an email to be told of the answer"})
    form_data = fields.Dict(required=True, metadata={
        "description": "the procedure's intake form (the pinned version's JSON Schema)"})


class OnlineSubmissionReceipt(DossierStatusFields):
    """The code and PIN of an online submission (the PIN is shown only now)."""

    code = fields.String()
    pin = fields.String()
    procedure_code = fields.String()
    channel = fields.Integer(metadata={"description": "2: online"})
    submitted_at = fields.DateTime()
    verify_by = fields.DateTime(metadata={
        "description": "reception answers by then: 8 working hours after the submission"})


class CompletionBody(Schema):
    """The completed intake form of a submission reception asked to complete."""

    pin = fields.String(**PIN_FIELD)
    form_data = fields.Dict(required=True)


class WaitingSubmissionSchema(Schema):
    """An online submission waiting for reception."""

    code = fields.String(attribute="dossier.code")
    procedure_code = fields.String(attribute="dossier.procedure_code")
    applicant_name = fields.String(attribute="dossier.applicant.full_name")
    form_data = fields.Dict(attribute="dossier.intake")
    submitted_at = fields.DateTime()
    verify_by = fields.DateTime(metadata={"description": "8 working hours after submission"})


class AskToCompleteBody(Schema):
    """What the citizen must add or correct: one complete list, given once."""

    missing = fields.List(fields.String(validate=validate.Length(min=1, max=500)),
                          required=True, validate=validate.Length(min=1, max=50))


class RefuseSubmissionBody(Schema):
    """Why the submission is refused, as the citizen will read it."""

    reason = fields.String(required=True, validate=validate.Length(min=1, max=2000))


class ApologySchema(Schema):
    """The apology and extension letter (Form 04)."""

    reason = fields.String(required=True, validate=validate.Length(min=1, max=2000))
    apology = fields.String(required=True, validate=validate.Length(min=1, max=4000))
    signed_by = fields.String(required=True, validate=validate.Length(min=1, max=200),
                              metadata={"description": "the agency head who signs"})
    new_appointment_at = fields.AwareDateTime(required=True, validate=MOMENTS)


class ApologyLetterSchema(Schema):
    """Everything Form 04 prints."""

    agency_code = fields.String()
    procedure_code = fields.String()
    procedure_name_vi = fields.String()
    dossier_code = fields.String()
    citizen_full_name = fields.String()
    citizen_id_number = fields.String()
    original_appointment_at = fields.DateTime()
    new_appointment_at = fields.DateTime()
    reason = fields.String()
    apology = fields.String()
    signed_by = fields.String()
    recorded_at = fields.DateTime()


class NotificationQuery(PageQuery):
    """Filters of the notification outbox."""

    kind = fields.String()
    everyone = fields.Boolean(load_default=False,
                              metadata={"description": "supervisors: everyone's, not only yours"})


class NotificationSchema(Schema):
    """A reminder, an escalation, or a word to a citizen (no recipient user, a contact)."""

    id = fields.Integer()
    kind = fields.String()
    recipient_id = fields.Integer(allow_none=True)
    contact = fields.String(allow_none=True, metadata={
        "description": "for a citizen: the applicant's email, else phone"})
    dossier_code = fields.String()
    task_id = fields.Integer(allow_none=True)
    due_at = fields.DateTime(allow_none=True)
    message = fields.String()
    created_at = fields.DateTime()
    delivered_at = fields.DateTime(allow_none=True)


class PublicDossierSchema(DossierStatusFields):
    """What a citizen sees: no personal data."""

    code = fields.String()
    procedure_code = fields.String()
    procedure_name_vi = fields.String()
    received_at = fields.DateTime()
    appointment_at = fields.DateTime(allow_none=True)
    finished_at = fields.DateTime(allow_none=True)
    clock_paused = fields.Boolean()
    missing_documents = fields.List(fields.String(), metadata={
        "description": "while a supplement is requested: the documents the officer asked for"})
    refusal_reason = fields.String(allow_none=True, metadata={
        "description": "when the dossier was refused: the officer's reason"})
    end_reason = fields.String(allow_none=True, metadata={
        "description": "when the dossier was withdrawn (7) or stopped (8): why"})


class CatalogueQuery(Schema):
    """A search of the public catalogue."""

    q = fields.String(load_default="", validate=validate.Length(max=200), metadata={
        "description": "words of the name, code or field; case and accents are ignored "
                       "(`khai sinh` finds `Đăng ký khai sinh`)"})
    field = fields.String(load_default="", validate=validate.Length(max=200), metadata={
        "description": "only the procedures of this field (lĩnh vực), case and accents ignored"})


class CatalogueFieldSchema(Schema):
    """A field (lĩnh vực) of the catalogue and how many procedures it has."""

    field = fields.String()
    count = fields.Integer()


class RequiredDocumentSchema(Schema):
    """A document the citizen brings."""

    name_vi = fields.String()
    name_en = fields.String()
    original = fields.Boolean(metadata={"description": "the original is shown or handed in"})
    copies = fields.Integer(metadata={"description": "how many copies to hand in"})


class CatalogueEntrySchema(Schema):
    """A procedure as the public catalogue shows it."""

    code = fields.String()
    name_vi = fields.String()
    name_en = fields.String()
    department_code = fields.String(metadata={"description": "the department responsible"})
    field = fields.String(metadata={"description": "the catalogue's field (lĩnh vực); empty "
                                                   "for procedures not loaded from it"})
    level = fields.String(metadata={"description": "the level that handles it (cấp thực hiện)"})
    department_name_vi = fields.String()
    department_name_en = fields.String()
    required_documents = fields.List(fields.Nested(RequiredDocumentSchema))
    fee_kind = fields.String(metadata={"description": "free, flat, per_page or free_within_days"})
    fee_vnd = fields.Integer(allow_none=True, metadata={
        "description": "the fee every dossier pays, in đồng; null when it depends on the "
                       "dossier (pages, copies, a date): fee_text_vi says how it is computed"})
    fee_text_vi = fields.String(metadata={"description": "the fee and how it is computed"})
    fee_text_en = fields.String()
    deadline_working_days = fields.Integer(metadata={
        "description": "the statutory deadline in working days (0: the same working day)"})
    deadline_same_day = fields.Boolean()
    deadline_text_vi = fields.String()
    deadline_text_en = fields.String()
    online = fields.Boolean(metadata={
        "description": "accepted online: submit it with POST /api/v1/public/dossiers"})
