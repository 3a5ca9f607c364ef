"""Steps 2-4 of intake for stored mail: parse, route, apply; any failure quarantines the mail with its reason.

Mail is processed in batches: parsed and routed before the transaction (what only reads), then applied in one
transaction, new tickets written a statement per table for the whole batch. A mail that answers another of its
batch is routed in a second round, once that one's ticket is written. If the batch fails, each mail is
processed on its own, so one bad mail is quarantined and the others are not held up.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import InterfaceError, OperationalError, transaction
from django.db.models import F
from django.utils import timezone

from servicedesk.core.bulk import rows_update
from servicedesk.core.write_turn import write_turn
from servicedesk.customers.selectors import active_contacts_by_email
from servicedesk.mail.authenticity import dmarc_problem
from servicedesk.mail.html import sanitise_html
from servicedesk.mail.models import InboundMail
from servicedesk.mail.parse import ParsedMail, parse_mail
from servicedesk.mail.route import Decision, Threads, route_mail
from servicedesk.outbox.services import notices_render_ahead
from servicedesk.policy import Channel
from servicedesk.tickets import services
from servicedesk.tickets.attachments import attachments_save
from servicedesk.tickets.models import Message, RefusedReport

logger = logging.getLogger(__name__)
NOTICE_INTERVAL = timedelta(days=1)  # at most one refusal notice per address per day
BATCH = 100  # mails processed in one transaction
BATCH_BYTES = 32 * 1024 * 1024  # and at most so many bytes of them (one mail may be larger)
OPEN = (InboundMail.Status.STORED, InboundMail.Status.QUARANTINED)
FIELDS = ["status", "reason", "sender", "subject", "ticket", "refused_report", "processed_at", "attempts"]  # results


def mail_process(mail: InboundMail, *, now: datetime | None = None) -> InboundMail:
    """Turn a stored mail into its result; run again on a quarantined mail to retry."""
    return mails_process([mail], now=now)[0]


def mails_process(mails: list[InboundMail], *, now: datetime | None = None) -> list[InboundMail]:
    """Process stored (or quarantined) mails in the order given, at most BATCH in a transaction. A mail that
    was processed meanwhile (a redelivery, another worker) is left as it is."""
    now = now or timezone.now()
    done: list[InboundMail] = []
    for batch in _batches(mails):
        if len(batch) > 1:
            try:
                done += _Batch(batch, now).run()
                continue
            except Exception:  # a bad mail, or the database: find out mail by mail
                logger.exception("a batch of %d mails failed; processing them one by one", len(batch))
                batch = [_fresh(mail) for mail in batch]  # as the database has them: the batch changed them
        done += [_process_alone(mail, now) for mail in batch]
    return done


def _batches(mails: list[InboundMail]):
    batch, size = [], 0
    for mail in mails:
        if batch and (len(batch) == BATCH or size + mail.size > BATCH_BYTES):
            yield batch
            batch, size = [], 0
        batch.append(mail)
        size += mail.size
    if batch:
        yield batch


def _process_alone(mail: InboundMail, now: datetime) -> InboundMail:
    try:
        return _Batch([mail], now).run()[0]
    except (OperationalError, InterfaceError):  # the database, not the mail: it stays stored, to be tried again
        raise
    except Exception as exc:  # any failure: keep the mail, say why, let agents retry
        logger.exception("mail %s quarantined", mail.pk)
        _mark_quarantined(mail.pk, exc)
        return _fresh(mail)


def _fresh(mail: InboundMail) -> InboundMail:
    return InboundMail.objects.defer("raw").get(pk=mail.pk)


def _mark_quarantined(pk: int, exc: Exception) -> None:
    InboundMail.objects.filter(pk=pk).update(
        status=InboundMail.Status.QUARANTINED, reason=_why(exc), attempts=F("attempts") + 1
    )


def _why(exc: Exception) -> str:
    return f"{type(exc).__name__}: {exc}"[:2000]


@dataclass
class _Opened:
    """A mail that opens a ticket, waiting to be written with the others of its batch."""

    mail: InboundMail
    parsed: ParsedMail
    new: services.NewTicket


@dataclass
class _Plan:
    """Where a mail goes (route.py), decided before the transaction, with the rows it will write."""

    decision: Decision
    ticket: services.NewTicket | None = None  # a new ticket's rows
    message: services.NewMessage | None = None  # a reply's message
    html: str = ""  # the sanitised HTML part


@dataclass
class _Answer:
    """A mail that adds a message to a ticket, waiting to be written with the others of its batch."""

    parsed: ParsedMail
    new: services.NewMessage


class _Batch:
    """One transaction's worth of mails. Raises on any failure after the transaction began (then nothing of
    it is kept); a mail that cannot be parsed or routed is quarantined within it."""

    def __init__(self, mails: list[InboundMail], now: datetime):
        self.mails, self.now = mails, now
        self.opened: list[_Opened] = []  # new tickets not written yet
        self.answers: list[_Answer] = []  # messages on tickets not written yet
        self.threads = Threads()
        self.unsaved: list[InboundMail] = []  # mails whose results are not written yet
        self.raws: dict[int, bytes] = {}

    def run(self) -> list[InboundMail]:
        parsed = self._parse_all()  # before the transaction: it is the slow part, and it writes nothing
        results: list[InboundMail] = []
        mails = self.mails
        while mails:  # rounds: a mail that answers one of a round waits for the next (see _round)
            done, mails = self._round(mails, parsed)
            results += done
        return results

    def _round(self, mails: list[InboundMail], parsed: dict) -> tuple[list[InboundMail], list[InboundMail]]:
        """Process the mails up to the first that answers one before it; (their results, the mails left)."""
        # All that only reads comes before the transaction too, which on SQLite holds the database's one write
        # lock while the listener's store waits for it: who sent each mail, what it answers, where it goes, the
        # rows of its ticket or message. A mail that answers one of this round waits for the next round, which
        # comes once this one's tickets are written.
        readable = [parsed[mail.pk] for mail in mails if isinstance(parsed[mail.pk], ParsedMail)]
        contacts = active_contacts_by_email(p.from_address for p in readable)
        self.threads.preload(readable)
        plans, rest = self._plan(mails, parsed, contacts)
        with write_turn(), transaction.atomic():  # the listener stores meanwhile: taking turns (write_turn.py)
            still_open = set(
                InboundMail.objects.select_for_update(skip_locked=True)
                .filter(pk__in=[mail.pk for mail, _plan in plans], status__in=OPEN)
                .values_list("pk", flat=True)
            )
            results = []
            for mail, plan in plans:
                if mail.pk not in still_open:  # done before (a redelivery or a second worker)
                    results.append(_fresh(mail))
                    continue
                mail.attempts += 1
                outcome = parsed[mail.pk]
                if isinstance(outcome, ParsedMail):  # shown with the mail, also when it is quarantined
                    mail.sender, mail.subject = outcome.from_address[:300], outcome.subject[:300]
                if isinstance(plan, Exception):
                    self._quarantine(mail, plan)
                else:
                    self._apply(mail, outcome, plan)
                self.unsaved.append(mail)
                results.append(mail)
            self._flush()  # and the threads forget the mails written: their tickets are known now
        return results, rest

    def _plan(
        self, mails: list[InboundMail], parsed: dict, contacts: dict
    ) -> tuple[list[tuple[InboundMail, _Plan | Exception]], list[InboundMail]]:
        """Each mail's plan (or why it is quarantined), up to the first mail that answers one before it in this
        round; that mail and those after it are the rest."""
        plans: list[tuple[InboundMail, _Plan | Exception]] = []
        planned: set[str] = set()  # Message-IDs of the mails planned
        for at, mail in enumerate(mails):
            outcome = parsed[mail.pk]
            if isinstance(outcome, ParsedMail) and planned.intersection((*outcome.in_reply_to, *outcome.references)):
                return plans, mails[at:]
            plans.append((mail, outcome if isinstance(outcome, Exception) else self._decide(mail, outcome, contacts)))
            if mail.message_id:
                planned.add(mail.message_id)
        return plans, []

    def _decide(self, mail: InboundMail, parsed: ParsedMail, contacts: dict) -> _Plan | Exception:
        """Where a mail goes, and for a new ticket or a message its rows (not written); reads only."""
        try:
            forged = dmarc_problem(self.raws[mail.pk], parsed.from_address)
            if forged:
                return _Plan(Decision("hold", reason=forged))
            decision = route_mail(parsed, contact_of=contacts.get, threads=self.threads)
            html = sanitise_html(parsed.html, images=True) if parsed.html and decision.kind in ("new", "reply") else ""
            if decision.kind == "new" and decision.contact.may_report and decision.contact.active:
                new = self._ticket_rows(decision, parsed, html)
                new.notices = notices_render_ahead(new.notices)  # the acknowledgement, outside the transaction too
                return _Plan(decision, ticket=new)
            if decision.kind == "reply":
                message = services.NewMessage(
                    ticket=decision.ticket,
                    contact=decision.contact,
                    body=parsed.text,
                    body_html=html,
                    forwarded=parsed.is_forward,
                )
                return _Plan(decision, message=message)
            return _Plan(decision, html=html)
        except Exception as exc:  # routing only reads: the mail is quarantined, the batch goes on
            return exc

    def _ticket_rows(self, decision: Decision, parsed: ParsedMail, html: str) -> services.NewTicket:
        return services.new_ticket(
            reporter=decision.contact,
            subject=parsed.subject or "(geen onderwerp)",
            body=parsed.text,
            channel=Channel.EMAIL,
            body_html=html,
            forwarded=parsed.is_forward,
            now=self.now,
        )

    def _quarantine(self, mail: InboundMail, exc: Exception) -> None:
        logger.error("mail %s quarantined: %s", mail.pk, _why(exc), exc_info=exc)
        mail.status, mail.reason = InboundMail.Status.QUARANTINED, _why(exc)

    def _parse_all(self) -> dict[int, ParsedMail | Exception]:
        # The bytes the store just wrote need not be read back.
        raws = {mail.pk: mail.__dict__["raw"] for mail in self.mails if mail.__dict__.get("raw") is not None}
        missing = [mail.pk for mail in self.mails if mail.pk not in raws]
        if missing:
            raws.update(InboundMail.objects.filter(pk__in=missing).values_list("pk", "raw"))
        self.raws = {pk: bytes(raw) for pk, raw in raws.items()}
        parsed: dict[int, ParsedMail | Exception] = {}
        for pk, raw in self.raws.items():
            try:
                parsed[pk] = parse_mail(raw)
            except Exception as exc:  # quarantined with the reason, in the batch's transaction
                parsed[pk] = exc
        return parsed

    def _apply(self, mail: InboundMail, parsed: ParsedMail, plan: _Plan) -> None:
        """A mail's plan carried out in the transaction: its rows to be written, its result."""
        decision = plan.decision
        mail.reason, mail.processed_at = "", self.now
        if decision.kind == "new":
            # A reporter who may no longer report is refused here, in the transaction (the refusal is a write).
            new = plan.ticket or self._ticket_rows(decision, parsed, plan.html)
            self.opened.append(_Opened(mail, parsed, new))
            mail.status, mail.ticket = InboundMail.Status.PROCESSED, new.ticket
        elif decision.kind == "reply":
            self.answers.append(_Answer(parsed, plan.message))
            mail.status, mail.ticket = InboundMail.Status.PROCESSED, decision.ticket
        elif decision.kind == "bounce":  # never answered: it is automatic mail by nature
            services.ticket_mail_bounced(
                ticket=decision.ticket, outgoing_id=decision.outgoing_id, summary=decision.reason, now=self.now
            )
            mail.status, mail.ticket, mail.reason = InboundMail.Status.BOUNCE, decision.ticket, decision.reason
        elif decision.kind == "hold":  # no ticket, and no notice to a sender who may not be who they say
            mail.status, mail.reason = InboundMail.Status.HELD, decision.reason
        elif decision.kind == "automatic":
            mail.status, mail.reason = InboundMail.Status.AUTOMATIC, decision.reason
        else:
            recently = RefusedReport.objects.filter(
                sender=parsed.from_address[:300], received_at__gte=self.now - NOTICE_INTERVAL
            ).exists()
            mail.refused_report = services.report_refuse(
                channel=Channel.EMAIL,
                sender=parsed.from_address,
                contact=decision.contact,
                reason=decision.reason,
                subject=parsed.subject,
                body=parsed.text,
                notify=not recently,
                now=self.now,
            )
            mail.status, mail.reason = InboundMail.Status.REFUSED, decision.reason

    def _flush(self) -> None:
        """Write the waiting new tickets and messages (a statement per table for all) and the mails' results."""
        if self.opened:
            services.tickets_open([o.new for o in self.opened], now=self.now)
            for opened in self.opened:
                opened.mail.ticket = opened.new.ticket  # now with its number
            keep_attachments([(o.new.message, o.parsed) for o in self.opened], self.now)
            self.opened = []
        if self.answers:
            messages = services.messages_add([a.new for a in self.answers], now=self.now)
            keep_attachments([(m, a.parsed) for m, a in zip(messages, self.answers, strict=True)], self.now)
            self.answers = []
        if self.unsaved:
            rows_update(self.unsaved, FIELDS)
            self.threads.forget(m.message_id for m in self.unsaved)  # their tickets are known now
            self.unsaved = []


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
    files = [(message, a.name, a.content_type, a.data) for message, parsed in messages for a in parsed.attachments]
    attachments_save(files, now=now)
