"""The conversation on a ticket: agents' replies and internal notes, customers' messages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from servicedesk.customers.models import Contact
from servicedesk.outbox.models import OutgoingMessage
from servicedesk.outbox.services import notice_queue
from servicedesk.tickets.models import AgentNotification, Message, Ticket, TicketEvent
from servicedesk.tickets.services.reporting import copied_contacts
from servicedesk.tickets.services.trail import event_row, record_event, touch
from servicedesk.tickets.signals import figures_changed
from servicedesk.webhooks.events import Event, events_record
from servicedesk.webhooks.models import EventType


def ticket_reply(
    *, ticket: Ticket, actor, body: str, wait_for_customer: bool = False, now: datetime | None = None
) -> Message:
    """A public reply to the reporter (sent by mail from the outbox)."""
    now = now or timezone.now()
    if not body.strip():
        raise ValidationError({"body": _("The reply is empty.")})
    with transaction.atomic():
        ticket = Ticket.objects.select_for_update(of=("self",)).select_related("reporter").get(pk=ticket.pk)
        message = Message.objects.create(
            ticket=ticket, kind=Message.Kind.REPLY, author_user=actor, body=body, created_at=now
        )
        fields = []
        new_status = Ticket.Status.WAITING if wait_for_customer else None
        if new_status is None and ticket.status == Ticket.Status.NEW:
            new_status = Ticket.Status.OPEN
        if new_status and new_status != ticket.status:
            record_event(
                ticket, TicketEvent.Kind.STATUS, at=now, actor=actor, field="status", old=ticket.status, new=new_status
            )
            ticket.status = new_status
            fields.append("status")
        touch(ticket, now, *fields)
        record_event(ticket, TicketEvent.Kind.REPLIED, at=now, actor=actor)
        copies = ticket.copies.filter(contact__active=True).select_related("contact")
        notice_queue(
            kind=OutgoingMessage.Kind.REPLY,
            contact=ticket.reporter,
            ticket=ticket,
            message=message,
            context={"body": body},
            automatic=False,
            cc=copied_contacts(copies),
            now=now,
        )
    return message


def ticket_note(*, ticket: Ticket, actor, body: str, now: datetime | None = None) -> Message:
    """An internal note: agents only, never shown to customers."""
    now = now or timezone.now()
    if not body.strip():
        raise ValidationError({"body": _("The note is empty.")})
    with transaction.atomic():
        message = Message.objects.create(
            ticket=ticket, kind=Message.Kind.NOTE, author_user=actor, body=body, created_at=now
        )
        touch(ticket, now)
        record_event(ticket, TicketEvent.Kind.NOTED, at=now, actor=actor)
    return message


@dataclass
class NewMessage:
    """A customer's message on an existing ticket, about to be added (see `messages_add`)."""

    ticket: Ticket
    contact: Contact
    body: str
    body_html: str = ""
    forwarded: bool | None = None  # a mail that forwards another (None: not a mail)


def ticket_add_message(*, ticket: Ticket, contact: Contact, body: str, now: datetime | None = None) -> Message:
    """A message from the customer on an existing ticket; a waiting or closed ticket opens again."""
    return messages_add([NewMessage(ticket, contact, body)], now=now)[0]


def messages_add(new: list[NewMessage], *, now: datetime | None = None) -> list[Message]:
    """`ticket_add_message` for many messages, in order, a statement per table for all (intake adds a batch's).
    The agent a ticket is assigned to is notified that the customer replied (once per ticket while unread)."""
    now = now or timezone.now()
    with transaction.atomic():
        tickets = Ticket.objects.select_for_update().in_bulk({n.ticket.pk for n in new})
        messages, events = [], []
        to_notify: dict[int, int] = {}  # ticket id -> its assignee's id
        reopened: list[int] = []
        for n in new:
            ticket = tickets[n.ticket.pk]
            if ticket.assignee_id is not None:
                to_notify[ticket.pk] = ticket.assignee_id
            messages.append(
                Message(
                    ticket=ticket,
                    kind=Message.Kind.INCOMING,
                    author_contact=n.contact,
                    body=n.body,
                    body_html=n.body_html,
                    forwarded=n.forwarded,
                    created_at=now,
                )
            )
            if ticket.status in (Ticket.Status.WAITING, Ticket.Status.CLOSED):
                events.append(
                    event_row(
                        ticket,
                        TicketEvent.Kind.STATUS,
                        at=now,
                        contact=n.contact,
                        field="status",
                        old=ticket.status,
                        new=Ticket.Status.OPEN,
                    )
                )
                if ticket.closed_at is not None:
                    reopened.append(ticket.pk)
                ticket.status, ticket.closed_at = Ticket.Status.OPEN, None
            ticket.updated_at = now
        Message.objects.bulk_create(messages)
        TicketEvent.objects.bulk_create(events)
        Ticket.objects.bulk_update(list(tickets.values()), ["status", "closed_at", "updated_at"])
        figures_changed(reopened)
        _notify_replied(to_notify, now)
        hooks = []
        for message in messages:
            hooks.append(Event(EventType.TICKET_UPDATED, message.ticket_id, message.ticket_id))
            hooks.append(Event(EventType.MESSAGE_RECEIVED, message.pk, message.ticket_id))
        events_record(hooks, now=now)
    return messages


def _notify_replied(assignees: dict[int, int], now: datetime) -> None:
    """Tell each ticket's assignee the customer replied, unless an unread notice of that already waits."""
    if not assignees:
        return
    waiting = set(
        AgentNotification.objects.filter(
            ticket_id__in=list(assignees), kind=TicketEvent.Kind.CUSTOMER_REPLIED, read_at__isnull=True
        ).values_list("ticket_id", "user_id")
    )
    AgentNotification.objects.bulk_create(
        AgentNotification(user_id=user_id, ticket_id=ticket_id, kind=TicketEvent.Kind.CUSTOMER_REPLIED, created_at=now)
        for ticket_id, user_id in assignees.items()
        if (ticket_id, user_id) not in waiting
    )
