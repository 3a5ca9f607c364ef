"""Reads for reports and dashboards: aggregate queries (grouped counts, conditional counts), the rows only where a
distribution needs them (office time to response), and nothing written."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db.models import Count, F, Q, QuerySet, Sum
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone

from servicedesk.billing.models import InvoiceLine
from servicedesk.contracts.models import PrepaidBundle
from servicedesk.contracts.selectors import bundles_of
from servicedesk.core.policy import current_policy
from servicedesk.customers.models import Customer
from servicedesk.mail.models import InboundMail
from servicedesk.oncall.rota import on_call_at
from servicedesk.policy import EntryKind
from servicedesk.policy.prepaid import hours_and_minutes
from servicedesk.reports.arithmetic import (
    ReportPeriod,
    buckets,
    contributions,
    median,
    month_period,
    next_month,
    percentile,
    previous_month,
    share,
    year_period,
)
from servicedesk.reports.models import (
    SLA_COUNTS,
    DailyTickets,
    MonthlySla,
    MonthlyWork,
    PricedWork,
    ServiceReport,
    TicketFigures,
    UnbilledWork,
)
from servicedesk.tickets.models import RefusedReport, Ticket, TimeEntry
from servicedesk.tickets.selectors import queue_filter

SLA_GROUPS = ("month", "customer", "support_type", "priority", "channel")
OUTCOMES = ("tickets", "in_time", "late", "unanswered", "overdue", "best_effort", "best_effort_in_time")
DRILL_LIMIT = 200


def _outcomes(now: datetime, *, answered: Q, breached: Q) -> dict[str, Q]:
    counted = Q(best_effort=False)
    unanswered = counted & ~answered
    return {
        "tickets": Q(),
        "in_time": counted & answered & Q(response_met=True),
        "late": counted & answered & Q(response_met=False),
        "unanswered": unanswered,
        "overdue": unanswered & (Q(response_due__lte=now) | breached),
        "best_effort": Q(best_effort=True),
        "best_effort_in_time": Q(best_effort=True, response_met=True) & answered,
    }


def outcome_conditions(now: datetime) -> dict[str, Q]:
    """Which tickets each SLA figure counts (the counts and the drill-down use the same conditions).

    Best-effort tickets (the after-hours line) are counted apart and never as in time, late or overdue. A ticket
    whose deadline was missed before a reclassification moved it stays late (`response_met` is false), and an
    unanswered ticket is overdue once its deadline passed or the watch flagged its breach.
    """
    return _outcomes(now, answered=Q(responded_at__isnull=False), breached=Q(breached_flagged_at__isnull=False))


def figure_conditions(now: datetime) -> dict[str, Q]:
    """`outcome_conditions` over the reports' summary (`TicketFigures`): the same figures from a narrow row."""
    return _outcomes(now, answered=Q(responded=True), breached=Q(breached=True))


def _counts(now: datetime) -> dict:
    """Conditional counts of the summary named `n_<outcome>` (not the outcome itself: `best_effort` is a field)."""
    return {
        f"n_{name}": Count("pk", filter=condition) if condition else Count("pk")
        for name, condition in figure_conditions(now).items()
    }


def _counted(values: dict) -> dict:
    return {name.removeprefix("n_"): count for name, count in values.items() if name.startswith("n_")}


@dataclass(frozen=True)
class SlaFilters:
    customer_id: int | None = None
    support_type: str = ""
    priority: str = ""
    channel: str = ""

    def condition(self) -> Q:
        found = Q()
        if self.customer_id is not None:
            found &= Q(customer_id=self.customer_id)
        for name in ("support_type", "priority", "channel"):
            if getattr(self, name):
                found &= Q(**{name: getattr(self, name)})
        return found


@dataclass
class SlaRow:
    """One line of the SLA table: the counts of its tickets and the distribution of office time to response."""

    key: str
    name: str = ""  # the customer's name when grouped by customer
    tickets: int = 0
    in_time: int = 0
    late: int = 0
    unanswered: int = 0
    overdue: int = 0
    best_effort: int = 0
    best_effort_in_time: int = 0
    response_seconds: list[float] = field(default_factory=list, repr=False)

    @property
    def share_in_time(self) -> Decimal | None:
        """In time, of the tickets whose outcome is known: answered (in time or late) or overdue."""
        return share(self.in_time, self.in_time + self.late + self.overdue)

    @property
    def median_response(self) -> timedelta | None:
        value = median(self.response_seconds)
        return None if value is None else timedelta(seconds=value)

    @property
    def p90_response(self) -> timedelta | None:
        value = percentile(self.response_seconds, 0.9)
        return None if value is None else timedelta(seconds=value)


