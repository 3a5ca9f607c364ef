"""What a billing run bills a customer: every line computed by the policy engine, never anywhere else.

Each ticket is priced whole, as it stands now (fair use and free reasons depend on all of its work).
A line is billed once: an unbilled entry of the period (or of an earlier one: a late entry) gives a
new line; an entry billed before whose price has changed since (the ticket was reclassified, fair use
ended, …) gives a correction line for the difference, referring to the line it corrects. The phone
surcharge is one line per ticket, billed with the ticket's first run.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import NamedTuple

from django.contrib.auth import get_user_model
from django.db.models import Count, Exists, F, Max, OuterRef, Q, Subquery, Sum
from django.utils import timezone

from servicedesk.billing.models import Invoice, InvoiceLine
from servicedesk.core.policy import current_policy
from servicedesk.policy import EntryKind, FreeReason, LineKind, Policy, TicketPrice
from servicedesk.policy import TimeEntry as WorkEntry
from servicedesk.policy.calendar import OFFICE
from servicedesk.policy.engine import OFFICE_LABEL
from servicedesk.policy.pricing import round_half_up
from servicedesk.tickets.models import Ticket, TicketEvent, TimeEntry
from servicedesk.tickets.pricing import customer_policies, ticket_price

TICKET_CHUNK = 500  # tickets per round of queries; small, so the objects of a chunk in memory are few when the
# garbage collector walks them (its full passes come as often, whatever the chunk size)


class SpecLine(NamedTuple):
    """A line of a specification (a tuple: a large run makes a million of them): a ticket's (`ticket_id`) or a
    contract line's fee for a period (`contract_line_id`, see billing/fees.py)."""

    ticket_id: int | None
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
    # A recurring fee: the contract line, the period it bills, its price per whole period.
    contract_line_id: int | None = None
    period_start: date | None = None
    period_end: date | None = None
    unit_price_cents: int | None = None
    bundle_id: int | None = None  # a bundle's purchase
    # A project's line (see billing/projects.py): the project, and the time entry or milestone it bills.
    project_id: int | None = None
    project_entry_id: int | None = None
    milestone_id: int | None = None
    # The local day of the work a ticket's or project's line bills (its entry's start; a phone surcharge: its
    # ticket's report): the day by which bundles pay it (InvoiceLine.work_day).
    work_day: date | None = None


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
    prepaid_cents: int = 0  # what the customer's bundles would pay (set once all lines are known)

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
    reported_at: datetime  # which contract's service levels price it (the one in force on that day)
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
            InvoiceLine.objects.on_documents()
            .filter(ticket_id=OuterRef("pk"), kind=LineKind.PHONE_SURCHARGE.value)
            .exclude(invoice__status=Invoice.Status.CREDITED)
            .exclude(invoice__credits__isnull=False)
        )
    )
    ids.update(surcharge.values_list("pk", flat=True))
    billing = InvoiceLine.objects.filter(time_entry__isnull=False, corrects__isnull=True).exclude(
        invoice__status__in=(Invoice.Status.CREDITED, Invoice.Status.DRAFT)
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


class Plan(NamedTuple):
    """The candidate tickets of a run in chunks, and which of them were billed before."""

    chunks: list[list[tuple[int, int]]]  # [(ticket id, customer id)], tickets in id order within a chunk
    history: set[int]


def run_plan(customer_ids: list[int] | None, until: datetime, *, by_customer: bool = False) -> Plan:
    """The tickets a run bills in chunks of TICKET_CHUNK. In ticket order, customers mixed (a confirmation, a
    preview's figures): the tables are read in the order their rows were written. `by_customer`: each
    customer's tickets apart, customer by customer (specifications with their lines)."""
    candidates = candidate_customers(customer_ids, until)
    size = TICKET_CHUNK
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
    return Plan(chunks, _billed_before(customer_ids))


def _billed_before(customer_ids: list[int] | None) -> set[int]:
    """The tickets with lines on earlier documents: only theirs are looked up per chunk. Read once, before
    anything is written: a confirmation's own new lines are no history."""

    lines = InvoiceLine.objects.on_documents().order_by()
    if customer_ids:
        lines = lines.filter(ticket__customer_id__in=customer_ids)
    return set(lines.values_list("ticket_id", flat=True).distinct().iterator(chunk_size=10_000))


def _billed_so_far(ticket_ids: list[int]) -> tuple[dict, dict, set[int]]:
    """Per item (ticket, entry or None, kind): the amount billed on issued documents, and the last line; and
    the entries billed (a standing document has their first line: see TimeEntryQuerySet)."""

    sums, last, billed = {}, {}, set()
    if not ticket_ids:
        return sums, last, billed
    first = Q(corrects__isnull=True) & ~Q(invoice__status=Invoice.Status.CREDITED)
    rows = (
        InvoiceLine.objects.on_documents()
        .filter(ticket_id__in=ticket_ids)
        .order_by()
        .values("ticket_id", "time_entry_id", "kind")
        .annotate(total=Sum("amount_cents"), last=Max("id"), standing=Count("id", filter=first))
    )
    for row in rows:
        key = (row["ticket_id"], row["time_entry_id"], row["kind"])
        sums[key], last[key] = row["total"], row["last"]
        if row["standing"] and row["time_entry_id"] is not None:
            billed.add(row["time_entry_id"])
    return sums, last, billed


def _bands(line, cache: dict) -> str:
    """The line's time per band and its rate, as text; `cache` (one per run) keeps the texts of the band
    divisions seen: a run has a million lines and a few hundred divisions."""
    raw, *rest = line.explanation
    key = (tuple(raw), *rest)
    text = cache.get(key)
    if text is None:
        text = cache[key] = bands_text(line)
    return text


def bands_text(line) -> str:
    """'kantoortijd 15 min à 65,00; avond 15 min à 85,00': the bands by the policy's (Dutch) labels, as the
    specification stores them (shown with the euro sign by `bands_shown`)."""
    policy = current_policy()
    labels = {OFFICE: OFFICE_LABEL} | {key: band.label for key, band in policy.config.bands.items()}
    return "; ".join(
        f"{labels.get(share.band, share.band)} {int(share.duration.total_seconds() // 60)} min à "
        f"{str(share.hourly_rate).replace('.', ',')}"
        for share in line.shares
    )


def _ticket_items(
    ticket: TicketRow, entries: list[EntryRow], start: datetime, until: datetime, billed, last, *, policy: Policy
) -> tuple[TicketPrice, list[tuple]]:
    """The ticket's price now (the policy engine's, as everywhere: `ticket_price`, under `policy`: its customer's
    contract levels in force when it was reported), and what it bills now: items (entry or None for the phone
    surcharge, the priced line or None, amount in cents, the line corrected or None, late, billed before)."""
    entries_now = [WorkEntry(EntryKind(e.kind), e.start, e.minutes) for e in entries]
    price = ticket_price(ticket, entries_now, policy=policy)
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


def _spec_lines(ticket: TicketRow, price: TicketPrice, items: list[tuple], bands: dict) -> list[SpecLine]:
    """The items of `_ticket_items` as specification lines; `bands`: the run's cache for `_bands`."""
    free = price.free_reason.value if isinstance(price.free_reason, FreeReason) else ""
    rate = price.hourly_rate
    zone = timezone.get_default_timezone()  # named: the current one is looked up per thread, a million times
    lines = []
    for entry, priced, amount, corrects, late, before in items:
        if entry is not None:
            told = None
            if amount > 0 and not free and _after_hours(priced):
                told = ticket.rate_told_at is not None and ticket.rate_told_at <= entry.start
            line = SpecLine(
                ticket_id=ticket.pk,
                ticket_subject=ticket.subject,
                entry_id=entry.pk,
                kind=priced.kind.value,
                start=entry.start,
                agent=entry.agent,
                description=entry.description,
                minutes=priced.minutes,
                billed_minutes=priced.billed_minutes,
                bands=_bands(priced, bands),
                hourly_rate=rate,
                amount_cents=amount,
                free_reason=free,
                late=late,
                corrects_id=corrects,
                previously_billed_cents=before,
                rate_told=told,
                work_day=timezone.localdate(entry.start, zone),
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
                work_day=timezone.localdate(ticket.reported_at, zone),
            )
        lines.append(line)
    return lines


def _after_hours(priced) -> bool:
    """Whether any of the line's billed time fell outside office hours (band 0 of the explanation)."""
    return any(band and duration for band, duration in priced.explanation[0])


def first_rate_told():
    """When the customer of the ticket (`OuterRef("pk")`) was first told the after-hours rate, or NULL: a
    subquery for the chunk's ticket query, one index look-up a ticket (`ticket_event_ticket`)."""
    told = TicketEvent.objects.filter(ticket=OuterRef("pk"), kind=TicketEvent.Kind.RATE_TOLD).order_by("at")
    return Subquery(told.values("at")[:1])


class _ChunkRows(NamedTuple):
    """What a chunk of tickets is priced from."""

    customer_of: dict[int, int]  # ticket id -> customer id
    tickets: list[TicketRow]  # in id order
    entries: dict[int, list[EntryRow]]  # ticket id -> its entries, by start
    billed: dict  # see _billed_so_far
    last: dict


def _read_chunk(chunk: list[tuple[int, int]], history: set[int]) -> _ChunkRows:
    """The rows a chunk of tickets is priced from: a query per table, whatever the chunk holds."""
    customer_of = dict(chunk)
    ids = list(customer_of)
    # Looked up for the tickets billed before only: the others have no lines, so nothing billed.
    billed, last, billed_entries = _billed_so_far([pk for pk in ids if pk in history])
    agent_name = f"agent__{get_user_model().USERNAME_FIELD}"
    rows = (
        TimeEntry.objects.filter(ticket_id__in=ids)
        .order_by("ticket_id", "start", "id")
        .values_list("ticket_id", "pk", "kind", "start", "minutes", agent_name, "description")
    )
    entries: dict[int, list[EntryRow]] = defaultdict(list)
    for ticket_id, pk, kind, entry_start, minutes, agent, description in rows.iterator(chunk_size=TICKET_CHUNK):
        entries[ticket_id].append(
            EntryRow(pk, kind, entry_start, minutes, agent or "", description, pk in billed_entries)
        )
    tickets = [
        TicketRow(*row)
        for row in Ticket.objects.filter(pk__in=ids)
        .annotate(rate_told_at=first_rate_told())
        .order_by("pk")
        .values_list(*TICKET_FIELDS, "rate_told_at")
    ]
    return _ChunkRows(customer_of, tickets, entries, billed, last)


def priced_chunks(
    plan: Plan, start: datetime, until: datetime, progress=None
) -> Iterator[list[tuple[int, TicketRow, TicketPrice, list[tuple]]]]:
    """[(customer id, ticket, its price, its items)] for a chunk of the plan's tickets at a time; streamed, so
    that only a chunk's rows are in memory. `progress(n)` hears of each chunk's tickets once priced."""
    policies: dict[int, Callable[[datetime], Policy]] = {}  # customer -> its policy by day, one query each
    for chunk in plan.chunks:
        rows = _read_chunk(chunk, plan.history)
        priced = []
        for ticket in rows.tickets:
            entries = rows.entries.get(ticket.pk, [])
            customer_id = rows.customer_of[ticket.pk]
            if customer_id not in policies:
                policies[customer_id] = customer_policies(customer_id)
            policy = policies[customer_id](ticket.reported_at)
            price, items = _ticket_items(ticket, entries, start, until, rows.billed, rows.last, policy=policy)
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
    plan = run_plan(customer_ids, until, by_customer=True)
    for priced in priced_chunks(plan, start, until, progress):
        for customer_id, ticket, price, items in priced:
            if spec is None or spec.customer_id != customer_id:
                if spec is not None:
                    yield spec
                spec = CustomerSpecification(customer_id)
            spec.lines.extend(_spec_lines(ticket, price, items, bands))
    if spec is not None:
        yield spec


def specification_chunks(
    *, plan: Plan, start: datetime, until: datetime, progress=None
) -> Iterator[list[tuple[int, list[SpecLine]]]]:
    """The lines of all specifications a chunk of tickets at a time: [(customer id, the lines of its tickets
    in the chunk)], customers in id order; a customer comes back in many chunks. For work that writes as it
    goes (a confirmation): never more than a chunk's lines at once, however the work is spread over
    customers."""
    bands: dict = {}
    for priced in priced_chunks(plan, start, until, progress):
        lines: dict[int, list[SpecLine]] = defaultdict(list)
        for customer_id, ticket, price, items in priced:
            lines[customer_id].extend(_spec_lines(ticket, price, items, bands))
        yield sorted(lines.items())


def summary_of(customer_id: int, lines: list[SpecLine]) -> CustomerSummary:
    """The figures of some of a customer's lines."""
    return CustomerSummary(
        customer_id,
        line_count=len(lines),
        free=sum(1 for line in lines if line.free_reason),
        late=sum(1 for line in lines if line.late),
        corrections=sum(1 for line in lines if line.corrects_id),
        subtotal_cents=sum(line.amount_cents for line in lines),
    )


def summaries(
    *, customer_ids: list[int] | None, start: datetime, until: datetime, progress=None
) -> list[CustomerSummary]:
    """Each customer's figures as its specification would give them, keeping no lines (none are made)."""
    found: dict[int, CustomerSummary] = {}
    for priced in priced_chunks(run_plan(customer_ids, until), start, until, progress):
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
    return [found[customer_id] for customer_id in sorted(found)]
