"""The reports' summary of tickets, kept current in the transaction of every change the ticket services make (they
send `tickets.signals.ticket_figures_changed`), and rebuilt from the rows by `servicedesk reports_rebuild`.

A change is applied as a difference: the ticket's figures as stored are taken out of the daily counts and its
figures as they are now put in, so any change (a reclassification moves a ticket between support types, a reopening
takes back its closing) keeps the counts equal to a recount. The office time to response is computed with the
policy in force when the ticket is answered; after a change of the business calendar, rebuild. The watch's breach
flag is a change too (`tickets.sla`)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date
from itertools import groupby
from operator import attrgetter, itemgetter

from django.db.models import F, Sum
from django.utils import timezone

from servicedesk.core.policy import current_policy
from servicedesk.policy import Channel, EntryKind, Priority, SupportType, TicketWork
from servicedesk.policy import TimeEntry as PolicyTimeEntry
from servicedesk.reports.arithmetic import contributions
from servicedesk.reports.models import (
    SLA_COUNTS,
    DailyTickets,
    MonthlySla,
    MonthlyWork,
    PricedWork,
    TicketFigures,
    UnbilledWork,
)
from servicedesk.tickets.models import Ticket, TimeEntry

FIELDS = (
    "pk",
    "customer_id",
    "reported_at",
    "closed_at",
    "channel",
    "support_type",
    "priority",
    "best_effort",
    "responded_at",
    "response_met",
    "response_due",
    "breached_flagged_at",
)
BATCH = 5000


def _local_day(moment) -> date:
    return timezone.localtime(moment, timezone.get_default_timezone()).date()


def figures_of(row: tuple, policy) -> TicketFigures:
    """A ticket's figures from its values (in the order of FIELDS)."""
    (pk, customer_id, reported_at, closed_at, channel, support_type, priority, best_effort, responded_at) = row[:9]
    response_met, response_due, breached_flagged_at = row[9:]
    reported_on = _local_day(reported_at)
    seconds = None
    if responded_at is not None and not best_effort:
        seconds = policy.office_time_between(reported_at, responded_at).total_seconds()
    return TicketFigures(
        ticket_id=pk,
        customer_id=customer_id,
        reported_at=reported_at,
        reported_on=reported_on,
        reported_month=reported_on.year * 100 + reported_on.month,
        closed_on=None if closed_at is None else _local_day(closed_at),
        channel=channel,
        support_type=support_type,
        priority=priority,
        best_effort=best_effort,
        responded=responded_at is not None,
        response_met=response_met,
        response_due=response_due,
        breached=breached_flagged_at is not None,
        office_seconds=seconds,
    )


def _count(counts: dict, figures: TicketFigures | None, sign: int) -> None:
    if figures is None:
        return
    counts[(figures.reported_on, figures.channel, figures.support_type)][0] += sign
    if figures.closed_on is not None:
        counts[(figures.closed_on, figures.channel, figures.support_type)][1] += sign


def _add_in_place(model, keys: tuple[str, ...], counts: tuple[str, ...], changes: dict[tuple, Sequence[int]]) -> None:
    """Add `changes` (values of `keys` -> numbers to add to `counts`) to a summary's rows: make the missing rows (a
    concurrent maker's row is kept), then add to each in place (`opened = opened + n`), in one order, so two
    transactions never overwrite each other's counts. Always the same statements for the same change, whether the
    row was there or not; nothing for differences that are all zero."""
    changed = {key: numbers for key, numbers in changes.items() if any(numbers)}
    if not changed:
        return
    model.objects.bulk_create([model(**dict(zip(keys, key, strict=True))) for key in changed], ignore_conflicts=True)
    for key, numbers in sorted(changed.items()):  # sorted: locks in one order
        model.objects.filter(**dict(zip(keys, key, strict=True))).update(
            **{name: F(name) + n for name, n in zip(counts, numbers, strict=True)}
        )


def _apply(counts: dict) -> None:
    """Add the differences to the daily rows."""
    _add_in_place(DailyTickets, ("day", "channel", "support_type"), ("opened", "closed"), counts)


