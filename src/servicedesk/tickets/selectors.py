"""Reads of tickets for the agents' desk: queues with keyset pagination, and a ticket with all it shows."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q, QuerySet
from django.utils.dateparse import parse_datetime

from servicedesk.core.numbers import id_from
from servicedesk.tickets.models import (
    UNANSWERED,
    AgentNotification,
    Attachment,
    Message,
    Ticket,
    TicketEvent,
    TimeEntry,
)
from servicedesk.tickets.pricing import with_contract_levels

QUEUES = ("open", "unassigned", "mine", "due_soon", "breached", "waiting", "closed", "all")
PAGE_SIZE = 50


@dataclass(frozen=True)
class Page:
    tickets: list[Ticket]
    next_cursor: str | None  # pass as `after` for the next page


def queue_filter(name: str, *, user, now: datetime) -> Q:
    """The condition of a named queue."""
    open_ = ~Q(status=Ticket.Status.CLOSED)
    unanswered = UNANSWERED
    conditions = {
        "open": open_,
        "unassigned": open_ & Q(assignee__isnull=True),
        "mine": open_ & Q(assignee=user),
        "due_soon": unanswered & Q(due_soon_at__lte=now, response_due__gt=now),
        "breached": unanswered & Q(best_effort=False, response_due__lte=now),
        "waiting": Q(status=Ticket.Status.WAITING),
        "closed": Q(status=Ticket.Status.CLOSED),
        "all": Q(),
    }
    return conditions[name]


def encode_cursor(moment: datetime, pk: int) -> str:
    """A keyset page's position: the last row's sort moment and id."""
    return f"{moment.isoformat()}|{pk}"


def decode_cursor(cursor: str | None) -> tuple[datetime, int] | None:
    """The position `encode_cursor` made; None for anything else (a mangled link starts at the first page)."""
    if not cursor or "|" not in cursor:
        return None
    moment_text, _, id_text = cursor.partition("|")
    try:
        moment = parse_datetime(moment_text)
    except ValueError:  # well-formed but impossible, e.g. month 13
        return None
    number = id_from(id_text)
    if moment is None or number is None:
        return None
    return moment, number


def ticket_queue(
    *,
    name: str,
    user,
    now: datetime,
    customer_id: int | None = None,
    ticket_ids: list[int] | None = None,
    status: str | None = None,
    assignee_id: int | None = None,
    after: str | None = None,
    descending: bool = False,
    limit: int = PAGE_SIZE,
) -> Page:
    """One page of a queue sorted by response deadline, continuing after `after` (keyset pagination)."""
    tickets = Ticket.objects.filter(queue_filter(name, user=user, now=now))
    if customer_id is not None:
        tickets = tickets.filter(customer_id=customer_id)
    if ticket_ids is not None:
        tickets = tickets.filter(pk__in=ticket_ids)
    if status is not None:
        tickets = tickets.filter(status=status)
    if assignee_id is not None:
        tickets = tickets.filter(assignee_id=assignee_id)
    cursor = decode_cursor(after)
    if cursor is not None:
        due, pk = cursor
        # The bound on the deadline alone is implied by the pair's; it is there for the database, which reads it
        # as a range of the deadline index (with the OR alone PostgreSQL scans every ticket).
        if descending:
            tickets = tickets.filter(Q(response_due__lt=due) | Q(response_due=due, pk__lt=pk), response_due__lte=due)
        else:
            tickets = tickets.filter(Q(response_due__gt=due) | Q(response_due=due, pk__gt=pk), response_due__gte=due)
    order = ("-response_due", "-id") if descending else ("response_due", "id")
    rows = list(
        tickets.select_related("customer", "reporter", "assignee")
        .only(
            "id",
            "subject",
            "status",
            "support_type",
            "priority",
            "critical",
            "channel",
            "reported_at",
            "response_due",
            "best_effort",
            "responded_at",
            "response_met",
            "customer__name",
            "reporter__name",
            "assignee__username",
            "assignee__first_name",
            "assignee__last_name",
        )
        .order_by(*order)[: limit + 1]
    )
    next_cursor = encode_cursor(rows[limit - 1].response_due, rows[limit - 1].pk) if len(rows) > limit else None
    return Page(rows[:limit], next_cursor)


COUNT_CAP = 100  # the navigation says "100+" rather than counting a long queue on every page


def queue_counts(*, user, now: datetime) -> dict[str, int]:
    """Counts of the small queues shown in the navigation, up to COUNT_CAP."""
    return {
        name: Ticket.objects.filter(queue_filter(name, user=user, now=now))[:COUNT_CAP].count()
        for name in ("mine", "due_soon", "breached")
    }


def ticket_for_desk(ticket_id: int, *, related: tuple[str, ...] = ()) -> Ticket:
    """A ticket with everything its desk page shows, in five queries: the ticket with its contract's service
    levels (`with_contract_levels`), `message_list` (oldest first, each message with its `attachment_list`),
    `event_list` (its audit trail) and `entry_list` (its time entries, each with `billed`). `related`: more
    relations to join into the ticket's own query (select_related paths).

    Plain querysets whose rows are set on the ticket, not prefetches of its relations: a prefetch costs Django
    more than the query it runs. The related rows load only the columns the page uses.
    """
    tickets = Ticket.objects.select_related("customer", "reporter", "assignee", "matrix_item", *related)
    ticket = with_contract_levels(tickets).get(pk=ticket_id)
    user_name = ("username", "first_name", "last_name")
    ticket.message_list = list(
        Message.objects.filter(ticket_id=ticket_id)
        .select_related("author_user", "author_contact")
        .only(
            "id",
            "ticket_id",
            "kind",
            "body",
            "body_html",
            "forwarded",
            "created_at",
            "author_contact__name",
            *(f"author_user__{f}" for f in user_name),
        )
    )
    attachments = (
        Attachment.objects.filter(message__ticket_id=ticket_id)
        .only("id", "message_id", "original_name", "size", "content_type", "content_id")
        .order_by("id")
    )
    of_message = defaultdict(list)
    for attachment in attachments:
        of_message[attachment.message_id].append(attachment)
    for message in ticket.message_list:
        message.attachment_list = of_message[message.id]
    ticket.event_list = list(
        TicketEvent.objects.filter(ticket_id=ticket_id)
        .select_related("actor", "actor_contact")
        .only(
            "id",
            "ticket_id",
            "at",
            "kind",
            "field",
            "old_value",
            "new_value",
            "reason",
            "actor_contact__name",
            *(f"actor__{f}" for f in user_name),
        )
    )
    ticket.entry_list = list(
        TimeEntry.objects.filter(ticket_id=ticket_id)
        .select_related("agent")
        .only("id", "ticket_id", "kind", "start", "minutes", "description", *(f"agent__{f}" for f in user_name))
        .with_billed()
    )
    return ticket


def unread_notifications(user) -> QuerySet[AgentNotification]:
    return AgentNotification.objects.filter(user=user, read_at__isnull=True).select_related("ticket")
