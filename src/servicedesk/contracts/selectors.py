"""What pages and other apps read of contracts and bundles: in force on a date, the service levels a customer's
tickets get, a contract's next fees (through policy/recurring.py), a customer's bundles with what is left."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from fractions import Fraction

from django.core.paginator import Page, Paginator
from django.db.models import Prefetch, Q, QuerySet, Subquery, Sum

from servicedesk.contracts.models import BundleDebit, Contract, ContractEvent, ContractLine, LineQuantity, PrepaidBundle
from servicedesk.policy import BillingPeriod, PeriodFee, ServiceLevels, prepaid, read_service_levels, recurring
from servicedesk.policy.money import cents_half_up
from servicedesk.policy.periods import Period, period_after, period_containing
from servicedesk.policy.prepaid import hours_and_minutes

PAGE_SIZE = 50
ONE_DAY = timedelta(days=1)


def _in_force_on(day) -> Q:
    """In force on `day`: a date, or an expression of an outer query (`OuterRef`)."""
    return Q(start__lte=day) & (Q(end=None) | Q(end__gte=day))


def contracts_in_force(*, customer_id: int, on: date) -> list[Contract]:
    """The customer's contracts in force on `on`, oldest first."""
    return list(Contract.objects.filter(_in_force_on(on), customer_id=customer_id).order_by("start", "id"))


@dataclass(frozen=True, slots=True)
class LevelsInForce:
    """A contract's own service levels and the days they are in force."""

    start: date
    end: date | None  # last day, included; None: open-ended
    levels: ServiceLevels

    def in_force_on(self, day: date) -> bool:
        return self.start <= day and (self.end is None or day <= self.end)


def service_levels_of_customer(*, customer_id: int, critical_priority) -> list[LevelsInForce]:
    """Every contract of the customer with own service levels, newest start first; one query. Only one contract
    at a time may carry own levels (the services see to it)."""
    rows = (
        Contract.objects.filter(customer_id=customer_id, service_levels__isnull=False)
        .order_by("-start", "-id")
        .values_list("start", "end", "service_levels")
    )
    return [
        LevelsInForce(start, end, read_service_levels(table, critical_priority=critical_priority))
        for start, end, table in rows
    ]


def service_levels_in_force(*, customer_id: int, on: date, critical_priority) -> ServiceLevels | None:
    """The own service levels of the customer's contract in force on `on`, or None (the policy file's apply);
    one query."""
    table = (
        Contract.objects.filter(_in_force_on(on), customer_id=customer_id, service_levels__isnull=False)
        .order_by("-start", "-id")
        .values_list("service_levels", flat=True)
        .first()
    )
    if table is None:
        return None
    return read_service_levels(table, critical_priority=critical_priority)


def service_levels_table_in_force(*, customer_id, on) -> Subquery:
    """A subquery: the own service levels (as stored, the policy file's shape) of the customer's contract in force
    on `on`, or NULL. `customer_id` and `on` are expressions of the outer query (`OuterRef`), so that another
    app's query reads them with its rows, as `service_levels_in_force` reads them for one."""
    found = Contract.objects.filter(_in_force_on(on), customer_id=customer_id, service_levels__isnull=False)
    return Subquery(found.order_by("-start", "-id").values("service_levels")[:1])


def _with_lines(contracts: QuerySet[Contract]) -> QuerySet[Contract]:
    return contracts.prefetch_related(
        Prefetch("lines", queryset=ContractLine.objects.order_by("id")),
        Prefetch("lines__quantities", queryset=LineQuantity.objects.order_by("effective_from", "id")),
    )


def contract_list(*, customer_id: int | None = None, page: int = 1) -> Page:
    """Contracts, by customer and start, with their customer, lines and quantities (for their monthly revenue)."""
    contracts = _with_lines(Contract.objects.select_related("customer").order_by("customer__name", "start", "id"))
    if customer_id:
        contracts = contracts.filter(customer_id=customer_id)
    return Paginator(contracts, PAGE_SIZE).get_page(page)


def monthly_revenue_total_cents(*, day: date, customer_id: int | None = None) -> int:
    """The monthly recurring revenue of every contract in force on `day` (of one customer, or all): the contracts
    list's total, over all its pages. Three queries, however many contracts."""
    contracts = Contract.objects.filter(_in_force_on(day))
    if customer_id:
        contracts = contracts.filter(customer_id=customer_id)
    return sum(monthly_revenue_cents(contract, day) for contract in _with_lines(contracts.order_by("id")))


