"""Prepaid hours: bundles pay billable lines oldest first by amount, split where one runs out, until expiry."""

from __future__ import annotations

from datetime import date, timedelta
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from servicedesk.policy.config import PrepaidSettings
from servicedesk.policy.prepaid import (
    BillableLine,
    Bundle,
    BundleBalance,
    Notice,
    Payment,
    debit,
    hours_and_minutes,
    new_bundle,
    notices_due,
)

D = date.fromisoformat


def bundle(key: str, bought_on: str, hours: int = 10, remaining: int | None = None, rate: int = 6500) -> Bundle:
    full = new_bundle(key, bought_on=D(bought_on), hours=hours, base_rate_cents=rate)
    return full if remaining is None else Bundle(key, D(bought_on), hours, rate, remaining)


def line(key: str, on: str, cents: int) -> BillableLine:
    return BillableLine(key, D(on), cents)


def test_a_new_bundle_holds_its_hours_at_the_base_rate_and_expires_after_twelve_months():
    b = new_bundle("b", bought_on=D("2027-02-28"), hours=10)
    assert (b.value_cents, b.remaining_cents, b.base_rate_cents) == (65000, 65000, 6500)
    assert b.expires_on == D("2028-02-28")
    assert b.pays_on(D("2028-02-27")) and not b.pays_on(D("2028-02-28")) and not b.pays_on(D("2027-02-27"))
    other = new_bundle("c", bought_on=D("2028-02-29"), hours=1, settings=PrepaidSettings(6, 8000, Fraction(1, 4), 7))
    assert (other.value_cents, other.expires_on) == (8000, D("2028-08-29"))


def test_an_evening_hour_uses_85_65_of_a_bundle_hour():
    result = debit([bundle("b", "2026-01-01")], [line("evening", "2026-03-03", 8500)])
    (paid,) = result.lines
    assert paid.payments == (Payment("b", 8500),) and paid.invoiced_cents == 0
    assert result.bundles == (BundleBalance("b", 65000, 56500, 0),)
    assert hours_and_minutes(56500, 6500) == (8, 42)  # 521.54 minutes, to the nearest minute


#: (id, bundles, lines, per line (payments, invoiced), per bundle (before, after, lapsed))
CASES = [
    (
        "oldest bundle first",
        [bundle("new", "2026-02-01"), bundle("old", "2026-01-01")],
        [line("a", "2026-03-02", 6500)],
        {"a": ((Payment("old", 6500),), 0)},
        {"old": (65000, 58500, 0), "new": (65000, 65000, 0)},
    ),
    (
        "a bundle running out mid-line: split over the next bundle",
        [bundle("old", "2026-01-01", remaining=2000), bundle("new", "2026-02-01")],
        [line("a", "2026-03-02", 6500)],
        {"a": ((Payment("old", 2000), Payment("new", 4500)), 0)},
        {"old": (2000, 0, 0), "new": (65000, 60500, 0)},
    ),
    (
        "the last bundle running out mid-line: the rest invoiced",
        [bundle("only", "2026-01-01", remaining=2000)],
        [line("a", "2026-03-02", 6500), line("b", "2026-03-03", 3250)],
        {"a": ((Payment("only", 2000),), 4500), "b": ((), 3250)},
        {"only": (2000, 0, 0)},
    ),
    (
        "free lines use nothing",
        [bundle("b", "2026-01-01")],
        [line("free", "2026-03-02", 0)],
        {"free": ((), 0)},
        {"b": (65000, 65000, 0)},
    ),
    (
        "expiry on the line's date: the bundle pays nothing that day",
        [bundle("b", "2025-03-02")],
        [line("a", "2026-03-01", 100), line("b", "2026-03-02", 100)],
        {"a": ((Payment("b", 100),), 0), "b": ((), 100)},
        {"b": (65000, 64900, 0)},
    ),
    (
        "a bundle pays nothing dated before it was bought",
        [bundle("b", "2026-03-02")],
        [line("a", "2026-03-01", 100)],
        {"a": ((), 100)},
        {"b": (65000, 65000, 0)},
    ),
    (
        "lines are paid in date order, whatever order they come in",
        [bundle("b", "2026-01-01", remaining=5000)],
        [line("late", "2026-03-05", 5000), line("early", "2026-03-01", 5000)],
        {"early": ((Payment("b", 5000),), 0), "late": ((), 5000)},
        {"b": (5000, 0, 0)},
    ),
    (
        "a credit line is invoiced, never paid back into a bundle",
        [bundle("b", "2026-01-01")],
        [line("credit", "2026-03-01", -6500)],
        {"credit": ((), -6500)},
        {"b": (65000, 65000, 0)},
    ),
]


