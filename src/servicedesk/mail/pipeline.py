"""Stored mail through the steps after the store, in batches: parse (parse.py), route (route.py), apply (apply.py).

Parsing and routing only read, so they come before the transaction in which a batch is applied (on SQLite that
transaction holds the database's one write lock, which the listener's store waits for). A mail that answers
another of its batch waits for the next round, which is routed once that one's ticket is written. If a batch
fails, each of its mails is processed on its own: a bad mail is quarantined with its reason, and the others are
not held up. A mail stays stored until its result is committed, so a crash loses nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import datetime

from django.db import InterfaceError, OperationalError
from django.db.models import F
from django.utils import timezone

from servicedesk.customers.selectors import active_contacts_by_email
from servicedesk.mail.apply import Routed, routed_apply, why
from servicedesk.mail.models import InboundMail
from servicedesk.mail.parse import ParsedMail, parse_mail
from servicedesk.mail.route import Threads, route_mail

logger = logging.getLogger(__name__)
BATCH = 100  # mails processed in one transaction
BATCH_BYTES = 32 * 1024 * 1024  # and at most so many bytes of them (one mail may be larger)


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
                done += _process(batch, now)
                continue
            except Exception:  # a bad mail, or the database: find out mail by mail
                logger.exception("a batch of %d mails failed; processing them one by one", len(batch))
                batch = [_fresh(mail) for mail in batch]  # as the database has them: the batch changed them
        done += [_process_alone(mail, now) for mail in batch]
    return done


def _batches(mails: list[InboundMail]) -> Iterator[list[InboundMail]]:
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
        return _process([mail], now)[0]
    except (OperationalError, InterfaceError):  # the database, not the mail: it stays stored, to be tried again
        raise
    except Exception as exc:  # any failure: keep the mail, say why, let agents retry
        logger.exception("mail %s quarantined", mail.pk)
        InboundMail.objects.filter(pk=mail.pk).update(
            status=InboundMail.Status.QUARANTINED, reason=why(exc), attempts=F("attempts") + 1
        )
        return _fresh(mail)


def _fresh(mail: InboundMail) -> InboundMail:
    return InboundMail.objects.defer("raw").get(pk=mail.pk)


def _process(mails: list[InboundMail], now: datetime) -> list[InboundMail]:
    """A batch: parsed, then routed and applied round by round."""
    parsed = _parse(mails)
    results: list[InboundMail] = []
    for round_ in _rounds(mails, parsed):
        results += routed_apply(_route(round_, parsed), now=now)
    return results


def _parse(mails: list[InboundMail]) -> dict[int, ParsedMail | Exception]:
    """Each mail parsed, or why it could not be (it is quarantined with the reason, in its batch's transaction)."""
    # The bytes the store just wrote need not be read back.
    raws = {mail.pk: mail.raw for mail in mails if "raw" not in mail.get_deferred_fields()}
    missing = [mail.pk for mail in mails if mail.pk not in raws]
    if missing:
        raws.update(InboundMail.objects.filter(pk__in=missing).values_list("pk", "raw"))
    parsed: dict[int, ParsedMail | Exception] = {}
    for pk, raw in raws.items():
        try:
            parsed[pk] = parse_mail(bytes(raw))
        except Exception as exc:
            parsed[pk] = exc
    return parsed


def _rounds(mails: list[InboundMail], parsed: dict) -> Iterator[list[InboundMail]]:
    """The batch cut before each mail that answers one earlier in its round: that one's ticket comes first."""
    round_: list[InboundMail] = []
    message_ids: set[str] = set()
    for mail in mails:
        outcome = parsed[mail.pk]
        if isinstance(outcome, ParsedMail) and message_ids.intersection((*outcome.in_reply_to, *outcome.references)):
            yield round_
            round_, message_ids = [], set()
        round_.append(mail)
        if mail.message_id:
            message_ids.add(mail.message_id)
    if round_:
        yield round_


def _route(mails: list[InboundMail], parsed: dict) -> list[Routed]:
    """Each mail's decision (or why it has none): who sent the round's mails and what they answer is looked up
    for all of them at once."""
    readable = [parsed[mail.pk] for mail in mails if isinstance(parsed[mail.pk], ParsedMail)]
    contacts = active_contacts_by_email(p.from_address for p in readable)
    threads = Threads()
    threads.preload(readable)
    routed = []
    for mail in mails:
        outcome = parsed[mail.pk]
        if isinstance(outcome, Exception):
            routed.append(Routed(mail, failure=outcome))
            continue
        try:
            routed.append(Routed(mail, outcome, route_mail(outcome, contact_of=contacts.get, threads=threads)))
        except Exception as exc:  # routing only reads: the mail is quarantined, the batch goes on
            routed.append(Routed(mail, outcome, failure=exc))
    return routed
