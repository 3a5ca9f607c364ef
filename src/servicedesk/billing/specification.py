"""What a billing run bills a customer: every line computed by the policy engine, never anywhere else.

Each ticket is priced whole, as it stands now (fair use and free reasons depend on all of its work).
A line is billed once: an unbilled entry of the period (or of an earlier one: a late entry) gives a
new line; an entry billed before whose price has changed since (the ticket was reclassified, fair use
ended, …) gives a correction line for the difference, referring to the line it corrects. The phone
surcharge is one line per ticket, billed with the ticket's first run.
"""

from __future__ import annotations

import functools
import gc
import json
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import NamedTuple

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Count, Exists, F, Max, Min, OuterRef, Q, Sum
from django.db.models.expressions import RawSQL
from django.utils import timezone

from servicedesk.billing.read_ahead import read_ahead
from servicedesk.core.policy import current_policy
from servicedesk.policy import (
    Channel,
    EntryKind,
    FreeReason,
    LineKind,
    Priority,
    SupportType,
    TicketPrice,
    TicketWork,
)
from servicedesk.policy import TimeEntry as WorkEntry
from servicedesk.policy.calendar import OFFICE
from servicedesk.policy.engine import OFFICE_LABEL
from servicedesk.policy.pricing import round_half_up
from servicedesk.tickets.models import Ticket, TimeEntry
from servicedesk.tickets.pricing import ticket_price

TICKET_CHUNK = 2000  # tickets per round of queries, of one customer
MIXED_CHUNK = 20_000  # the same, of all customers (in ticket order): fewer, bigger writes per customer
ENTRY_KINDS = {kind.value: kind for kind in EntryKind}
SUPPORT_TYPES = {value.value: value for value in SupportType}
PRIORITIES = {value.value: value for value in Priority}
CHANNELS = {value.value: value for value in Channel}


class SpecLine(NamedTuple):
    """A line of a specification (a tuple: a large run makes a million of them)."""

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
    # Billable after-hours work only: whether the customer was told the after-hours rate before it started
    # (POLICY.md §5); None for office-hours, free and surcharge lines.
    rate_told: bool | None = None


def vat_on(subtotal_cents: int, vat_percent: Decimal) -> int:
    """VAT on a subtotal, rounded half-up to a cent (away from zero for a credit)."""
    numerator = abs(subtotal_cents) * int(vat_percent * 100)
    vat = round_half_up(numerator, 10_000)
    return vat if subtotal_cents >= 0 else -vat


@dataclass
class CustomerSpecification:
    customer_id: int
    lines: list[SpecLine] = field(default_factory=list)

    @property
    def subtotal_cents(self) -> int:
        return sum(line.amount_cents for line in self.lines)

    def vat_cents(self, vat_percent: Decimal) -> int:
        """VAT on the subtotal, rounded half-up to a cent (away from zero for a credit)."""
        return vat_on(self.subtotal_cents, vat_percent)

    @property
    def line_count(self) -> int:
        return len(self.lines)

    @property
    def free(self) -> int:
        return sum(1 for line in self.lines if line.free_reason)

    @property
    def late(self) -> int:
        return sum(1 for line in self.lines if line.late)

    @property
    def corrections(self) -> int:
        return sum(1 for line in self.lines if line.corrects_id)


@dataclass
class CustomerSummary:
    """A customer's specification in figures only (no lines kept): what a preview of a whole run needs."""

    customer_id: int
    line_count: int = 0
    free: int = 0
    late: int = 0
    corrections: int = 0
    subtotal_cents: int = 0

    def vat_cents(self, vat_percent: Decimal) -> int:
        return vat_on(self.subtotal_cents, vat_percent)

    def add(self, other: CustomerSummary) -> None:
        """Count in the figures of another part of the same customer's work."""
        self.line_count += other.line_count
        self.free += other.free
        self.late += other.late
        self.corrections += other.corrections
        self.subtotal_cents += other.subtotal_cents