def _store(figures: list[TicketFigures]) -> None:
    TicketFigures.objects.bulk_create(
        figures,
        update_conflicts=True,
        unique_fields=["ticket"],
        update_fields=[
            "customer",
            "reported_at",
            "reported_on",
            "reported_month",
            "closed_on",
            "channel",
            "support_type",
            "priority",
            "best_effort",
            "responded",
            "response_met",
            "response_due",
            "breached",
            "office_seconds",
        ],
    )


# What the daily counts hold a ticket under, then what its monthly SLA counts do (`SLA_KEY`, `SLA_FACTS`).
STORED = ("reported_on", "closed_on", "channel", "support_type")
SLA_KEY = ("reported_month", "customer_id", "channel", "support_type", "priority")
SLA_FACTS = ("best_effort", "responded", "response_met")


def sla_counts(best_effort: bool, responded: bool, response_met: bool | None) -> tuple[int, ...]:
    """What a ticket adds to each of SLA_COUNTS (the report's figures that do not depend on the moment)."""
    counted, answered = not best_effort, responded
    return tuple(
        int(bool(flag))
        for flag in (
            True,
            counted and answered and response_met is True,
            counted and answered and response_met is False,
            counted and not answered,
            best_effort,
            best_effort and answered and response_met is True,
        )
    )


def _sla_count(sums: dict, values: tuple, sign: int) -> None:
    """Add a ticket's SLA counts (values of SLA_KEY, then SLA_FACTS) to `sums`, or take them out."""
    key, facts = values[: len(SLA_KEY)], values[len(SLA_KEY) :]
    row = sums[key]
    for i, count in enumerate(sla_counts(*facts)):
        row[i] += sign * count


def _sla_apply(sums: dict) -> None:
    """Move the monthly SLA counts by the differences, as `_apply` does the daily ones."""
    keys = ("month", "customer_id", "channel", "support_type", "priority")
    _add_in_place(MonthlySla, keys, SLA_COUNTS, sums)


def ticket_figures_refresh(*, ticket_ids: Iterable[int]) -> None:
    """Count the tickets again: their stored figures replaced by their current ones, the daily and monthly counts
    moved. Read in one query (each ticket with its stored figures), written in one; the daily and monthly rows that
    changed in one more each and one each."""
    policy = current_policy()
    stored = (*STORED, *SLA_KEY, *SLA_FACTS)
    rows = Ticket.objects.filter(pk__in=list(ticket_ids)).values_list(
        *FIELDS, *(f"report_figures__{name}" for name in stored)
    )
    counts: dict = defaultdict(lambda: [0, 0])
    sla: dict = defaultdict(lambda: [0] * len(SLA_COUNTS))
    changed = []
    for row in rows:
        figures, was = figures_of(row[: len(FIELDS)], policy), row[len(FIELDS) :]
        reported_on, closed_on, channel, support_type = was[: len(STORED)]
        if reported_on is not None:  # counted before: taken out where it was counted
            counts[(reported_on, channel, support_type)][0] -= 1
            if closed_on is not None:
                counts[(closed_on, channel, support_type)][1] -= 1
            _sla_count(sla, was[len(STORED) :], -1)
        _count(counts, figures, +1)
        _sla_count(sla, tuple(getattr(figures, name) for name in (*SLA_KEY, *SLA_FACTS)), +1)
        changed.append(figures)
    _apply(counts)
    _sla_apply(sla)
    _store(changed)


def monthly_sla_rebuild(*, out=None) -> int:
    """Count the tickets' figures per month again (after `ticket_figures_rebuild`); returns the number of monthly
    rows. Run inside a transaction."""
    MonthlySla.objects.all().delete()
    sums: dict = defaultdict(lambda: [0] * len(SLA_COUNTS))
    for values in TicketFigures.objects.values_list(*SLA_KEY, *SLA_FACTS).order_by().iterator(chunk_size=BATCH):
        _sla_count(sums, values, +1)
    MonthlySla.objects.bulk_create(
        [
            MonthlySla(
                month=m, customer_id=c, channel=ch, support_type=t, priority=p, **dict(zip(SLA_COUNTS, n, strict=True))
            )
            for (m, c, ch, t, p), n in sums.items()
        ],
        batch_size=BATCH,
    )
    if out is not None:
        out.write(f"{len(sums):,} monthly SLA counts\n")
    return len(sums)


