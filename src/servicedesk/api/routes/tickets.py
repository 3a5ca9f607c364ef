"""Tickets: the queues with filters and keyset pages, one ticket with its conversation and trail, and every
action of the desk's ticket page, each through the service the desk calls."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal

from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from servicedesk.api.auth import READ, WRITE
from servicedesk.api.errors import ApiRefusal, not_found
from servicedesk.api.routing import get, post
from servicedesk.api.schemas import (
    PAGE_MAX,
    AssignIn,
    ClassifyIn,
    CorrectionIn,
    Id,
    MessageOut,
    NoteIn,
    ReplyIn,
    RespondIn,
    StatusIn,
    TicketDetail,
    TicketIn,
    TicketOut,
    TicketPage,
    TimeEntryCreated,
    TimeEntryIn,
    TimeEntryOut,
)
from servicedesk.customers.models import Contact, ServiceMatrixItem
from servicedesk.policy.config import format_amount as amount_text
from servicedesk.tickets import services
from servicedesk.tickets.models import Ticket
from servicedesk.tickets.pricing import ticket_price
from servicedesk.tickets.selectors import QUEUES, decode_cursor, ticket_for_desk, ticket_queue

router = Router(tags=["tickets"])

Queue = Literal[QUEUES]  # type: ignore[valid-type]
TicketStatus = Literal["new", "open", "waiting", "closed"]


def _priced(ticket: Ticket) -> Ticket:
    """The ticket with its time entries priced: `priced_entries` (dicts) and `priced_total`."""
    entries = ticket.entry_list
    if not entries:  # nothing to price (a ticket just made): no policy look-up of the customer's service levels
        ticket.priced_entries, ticket.priced_total = [], amount_text(0)
        return ticket
    price = ticket_price(ticket, entries)
    ticket.priced_entries = [_entry_out(entry, line) for entry, line in zip(entries, price.lines, strict=False)]
    ticket.priced_total = amount_text(price.total_cents)
    return ticket


def _entry_out(entry, line) -> dict:
    return {
        "id": entry.pk,
        "ticket_id": entry.ticket_id,
        "agent_id": entry.agent_id,
        "kind": entry.kind,
        "start": entry.start,
        "minutes": entry.minutes,
        "description": entry.description,
        "billed": entry.is_billed,
        "price": {
            "kind": line.kind.value,
            "minutes": line.minutes,
            "billed_minutes": line.billed_minutes,
            "amount": amount_text(line.amount_cents),
        },
    }


def _ticket(ticket_id: int) -> Ticket:
    try:
        return ticket_for_desk(ticket_id)
    except Ticket.DoesNotExist:
        raise not_found() from None


def _detail(ticket_id: int) -> Ticket:
    return _priced(_ticket(ticket_id))


@get(router, "/tickets", ok=TicketPage, auth=READ)
def ticket_list(
    request,
    queue: Queue = "all",
    status: TicketStatus | None = None,
    customer_id: Id | None = None,
    assignee_id: Id | None = None,
    cursor: str | None = Query(None, max_length=100),
    limit: int = Query(50, ge=1, le=PAGE_MAX),
):
    """A page of tickets by response deadline (the desk's queues; `mine` is the token's agent's). Give the
    answer's `next_cursor` as `cursor` for the next page."""
    if cursor is not None and decode_cursor(cursor) is None:
        raise ApiRefusal(422, _("Not a cursor of this list; give next_cursor as it came."), field="cursor")
    page = ticket_queue(
        name=queue,
        user=request.user,
        now=timezone.now(),
        customer_id=customer_id,
        status=status,
        assignee_id=assignee_id,
        after=cursor,
        limit=limit,
    )
    return {"tickets": page.tickets, "next_cursor": page.next_cursor}


@get(router, "/tickets/{ticket_id}", ok=TicketDetail, auth=READ)
def ticket_read(request, ticket_id: Id):
    """A ticket with its messages (internal notes too), audit trail and priced time entries."""
    return _detail(ticket_id)


@post(router, "/tickets", ok=TicketDetail, auth=WRITE, status=201)
def ticket_create(request, payload: TicketIn):
    """Open a ticket for a contact, as the desk's phone intake does; a contact who may not report is refused
    (403) and the attempt is recorded as a refused report."""
    reporter = Contact.objects.select_related("customer").filter(pk=payload.contact_id).first()
    if reporter is None:
        raise ApiRefusal(422, _("No contact with this id."), field="contact_id")
    item = None
    if payload.matrix_item_id is not None:
        item = ServiceMatrixItem.objects.filter(pk=payload.matrix_item_id, active=True).first()
        if item is None:
            raise ApiRefusal(422, _("No active service with this id."), field="matrix_item_id")
    opened = services.ticket_open(
        reporter=reporter,
        subject=payload.subject,
        body=payload.body,
        channel=payload.channel,
        support_type=payload.support_type,
        priority=payload.priority,
        matrix_item=item,
        critical=payload.critical,
        actor=request.user,
    )
    return Status(201, _opened(opened))


def _opened(opened) -> TicketDetail:
    """A ticket just opened, answered from the rows `ticket_open` wrote (no time entries yet), not read back."""
    ticket = opened.ticket
    # Times as a read gives them, in UTC (the deadline was computed in Amsterdam time).
    listed = {
        name: value.astimezone(UTC) if isinstance(value, datetime) else value
        for name, value in TicketOut.model_validate(ticket).model_dump().items()
    }
    return TicketDetail(
        **listed,
        requested_priority=ticket.requested_priority,
        proposed_support_type=ticket.proposed_support_type,
        support_type_confirmed=ticket.support_type_confirmed,
        matrix_item_id=ticket.matrix_item_id,
        diagnosis=ticket.diagnosis,
        closed_at=ticket.closed_at,
        messages=[opened.message],
        events=opened.events,
        time_entries=[],
        total=amount_text(0),
    )


@post(router, "/tickets/{ticket_id}/replies", ok=MessageOut, auth=WRITE, status=201)
def reply(request, payload: ReplyIn, ticket_id: Id):
    """A reply mailed to the reporter (and the copied contacts)."""
    message = services.ticket_reply(
        ticket=_ticket(ticket_id), actor=request.user, body=payload.body, wait_for_customer=payload.wait_for_customer
    )
    return Status(201, message)


@post(router, "/tickets/{ticket_id}/notes", ok=MessageOut, auth=WRITE, status=201)
def note(request, payload: NoteIn, ticket_id: Id):
    """An internal note: agents only, never mailed."""
    return Status(201, services.ticket_note(ticket=_ticket(ticket_id), actor=request.user, body=payload.body))


@post(router, "/tickets/{ticket_id}/classification", ok=TicketDetail, auth=WRITE)
def classify(request, payload: ClassifyIn, ticket_id: Id):
    """Confirm or change type, priority, critical and the service; the reason is told to the customer."""
    ticket = _ticket(ticket_id)
    item = services.KEEP
    if "matrix_item_id" in payload.model_fields_set:
        item = None
        if payload.matrix_item_id is not None:
            item = ticket.customer.matrix_items.filter(pk=payload.matrix_item_id, active=True).first()
            if item is None:
                raise ApiRefusal(422, _("Not an active service of this customer."), field="matrix_item_id")
    services.ticket_classify(
        ticket=ticket,
        actor=request.user,
        reason=payload.reason,
        support_type=payload.support_type,
        priority=payload.priority,
        critical=payload.critical,
        matrix_item=item,
    )
    return _detail(ticket_id)


@post(router, "/tickets/{ticket_id}/assignment", ok=TicketDetail, auth=WRITE)
def assign(request, payload: AssignIn, ticket_id: Id):
    ticket = _ticket(ticket_id)
    assignee = None
    if payload.assignee_id is not None:
        agents = get_user_model().objects.filter(is_staff=True, is_active=True)
        assignee = agents.filter(pk=payload.assignee_id).first()
        if assignee is None:
            raise ApiRefusal(422, _("Choose an active agent."), field="assignee_id")
    services.ticket_assign(ticket=ticket, actor=request.user, assignee=assignee)
    return _detail(ticket_id)


@post(router, "/tickets/{ticket_id}/status", ok=TicketDetail, auth=WRITE)
def set_status(request, payload: StatusIn, ticket_id: Id):
    """Move the ticket to another status; reopening a closed ticket needs a reason."""
    ticket = _ticket(ticket_id)
    if ticket.status == Ticket.Status.CLOSED and payload.status != Ticket.Status.CLOSED:
        services.ticket_reopen(ticket=ticket, actor=request.user, reason=payload.reason)
    else:
        services.ticket_set_status(ticket=ticket, actor=request.user, status=payload.status, reason=payload.reason)
    return _detail(ticket_id)


@post(router, "/tickets/{ticket_id}/response", ok=TicketDetail, auth=WRITE)
def respond(request, payload: RespondIn, ticket_id: Id):
    """Record the response (the diagnosis): the moment the response deadline is measured against."""
    services.ticket_respond(ticket=_ticket(ticket_id), actor=request.user, diagnosis=payload.diagnosis)
    return _detail(ticket_id)


@get(router, "/tickets/{ticket_id}/time-entries", ok=list[TimeEntryOut], auth=READ)
def time_entries(request, ticket_id: Id):
    """The ticket's time entries, each with its price under the policy in force."""
    return _detail(ticket_id).priced_entries


@post(router, "/tickets/{ticket_id}/time-entries", ok=TimeEntryCreated, auth=WRITE, status=201)
def time_entry_add(request, payload: TimeEntryIn, ticket_id: Id):
    """Record time; the answer prices it and says what it adds to the ticket. Billable work after hours whose
    rate the customer was not told is refused unless `without_notice`."""
    ticket = _detail(ticket_id)
    before = ticket.priced_total
    entry = services.time_entry_add(
        ticket=ticket,
        agent=request.user,
        kind=payload.kind,
        start=payload.start,
        minutes=payload.minutes,
        description=payload.description,
        require_rate_notice=not payload.without_notice,
    )
    after = _detail(ticket_id)
    created = next(row for row in after.priced_entries if row["id"] == entry.pk)
    return Status(201, {"entry": created, "ticket_total_before": before, "ticket_total_after": after.priced_total})


@post(router, "/tickets/{ticket_id}/time-entries/{entry_id}/corrections", ok=TimeEntryOut, auth=WRITE)
def time_entry_correct(request, payload: CorrectionIn, ticket_id: Id, entry_id: Id):
    """Correct an unbilled entry (recorded old → new with the reason); a billed entry is locked (400)."""
    ticket = _ticket(ticket_id)
    entry = next((e for e in ticket.entry_list if e.pk == entry_id), None)
    if entry is None:
        raise not_found()
    services.time_entry_correct(
        entry=entry,
        actor=request.user,
        reason=payload.reason,
        kind=payload.kind,
        start=payload.start,
        minutes=payload.minutes,
        description=payload.description,
    )
    return next(row for row in _detail(ticket_id).priced_entries if row["id"] == entry_id)