@dataclass
class SlaReport:
    group: str
    rows: list[SlaRow]
    total: SlaRow


def _key(group: str, value) -> str:
    if group == "month":
        if isinstance(value, datetime) and timezone.is_aware(value):
            value = timezone.localtime(value)
        return f"{value:%Y-%m}"
    return str(value)


def sla_tickets(*, period: ReportPeriod, filters: SlaFilters) -> QuerySet[Ticket]:
    """The tickets an SLA report counts: reported in the period, within the filters."""
    start, end = period.bounds(timezone.get_default_timezone())
    return Ticket.objects.filter(filters.condition(), reported_at__gte=start, reported_at__lt=end)


def _month_key(value: int) -> str:
    return f"{value // 100}-{value % 100:02d}"


def sla_figures(*, period: ReportPeriod, filters: SlaFilters) -> QuerySet[TicketFigures]:
    """The summary rows of the tickets an SLA report counts (those of `sla_tickets`)."""
    start, end = period.bounds(timezone.get_default_timezone())
    return TicketFigures.objects.filter(filters.condition(), reported_at__gte=start, reported_at__lt=end)


def sla_report(*, period: ReportPeriod, group: str, filters: SlaFilters, now: datetime) -> SlaReport:
    """The SLA figures per `group` (one of SLA_GROUPS) of the tickets reported in `period`. Read from the reports'
    summary: the monthly counts of the period's whole months (`MonthlySla`), conditional counts of the tickets'
    figures (`TicketFigures`) of its other days, the overdue ones among the unanswered tickets (they depend on the
    moment), and the office times to response (computed when each ticket was answered) for the distribution. Three
    queries, one more for each run of days outside whole months, one more by customer for the names."""
    if group not in SLA_GROUPS:
        raise ValueError(f"unknown group {group!r}")
    column = {"month": "reported_month", "customer": "customer_id"}.get(group, group)
    counted: dict = defaultdict(lambda: dict.fromkeys(OUTCOMES, 0))

    def add(values: dict) -> None:
        row = counted[values["group_key"]]
        for name, count in _counted(values).items():
            row[name] += count or 0

    months, days = _whole_months(period)
    if months:
        monthly = MonthlySla.objects.filter(filters.condition(), month__in=months)
        by = {"month": "month", "customer": "customer_id"}.get(group, group)
        sums = {f"n_{name}": Sum(name) for name in SLA_COUNTS}
        for values in monthly.values(group_key=F(by)).annotate(**sums).order_by():
            add(values)
    now_free = {name: count for name, count in _counts(now).items() if name != "n_overdue"}
    for part in days:
        for values in (
            sla_figures(period=part, filters=filters).values(group_key=F(column)).annotate(**now_free).order_by()
        ):
            add(values)
    figures = sla_figures(period=period, filters=filters)
    overdue = figures.filter(figure_conditions(now)["overdue"], best_effort=False, responded=False)
    for values in overdue.values(group_key=F(column)).annotate(n_overdue=Count("pk")).order_by():
        add(values)

    def key_of(value) -> str:
        return _month_key(value) if group == "month" else str(value)

    rows: dict[str, SlaRow] = {}
    total = SlaRow(key="")
    for value in sorted(value for value, row in counted.items() if row["tickets"]):
        rows[key_of(value)] = SlaRow(key=key_of(value), **counted[value])
        for name in OUTCOMES:
            setattr(total, name, getattr(total, name) + counted[value][name])
    answered = figures.filter(office_seconds__isnull=False).values_list(column, "office_seconds").order_by()
    for value, seconds in answered:
        rows[key_of(value)].response_seconds.append(seconds)
        total.response_seconds.append(seconds)
    ordered = list(rows.values())
    if group == "customer":
        names = dict(Customer.objects.filter(pk__in=[int(k) for k in rows]).values_list("pk", "name"))
        for row in ordered:
            row.name = names.get(int(row.key), "")
        ordered.sort(key=lambda row: (row.name.casefold(), row.key))
    return SlaReport(group, ordered, total)


