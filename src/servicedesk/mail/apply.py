"""Step 4 of intake: a round of mails' decisions carried out in one transaction through the ticket services, and
each mail's result written with them."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction

from servicedesk.mail.html import sanitise_html
from servicedesk.mail.models import InboundMail
from servicedesk.mail.parse import ParsedMail
from servicedesk.mail.route import Decision
from servicedesk.policy import Channel, Policy
from servicedesk.tickets import services
from servicedesk.tickets.attachments import attachments_save
from servicedesk.tickets.models import Message, RefusedReport, Ticket
from servicedesk.tickets.pricing import policy_for

logger = logging.getLogger(__name__)
NOTICE_INTERVAL = timedelta(days=1)  # at most one refusal notice per address per day
OPEN = (InboundMail.Status.STORED, InboundMail.Status.QUARANTINED)
RESULT_FIELDS = ["status", "reason", "sender", "subject", "ticket", "refused_report", "processed_at", "attempts"]
NO_SUBJECT = "(geen onderwerp)"  # a ticket's subject is stored text, in the desk's language, not a UI string


@dataclass
class Routed:
    """A stored mail with what parsing and routing made of it, or why either failed."""

    mail: InboundMail
    parsed: ParsedMail | None = None
    decision: Decision | None = None
    failure: Exception | None = None


def routed_apply(routed: list[Routed], *, now: datetime) -> list[InboundMail]:
    """Carry out the decisions in one transaction: new tickets and messages written a statement per table for
    the round, bounces and refusals through their services, every mail's result. A mail processed meanwhile (a
    redelivery, another processor) is left as it is. Raises on any failure: then nothing of the round is kept."""
    with transaction.atomic():
        still_open = set(
            InboundMail.objects.select_for_update(skip_locked=True)
            .filter(pk__in=[item.mail.pk for item in routed], status__in=OPEN)
            .values_list("pk", flat=True)
        )
        round_ = _Round(now)
        results = [
            round_.apply(item) if item.mail.pk in still_open else InboundMail.objects.defer("raw").get(pk=item.mail.pk)
            for item in routed
        ]
        round_.write()
    return results


def why(exc: Exception) -> str:
    """What a quarantined mail shows agents."""
    return f"{type(exc).__name__}: {exc}"[:2000]


class _Round:
    """The rows of a round's new tickets and messages, collected to be written together, and its mails."""

    def __init__(self, now: datetime):
        self.now = now
        self.opened: list[tuple[InboundMail, ParsedMail, services.NewTicket]] = []
        self.answers: list[tuple[ParsedMail, services.NewMessage]] = []
        self.mails: list[InboundMail] = []
        # A mail loop that marks nothing automatic: new tickets per sender are capped in a window.
        self.since = now - timedelta(minutes=settings.SERVICEDESK_MAIL_WINDOW_MINUTES)
        self.recent: dict[int, int] = {}  # contact -> tickets it opened by mail in the window before this round
        self.opened_by: dict[int, list[Ticket]] = {}  # contact -> tickets it opens in this round
        self.looped: dict[int, tuple[Ticket, str]] = {}  # contact -> (the ticket its mails went to, the sender)
        self.policies: dict[int, Policy] = {}  # customer -> its policy now (a contract's service levels), read once

    def apply(self, item: Routed) -> InboundMail:
        mail = item.mail
        mail.attempts += 1
        if item.parsed is not None:  # shown with the mail, also when it is quarantined
            mail.sender, mail.subject = item.parsed.sender[:300], item.parsed.subject[:300]
        if item.failure is not None:
            logger.error("mail %s quarantined: %s", mail.pk, why(item.failure), exc_info=item.failure)
            mail.status, mail.reason = InboundMail.Status.QUARANTINED, why(item.failure)
        else:
            mail.reason, mail.processed_at = "", self.now
            if item.decision.kind == "new":
                self._open(mail, item.parsed, item.decision)
            elif item.decision.kind == "reply":
                self.answers.append((item.parsed, _answer(item.parsed, item.decision)))
                mail.status, mail.ticket = InboundMail.Status.PROCESSED, item.decision.ticket
            else:
                _apply_other(mail, item.parsed, item.decision, self.now)
        self.mails.append(mail)
        return mail

    def _open(self, mail: InboundMail, parsed: ParsedMail, decision: Decision) -> None:
        contact = decision.contact
        if self._looping(contact):  # added to the sender's latest ticket instead; the agents are told
            ticket = self._latest_ticket(contact)
            self.answers.append((parsed, _answer(parsed, Decision("reply", contact=contact, ticket=ticket))))
            mail.status, mail.ticket = InboundMail.Status.PROCESSED, ticket
            mail.reason = "mail loop suspected: added to the sender's latest ticket"
            self.looped.setdefault(contact.pk, (ticket, parsed.sender))
            return
        try:
            new = services.new_ticket(
                reporter=decision.contact,
                subject=parsed.subject or NO_SUBJECT,
                body=parsed.text,
                channel=Channel.EMAIL,
                body_html=sanitise_html(parsed.html, images=True) if parsed.html else "",
                forwarded=parsed.is_forward,
                cc=parsed.cc,
                policy=self._policy(contact.customer_id),
                now=self.now,
            )
        except services.ReportRefused as refused:  # the right was taken away since the mail was routed
            mail.status, mail.refused_report = InboundMail.Status.REFUSED, refused.refused
            mail.reason = refused.refused.reason
            return
        mail.status = InboundMail.Status.PROCESSED
        self.opened.append((mail, parsed, new))
        self.opened_by.setdefault(contact.pk, []).append(new.ticket)

    def _policy(self, customer_id: int) -> Policy:
        if customer_id not in self.policies:
            self.policies[customer_id] = policy_for(customer_id, self.now)
        return self.policies[customer_id]

    def _looping(self, contact) -> bool:
        if contact.pk not in self.recent:
            self.recent[contact.pk] = Ticket.objects.filter(
                reporter=contact, channel=Channel.EMAIL, reported_at__gte=self.since
            ).count()
        opened = self.recent[contact.pk] + len(self.opened_by.get(contact.pk, ()))
        return opened >= settings.SERVICEDESK_MAIL_TICKETS_PER_SENDER

    def _latest_ticket(self, contact) -> Ticket:
        if self.opened_by.get(contact.pk):
            return self.opened_by[contact.pk][-1]
        return Ticket.objects.filter(reporter=contact).order_by("-reported_at", "-id").first()

    def write(self) -> None:
        """The new tickets and messages (a statement per table for all), their attachments, the mails' results."""
        if self.opened:
            services.tickets_open([new for _mail, _parsed, new in self.opened], now=self.now)
            for mail, _parsed, new in self.opened:
                mail.ticket = new.ticket  # now with its number
            keep_attachments([(new.message, parsed) for _mail, parsed, new in self.opened], self.now)
        if self.answers:
            messages = services.messages_add([new for _parsed, new in self.answers], now=self.now)
            keep_attachments([(m, parsed) for m, (parsed, _new) in zip(messages, self.answers, strict=True)], self.now)
        for ticket, sender in self.looped.values():
            services.ticket_mail_loop(ticket=ticket, sender=sender, since=self.since, now=self.now)
        for mail in self.mails:  # a statement each: bulk_update's CASE per row and field costs more than it saves
            mail.save(update_fields=RESULT_FIELDS)