def on_ticket_figures_changed(sender, *, ticket_ids, **kwargs) -> None:
    ticket_figures_refresh(ticket_ids=ticket_ids)


def ticket_figures_rebuild(*, out=None) -> int:
    """Make the whole summary again from the tickets (after `servicedesk generate`, a restore, or a change of the
    business calendar); returns the number of tickets. Run inside a transaction: the reports see the old summary
    or the new one."""
    policy = current_policy()
    TicketFigures.objects.all().delete()
    DailyTickets.objects.all().delete()
    counts: dict = defaultdict(lambda: [0, 0])
    done, last = 0, 0
    while True:
        rows = list(Ticket.objects.filter(pk__gt=last).order_by("pk").values_list(*FIELDS)[:BATCH])
        if not rows:
            break
        figures = [figures_of(row, policy) for row in rows]
        for f in figures:
            _count(counts, f, +1)
        TicketFigures.objects.bulk_create(figures)
        done, last = done + len(rows), rows[-1][0]
        if out is not None:
            out.write(f"{done:,} tickets counted\n")
    DailyTickets.objects.bulk_create(
        [
            DailyTickets(day=day, channel=channel, support_type=kind, opened=opened, closed=closed)
            for (day, channel, kind), (opened, closed) in counts.items()
        ],
        batch_size=BATCH,
    )
    return done


# -- the priced work -----------------------------------------------------------------------------------------------

WORK_FIELDS = (
    "ticket_id",
    "id",
    "kind",
    "start",
    "minutes",
    "agent_id",
    "ticket__support_type",
    "ticket__priority",
    "ticket__channel",
    "ticket__critical",
    "ticket__customer_id",
)