def sla_drill_down(
    *, period: ReportPeriod, filters: SlaFilters, group: str, key: str, outcome: str, now: datetime
) -> list[Ticket]:
    """The tickets behind one figure of the SLA table (at most DRILL_LIMIT, by deadline)."""
    tickets = sla_tickets(period=period, filters=filters).filter(outcome_conditions(now)[outcome])
    if key and group == "month":
        year, month = (int(part) for part in key.split("-"))
        start, end = month_period(year, month).bounds(timezone.get_default_timezone())
        tickets = tickets.filter(reported_at__gte=start, reported_at__lt=end)
    elif key:
        tickets = tickets.filter(**{"customer_id" if group == "customer" else group: key})
    return list(tickets.select_related("customer", "assignee").order_by("response_due", "id")[:DRILL_LIMIT])


# -- the desk's dashboard ----------------------------------------------------------------------------------------

MY_TICKETS = 10
BACKLOG_WEEKS = 12


@dataclass
class SlaMonth:
    """A month's SLA figures without the distribution: what the dashboard compares."""

    period: ReportPeriod
    in_time: int
    late: int
    overdue: int
    best_effort: int

    @property
    def share_in_time(self) -> Decimal | None:
        return share(self.in_time, self.in_time + self.late + self.overdue)


@dataclass
class Dashboard:
    my_tickets: list[Ticket]
    my_open: int
    due_soon: int
    breached: int
    this_month: SlaMonth
    last_month: SlaMonth
    backlog: list[tuple[datetime, int]]
    unbilled_minutes: int
    on_call: list


def sla_months(*, periods: list[ReportPeriod], now: datetime, customer_id: int | None = None) -> list[SlaMonth]:
    """The SLA counts of several periods (of one customer's tickets, or all) in one query (conditional counts per
    period, over the reports' summary)."""
    tz = timezone.get_default_timezone()
    bounds = [period.bounds(tz) for period in periods]
    within = [Q(reported_at__gte=start, reported_at__lt=end) for start, end in bounds]
    names = ("in_time", "late", "overdue", "best_effort")
    conditions = figure_conditions(now)
    figures = TicketFigures.objects.filter(
        reported_at__gte=min(start for start, _ in bounds), reported_at__lt=max(end for _, end in bounds)
    )
    if customer_id is not None:
        figures = figures.filter(customer_id=customer_id)
    counts = figures.aggregate(
        **{f"n_{name}_{i}": Count("pk", filter=w & conditions[name]) for i, w in enumerate(within) for name in names}
    )
    return [SlaMonth(period, *(counts[f"n_{name}_{i}"] for name in names)) for i, period in enumerate(periods)]


def backlog_series(*, now: datetime, points: int = BACKLOG_WEEKS, step: timedelta = timedelta(weeks=1)) -> list:
    """Open tickets at the end of `points` local days a `step` apart, the last one today (open now), in one query
    over the summary's daily counts (`DailyTickets`): reported up to that day's end minus closed (a ticket's last
    closing) up to then, as the workload report counts them. Each point is (the moment it stands for: `now` less
    whole steps, the day's count)."""
    today = timezone.localdate(now)
    days = [today - step * i for i in range(points - 1, -1, -1)]
    counts = DailyTickets.objects.aggregate(
        **{f"at_{i}": Coalesce(Sum(F("opened") - F("closed"), filter=Q(day__lte=day)), 0) for i, day in enumerate(days)}
    )
    return [(now - step * (points - 1 - i), counts[f"at_{i}"]) for i in range(points)]


def desk_dashboard(*, user, now: datetime) -> Dashboard:
    """What an agent sees first: their open tickets by deadline, the desk's queues that need action, its SLA share
    this month against last, the backlog, work not yet billed and who is on call. Six queries."""
    mine = Ticket.objects.filter(queue_filter("mine", user=user, now=now))
    my_tickets = list(
        mine.select_related("customer")
        .only(
            "id",
            "subject",
            "status",
            "priority",
            "support_type",
            "response_due",
            "best_effort",
            "responded_at",
            "response_met",
            "customer__name",
        )
        .order_by("response_due", "id")[:MY_TICKETS]
    )
    queues = Ticket.objects.exclude(status=Ticket.Status.CLOSED).aggregate(  # each queue holds open tickets only
        my_open=Count("id", filter=queue_filter("mine", user=user, now=now)),
        due_soon=Count("id", filter=queue_filter("due_soon", user=user, now=now)),
        breached=Count("id", filter=queue_filter("breached", user=user, now=now)),
    )
    local = timezone.localdate(now)
    this_month = month_period(local.year, local.month)
    current, previous = sla_months(periods=[this_month, previous_month(this_month)], now=now)
    unbilled = UnbilledWork.objects.aggregate(minutes=Sum("minutes"))["minutes"] or 0
    return Dashboard(
        my_tickets=my_tickets,
        my_open=queues["my_open"],
        due_soon=queues["due_soon"],
        breached=queues["breached"],
        this_month=current,
        last_month=previous,
        backlog=backlog_series(now=now),
        unbilled_minutes=unbilled,
        on_call=on_call_at(now),
    )