class TicketRow(NamedTuple):
    """What a specification reads of a ticket."""

    pk: int
    subject: str
    support_type: str
    priority: str
    channel: str
    critical: bool
    rate_told_at: datetime | None = None  # when the customer was first told the after-hours rate


class EntryRow(NamedTuple):
    """What a specification reads of a time entry; `agent` is the agent's user name."""

    pk: int
    kind: str
    start: datetime
    minutes: int
    agent: str
    description: str
    billed: bool  # billed before (a standing invoice has its line)


TICKET_FIELDS = TicketRow._fields[:-1]
ENTRY_FIELDS = ("ticket_id", "pk", "kind", "start", "minutes", "agent_id", "description")


def period_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """The period as instants: from the start day's midnight to the midnight after the end day (local)."""
    zone = current_policy().time_zone
    return (
        timezone.make_aware(datetime.combine(start, time.min), zone),
        timezone.make_aware(datetime.combine(end + timedelta(days=1), time.min), zone),
    )


def candidate_tickets(customer_ids: list[int] | None, until: datetime) -> set[int]:
    """Tickets with something to bill: unbilled work before `until`, work billed before on a ticket that
    changed since, or a phone surcharge not billed yet."""
    from servicedesk.billing.models import Invoice, InvoiceLine

    tickets = Ticket.objects.order_by()
    entries = TimeEntry.objects.order_by()
    if customer_ids:
        tickets = tickets.filter(customer_id__in=customer_ids)
        entries = entries.filter(ticket__customer_id__in=customer_ids)
    unbilled = entries.filter(start__lt=until).unbilled().values_list("ticket_id", flat=True)
    ids = set(unbilled.distinct())
    surcharge = tickets.filter(
        channel__in=("phone", "phone_after_hours"),
        support_type="functional",
        reported_at__lt=until,
        critical=False,
    ).exclude(  # billed on a document that stands (not on a credited invoice, nor on its credit note)
        Exists(
            InvoiceLine.objects.filter(ticket_id=OuterRef("pk"), kind=LineKind.PHONE_SURCHARGE.value)
            .exclude(invoice__status=Invoice.Status.CREDITED)
            .exclude(invoice__credits__isnull=False)
        )
    )
    ids.update(surcharge.values_list("pk", flat=True))
    billing = InvoiceLine.objects.filter(time_entry__isnull=False, corrects__isnull=True).exclude(
        invoice__status=Invoice.Status.CREDITED
    )
    if customer_ids:
        billing = billing.filter(ticket__customer_id__in=customer_ids)
    changed = (  # billed work on a ticket changed after its last billing
        billing.order_by()
        .values("ticket_id")
        .annotate(last=Max("invoice__issued_at"))
        .filter(last__lt=F("ticket__updated_at"))
        .values_list("ticket_id", flat=True)
    )
    ids.update(changed)
    return ids


def candidate_customers(customer_ids: list[int] | None, until: datetime) -> list[tuple[int, int]]:
    """The candidate tickets with their customer, (ticket id, customer id), in ticket order."""
    ids = candidate_tickets(customer_ids, until)
    tickets = Ticket.objects.order_by("pk")
    if customer_ids:
        tickets = tickets.filter(customer_id__in=customer_ids)
    return [row for row in tickets.values_list("pk", "customer_id").iterator(chunk_size=10_000) if row[0] in ids]


def _billed_before(candidates: list[tuple[int, int]]) -> set[int]:
    """The tickets among the candidates with lines on earlier documents: only theirs are looked up per chunk.
    (One look-up before anything is written: per chunk, a confirmation's own new lines would make the line
    table grow under queries planned for it as it was.)"""
    from servicedesk.billing.models import InvoiceLine

    if not candidates:
        return set()
    ids = [pk for pk, _customer_id in candidates]
    lines = InvoiceLine.objects.filter(ticket_id__in=id_list(ids)).order_by()
    return set(lines.values_list("ticket_id", flat=True).distinct())