def priced_work_of(entries: list[tuple], policy) -> list[PricedWork]:
    """One ticket's entries (values of WORK_FIELDS, by start and id) priced together, as rows of PricedWork."""
    ticket_id, _, _, _, _, _, support_type, priority, channel, critical, customer_id = entries[0]
    work = TicketWork(
        SupportType(support_type),
        Priority(priority),
        Channel(channel),
        critical,
        [PolicyTimeEntry(EntryKind(e[2]), e[3], e[4]) for e in entries],
    )
    price = policy.price(work)
    reason = price.free_reason.value if price.free_reason else ""
    rows = []
    for entry, line in zip(entries, price.lines, strict=False):
        _, entry_id, kind, start, minutes, agent_id = entry[:6]
        billed = sum(part.duration.total_seconds() for part in line.shares) or 1
        parts = [
            (
                part.band,
                int(part.duration.total_seconds() // 60),
                round(line.amount_cents * part.duration.total_seconds() / billed),
            )
            for part in line.shares
        ] or [("", 0, 0)]
        for i, (band, band_minutes, band_cents) in enumerate(parts):
            rows.append(
                PricedWork(
                    ticket_id=ticket_id,
                    entry_id=entry_id,
                    customer_id=customer_id,
                    agent_id=agent_id,
                    support_type=support_type,
                    kind=kind,
                    start=start,
                    free_reason=reason,
                    minutes=minutes if i == 0 else 0,
                    amount_cents=line.amount_cents if i == 0 else 0,
                    band=band,
                    band_minutes=band_minutes,
                    band_cents=band_cents,
                )
            )
    return rows


def _priced(entries) -> list[PricedWork]:
    policy = current_policy()
    rows: list[PricedWork] = []
    for _, ticket_entries in groupby(entries, key=itemgetter(0)):
        rows += priced_work_of(list(ticket_entries), policy)
    return rows


def ticket_work_price(*, ticket_ids: Iterable[int]) -> set[int]:
    """Price the tickets' work again: their priced rows replaced and the monthly sums moved by the difference.
    Four queries, and one for each monthly sum that changed (a new entry: its customer's, agent's, support type's
    and bands'). Returns the customers whose work it was."""
    ids = list(ticket_ids)
    before = PricedWork.objects.filter(ticket_id__in=ids)
    was = monthly_contributions(before.values_list(*CONTRIBUTION_FIELDS))
    entries = TimeEntry.objects.filter(ticket_id__in=ids).values_list(*WORK_FIELDS).order_by("ticket_id", "start", "id")
    rows = _priced(entries)
    before.delete()
    PricedWork.objects.bulk_create(rows)
    _monthly_apply(monthly_contributions(map(attrgetter(*CONTRIBUTION_FIELDS), rows)), was)
    return {row.customer_id for row in rows}


# -- the priced work by month --------------------------------------------------------------------------------------

CONTRIBUTION_FIELDS = (
    "start",
    "customer_id",
    "agent_id",
    "support_type",
    "kind",
    "free_reason",
    "minutes",
    "amount_cents",
    "band",
    "band_minutes",
    "band_cents",
)


def _month_of(moment) -> int:
    local = timezone.localtime(moment, timezone.get_default_timezone())
    return local.year * 100 + local.month


def monthly_contributions(rows: Iterable[tuple]) -> dict[tuple, list[int]]:
    """`contributions` per local month (year * 100 + month) of the entries' start."""
    return contributions(rows, month=_month_of)


def _monthly_apply(now: dict[tuple, list[int]], was: dict[tuple, list[int]]) -> None:
    """Move the monthly sums by what changed, as `_apply` does the daily counts."""
    none = (0, 0)
    changes = {
        key: [a - b for a, b in zip(now.get(key, none), was.get(key, none), strict=True)]
        for key in now.keys() | was.keys()
    }
    _add_in_place(MonthlyWork, ("month", "by", "key", "kind", "free_reason"), ("minutes", "amount_cents"), changes)


def monthly_work_rebuild(*, out=None) -> int:
    """Add up the priced work per month again (after `priced_work_rebuild`); returns the number of monthly rows.
    Run inside a transaction."""
    MonthlyWork.objects.all().delete()
    rows = PricedWork.objects.values_list(*CONTRIBUTION_FIELDS).order_by()
    sums = monthly_contributions(rows.iterator(chunk_size=BATCH))
    MonthlyWork.objects.bulk_create(
        [
            MonthlyWork(month=m, by=by, key=key, kind=kind, free_reason=reason, minutes=minutes, amount_cents=cents)
            for (m, by, key, kind, reason), (minutes, cents) in sums.items()
        ],
        batch_size=BATCH,
    )
    if out is not None:
        out.write(f"{len(sums):,} monthly sums of priced work\n")
    return len(sums)


def unbilled_recount(*, customer_ids: Iterable[int] | None = None) -> None:
    """Count the customers' unbilled minutes again (all customers' when None); three queries."""
    entries = TimeEntry.objects.unbilled()
    kept = UnbilledWork.objects.all()
    if customer_ids is not None:
        ids = list(customer_ids)
        entries, kept = entries.filter(ticket__customer_id__in=ids), kept.filter(customer_id__in=ids)
    counted = entries.values_list("ticket__customer_id").annotate(minutes=Sum("minutes")).order_by()
    rows = [UnbilledWork(customer_id=customer, minutes=minutes) for customer, minutes in counted if minutes]
    kept.delete()
    UnbilledWork.objects.bulk_create(rows)


def on_ticket_work_changed(sender, *, ticket_ids, time: bool, **kwargs) -> None:
    customers = ticket_work_price(ticket_ids=ticket_ids)
    if time:
        unbilled_recount(customer_ids=customers)


def on_billed_work_changed(sender, *, customer_ids, **kwargs) -> None:
    unbilled_recount(customer_ids=customer_ids)


def priced_work_rebuild(*, out=None) -> int:
    """Price all work again and count the unbilled minutes (after `servicedesk generate`, a restore, or a change of
    the policy's rates or calendar); returns the number of entries. Run inside a transaction."""
    PricedWork.objects.all().delete()
    done, last = 0, 0
    while True:
        ids = list(
            TimeEntry.objects.filter(ticket_id__gt=last)
            .order_by("ticket_id")
            .values_list("ticket_id", flat=True)
            .distinct()[:BATCH]
        )
        if not ids:
            break
        entries = list(
            TimeEntry.objects.filter(ticket_id__gt=last, ticket_id__lte=ids[-1])
            .values_list(*WORK_FIELDS)
            .order_by("ticket_id", "start", "id")
        )
        PricedWork.objects.bulk_create(_priced(entries), batch_size=BATCH)
        done, last = done + len(entries), ids[-1]
        if out is not None:
            out.write(f"{done:,} time entries priced\n")
    unbilled_recount()
    return done