# -- workload ----------------------------------------------------------------------------------------------------

WORKLOAD_BY = ("channel", "support_type")


@dataclass
class WorkloadReport:
    """Tickets over time per `by` value: opened and closed in each step, open at its end (or now)."""

    by: str
    steps: list[ReportPeriod]
    opened: dict[str, list[int]]
    closed: dict[str, list[int]]
    open_at_end: dict[str, list[int]]
    refused: dict[tuple[str, str], int]  # (reason, channel) -> reports
    mail: dict[str, int]  # held, quarantined -> mails

    def totals(self, figures: dict[str, list[int]]) -> list[int]:
        return [sum(counts[i] for counts in figures.values()) for i in range(len(self.steps))]


def workload_report(*, period: ReportPeriod, by: str, now: datetime) -> WorkloadReport:
    """Tickets opened, closed and open per step of the period (see `buckets`), by channel or support type; refused
    reports by reason; mail held or quarantined. Four queries: the tickets' figures come from the summary's daily
    counts (`DailyTickets`), the days of the period and the balance before it. A ticket counts as open at a moment
    when it was reported by then and not closed by then (a reopened ticket counts from its report to its last
    closing): open at a step's end is reported minus closed up to then; the step that holds now ends now."""
    if by not in WORKLOAD_BY:
        raise ValueError(f"unknown grouping {by!r}")
    tz = timezone.get_default_timezone()
    steps = buckets(period)
    start, end = steps[0].bounds(tz)[0], steps[-1].bounds(tz)[1]
    daily = DailyTickets.objects.values_list(by).order_by()
    balance = {
        key: opened - closed
        for key, opened, closed in daily.filter(day__lt=period.first).annotate(o=Sum("opened"), c=Sum("closed"))
    }
    opened: dict[str, list[int]] = {}
    closed: dict[str, list[int]] = {}
    step_of = {}
    for i, step in enumerate(steps):
        day = step.first
        while day <= step.last:
            step_of[day] = i
            day += timedelta(days=1)
    for key, day, n_opened, n_closed in daily.filter(day__gte=period.first, day__lte=period.last).values_list(
        by, "day", "opened", "closed"
    ):
        i = step_of[day]
        opened.setdefault(key, [0] * len(steps))[i] += n_opened
        closed.setdefault(key, [0] * len(steps))[i] += n_closed
    open_at_end: dict[str, list[int]] = {}
    for key in set(balance) | set(opened) | set(closed):
        running, figures = balance.get(key, 0), []
        for i in range(len(steps)):  # a step still to come has no days counted yet: open now
            running += opened.get(key, [0] * len(steps))[i] - closed.get(key, [0] * len(steps))[i]
            figures.append(running)
        open_at_end[key] = figures

    def kept(figures: dict[str, list[int]]) -> dict[str, list[int]]:
        return {key: counts for key, counts in sorted(figures.items()) if any(counts)}

    opened, closed, open_at_end = kept(opened), kept(closed), kept(open_at_end)
    refused = {
        (row["reason"], row["channel"]): row["n"]
        for row in RefusedReport.objects.filter(received_at__gte=start, received_at__lt=end)
        .values("reason", "channel")
        .annotate(n=Count("id"))
        .order_by("reason", "channel")
    }
    held = (InboundMail.Status.HELD, InboundMail.Status.QUARANTINED)
    mail = dict(
        InboundMail.objects.filter(received_at__gte=start, received_at__lt=end, status__in=held)
        .values_list("status")
        .annotate(n=Count("id"))
        .order_by("status")
    )
    return WorkloadReport(by, steps, opened, closed, open_at_end, refused, mail)


# -- time and money ----------------------------------------------------------------------------------------------