def _billed_so_far(ticket_ids: list[int]) -> tuple[dict, dict, set[int]]:
    """Per item (ticket, entry or None, kind): the amount billed on issued documents, and the last line; and
    the entries billed (a standing document has their first line: see TimeEntryQuerySet)."""
    from servicedesk.billing.models import Invoice, InvoiceLine

    sums, last, billed = {}, {}, set()
    if not ticket_ids:
        return sums, last, billed
    first = Q(corrects__isnull=True) & ~Q(invoice__status=Invoice.Status.CREDITED)
    rows = (
        InvoiceLine.objects.filter(ticket_id__in=id_list(ticket_ids))
        .values("ticket_id", "time_entry_id", "kind")
        .annotate(total=Sum("amount_cents"), last=Max("id"), standing=Count("id", filter=first))
    )
    for row in rows:
        key = (row["ticket_id"], row["time_entry_id"], row["kind"])
        sums[key], last[key] = row["total"], row["last"]
        if row["standing"] and row["time_entry_id"] is not None:
            billed.add(row["time_entry_id"])
    return sums, last, billed


def _bands(line, cache: dict | None = None) -> str:
    """The line's time per band and its rate, as text; `cache` keeps the texts of band divisions seen."""
    if cache is None:
        return _bands_text(line)
    raw, *rest = line.explanation
    key = (tuple(raw), *rest)
    text = cache.get(key)
    if text is None:
        text = cache[key] = _bands_text(line)
    return text


def _bands_text(line) -> str:
    """'kantoortijd 15 min à 65,00; avond 15 min à 85,00': the bands by the policy's (Dutch) labels, as the
    specification, the PDF and the CSV show them to the customer."""
    labels = _band_labels(current_policy())
    return "; ".join(
        f"{labels.get(share.band, share.band)} {int(share.duration.total_seconds() // 60)} min à "
        f"{str(share.hourly_rate).replace('.', ',')}"
        for share in line.shares
    )


@functools.lru_cache(maxsize=4)
def _band_labels(policy) -> dict[str, str]:
    """Band key -> label of a policy."""
    return {OFFICE: OFFICE_LABEL} | {key: band.label for key, band in policy.config.bands.items()}


def _ticket_items(
    ticket: TicketRow, entries: list[EntryRow], start: datetime, until: datetime, billed, last, policy=None
) -> tuple[TicketPrice, list[tuple]]:
    """The ticket's price now, and what it bills now: items (entry or None for the phone surcharge, the
    priced line or None, amount in cents, the line corrected or None, late, billed before). `policy`: the
    policy in force (`current_policy()`), passed by callers that price many tickets."""
    work = [WorkEntry(ENTRY_KINDS[e.kind], e.start, e.minutes) for e in entries]
    if policy is None:
        price = ticket_price(ticket, work)
    else:  # what ticket_price does, without looking up the policy and the enums again for every ticket
        price = policy.price(
            TicketWork(
                SUPPORT_TYPES[ticket.support_type],
                PRIORITIES[ticket.priority],
                CHANNELS[ticket.channel],
                ticket.critical,
                work,
            )
        )
    items: list[tuple] = []
    any_billed = False
    for entry, priced in zip(entries, price.lines[: len(entries)], strict=True):
        key = (ticket.pk, entry.pk, priced.kind.value)
        before = billed.get(key, 0)
        if not entry.billed:
            if entry.start >= until:
                continue  # the next period's work
            items.append((entry, priced, priced.amount_cents, None, entry.start < start, before))
        else:
            any_billed = True
            amount = priced.amount_cents - before
            if amount != 0:
                items.append((entry, priced, amount, last.get(key), False, before))
    surcharge = price.lines[len(entries) :]  # the phone surcharge: none, or one line
    key = (ticket.pk, None, LineKind.PHONE_SURCHARGE.value)
    now_cents = surcharge[0].amount_cents if surcharge else 0
    if key in last:  # billed before: only a change is billed, as a correction
        amount, corrects = now_cents - billed.get(key, 0), last[key]
    elif surcharge and (items or any_billed or not entries):  # comes with the ticket's first billed work
        amount, corrects = now_cents, None
    else:
        amount, corrects = 0, None
    if amount != 0:
        items.append((None, surcharge[0] if surcharge else None, amount, corrects, False, billed.get(key, 0)))
    return price, items


