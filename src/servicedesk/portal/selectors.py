"""What a contact may see: their own tickets, or all of their organisation's when they may see those."""

from __future__ import annotations

from django.db import connections
from django.db.models import F, OuterRef, Q, QuerySet, Subquery
from django.http import Http404

from servicedesk.core.prepared import PreparedQuery
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
    if query.lstrip("#").isdigit():
        return tickets.filter(Q(pk=int(query.lstrip("#"))) | Q(subject__icontains=query))
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
# The reporter's name by a subquery, not a join: the database then reads the names of the page's rows only,
# whatever its statistics say (PostgreSQL, its statistics not yet updated after a busy hour, hashed all of a
# customer's open tickets for the join: 5.7 ms for a page instead of 0.3). Only lists of contacts who see their
# colleagues' tickets show it (a reporter column); others' rows have no `reporter_name` (it would be their own,
# and on a small contacts table PostgreSQL scans it once for every row: half the query's time).
REPORTER_NAME = Subquery(Contact.objects.filter(pk=OuterRef("reporter_id")).values("name")[:1])


def _list_rows(tickets: QuerySet[Ticket], *, reporter_name=None) -> QuerySet:
    """The list's rows, newest first; with a `reporter_name` column when given its expression."""
    tickets = tickets.order_by(*LIST_ORDER)
    if reporter_name is None:
        return tickets.values(*LIST_FIELDS)
    return tickets.values(*LIST_FIELDS, reporter_name=reporter_name)


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
    the next page (None on the last). Rows are plain values: a list renders without model instances."""
    if (status, support_type, priority, query, after, limit) == ("open", "", "", "", None, PAGE):
        rows = _open_page(contact)  # the list as it opens: what almost every request asks
        return rows[:limit], (_next_cursor(rows, limit) if len(rows) > limit else None)
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
    rows = list(_list_rows(tickets, reporter_name=REPORTER_NAME if contact.sees_all_tickets else None)[: limit + 1])
    return rows[:limit], (_next_cursor(rows, limit) if len(rows) > limit else None)


def _next_cursor(rows: list[dict], limit: int) -> str:
    return encode_cursor(rows[limit - 1]["reported_at"], rows[limit - 1]["id"])


def _open_tickets(customer_id: int, reporter_id: int | None = None) -> QuerySet:
    """The first page (and one more row) of the not-closed tickets of a customer (or of one reporter there),
    newest first."""
    tickets = Ticket.objects.filter(customer_id=customer_id).exclude(status=Ticket.Status.CLOSED)
    if reporter_id is not None:
        return _list_rows(tickets.filter(reporter_id=reporter_id))[: PAGE + 1]
    # `reporter_name` holds the reporter's id here: `_reporter_names_after_the_limit` puts the name in its place.
    return _list_rows(tickets, reporter_name=F("reporter_id"))[: PAGE + 1]


def _reporter_names_after_the_limit(sql: str, using: str) -> str:
    """The page's rows, then their reporters' names joined: the database looks up at most a page of names,
    whatever its statistics say. (A subquery for every row, as the ORM puts it, made PostgreSQL scan a small
    contacts table once for each row: half the page's time.)"""
    quote = connections[using].ops.quote_name
    columns = ", ".join(f"page.{quote(name)}" for name in LIST_FIELDS)
    return (
        f"SELECT {columns}, reporter.{quote('name')} FROM ({sql}) page "
        f"LEFT OUTER JOIN {quote(Contact._meta.db_table)} reporter "
        f"ON reporter.{quote(Contact._meta.pk.column)} = page.{quote('reporter_name')} "
        f"ORDER BY page.{quote('reported_at')} DESC, page.{quote('id')} DESC"
    )


# The list's first page is built once (core/prepared.py): building the query cost ten times running it.
_OPEN_PAGE_OF_CUSTOMER = PreparedQuery(_open_tickets, wrap=_reporter_names_after_the_limit)
_OPEN_PAGE_OF_REPORTER = PreparedQuery(_open_tickets, values=2)


def _open_page(contact: Contact) -> list[dict]:
    """`ticket_list`'s first page of not-closed tickets (and one more row), as `visible_tickets` sees them."""
    if contact.sees_all_tickets:
        return _OPEN_PAGE_OF_CUSTOMER.all(contact.customer_id)
    return _OPEN_PAGE_OF_REPORTER.all(contact.customer_id, contact.pk)
