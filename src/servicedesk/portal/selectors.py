"""What a contact may see: their own tickets, or all of their organisation's when they may see those."""

from __future__ import annotations

from django.db.models import F, Q, QuerySet
from django.http import Http404

from servicedesk.core.numbers import id_from
from servicedesk.customers.models import Contact
from servicedesk.tickets.models import Attachment, Message, Ticket, TicketEvent
from servicedesk.tickets.selectors import decode_cursor, encode_cursor

PUBLIC_MESSAGE_KINDS = (Message.Kind.INCOMING, Message.Kind.REPLY)
PUBLIC_EVENT_KINDS = (TicketEvent.Kind.CREATED, TicketEvent.Kind.CLASSIFIED, TicketEvent.Kind.PRIORITY_LOWERED)


def visible_tickets(contact: Contact) -> QuerySet[Ticket]:
    tickets = Ticket.objects.filter(customer_id=contact.customer_id)
    if not contact.sees_all_tickets:
        tickets = tickets.filter(reporter=contact)
    return tickets


def ticket_for_contact(contact: Contact, ticket_id: int) -> Ticket:
    """The ticket, or 404: another organisation's ticket (or a colleague's, without the right) does not exist."""
    ticket = visible_tickets(contact).select_related("reporter", "matrix_item").filter(pk=ticket_id).first()
    if ticket is None:
        raise Http404
    return ticket


def public_messages(ticket: Ticket) -> QuerySet[Message]:
    """The conversation as the customer sees it: never internal notes."""
    return (
        ticket.messages.filter(kind__in=PUBLIC_MESSAGE_KINDS)
        .select_related("author_contact", "author_user")
        .prefetch_related("attachments")
        .order_by("created_at", "id")
    )


def public_events(ticket: Ticket) -> QuerySet[TicketEvent]:
    """The audit of classification changes the reporter is told about."""
    return ticket.events.filter(kind__in=PUBLIC_EVENT_KINDS).select_related("actor").order_by("at", "id")


def attachment_for_contact(contact: Contact, attachment_id: int) -> Attachment:
    attachment = (
        Attachment.objects.filter(pk=attachment_id, message__kind__in=PUBLIC_MESSAGE_KINDS)
        .filter(message__ticket__in=visible_tickets(contact))
        .first()
    )
    if attachment is None:
        raise Http404
    return attachment


def ticket_search(tickets: QuerySet[Ticket], query: str) -> QuerySet[Ticket]:
    query = query.strip()
    if not query:
        return tickets
    number = id_from(query.lstrip("#"))
    if number is not None:
        return tickets.filter(Q(pk=number) | Q(subject__icontains=query))
    in_messages = Message.objects.filter(kind__in=PUBLIC_MESSAGE_KINDS, body__icontains=query).values("ticket_id")
    return tickets.filter(Q(subject__icontains=query) | Q(pk__in=in_messages))


PAGE = 25  # tickets on a page of the list
LIST_ORDER = ("-reported_at", "-id")
LIST_FIELDS = (
    "id",
    "subject",
    "status",
    "support_type",
    "priority",
    "critical",
    "reported_at",
    "response_due",
    "best_effort",
    "responded_at",
)


def ticket_list(
    contact: Contact,
    *,
    status: str = "open",
    support_type: str = "",
    priority: str = "",
    query: str = "",
    after: str | None = None,
    limit: int = PAGE,
) -> tuple[list[dict], str | None]:
    """One page of the contact's ticket list, newest first, continuing after `after` (keyset pagination on
    (reported_at, id): a page costs the same however many tickets the organisation has), and the cursor of
    the next page (None on the last). Rows are plain values; contacts who see their colleagues' tickets get
    each row's `reporter_name` too."""
    tickets = visible_tickets(contact)
    if status == "open":
        tickets = tickets.exclude(status=Ticket.Status.CLOSED)
    elif status in Ticket.Status.values:
        tickets = tickets.filter(status=status)
    if support_type:
        tickets = tickets.filter(support_type=support_type)
    if priority:
        tickets = tickets.filter(priority=priority)
    tickets = ticket_search(tickets, query)
    cursor = decode_cursor(after)
    if cursor is not None:
        reported_at, pk = cursor
        tickets = tickets.filter(Q(reported_at__lt=reported_at) | Q(reported_at=reported_at, pk__lt=pk))
    fields = {"reporter_name": F("reporter__name")} if contact.sees_all_tickets else {}
    rows = list(tickets.order_by(*LIST_ORDER).values(*LIST_FIELDS, **fields)[: limit + 1])
    next_cursor = encode_cursor(rows[limit - 1]["reported_at"], rows[limit - 1]["id"]) if len(rows) > limit else None
    return rows[:limit], next_cursor