def _spec_lines(ticket: TicketRow, price: TicketPrice, items: list[tuple], bands=None) -> list[SpecLine]:
    """The items of `_ticket_items` as specification lines."""
    free = price.free_reason.value if isinstance(price.free_reason, FreeReason) else ""
    rate = price.hourly_rate
    lines = []
    for entry, priced, amount, corrects, late, before in items:
        if entry is not None:  # positional: SpecLine's fields in order
            told = None
            if amount > 0 and not free and _after_hours(priced):
                told = ticket.rate_told_at is not None and ticket.rate_told_at <= entry.start
            line = SpecLine(
                ticket.pk,
                ticket.subject,
                entry.pk,
                priced.kind.value,
                entry.start,
                entry.agent,
                entry.description,
                priced.minutes,
                priced.billed_minutes,
                _bands(priced, bands),
                rate,
                amount,
                free,
                late,
                corrects,
                before,
                told,
            )
        else:
            line = SpecLine(
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
                hourly_rate=rate,
                amount_cents=amount,
                free_reason=free,
                late=False,
                corrects_id=corrects,
                previously_billed_cents=before,
            )
        lines.append(line)
    return lines


def _after_hours(priced) -> bool:
    """Whether any of the line's billed time fell outside office hours (band 0 of the explanation)."""
    return any(band and duration for band, duration in priced.explanation[0])


def rate_told_at(ticket_ids: list[int]) -> dict[int, datetime]:
    """Per ticket, when the customer was first told the after-hours rate (tickets never told are left out)."""
    from servicedesk.tickets.models import TicketEvent

    if not ticket_ids:
        return {}
    rows = (
        TicketEvent.objects.filter(ticket_id__in=id_list(ticket_ids), kind=TicketEvent.Kind.RATE_TOLD)
        .order_by()
        .values("ticket_id")
        .annotate(first=Min("at"))
        .values_list("ticket_id", "first")
    )
    return dict(rows)


def ticket_lines(
    ticket: TicketRow, entries: list[EntryRow], start: datetime, until: datetime, billed, last, bands=None
) -> list[SpecLine]:
    """The lines a ticket gives now (`entries`: all its time entries, by start); `bands`: a cache for `_bands`."""
    price, items = _ticket_items(ticket, entries, start, until, billed, last)
    return _spec_lines(ticket, price, items, bands)


def id_list(ids: list[int]):
    """`ids` for an `__in` lookup as one query parameter (a JSON array on SQLite, an array on PostgreSQL):
    no limit on their number, and no work per id in the ORM."""
    if connection.vendor == "postgresql":  # the array as text: psycopg would adapt it element by element
        return RawSQL("SELECT unnest(%s::bigint[])", ("{" + ",".join(map(str, ids)) + "}",))
    if connection.vendor == "sqlite":
        return RawSQL("SELECT value FROM json_each(%s)", (json.dumps(ids),))
    return ids