def contracts_of_customer(customer_id: int) -> list[Contract]:
    """A customer's contracts, newest start first, with lines and quantities (for their monthly revenue)."""
    return list(_with_lines(Contract.objects.filter(customer_id=customer_id).order_by("-start", "-id")))


def monthly_revenue_cents(contract: Contract, day: date) -> int:
    """What a contract brings in a month at the quantities in force on `day` (monthly recurring revenue): each
    line's quantity x unit price per period, over the months of its billing period, rounded half-up once for the
    contract; 0 when it is not in force that day. A figure for the desk, never an invoice amount."""
    if not contract.in_force_on(day):
        return 0
    per_period = sum(quantity_on(line, day) * line.unit_price_cents for line in contract.lines.all())
    return cents_half_up(Fraction(per_period, BillingPeriod(contract.billing_period).months))


def contract_for_desk(contract_id: int) -> Contract:
    """A contract with what its page shows: lines with services and quantity history, the trail.
    Raises Contract.DoesNotExist."""
    return (
        Contract.objects.select_related("customer")
        .prefetch_related(
            Prefetch(
                "lines",
                queryset=ContractLine.objects.select_related("matrix_item")
                .prefetch_related(
                    Prefetch(
                        "quantities",
                        queryset=LineQuantity.objects.select_related("changed_by").order_by("effective_from", "id"),
                    )
                )
                .order_by("id"),
            ),
            Prefetch("events", queryset=ContractEvent.objects.select_related("actor").order_by("at", "id")),
        )
        .get(pk=contract_id)
    )


def as_engine_contract(contract: Contract) -> recurring.Contract:
    """A contract (with its lines and quantities prefetched or not) as the fee engine's plain value."""
    lines = [
        _engine_line(
            line.pk,
            line.unit_price_cents,
            [(row.effective_from, row.id, row.quantity) for row in line.quantities.all()],
            contract.start,
        )
        for line in contract.lines.all()
    ]
    return recurring.Contract(contract.start, contract.end, BillingPeriod(contract.billing_period), tuple(lines))


def _engine_line(pk: int, unit_price_cents: int, quantities: list[tuple], start: date) -> recurring.ContractLine:
    """A contract line as the fee engine's plain value, from its quantities (effective from, id, quantity) and its
    contract's start."""
    start_quantity = 0
    changes = []
    for effective_from, _id, quantity in sorted(quantities, key=lambda row: (row[0], row[1])):
        if effective_from <= start:
            start_quantity = quantity
        else:
            # The engine dates a change the day before it takes effect.
            changes.append(recurring.QuantityChange(effective_from - ONE_DAY, quantity))
    return recurring.ContractLine(str(pk), start_quantity, unit_price_cents, tuple(changes))


def next_period(contract: Contract, today: date) -> Period | None:
    """The next period the contract is billed for, in advance: the one after today's, or its first one when it has
    not started; None when it is over by then."""
    billing_period = BillingPeriod(contract.billing_period)
    if contract.start > today:
        period = period_containing(contract.start, billing_period)
    else:
        period = period_after(period_containing(today, billing_period), billing_period)
    if contract.end is not None and contract.end < period.first_day:
        return None
    return period


def next_period_fees(contract: Contract, today: date) -> PeriodFee | None:
    """What the contract's next period will cost (each line pro-rated where it is not whole), or None."""
    period = next_period(contract, today)
    if period is None:
        return None
    return recurring.period_fee(as_engine_contract(contract), period)


def quantity_on(line: ContractLine, day: date) -> int:
    """The quantity of a line in force on `day` (0 before its first)."""
    quantity = 0
    for row in sorted(line.quantities.all(), key=lambda row: (row.effective_from, row.id)):
        if row.effective_from <= day:
            quantity = row.quantity
    return quantity


class BundleState:
    ACTIVE = "active"
    EXPIRED = "expired"
    USED_UP = "used_up"


@dataclass(frozen=True, slots=True)
class BundleBalance:
    """A bundle as the customer sees it: bought, used, left (also as time at its base rate), lapsed."""

    bundle: PrepaidBundle
    used_cents: int
    left_cents: int
    state: str
    lapsed_cents: int  # what was left on the expiry date, once it has passed

    @property
    def left_time(self) -> tuple[int, int]:
        return hours_and_minutes(self.left_cents, self.bundle.base_rate_cents)

    @property
    def used_time(self) -> tuple[int, int]:
        return hours_and_minutes(self.used_cents, self.bundle.base_rate_cents)