@pytest.mark.parametrize(
    ("bundles", "lines", "per_line", "per_bundle"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_debits(bundles, lines, per_line, per_bundle):
    result = debit(bundles, lines)
    assert {d.key: (d.payments, d.invoiced_cents) for d in result.lines} == per_line
    assert {b.key: (b.before_cents, b.after_cents, b.lapsed_cents) for b in result.bundles} == per_bundle


def test_what_is_left_lapses_on_the_expiry_date_and_is_shown():
    b = bundle("b", "2025-03-02", remaining=1000)
    assert debit([b], [], as_of=D("2026-03-01")).bundles == (BundleBalance("b", 1000, 1000, 0),)
    lapsed = debit([b], [line("a", "2026-03-01", 400)], as_of=D("2026-03-02"))
    assert lapsed.bundles == (BundleBalance("b", 1000, 0, 600),)
    assert lapsed.bundles[0].used_cents == 400
    assert lapsed.remaining([b])[0].remaining_cents == 0


@pytest.mark.parametrize(
    ("remaining", "today", "sent", "due"),
    [
        (65000, "2026-06-01", (), ()),
        (13000, "2026-06-01", (), ()),  # exactly 20 % left is not below it
        (12999, "2026-06-01", (), (Notice.LOW,)),
        (12999, "2026-06-01", (Notice.LOW,), ()),
        (0, "2026-06-01", (), (Notice.USED_UP,)),  # not also "low"
        (0, "2026-06-01", (Notice.USED_UP,), ()),
        (65000, "2026-12-01", (), ()),  # 31 days before expiry
        (65000, "2026-12-02", (), (Notice.EXPIRING,)),  # 30 days before
        (100, "2026-12-02", (), (Notice.LOW, Notice.EXPIRING)),
        (100, "2026-12-02", (Notice.EXPIRING,), (Notice.LOW,)),
        (0, "2026-12-02", (), (Notice.USED_UP,)),  # nothing left to expire
        (65000, "2027-01-01", (), ()),  # expired: it lapses, no notice
    ],
)
def test_notices_each_once(remaining, today, sent, due):
    b = bundle("b", "2026-01-01", remaining=remaining)
    assert notices_due(b, today=D(today), sent=frozenset(sent)) == due


# -- properties ---------------------------------------------------------------------------

DAY0 = date(2026, 1, 1)
days = st.integers(0, 800).map(lambda n: DAY0 + timedelta(days=n))
bundles = st.lists(
    st.builds(
        lambda i, on, hours, rate, used: Bundle(f"b{i}", on, hours, rate, max(0, hours * rate - used)),
        st.integers(0, 5),
        days,
        st.integers(1, 40),
        st.sampled_from([6500, 8500, 10000]),
        st.integers(0, 300000),
    ),
    max_size=5,
    unique_by=lambda b: b.key,
)
lines = st.lists(
    st.builds(BillableLine, st.integers(0, 10**6).map(str), days, st.integers(0, 60000)),
    max_size=25,
    unique_by=lambda item: item.key,
)


@given(bundles, lines, st.randoms())
def test_every_cent_is_paid_or_invoiced_and_no_bundle_goes_below_zero(bundle_list, line_list, random):
    random.shuffle(bundle_list)
    random.shuffle(line_list)
    result = debit(bundle_list, line_list)
    assert sum(d.paid_cents + d.invoiced_cents for d in result.lines) == sum(line.amount_cents for line in line_list)
    for d in result.lines:
        assert d.paid_cents + d.invoiced_cents == d.amount_cents
        assert all(p.cents > 0 for p in d.payments) and d.invoiced_cents >= 0
    by_key = {b.key: b for b in bundle_list}
    for balance in result.bundles:
        assert 0 <= balance.after_cents <= balance.before_cents == by_key[balance.key].remaining_cents
    paid_from = {}
    for d in result.lines:
        for p in d.payments:
            paid_from[p.bundle_key] = paid_from.get(p.bundle_key, 0) + p.cents
    assert all(b.before_cents - b.after_cents == paid_from.get(b.key, 0) for b in result.bundles)


@given(bundles, lines, st.randoms())
def test_the_order_lines_and_bundles_come_in_changes_nothing(bundle_list, line_list, random):
    first = debit(bundle_list, line_list)
    random.shuffle(bundle_list)
    random.shuffle(line_list)
    assert debit(bundle_list, line_list) == first


@given(bundles, lines)
def test_a_repeated_run_changes_nothing(bundle_list, line_list):
    result = debit(bundle_list, line_list)
    again = debit(result.remaining(bundle_list), line_list, already_paid={line.key for line in line_list})
    assert again.lines == ()
    assert all(b.before_cents == b.after_cents for b in again.bundles)
    assert [b.remaining_cents for b in result.remaining(bundle_list)] == [
        b.remaining_cents for b in again.remaining(result.remaining(bundle_list))
    ]


@given(bundles, lines)
def test_a_younger_bundle_pays_only_when_every_older_one_that_could_is_empty(bundle_list, line_list):
    result = debit(bundle_list, line_list)
    after = {b.key: b.after_cents for b in result.bundles}
    by_key = {b.key: b for b in bundle_list}
    dates = {line.key: line.on for line in line_list}
    for d in result.lines:
        for p in d.payments:
            young = by_key[p.bundle_key]
            for old in bundle_list:
                if (old.bought_on, old.key) < (young.bought_on, young.key) and old.pays_on(dates[d.key]):
                    # the older bundle had nothing left by then, so it has nothing left now
                    assert after[old.key] == 0
        if d.invoiced_cents > 0:
            assert all(after[b.key] == 0 for b in bundle_list if b.pays_on(dates[d.key]))