@contextmanager
def collector_paused():
    """No cyclic garbage collection inside: a chunk makes and drops hundreds of thousands of small objects
    (reference counting frees them), and the collector's passes over them cost a quarter of the time.
    Nested, only the outermost turns it back on: a whole run paused at once does not pay for a pass over
    each chunk's surviving objects when the collector comes back between chunks."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


class _ChunkRows(NamedTuple):
    """What a chunk of tickets is priced from."""

    customer_of: dict[int, int]  # ticket id -> customer id
    tickets: list[TicketRow]  # in id order
    entries: dict[int, list[EntryRow]]  # ticket id -> its entries, by start
    billed: dict  # see _billed_so_far
    last: dict


class Plan(NamedTuple):
    """The candidate tickets of a run in chunks, and which of them were billed before."""

    chunks: list[list[tuple[int, int]]]  # [(ticket id, customer id)], tickets in id order within a chunk
    history: set[int]


def _plan(customer_ids: list[int] | None, until: datetime, *, by_customer: bool, size: int) -> Plan:
    """`by_customer`: chunk each customer's tickets apart, customer by customer (one customer a chunk); else
    chunk all tickets in id order (customers mixed), which reads the tables in the order they were written:
    far fewer pages."""
    candidates = candidate_customers(customer_ids, until)
    if by_customer:
        tickets_of: dict[int, list[int]] = defaultdict(list)
        for pk, customer_id in candidates:
            tickets_of[customer_id].append(pk)
        chunks = [
            [(pk, customer_id) for pk in tickets[i : i + size]]
            for customer_id, tickets in sorted(tickets_of.items())
            for i in range(0, len(tickets), size)
        ]
    else:
        chunks = [candidates[i : i + size] for i in range(0, len(candidates), size)]
    return Plan(chunks, _billed_before(candidates))


def _read_chunk(chunk: list[tuple[int, int]], history: set[int], names: dict[int, str]) -> _ChunkRows:
    """The rows a chunk of tickets is priced from; `names` caches the agents' names."""
    customer_of = dict(chunk)
    ids = list(customer_of)
    # Looked up for the tickets billed before only: the others have no lines, so nothing billed.
    billed, last, billed_entries = _billed_so_far([pk for pk in ids if pk in history])
    entry_rows = TimeEntry.objects.filter(ticket_id__in=id_list(ids)).order_by("ticket_id", "start", "id")
    rows = list(entry_rows.values_list(*ENTRY_FIELDS))
    unknown = {row[5] for row in rows} - names.keys()
    if unknown:
        user_model = get_user_model()
        names.update(user_model.objects.filter(pk__in=unknown).values_list("pk", user_model.USERNAME_FIELD))
    entries: dict[int, list[EntryRow]] = defaultdict(list)
    for ticket_id, pk, kind, entry_start, minutes, agent_id, description in rows:
        entries[ticket_id].append(
            EntryRow(pk, kind, entry_start, minutes, names.get(agent_id, ""), description, pk in billed_entries)
        )
    told = rate_told_at(ids)
    tickets = [
        TicketRow(*row, told.get(row[0]))
        for row in Ticket.objects.filter(pk__in=id_list(ids)).order_by("pk").values_list(*TICKET_FIELDS)
    ]
    return _ChunkRows(customer_of, tickets, entries, billed, last)


def _priced_chunks(
    plan: Plan, start: datetime, until: datetime, progress
) -> Iterator[list[tuple[int, TicketRow, TicketPrice, list[tuple]]]]:
    """[(customer id, ticket, its price, its items)] for a chunk of the plan's tickets at a time; streamed, so
    that only a chunk's rows are in memory."""
    policy = current_policy()
    names: dict[int, str] = {}
    for chunk in plan.chunks:
        with collector_paused():
            rows = _read_chunk(chunk, plan.history, names)
            priced = []
            for ticket in rows.tickets:
                entries = rows.entries.get(ticket.pk, [])
                price, items = _ticket_items(ticket, entries, start, until, rows.billed, rows.last, policy)
                if items:
                    priced.append((rows.customer_of[ticket.pk], ticket, price, items))
        if progress is not None:
            progress(len(chunk))
        yield priced


