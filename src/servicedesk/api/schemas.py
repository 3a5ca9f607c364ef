"""The shapes the API reads and writes; text fields refuse what no database can store."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from django.utils import timezone
from ninja import Field, Schema
from pydantic import AfterValidator, AliasPath, BaseModel, BeforeValidator, ConfigDict

from servicedesk.core.labels import agent_name
from servicedesk.policy import Channel, EntryKind, Priority, SupportType

MAX_ID = 2**63 - 1  # a database id; a larger number names nothing
PAGE_MAX = 200


def _storable(value: str) -> str:
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("must be valid Unicode (no lone surrogates)") from None
    return value


def _aware(value: datetime) -> datetime:
    """A time without an offset is Europe/Amsterdam local time, as the desk's forms read it."""
    return timezone.make_aware(value) if timezone.is_naive(value) else value


def _within_years(value: datetime) -> datetime:
    if not 1900 <= value.year <= 2200:
        raise ValueError("must lie between 1900 and 2200")
    return value


Text = Annotated[str, AfterValidator(_storable)]
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
Moment = Annotated[datetime, AfterValidator(_within_years), AfterValidator(_aware)]


def short(n: int):
    return Annotated[str, Field(max_length=n), AfterValidator(_storable)]


# -- customers -----------------------------------------------------------------------------------------------------


class CustomerOut(Schema):
    id: int
    name: str
    code: str
    street: str
    postal_code: str
    city: str
    main_contact_id: int | None
    billing_email: str
    vat_number: str
    payment_days: int


class ContactOut(Schema):
    id: int
    customer_id: int
    name: str
    email: str
    language: str
    phones: list[str]
    may_report: bool
    may_raise_priority: bool
    sees_all_tickets: bool
    active: bool

    @staticmethod
    def resolve_phones(obj) -> list[str]:
        return [phone.number for phone in obj.phones.all()]


class RightsIn(Schema):
    reason: short(500) = ""
    may_report: bool | None = None
    may_raise_priority: bool | None = None
    sees_all_tickets: bool | None = None


class MatrixItemOut(Schema):
    id: int
    customer_id: int
    name: str
    description: str
    active: bool


# -- tickets -------------------------------------------------------------------------------------------------------


def _all(related) -> list:
    """A relation's rows (a list as it is: rows the caller has, e.g. a ticket just opened)."""
    return related if isinstance(related, list) else list(related.all())


UserName = Annotated[str | None, BeforeValidator(agent_name)]


# A ticket as lists show it: plain pydantic, read from the model's attributes (the names through their relations).
# Not a ninja `Schema`: that reads every attribute through its resolver look-up, which costs a list page several
# times what plain pydantic does. No docstring: it would be the schema's description in the OpenAPI document.
class TicketOut(BaseModel):
    model_config = ConfigDict(from_attributes=True, populate_by_name=True)

    id: int
    subject: str
    status: str
    customer_id: int
    customer_name: str = Field(validation_alias=AliasPath("customer", "name"))
    reporter_id: int
    reporter_name: str = Field(validation_alias=AliasPath("reporter", "name"))
    assignee_id: int | None
    assignee_name: UserName = Field(validation_alias="assignee")
    support_type: SupportType
    priority: Priority
    critical: bool
    channel: Channel
    reported_at: datetime
    response_due: datetime
    best_effort: bool
    responded_at: datetime | None
    response_met: bool | None


class TicketPage(Schema):
    tickets: list[TicketOut]
    next_cursor: str | None  # give as `cursor` for the next page; null on the last


# Plain pydantic read from attributes, as `TicketOut`: a ticket's read serializes every message and event.
class MessageOut(BaseModel):
    model_config = ConfigDict(from_attributes=True, populate_by_name=True)

    id: int
    kind: str
    author: str = Field(validation_alias="author_name")
    body: str
    created_at: datetime


class EventOut(BaseModel):
    model_config = ConfigDict(from_attributes=True, populate_by_name=True)

    id: int
    at: datetime
    kind: str
    actor: str | None = Field(validation_alias="actor_name")
    field: str
    old_value: str
    new_value: str
    reason: str