def _answer(parsed: ParsedMail, decision: Decision) -> services.NewMessage:
    return services.NewMessage(
        ticket=decision.ticket,
        contact=decision.contact,
        body=parsed.text,
        body_html=sanitise_html(parsed.html, images=True) if parsed.html else "",
        forwarded=parsed.is_forward,
    )


def _apply_other(mail: InboundMail, parsed: ParsedMail, decision: Decision, now: datetime) -> None:
    """A bounce, a held mail, automatic mail or a refusal: no ticket of its own."""
    if decision.kind == "bounce":  # never answered: it is automatic mail by nature
        services.ticket_mail_bounced(
            ticket=decision.ticket, outgoing_id=decision.outgoing_id, summary=decision.reason, now=now
        )
        mail.status, mail.ticket, mail.reason = InboundMail.Status.BOUNCE, decision.ticket, decision.reason
    elif decision.kind == "hold":
        mail.status, mail.reason = InboundMail.Status.HELD, decision.reason
    elif decision.kind == "automatic":
        mail.status, mail.reason = InboundMail.Status.AUTOMATIC, decision.reason
    elif decision.kind == "refuse":
        recently = RefusedReport.objects.filter(
            sender=parsed.sender[:300], received_at__gte=now - NOTICE_INTERVAL
        ).exists()
        mail.refused_report = services.report_refuse(
            channel=Channel.EMAIL,
            sender=parsed.sender,
            contact=decision.contact,
            reason=decision.reason,
            subject=parsed.subject,
            body=parsed.text,
            notify=not recently,
            now=now,
        )
        mail.status, mail.reason = InboundMail.Status.REFUSED, decision.reason
    else:
        raise ValueError(f"no such decision: {decision.kind!r}")


def keep_html_and_attachments(message: Message, parsed: ParsedMail, now: datetime) -> None:
    """What a saved message keeps of its mail besides the text: the sanitised HTML, whether it is a forward,
    and the attachments."""
    message.forwarded = parsed.is_forward
    fields = ["forwarded"]
    if parsed.html:
        message.body_html = sanitise_html(parsed.html, images=True)
        fields.append("body_html")
    message.save(update_fields=fields)
    keep_attachments([(message, parsed)], now)


def keep_attachments(messages: list[tuple[Message, ParsedMail]], now: datetime) -> None:
    """The attachments of mails whose messages are saved: files written, one INSERT for their rows."""
    files = [
        (message, a.name, a.content_type, a.data, a.content_id)
        for message, parsed in messages
        for a in parsed.attachments
    ]
    attachments_save(files, now=now)
