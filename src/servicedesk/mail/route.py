"""Step 3 of intake: decide what a parsed mail is — a new ticket, a reply, a bounce, held (not shown to come
from its sender), automatic mail, or a refusal. Deciding only reads; apply.py carries the decisions out."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from servicedesk.customers.models import Contact
from servicedesk.customers.selectors import contact_for_email
from servicedesk.mail.authenticity import dmarc_problem
from servicedesk.mail.identity import outgoing_of_message_id, ticket_of_message_id
from servicedesk.mail.models import InboundMail
from servicedesk.mail.parse import ParsedMail
from servicedesk.tickets.models import RefusedReport, Ticket


@dataclass(frozen=True)
class Decision:
    kind: str  # "new", "reply", "bounce", "hold", "automatic", "refuse"
    contact: Contact | None = None
    ticket: Ticket | None = None
    reason: str = ""
    outgoing_id: int | None = None  # for a bounce: which of our mails bounced


class Threads:
    """Finds the tickets mails answer: ours by number, and those of earlier mails by their Message-IDs.
    Looked up when first asked; `preload` looks up what a batch of mails refers to at once."""

    def __init__(self) -> None:
        self._tickets: dict[int, Ticket | None] = {}
        self._earlier: dict[str, list[InboundMail]] = {}  # Message-ID -> the stored mails with a ticket

    def preload(self, mails: list[ParsedMail]) -> None:
        ids = [value for parsed in mails for value in (*parsed.in_reply_to, *parsed.references)]
        numbers = [n for n in map(ticket_of_message_id, ids) if n is not None]
        self._load_tickets([*numbers, *(n for parsed in mails for n in parsed.ticket_tags)])
        self._load_earlier(ids)

    def ticket(self, number: int, customer_id: int) -> Ticket | None:
        """Ticket `number` if it is the customer's."""
        if number not in self._tickets:
            self._load_tickets([number])
        ticket = self._tickets[number]
        return ticket if ticket is not None and ticket.customer_id == customer_id else None

    def earlier(self, message_ids: list[str], customer_id: int) -> Ticket | None:
        """The ticket of the latest stored mail with one of these Message-IDs, if it is the customer's."""
        self._load_earlier([value for value in message_ids if value not in self._earlier])
        mails = [m for value in message_ids for m in self._earlier[value] if m.ticket.customer_id == customer_id]
        latest = max(mails, key=lambda m: (m.received_at, m.pk), default=None)
        return latest.ticket if latest is not None else None

    def _load_tickets(self, numbers) -> None:
        wanted = {n for n in numbers if n not in self._tickets}
        if wanted:
            found = Ticket.objects.in_bulk(wanted)
            self._tickets.update({n: found.get(n) for n in wanted})

    def _load_earlier(self, message_ids) -> None:
        wanted = {value for value in message_ids if value not in self._earlier}
        if not wanted:
            return
        self._earlier.update({value: [] for value in wanted})
        mails = InboundMail.objects.filter(message_id__in=wanted, ticket__isnull=False).select_related("ticket")
        for mail in mails.only("message_id", "received_at", "ticket"):
            self._earlier[mail.message_id].append(mail)


def _thread_ticket(parsed: ParsedMail, contact: Contact, threads: Threads) -> Ticket | None:
    """The ticket this mail answers: by the ids it refers to, else by a [#number] tag; only the sender's own
    customer's tickets count, so a tag of someone else's ticket opens a new ticket instead."""
    ids = [*parsed.in_reply_to, *parsed.references]
    for value in ids:
        number = ticket_of_message_id(value)  # our own, signed: cannot be made up
        if number is not None and (ticket := threads.ticket(number, contact.customer_id)) is not None:
            return ticket
    if ids and (ticket := threads.earlier(ids, contact.customer_id)) is not None:
        return ticket
    for number in parsed.ticket_tags:
        if (ticket := threads.ticket(number, contact.customer_id)) is not None:
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


def route_mail(
    parsed: ParsedMail,
    *,
    contact_of: Callable[[str], Contact | None] = contact_for_email,
    threads: Threads | None = None,
) -> Decision:
    """What the mail is; `contact_of` finds the active contact of an address and `threads` the tickets mails
    answer (intake looks up a batch's at once)."""
    # Bounces and other automatic mail first: they open no ticket and get no answer whoever sent them, and a
    # bounce (from MAILER-DAEMON, with an empty Return-Path) passes no DMARC check of the address it bounced to.
    bounce = _bounced(parsed)
    if bounce is not None:
        return bounce
    contact = contact_of(parsed.from_address) if parsed.from_address else None
    signs = parsed.automatic_signs
    if signs:  # the reason agents see on the automatic-mail page: the headers that showed it
        return Decision("automatic", contact=contact, reason="; ".join(signs)[:2000])
    forged = dmarc_problem(parsed.authentication_results, parsed.from_address)
    if forged:  # no ticket, and no notice to a sender who may not be who they say
        return Decision("hold", reason=forged)
    if contact is None:
        return Decision("refuse", reason=RefusedReport.Reason.UNKNOWN_SENDER)
    if not contact.may_report:
        return Decision("refuse", contact=contact, reason=RefusedReport.Reason.NOT_AUTHORISED)
    ticket = _thread_ticket(parsed, contact, threads or Threads())
    if ticket is not None:
        return Decision("reply", contact=contact, ticket=ticket)
    return Decision("new", contact=contact)