class LineOut(Schema):
    """A priced line: the engine's answer for one time entry (amounts in euro, two decimals, without VAT)."""

    kind: str
    minutes: int
    billed_minutes: int
    amount: str


class TimeEntryOut(Schema):
    id: int
    ticket_id: int
    agent_id: int
    kind: EntryKind
    start: datetime
    minutes: int
    description: str
    billed: bool
    price: LineOut | None = None


class TicketDetail(TicketOut):
    requested_priority: Priority
    proposed_support_type: SupportType
    support_type_confirmed: bool
    matrix_item_id: int | None
    diagnosis: str
    closed_at: datetime | None
    # Read from the rows `ticket_for_desk` sets on the ticket (or given by name, for a ticket just opened).
    messages: Annotated[list[MessageOut], BeforeValidator(_all)] = Field(validation_alias="message_list")
    events: Annotated[list[EventOut], BeforeValidator(_all)] = Field(validation_alias="event_list")
    # Set by the API's ticket views: each entry with its price, and the price of all time so far (euro, no VAT).
    time_entries: list[TimeEntryOut] = Field(validation_alias="priced_entries")
    total: str = Field(validation_alias="priced_total")


class TicketIn(Schema):
    contact_id: Id
    subject: short(300)
    body: Text
    channel: Channel
    priority: Priority = Priority.STANDARD
    support_type: SupportType | None = None  # unset: managed with a matrix item, else functional
    matrix_item_id: Id | None = None
    critical: bool = False


class ReplyIn(Schema):
    body: Text
    wait_for_customer: bool = False


class NoteIn(Schema):
    body: Text


class ClassifyIn(Schema):
    reason: short(500)
    support_type: SupportType | None = None
    priority: Priority | None = None
    critical: bool | None = None
    matrix_item_id: Id | None = None  # null clears the service; leaving it out keeps it


class AssignIn(Schema):
    assignee_id: Id | None  # null: nobody


class StatusIn(Schema):
    status: str = Field(pattern="^(new|open|waiting|closed)$")
    reason: short(500) = ""


class RespondIn(Schema):
    diagnosis: Text


class TimeEntryIn(Schema):
    kind: EntryKind = EntryKind.WORK
    start: Moment
    minutes: int = Field(ge=1, le=24 * 60)
    description: Text = ""
    without_notice: bool = False  # record after-hours work the customer was not told the rate of


class TimeEntryCreated(Schema):
    entry: TimeEntryOut
    ticket_total_before: str
    ticket_total_after: str


class CorrectionIn(Schema):
    reason: short(500)
    kind: EntryKind | None = None
    start: Moment | None = None
    minutes: int | None = Field(default=None, ge=1, le=24 * 60)
    description: Text | None = None


class RefusedReportOut(Schema):
    id: int
    channel: Channel
    reason: str
    customer_id: int | None
    contact_id: int | None
    sender: str
    subject: str
    body: str
    received_at: datetime
    accepted_ticket_id: int | None
    dismissed_reason: str
    handled_at: datetime | None


class RefusedPage(Schema):
    reports: list[RefusedReportOut]
    next_cursor: str | None


# -- billing -------------------------------------------------------------------------------------------------------


class InvoiceLineOut(Schema):
    """A line: a ticket's (`ticket_id`) or a contract line's fee for a period (`contract_line_id`, the period)."""

    id: int
    ticket_id: int | None
    contract_line_id: int | None
    period_start: date | None
    period_end: date | None
    time_entry_id: int | None
    kind: str
    start: datetime | None
    agent: str
    description: str
    minutes: int
    billed_minutes: int
    hourly_rate: str | None
    amount_cents: int
    prepaid_cents: int  # what prepaid bundles paid of it
    free_reason: str
    late: bool
    corrects_id: int | None

    @staticmethod
    def resolve_hourly_rate(obj) -> str | None:
        return None if obj.hourly_rate is None else f"{obj.hourly_rate:.2f}"


