"""Step 3 of intake: decide what a parsed mail is — a reply, a new ticket, automatic mail, or a refusal."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from servicedesk.customers.models import Contact
from servicedesk.customers.selectors import contact_for_email
from servicedesk.mail.identity import outgoing_of_message_id, ticket_of_message_id
from servicedesk.mail.models import InboundMail
from servicedesk.mail.parse import ParsedMail
from servicedesk.tickets.models import RefusedReport, Ticket


@dataclass(frozen=True)
class Decision:
    kind: str  # "reply", "new", "bounce", "automatic", "refuse" (or "hold", decided before routing)
    contact: Contact | None = None
    ticket: Ticket | None = None
    reason: str = ""
    outgoing_id: int | None = None  # for a bounce: which of our mails bounced


def _thread_ticket(parsed: ParsedMail, contact: Contact) -> Ticket | None:
    """The ticket this mail answers: by the ids it refers to, else by a [#number] tag; only the sender's own
    customer's tickets count, so a tag of someone else's ticket opens a new ticket instead."""
    ids = [*parsed.in_reply_to, *parsed.references]
    for value in ids:
        ticket_id = ticket_of_message_id(value)  # our own, signed: cannot be made up
        if ticket_id is not None:
            ticket = Ticket.objects.filter(pk=ticket_id, customer=contact.customer_id).first()
            if ticket is not None:
                return ticket
    if ids:
        earlier = (
            InboundMail.objects.filter(message_id__in=ids, ticket__isnull=False, ticket__customer=contact.customer_id)
            .select_related("ticket")
            .first()
        )
        if earlier is not None:
            return earlier.ticket
    for number in parsed.ticket_tags:
        ticket = Ticket.objects.filter(pk=number, customer=contact.customer_id).first()
        if ticket is not None:
            return ticket
    return None


def _bounced(parsed: ParsedMail) -> Decision | None:
    """A DSN about one of our own (signed) mails is linked to that mail's ticket."""
    if parsed.bounce is None:
        return None
    for value in parsed.bounce.original_ids:
        ours = outgoing_of_message_id(value)
        if ours is None:
            continue
        ticket = Ticket.objects.filter(pk=ours[0]).first()
        if ticket is not None:
            return Decision("bounce", ticket=ticket, outgoing_id=ours[1], reason=parsed.bounce.summary)
    return None


def route_mail(parsed: ParsedMail, *, contact_of: Callable[[str], Contact | None] = contact_for_email) -> Decision:
    """What the mail is; `contact_of` finds the active contact of an address (intake looks up a batch's at once)."""
    bounce = _bounced(parsed)
    if bounce is not None:
        return bounce
    contact = contact_of(parsed.from_address)
    if parsed.is_automatic:
        return Decision("automatic", contact=contact, reason="automatic mail (auto-reply, bounce or list)")
    if contact is None:
        return Decision("refuse", reason=RefusedReport.Reason.UNKNOWN_SENDER)
    if not contact.may_report:
        return Decision("refuse", contact=contact, reason=RefusedReport.Reason.NOT_AUTHORISED)
    ticket = _thread_ticket(parsed, contact)
    if ticket is not None:
        return Decision("reply", contact=contact, ticket=ticket)
    return Decision("new", contact=contact)