def as_engine_bundle(bundle: PrepaidBundle, used_cents: int) -> prepaid.Bundle:
    """A bundle with what is left after `used_cents` as policy/prepaid.py's plain value (its validity in months,
    as sold: its expiry date is kept, the engine reckons in months)."""
    months = (bundle.expires_on.year - bundle.bought_on.year) * 12 + bundle.expires_on.month - bundle.bought_on.month
    return prepaid.Bundle(
        str(bundle.pk),
        bundle.bought_on,
        bundle.hours,
        bundle.base_rate_cents,
        max(bundle.value_cents - used_cents, 0),
        months,
    )


def bundles_of(*, customer_id: int, today: date) -> list[BundleBalance]:
    """A customer's bundles, oldest first (the order they pay in), each with its balance; two queries."""
    bundles = (
        PrepaidBundle.objects.filter(customer_id=customer_id)
        .select_related("sold_by")
        .prefetch_related(Prefetch("debits", queryset=BundleDebit.objects.order_by("on", "id")))
        .annotate(used=Sum("debits__amount_cents"))
        .order_by("bought_on", "id")
    )
    balances = []
    for bundle in bundles:
        used = bundle.used or 0
        left = max(bundle.value_cents - used, 0)
        if today >= bundle.expires_on:
            state, lapsed, left = BundleState.EXPIRED, left, 0
        elif left == 0:
            state, lapsed = BundleState.USED_UP, 0
        else:
            state, lapsed = BundleState.ACTIVE, 0
        balances.append(BundleBalance(bundle, used, left, state, lapsed))
    return balances


def events_of_customer(customer_id: int) -> QuerySet[ContractEvent]:
    """A customer's commercial trail (contracts and bundles), newest last."""
    return ContractEvent.objects.filter(customer_id=customer_id).select_related("actor", "contract", "bundle")


@dataclass(frozen=True, slots=True)
class LineToBill:
    """What a fee line's text and columns take of a contract line."""

    pk: int
    label: str
    unit_price_cents: int


@dataclass(frozen=True, slots=True)
class ContractToBill:
    """A contract as a billing run reads it: the fee engine's value of it and what its lines' texts take."""

    pk: int
    customer_id: int
    updated_at: datetime
    engine: recurring.Contract
    lines: tuple[LineToBill, ...]  # in id order, as `engine.lines`

    @property
    def billing_period(self) -> BillingPeriod:
        return self.engine.billing_period


def contracts_to_bill(*, customer_ids: list[int] | None, up_to: date) -> list[ContractToBill]:
    """The contracts that may have fees to bill by `up_to` (started by then), by customer and start, with their
    lines (and their services' names) and quantities: three queries of plain rows, however many."""
    contracts = Contract.objects.filter(start__lte=up_to)
    lines = ContractLine.objects.filter(contract__start__lte=up_to)
    quantities = LineQuantity.objects.filter(line__contract__start__lte=up_to)
    if customer_ids:
        contracts = contracts.filter(customer_id__in=customer_ids)
        lines = lines.filter(contract__customer_id__in=customer_ids)
        quantities = quantities.filter(line__contract__customer_id__in=customer_ids)
    quantities_of: dict[int, list[tuple]] = defaultdict(list)
    for line_id, *row in quantities.order_by().values_list("line_id", "effective_from", "id", "quantity"):
        quantities_of[line_id].append(row)
    lines_of: dict[int, list[tuple]] = defaultdict(list)
    for row in lines.order_by("id").values_list(
        "contract_id", "id", "description", "matrix_item__name", "unit_price_cents"
    ):
        lines_of[row[0]].append(row[1:])
    found = []
    for pk, customer_id, start, end, billing_period, updated_at in contracts.order_by(
        "customer_id", "start", "id"
    ).values_list("pk", "customer_id", "start", "end", "billing_period", "updated_at"):
        rows = lines_of.get(pk, ())
        engine = recurring.Contract(
            start,
            end,
            BillingPeriod(billing_period),
            tuple(_engine_line(line, price, quantities_of.get(line, []), start) for line, _d, _n, price in rows),
        )
        # A line's label: its text, else its service's name (`ContractLine.label`).
        texts = tuple(LineToBill(line, text or name or "", price) for line, text, name, price in rows)
        found.append(ContractToBill(pk, customer_id, updated_at, engine, texts))
    return found