class InvoiceOut(Schema):
    """An invoice, or a specification (no number: nothing to pay); amounts in cents."""

    id: int
    number: str | None
    status: str
    customer_id: int
    run_id: int
    issued_at: datetime
    subtotal_cents: int
    vat_percent: str
    vat_cents: int
    total_cents: int
    prepaid_cents: int  # what prepaid bundles paid of the lines; with prepaid_vat_cents, deducted from the total
    prepaid_vat_cents: int
    payable_cents: int
    credits_id: int | None

    @staticmethod
    def resolve_vat_percent(obj) -> str:
        return f"{obj.vat_percent:.2f}"


class InvoiceDetail(InvoiceOut):
    lines: list[InvoiceLineOut]

    @staticmethod
    def resolve_lines(obj) -> list:
        return obj.lines_in_order


class InvoicePage(Schema):
    invoices: list[InvoiceOut]
    next_cursor: str | None


# -- what-if -------------------------------------------------------------------------------------------------------


class DeadlineIn(Schema):
    """As `servicedesk policy deadline`: times without an offset are Europe/Amsterdam local time."""

    support_type: str
    priority: str
    reported: str
    channel: str | None = None
    service_levels: dict | None = None


class DeadlineOut(Schema):
    support_type: str
    priority: str
    reported: str
    response_due: str
    best_effort: bool


class EntryIn(Schema):
    kind: str
    start: str
    minutes: int


class PriceIn(Schema):
    """As `servicedesk policy price`."""

    support_type: str
    priority: str
    channel: str | None = None
    critical: bool | None = None
    entries: list[EntryIn]
    service_levels: dict | None = None


class PriceLineOut(Schema):
    kind: str
    start: str | None
    minutes: int
    billed_minutes: int
    amount: str


class PriceOut(Schema):
    total: str
    currency: str
    free_reason: str | None
    lines: list[PriceLineOut]


# -- monitoring alerts ---------------------------------------------------------------------------------------------


class AlertIn(Schema):
    """One alert of a monitoring tool. Alerts of one customer under one `dedupe_key` are one ticket while it
    is open; `state: resolved` ends the alert."""

    customer: short(40)  # the customer's code
    matrix_item_id: Id | None = None  # the service of the customer's matrix the alert is about
    severity: Literal["critical", "major", "minor", "warning", "info"]
    dedupe_key: short(200) = Field(min_length=1)
    state: Literal["firing", "resolved"] = "firing"
    summary: short(300) = Field(min_length=1)
    details: Text = ""


class AlertOut(Schema):
    action: Literal["opened", "appended", "storm", "resolved", "closed", "ignored"]
    alert_id: int | None
    ticket_id: int | None


# -- webhooks ------------------------------------------------------------------------------------------------------

WebhookEvent = Literal[
    "ticket.created",
    "ticket.updated",
    "ticket.response_due_soon",
    "ticket.breached",
    "message.received",
    "time_entry.created",
    "invoice.issued",
    "refused_report.created",
]


class WebhookIn(Schema):
    url: short(500)
    events: list[WebhookEvent] = Field(min_length=1, max_length=8)


class WebhookOut(Schema):
    id: int
    url: str
    events: list[WebhookEvent]
    state: Literal["active", "paused", "disabled", "deleted"]
    owner_id: int
    created_at: datetime
    failing_since: datetime | None
    disabled_at: datetime | None

    @staticmethod
    def resolve_events(obj) -> list[str]:
        return obj.event_list


class WebhookCreated(WebhookOut):
    secret: str  # shown this once: the receiver checks each delivery's signature with it


class WebhookDeliveryOut(Schema):
    id: int
    event_id: str
    event_type: WebhookEvent
    object_id: int
    ticket_id: int | None
    occurred_at: datetime
    status: Literal["pending", "delivered", "cancelled"]
    attempts: int
    last_attempt_at: datetime | None
    response_code: int | None
    last_error: str
    delivered_at: datetime | None

    @staticmethod
    def resolve_event_id(obj) -> str:
        return str(obj.event_id)


class WebhookDeliveryPage(Schema):
    deliveries: list[WebhookDeliveryOut]
    next_cursor: str | None
