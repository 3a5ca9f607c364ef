"""What a billing run bills a customer: every line computed by the policy engine, never anywhere else.

Each ticket is priced whole, as it stands now (fair use and free reasons depend on all of its work).
A line is billed once: an unbilled entry of the period (or of an earlier one: a late entry) gives a
new line; an entry billed before whose price has changed since (the ticket was reclassified, fair use
ended, …) gives a correction line for the difference, referring to the line it corrects. The phone
surcharge is one line per ticket, billed with the ticket's first run.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db.models import Max, Q, Sum
from django.utils import timezone

from servicedesk.core.policy import current_policy
from servicedesk.policy import FreeReason, LineKind
from servicedesk.policy.pricing import round_half_up
from servicedesk.tickets.models import Ticket, TimeEntry
from servicedesk.tickets.pricing import ticket_price

TICKET_CHUNK = 500


@dataclass(frozen=True)
class SpecLine:
    ticket_id: int
    ticket_subject: str
    entry_id: int | None
    kind: str
    start: datetime | None
    agent: str
    description: str
    minutes: int
    billed_minutes: int
    bands: str
    hourly_rate: Decimal | None
    amount_cents: int
    free_reason: str
    late: bool
    corrects_id: int | None  # the line this one corrects
    previously_billed_cents: int


@dataclass
class CustomerSpecification:
    customer_id: int
    lines: list[SpecLine] = field(default_factory=list)

    @property
    def subtotal_cents(self) -> int:
        return sum(line.amount_cents for line in self.lines)

    def vat_cents(self, vat_percent: Decimal) -> int:
        """VAT on the subtotal, rounded half-up to a cent (away from zero for a credit)."""
        numerator = abs(self.subtotal_cents) * int(vat_percent * 100)
        vat = round_half_up(numerator, 10_000)
        return vat if self.subtotal_cents >= 0 else -vat


def period_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """The period as instants: from the start day's midnight to the midnight after the end day (local)."""
    zone = current_policy().time_zone
    return (
        timezone.make_aware(datetime.combine(start, time.min), zone),
        timezone.make_aware(datetime.combine(end + timedelta(days=1), time.min), zone),
    )


def candidate_tickets(customer_ids: list[int] | None, until: datetime):
    """Tickets with something to bill: unbilled work before `until`, work billed before on a ticket that
    changed since, or a phone surcharge not billed yet."""
    unbilled = TimeEntry.objects.filter(billed_at__isnull=True, start__lt=until).values("ticket_id")
    changed = (
        TimeEntry.objects.filter(billed_at__isnull=False)
        .values("ticket_id")
        .annotate(last=Max("billed_at"))
        .values("ticket_id", "last")
    )
    tickets = Ticket.objects.all()
    if customer_ids:
        tickets = tickets.filter(customer_id__in=customer_ids)
    surcharge = Q(
        channel__in=("phone", "phone_after_hours"),
        support_type="functional",
        reported_at__lt=until,
        critical=False,
    ) & ~Q(invoice_lines__kind=LineKind.PHONE_SURCHARGE.value)
    ids = set(tickets.filter(Q(pk__in=unbilled) | surcharge).values_list("pk", flat=True))
    changed_ids = {row["ticket_id"] for row in changed}
    if changed_ids:
        last_billed = {row["ticket_id"]: row["last"] for row in changed}
        for pk, updated in tickets.filter(pk__in=changed_ids).values_list("pk", "updated_at"):
            if updated > last_billed[pk]:
                ids.add(pk)
    return ids


def _billed_so_far(ticket_ids: list[int]) -> tuple[dict, dict]:
    """Per item (ticket, entry or None, kind): the amount billed on issued documents, and the last line."""
    from servicedesk.billing.models import InvoiceLine

    sums, last = {}, {}
    rows = (
        InvoiceLine.objects.filter(ticket_id__in=ticket_ids)
        .values("ticket_id", "time_entry_id", "kind")
        .annotate(total=Sum("amount_cents"), last=Max("id"))
    )
    for row in rows:
        key = (row["ticket_id"], row["time_entry_id"], row["kind"])
        sums[key], last[key] = row["total"], row["last"]
    return sums, last