TIME_BY = ("customer", "agent", "support_type", "band")


@dataclass
class TimeRow:
    """Time recorded in the period for one customer, agent, support type or band, and what it is worth."""

    key: str
    name: str = ""
    minutes: int = 0
    billable_minutes: int = 0
    free_minutes: dict[str, int] = field(default_factory=dict)  # free reason -> minutes
    amount_cents: int = 0

    def add(self, minutes: int, free_reason: str | None, cents: int) -> None:
        self.minutes += minutes
        if free_reason:
            self.free_minutes[free_reason] = self.free_minutes.get(free_reason, 0) + minutes
        else:
            self.billable_minutes += minutes
            self.amount_cents += cents


@dataclass
class TimeMoneyReport:
    by: str
    rows: list[TimeRow]
    total: TimeRow
    unbilled: list[tuple[int, str, int]]  # (customer id, name, minutes) of entries no invoice bills yet
    utilisation: list[tuple[str, int, int]]  # (agent name, billable work minutes, office minutes of the period)


def _agent_name(first_name: str, last_name: str, username: str) -> str:
    return f"{first_name} {last_name}".strip() or username


def _whole_months(period: ReportPeriod) -> tuple[list[int], list[ReportPeriod]]:
    """The calendar months wholly inside the period (as year * 100 + month), and the runs of days outside them
    (a partial month at either end, or the whole period when it lies within one month)."""
    whole, rest, run_start = [], [], None
    for month in period.months():
        last = next_month(month) - timedelta(days=1)
        if month >= period.first and last <= period.last:
            whole.append(month.year * 100 + month.month)
            if run_start is not None:
                rest.append(ReportPeriod(run_start, month - timedelta(days=1)))
                run_start = None
        elif run_start is None:
            run_start = max(month, period.first)
    if run_start is not None:
        rest.append(ReportPeriod(run_start, period.last))
    return whole, rest


def _work_sums(period: ReportPeriod, customer_id: int | None) -> dict[tuple, list[int]]:
    """The priced work of the period per (by, key, kind, free reason): [minutes, cents] (see `contributions`).
    All work: the monthly sums of its whole months and the priced rows of its other days, grouped in the database.
    One customer's: its priced rows, through the customer's index."""
    tz = timezone.get_default_timezone()
    sums: dict[tuple, list[int]] = defaultdict(lambda: [0, 0])
    if customer_id is None:
        months, days = _whole_months(period)
        monthly = (
            MonthlyWork.objects.filter(month__in=months)
            .values_list("by", "key", "kind", "free_reason")
            .annotate(Sum("minutes"), Sum("amount_cents"))
            .order_by()
        )
        for by, key, kind, reason, minutes, cents in monthly if months else ():
            summed = sums[(by, key, kind, reason)]
            summed[0] += minutes
            summed[1] += cents
    else:
        days = [period]
    for part in days:
        start, end = part.bounds(tz)
        rows = PricedWork.objects.filter(start__gte=start, start__lt=end)
        if customer_id is not None:
            rows = rows.filter(customer_id=customer_id)
        grouped = (
            rows.values_list("customer_id", "agent_id", "support_type", "kind", "free_reason", "band")
            .annotate(Sum("minutes"), Sum("amount_cents"), Sum("band_minutes"), Sum("band_cents"))
            .order_by()
        )
        summed_rows = (
            (None, customer, agent, support_type, kind, reason, minutes, cents, band, band_minutes, band_cents)
            for customer, agent, support_type, kind, reason, band, minutes, cents, band_minutes, band_cents in grouped
        )
        for (_, *key), (minutes, cents) in contributions(summed_rows).items():
            summed = sums[tuple(key)]
            summed[0] += minutes
            summed[1] += cents
    return sums