def specifications(
    *, customer_ids: list[int] | None, start: datetime, until: datetime, progress=None
) -> Iterator[CustomerSpecification]:
    """One specification per customer with anything to bill, streamed customer by customer."""
    spec = None
    bands: dict = {}
    plan = _plan(customer_ids, until, by_customer=True, size=TICKET_CHUNK)
    for priced in _priced_chunks(plan, start, until, progress):
        for customer_id, ticket, price, items in priced:
            if spec is None or spec.customer_id != customer_id:
                if spec is not None:
                    yield spec
                spec = CustomerSpecification(customer_id)
            spec.lines.extend(_spec_lines(ticket, price, items, bands))
    if spec is not None:
        yield spec


def mixed_plan(customer_ids: list[int] | None, until: datetime) -> Plan:
    """The tickets a run bills, in chunks of MIXED_CHUNK in ticket order, customers mixed (a confirmation, and
    the summaries of a preview)."""
    return _plan(customer_ids, until, by_customer=False, size=MIXED_CHUNK)


def specification_chunks(
    progress=None, *, plan: Plan, start: datetime, until: datetime
) -> Iterator[list[tuple[int, list[SpecLine]]]]:
    """The lines of all specifications a chunk of tickets at a time (see `mixed_plan`): [(customer id,
    the lines of its tickets in the chunk)], customers in id order; a customer comes back in many chunks. For
    work that writes as it goes (a confirmation): never more than a chunk's lines at once, however the work
    is spread over customers, and the tables read and written in the order of their rows. (`progress` comes
    first: a confirmation runs this elsewhere, read_ahead.py.)"""
    bands: dict = {}
    with collector_paused():  # the lines too are made by the million (see collector_paused)
        for priced in _priced_chunks(plan, start, until, progress):
            lines: dict[int, list[SpecLine]] = defaultdict(list)
            for customer_id, ticket, price, items in priced:
                lines[customer_id].extend(_spec_lines(ticket, price, items, bands))
            yield sorted(lines.items())


def summaries(
    *, customer_ids: list[int] | None, start: datetime, until: datetime, progress=None, ahead: bool = False
) -> list[CustomerSummary]:
    """Each customer's figures as its specification would give them, keeping no lines (none are made).
    `ahead`: every other chunk is summed up in another process meanwhile (read_ahead.py); not inside a
    transaction with changes, which that process could not see."""
    plan = mixed_plan(customer_ids, until)
    if not ahead or len(plan.chunks) < 2:
        found = _summed(plan, start, until, progress)
    else:
        theirs = Plan(plan.chunks[1::2], plan.history)
        job = functools.partial(_summed_job, plan=theirs, start=start, until=until)
        with read_ahead(job, progress=progress) as others:

            def both(done: int) -> None:  # the other process's progress shown as it comes, too
                if progress is not None:
                    progress(done)
                others.report_progress()

            found = _summed(Plan(plan.chunks[0::2], plan.history), start, until, both)
            their_summaries = next(others)
        for summary in their_summaries.values():
            found.setdefault(summary.customer_id, CustomerSummary(summary.customer_id)).add(summary)
    return [found[customer_id] for customer_id in sorted(found)]


def _summed_job(progress, *, plan: Plan, start: datetime, until: datetime) -> Iterator[dict[int, CustomerSummary]]:
    with collector_paused():
        yield _summed(plan, start, until, progress)


def _summed(plan: Plan, start: datetime, until: datetime, progress) -> dict[int, CustomerSummary]:
    found: dict[int, CustomerSummary] = {}
    for priced in _priced_chunks(plan, start, until, progress):
        for customer_id, _ticket, price, items in priced:
            summary = found.get(customer_id)
            if summary is None:
                summary = found[customer_id] = CustomerSummary(customer_id)
            for _entry, _priced, amount, corrects, late, _before in items:
                summary.subtotal_cents += amount
                summary.late += late
                summary.corrections += corrects is not None
            summary.line_count += len(items)
            if isinstance(price.free_reason, FreeReason):
                summary.free += len(items)
    return found
