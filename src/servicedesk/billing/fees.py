"""The recurring fees a billing run bills (POLICY.md §9): each contract line's fee for every period whose billing
day has come, priced by policy/recurring.py, never here.

A period is billed in advance: a run up to and including day D bills the periods that start by D + 1 (the day
its documents are due to be issued), and every earlier period not billed yet (a late fee). A period is billed
once: its first line claims it when its document is confirmed (`InvoiceLine.claims`, unique), and a
credit releases it. A contract changed after a period was billed (a backdated quantity, an earlier end) gives a
correction line for the difference, referring to the period's first line, as corrected work does.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import lru_cache
from typing import NamedTuple

from django.db.models import Max, Q, Sum

from servicedesk.billing.models import RECURRING_FEE, InvoiceLine
from servicedesk.billing.specification import SpecLine
from servicedesk.contracts.selectors import ContractToBill, contracts_to_bill
from servicedesk.policy import BillingPeriod, recurring
from servicedesk.policy.periods import Period, period_containing

ONE_DAY = timedelta(days=1)
# The documents are Dutch (as the band texts are): a fee's text is kept as it was billed.
TIMES = " \u00d7 "
PERIOD_WORDS = {BillingPeriod.MONTH: "maand", BillingPeriod.QUARTER: "kwartaal", BillingPeriod.YEAR: "jaar"}


class Billed(NamedTuple):
    """What a contract line's period was billed so far, on documents (credit notes count against)."""

    cents: int
    first_id: int | None  # the line that claims the period, None when nothing stands (never billed, credited)
    last_issued: datetime | None


def fees_up_to(run_end: date) -> date:
    """The last billing day a run up to `run_end` bills fees for: the day after (fees are billed in advance)."""
    return run_end + ONE_DAY


def _billed(customer_ids: list[int] | None) -> dict[int, dict[date, Billed]]:
    """Per contract line, per period start: what documents billed for it; one query."""
    lines = InvoiceLine.objects.on_documents().filter(contract_line__isnull=False).order_by()
    if customer_ids:
        lines = lines.filter(invoice__customer_id__in=customer_ids)
    rows = lines.values("contract_line_id", "period_start").annotate(
        cents=Sum("amount_cents"), first=Max("id", filter=Q(claims=True)), issued=Max("invoice__issued_at")
    )
    found: dict[int, dict[date, Billed]] = defaultdict(dict)
    for row in rows:
        found[row["contract_line_id"]][row["period_start"]] = Billed(row["cents"], row["first"], row["issued"])
    return found


def _money(cents: int) -> str:
    return f"€ {Decimal(cents) / 100:.2f}".replace(".", ",")


def _quantity(quantity) -> str:
    return str(quantity).replace(".", ",")


# A run writes the same few prices and periods on thousands of lines.
@lru_cache(maxsize=4096)
def _per(unit_price_cents: int, billing_period: BillingPeriod) -> str:
    return f"{_money(unit_price_cents)} per {PERIOD_WORDS[billing_period]}"


@lru_cache(maxsize=4096)
def _days(period: Period) -> str:
    return f"{period.first_day:%d-%m-%Y} t/m {period.last_day:%d-%m-%Y}"


def fee_text(label: str, fee: recurring.LineFee, period: Period, billing_period: BillingPeriod) -> str:
    """'Werkplekbeheer: 12 x € 25,00 per maand, 01-12-2026 t/m 31-12-2026' (with a multiplication sign);
    pro-rated, the quantity and days of each part: 'Werkplekbeheer: 10 x 15/31 dagen, 12 x 16/31 dagen à € 25,00
    per maand, …'."""
    per, days = _per(fee.unit_price_cents, billing_period), _days(period)
    if fee.whole_period:
        return f"{label}: {_quantity(fee.segments[0].quantity)}{TIMES}{per}, {days}"
    parts = ", ".join(
        f"{_quantity(segment.quantity)}{TIMES}{segment.days}/{fee.period_days} dagen" for segment in fee.segments
    )
    return f"{label}: {parts or '0 dagen'} à {per}, {days}"


def _contract_fee_lines(contract: ContractToBill, billed: dict, up_to: date, run_start: date) -> list[SpecLine]:
    """The fee lines (new periods, corrections) of one contract."""
    engine = contract.engine
    billing_period = contract.billing_period
    lines = contract.lines
    periods = {period.first_day: period for period in recurring.periods_to_bill(engine, up_to)}
    # Periods billed that the contract no longer reaches (its end moved earlier) are corrected to nothing.
    for line in lines:
        for first_day in billed.get(line.pk, {}):
            if first_day not in periods:
                periods[first_day] = period_containing(first_day, billing_period)
    found = []
    for first_day in sorted(periods):
        period = periods[first_day]
        so_far = {line.pk: billed.get(line.pk, {}).get(first_day) for line in lines}
        changed = any(
            b is not None and (b.last_issued is None or b.last_issued < contract.updated_at) for b in so_far.values()
        )
        if all(b is not None and b.first_id is not None for b in so_far.values()) and not changed:
            continue  # billed, and the contract has not changed since: nothing to compute
        fees = {fee.key: fee for fee in recurring.period_fee(engine, period).lines}
        for line in lines:
            before = so_far[line.pk]
            fee = fees[str(line.pk)]
            cents = before.cents if before is not None else 0
            corrects = before.first_id if before is not None else None
            amount = fee.amount_cents - cents
            if amount == 0:
                continue
            text = fee_text(line.label, fee, period, billing_period)
            found.append(
                SpecLine(
                    ticket_id=None,
                    ticket_subject="",
                    entry_id=None,
                    kind=RECURRING_FEE,
                    start=None,
                    agent="",
                    description=f"Correctie: {text}" if corrects else text,
                    minutes=0,
                    billed_minutes=0,
                    bands="",
                    hourly_rate=None,
                    amount_cents=amount,
                    free_reason="",
                    late=corrects is None and period.last_day < run_start,
                    corrects_id=corrects,
                    previously_billed_cents=cents,
                    contract_line_id=line.pk,
                    period_start=period.first_day,
                    period_end=period.last_day,
                    unit_price_cents=line.unit_price_cents,
                )
            )
    return found


def fee_lines(*, customer_ids: list[int] | None, run_start: date, run_end: date) -> dict[int, list[SpecLine]]:
    """Per customer, the fee lines a run from `run_start` to `run_end` bills now; four queries."""
    up_to = fees_up_to(run_end)
    billed = _billed(customer_ids)
    found: dict[int, list[SpecLine]] = defaultdict(list)
    for contract in contracts_to_bill(customer_ids=customer_ids, up_to=up_to):
        found[contract.customer_id] += _contract_fee_lines(contract, billed, up_to, run_start)
    return {customer_id: lines for customer_id, lines in found.items() if lines}
