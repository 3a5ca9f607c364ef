"""Who delivers which queued message: claims under a lease, and the outcome of each attempt.

A worker claims due messages in a short transaction and sends them after it: a worker that dies mid-delivery
holds no lock, and its lease runs out, so another takes the messages up. Each outcome is its own commit,
written as soon as the mail server answered, so a crash repeats at most the message that was in flight.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F, Q

from servicedesk.outbox.models import OutgoingMessage

RETRY_AFTER = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=15), timedelta(hours=1))


def outgoing_claim_due(*, now: datetime, limit: int, lease: timedelta) -> list[OutgoingMessage]:
    """Up to `limit` queued messages that are due and not leased to a live worker, leased until `now + lease`.
    Two workers never claim the same message: PostgreSQL skips rows another claim has locked, SQLite runs one
    claim at a time (its write lock is taken when the transaction begins)."""
    due = OutgoingMessage.objects.filter(status=OutgoingMessage.Status.QUEUED, next_attempt_at__lte=now).filter(
        Q(leased_until__isnull=True) | Q(leased_until__lte=now)
    )
    if not due.exists():  # most polls: answered by a read, without taking SQLite's write lock
        return []
    with transaction.atomic():
        claimed = list(due.select_for_update(skip_locked=True).order_by("next_attempt_at", "id")[:limit])
        if claimed:
            OutgoingMessage.objects.filter(pk__in=[m.pk for m in claimed]).update(leased_until=now + lease)
    for message in claimed:
        message.leased_until = now + lease
    return claimed


def outgoing_lease_renew(outgoing_ids: Iterable[int], *, now: datetime, lease: timedelta) -> None:
    """Keep the messages still to be sent of a long batch from being taken up by another worker."""
    with transaction.atomic():
        OutgoingMessage.objects.filter(pk__in=list(outgoing_ids), status=OutgoingMessage.Status.QUEUED).update(
            leased_until=now + lease
        )


def outgoing_release(outgoing_ids: Iterable[int]) -> None:
    """Give back claimed messages not sent (the worker is stopping): any worker may take them at once."""
    with transaction.atomic():
        OutgoingMessage.objects.filter(pk__in=list(outgoing_ids), status=OutgoingMessage.Status.QUEUED).update(
            leased_until=None
        )


def outgoing_mark_sent(outgoing: OutgoingMessage, *, now: datetime) -> None:
    """The mail server accepted the message: record it at once, in a commit of its own."""
    with transaction.atomic():
        OutgoingMessage.objects.filter(pk=outgoing.pk, status=OutgoingMessage.Status.QUEUED).update(
            status=OutgoingMessage.Status.SENT,
            sent_at=now,
            attempts=F("attempts") + 1,
            last_error="",
            leased_until=None,
        )
    outgoing.status, outgoing.sent_at, outgoing.attempts = OutgoingMessage.Status.SENT, now, outgoing.attempts + 1


def outgoing_mark_failed(outgoing: OutgoingMessage, *, error: str, now: datetime) -> None:
    """An attempt failed: try again after the backoff, or give up after the last one."""
    attempts = outgoing.attempts + 1
    given_up = attempts > len(RETRY_AFTER)
    status = OutgoingMessage.Status.FAILED if given_up else OutgoingMessage.Status.QUEUED
    next_attempt_at = outgoing.next_attempt_at if given_up else now + RETRY_AFTER[attempts - 1]
    with transaction.atomic():
        OutgoingMessage.objects.filter(pk=outgoing.pk, status=OutgoingMessage.Status.QUEUED).update(
            status=status,
            attempts=attempts,
            last_error=error[:2000],
            next_attempt_at=next_attempt_at,
            leased_until=None,
        )
    outgoing.status, outgoing.attempts, outgoing.last_error = status, attempts, error[:2000]
    outgoing.next_attempt_at = next_attempt_at