def _bands(line) -> str:
    return "; ".join(
        f"{share.band} {int(share.duration.total_seconds() // 60)} min à {share.hourly_rate}" for share in line.shares
    )


def ticket_lines(
    ticket: Ticket, entries: list[TimeEntry], start: datetime, until: datetime, billed, last
) -> list[SpecLine]:
    price = ticket_price(ticket, entries)
    free = price.free_reason.value if isinstance(price.free_reason, FreeReason) else ""
    lines: list[SpecLine] = []
    any_billed = any(e.billed_at is not None for e in entries)
    for entry, priced in zip(entries, price.lines[: len(entries)], strict=True):
        key = (ticket.pk, entry.pk, priced.kind.value)
        before = billed.get(key, 0)
        if entry.billed_at is None:
            if entry.start >= until:
                continue  # the next period's work
            amount, corrects, late = priced.amount_cents, None, entry.start < start
        else:
            amount = priced.amount_cents - before
            if amount == 0:
                continue
            corrects, late = last.get(key), False
        lines.append(
            SpecLine(
                ticket_id=ticket.pk,
                ticket_subject=ticket.subject,
                entry_id=entry.pk,
                kind=priced.kind.value,
                start=entry.start,
                agent=entry.agent.get_username() if entry.agent_id else "",
                description=entry.description,
                minutes=priced.minutes,
                billed_minutes=priced.billed_minutes,
                bands=_bands(priced),
                hourly_rate=price.hourly_rate,
                amount_cents=amount,
                free_reason=free,
                late=late,
                corrects_id=corrects,
                previously_billed_cents=before,
            )
        )
    surcharge = price.lines[len(entries) :]  # the phone surcharge: none, or one line
    key = (ticket.pk, None, LineKind.PHONE_SURCHARGE.value)
    now_cents = surcharge[0].amount_cents if surcharge else 0
    if key in last:  # billed before: only a change is billed, as a correction
        amount, corrects = now_cents - billed.get(key, 0), last[key]
    elif surcharge and (lines or any_billed or not entries):  # comes with the ticket's first billed work
        amount, corrects = now_cents, None
    else:
        amount, corrects = 0, None
    if amount != 0:
        priced = surcharge[0] if surcharge else None
        lines.append(
            SpecLine(
                ticket_id=ticket.pk,
                ticket_subject=ticket.subject,
                entry_id=None,
                kind=LineKind.PHONE_SURCHARGE.value,
                start=None,
                agent="",
                description="",
                minutes=priced.minutes if priced else 0,
                billed_minutes=priced.billed_minutes if priced else 0,
                bands="",
                hourly_rate=price.hourly_rate,
                amount_cents=amount,
                free_reason=free,
                late=False,
                corrects_id=corrects,
                previously_billed_cents=billed.get(key, 0),
            )
        )
    return lines


def specifications(
    *, customer_ids: list[int] | None, start: datetime, until: datetime, progress=None
) -> Iterator[CustomerSpecification]:
    """One specification per customer with anything to bill, streamed ticket chunk by ticket chunk."""
    ids = sorted(candidate_tickets(customer_ids, until))
    by_customer: dict[int, list[int]] = defaultdict(list)
    for pk, customer_id in Ticket.objects.filter(pk__in=ids).values_list("pk", "customer_id").iterator(chunk_size=5000):
        by_customer[customer_id].append(pk)
    for customer_id in sorted(by_customer):
        spec = CustomerSpecification(customer_id)
        ticket_ids = sorted(by_customer[customer_id])
        for chunk_start in range(0, len(ticket_ids), TICKET_CHUNK):
            chunk = ticket_ids[chunk_start : chunk_start + TICKET_CHUNK]
            billed, last = _billed_so_far(chunk)
            entries: dict[int, list[TimeEntry]] = defaultdict(list)
            for entry in TimeEntry.objects.filter(ticket_id__in=chunk).select_related("agent").order_by("start", "id"):
                entries[entry.ticket_id].append(entry)
            for ticket in Ticket.objects.filter(pk__in=chunk).order_by("pk"):
                spec.lines.extend(ticket_lines(ticket, entries[ticket.pk], start, until, billed, last))
            if progress is not None:
                progress(len(chunk))
        if spec.lines:
            yield spec