def time_money_report(
    *, period: ReportPeriod, by: str, now: datetime, customer_id: int | None = None
) -> TimeMoneyReport:
    """Hours of the entries that started in the period, by customer, agent, support type or band (billed time, as
    the policy engine splits it), billable against free with the free reasons, and their price before prepaid hours
    and VAT; unbilled work; utilisation per agent (billable work against the office hours of the period up to now).
    Read from the reports' priced work (each ticket priced by the policy engine with all its entries, as fair use
    looks at the whole ticket, whenever its work or classification changes): for all customers, the monthly sums of
    the period's whole months (`MonthlyWork`) and the priced rows of its other days (`PricedWork`); for one
    customer, its priced rows. Four to six queries: the sums, the names, unbilled time."""
    if by not in TIME_BY:
        raise ValueError(f"unknown grouping {by!r}")
    tz = timezone.get_default_timezone()
    start, end = period.bounds(tz)
    policy = current_policy()
    grouped: dict[str, TimeRow] = {}
    total = TimeRow(key="")
    agents: dict[str, int] = {}  # agent id -> billable work minutes
    for (dimension, key, kind, reason), (minutes, cents) in _work_sums(period, customer_id).items():
        if not (minutes or cents):
            continue
        if dimension == "support_type":  # every entry is under one support type: the total
            total.add(minutes, reason, cents)
        if dimension == "agent":
            agents[key] = agents.get(key, 0) + (minutes if kind == EntryKind.WORK and not reason else 0)
        if dimension == by and key:
            grouped.setdefault(key, TimeRow(key=key)).add(minutes, reason, cents)
    names = {
        str(pk): _agent_name(first, last, username)
        for pk, username, first, last in get_user_model()
        .objects.filter(pk__in=[int(pk) for pk in agents])
        .values_list("pk", "username", "first_name", "last_name")
    }
    rows = list(grouped.values())
    if by == "agent":
        for row in rows:
            row.name = names.get(row.key, "")
    elif by == "customer":
        customers = dict(Customer.objects.filter(pk__in=[int(r.key) for r in rows]).values_list("pk", "name"))
        for row in rows:
            row.name = customers.get(int(row.key), "")
    unbilled_work = UnbilledWork.objects.all()
    if customer_id is not None:  # one organisation's figures hold nothing of another's
        unbilled_work = unbilled_work.filter(customer_id=customer_id)
    unbilled = list(
        unbilled_work.values_list("customer_id", "customer__name", "minutes").order_by("customer__name", "customer_id")
    )
    office = int(policy.office_time_between(start, min(end, max(now, start))).total_seconds() // 60)
    utilisation = sorted(
        ((names.get(pk, ""), billable, office) for pk, billable in agents.items()), key=lambda r: r[0].casefold()
    )
    ordered = sorted(rows, key=lambda row: ((row.name or row.key).casefold(), row.key))
    return TimeMoneyReport(by, ordered, total, unbilled, utilisation)


@dataclass
class RevenueRow:
    """A customer's revenue of a month, split by where it comes from."""

    month: str  # "2026-11"
    customer_id: int
    name: str
    invoiced_cents: int = 0  # work (tickets' and projects') on the invoices and credit notes issued in the month
    recurring_cents: int = 0  # contracts' recurring fees on them
    bundles_cents: int = 0  # prepaid bundles bought, on them

    @property
    def total_cents(self) -> int:
        return self.invoiced_cents + self.recurring_cents + self.bundles_cents


def revenue_report(*, period: ReportPeriod, today: date, customer_id: int | None = None) -> list[RevenueRow]:
    """Revenue per month and customer, by the month its documents (invoices and credit notes) were issued, split by
    what their lines bill: work (tickets' and projects'), contracts' recurring fees and prepaid bundles bought. The
    parts add up to the documents' subtotals. One query. (`today` is kept for the callers' symmetry with the other
    reports: what is invoiced is never in the future.)"""
    tz = timezone.get_default_timezone()
    start, end = period.bounds(tz)
    lines = InvoiceLine.objects.filter(
        invoice__number__isnull=False, invoice__issued_at__gte=start, invoice__issued_at__lt=end
    )
    if customer_id is not None:
        lines = lines.filter(invoice__customer_id=customer_id)
    fees, bundles = Q(contract_line__isnull=False), Q(bundle__isnull=False)
    sums = (
        lines.annotate(month=TruncMonth("invoice__issued_at", tzinfo=tz))
        .values_list("month", "invoice__customer_id", "invoice__customer__name")
        .annotate(
            work=Coalesce(Sum("amount_cents", filter=~fees & ~bundles), 0),
            recurring=Coalesce(Sum("amount_cents", filter=fees), 0),
            bought=Coalesce(Sum("amount_cents", filter=bundles), 0),
        )
        .order_by()
    )
    rows = [
        RevenueRow(_key("month", month), customer, name, work, recurring, bought)
        for month, customer, name, work, recurring, bought in sums
    ]
    return sorted(rows, key=lambda r: (r.month, r.name.casefold(), r.customer_id))


# -- the portal's overview of an organisation ---------------------------------------------------------------------


@dataclass
class CustomerOverview:
    this_month: SlaMonth
    this_year: SlaMonth
    open_tickets: int
    closed_this_month: int
    closed_this_year: int
    hours: TimeMoneyReport  # this month, by support type
    prepaid: list[PrepaidHours]  # this month


def customer_overview(*, customer_id: int, now: datetime) -> CustomerOverview:
    """What the portal shows an organisation of itself, and nothing of anyone else: the SLA kept this month and this
    year, tickets open and closed, this month's hours by support type with what was free, and its prepaid hours.
    Six queries."""
    local = timezone.localdate(now)
    month, year = month_period(local.year, local.month), year_period(local.year)
    this_month, this_year = sla_months(periods=[month, year], now=now, customer_id=customer_id)
    month_start, _ = month.bounds(timezone.get_default_timezone())
    year_start, _ = year.bounds(timezone.get_default_timezone())
    counts = Ticket.objects.filter(customer_id=customer_id).aggregate(
        open=Count("id", filter=~Q(status=Ticket.Status.CLOSED)),
        closed_month=Count("id", filter=Q(status=Ticket.Status.CLOSED, closed_at__gte=month_start)),
        closed_year=Count("id", filter=Q(status=Ticket.Status.CLOSED, closed_at__gte=year_start)),
    )
    hours = time_money_report(period=month, by="support_type", now=now, customer_id=customer_id)
    prepaid = prepaid_hours(customer_id=customer_id, period=month, today=local)
    return CustomerOverview(
        this_month, this_year, counts["open"], counts["closed_month"], counts["closed_year"], hours, prepaid
    )


@dataclass(frozen=True)
class PrepaidHours:
    """A prepaid bundle as a month's report shows it: bought, used in the month, left at its end, expiry."""

    bundle: PrepaidBundle
    used_cents: int  # paid from it for work of the period
    left_cents: int  # at the end of the period (or today, when that is earlier); 0 once expired
    expired: bool

    @property
    def used_time(self) -> tuple[int, int]:
        return hours_and_minutes(self.used_cents, self.bundle.base_rate_cents)

    @property
    def left_time(self) -> tuple[int, int]:
        return hours_and_minutes(self.left_cents, self.bundle.base_rate_cents)


def prepaid_hours(*, customer_id: int, period: ReportPeriod, today: date) -> list[PrepaidHours]:
    """The customer's bundles that counted in the period (bought by its end, not expired before it began, or used
    in it), oldest first, as of the period's end or today if earlier. Debits are dated by the work they paid, so a
    month's use is known once its billing run is confirmed. Two queries (through `bundles_of`)."""
    as_of = min(period.last, today)
    shown = []
    for balance in bundles_of(customer_id=customer_id, today=as_of):
        bundle = balance.bundle
        debits = bundle.debits.all()  # prefetched
        used = sum(d.amount_cents for d in debits if period.first <= d.on <= period.last)
        if bundle.bought_on > as_of or (bundle.expires_on <= period.first and not used):
            continue
        expired = as_of >= bundle.expires_on
        left = 0 if expired else max(bundle.value_cents - sum(d.amount_cents for d in debits if d.on <= as_of), 0)
        shown.append(PrepaidHours(bundle, used, left, expired))
    return shown


# -- the stored monthly service reports ---------------------------------------------------------------------------


def customers_to_report(*, period: ReportPeriod) -> QuerySet[Customer]:
    """The customers with tickets reported or time worked in the period that have no stored report of it yet."""
    start, end = period.bounds(timezone.get_default_timezone())
    with_tickets = Ticket.objects.filter(reported_at__gte=start, reported_at__lt=end).values("customer_id")
    with_time = TimeEntry.objects.filter(start__gte=start, start__lt=end).values("ticket__customer_id")
    return (
        Customer.objects.filter(Q(pk__in=with_tickets) | Q(pk__in=with_time))
        .exclude(service_reports__month=period.first)
        .select_related("main_contact")
        .order_by("pk")
    )


def service_reports_of(*, customer_id: int) -> QuerySet[ServiceReport]:
    """A customer's stored reports, newest month first, without their bytes (for a list)."""
    return ServiceReport.objects.filter(customer_id=customer_id).defer("pdf").order_by("-month")
