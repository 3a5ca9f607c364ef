"""Prepaid hours: bundles pay billable lines oldest first by amount, split where one runs out, until expiry."""

from __future__ import annotations

from datetime import date, timedelta
from fractions import Fraction
from itertools import pairwise
from random import Random

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
    debit_as_read,
    hours_and_minutes,
    new_bundle,
    next_paying_day,
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


# -- paying as the lines are read ---------------------------------------------------------------


def test_the_next_paying_day_is_the_first_a_bundle_with_value_left_pays_on():
    used_up = bundle("used", "2024-01-01", remaining=0)
    early = bundle("early", "2024-06-01", remaining=100)  # pays 2024-06-01 .. 2025-05-31
    late = bundle("late", "2025-09-01")  # pays 2025-09-01 .. 2026-08-31
    bundles = [late, used_up, early]
    assert next_paying_day(bundles) == D("2024-06-01")
    assert next_paying_day(bundles, since=D("2025-01-10")) == D("2025-01-10")
    assert next_paying_day(bundles, since=D("2025-06-01")) == D("2025-09-01")  # past a gap none pays in
    assert next_paying_day(bundles, since=D("2026-08-31")) == D("2026-08-31")
    assert next_paying_day(bundles, since=D("2026-09-01")) is None
    assert next_paying_day([used_up]) is None and next_paying_day([]) is None


def list_reader(lines: list[BillableLine], random: Random, asked: list | None = None):
    """A reader over `lines` as the database reads them: in an order of their own."""

    def read(stretches: list[tuple[date, date]]) -> list[BillableLine]:
        assert stretches and all(start < end for start, end in stretches)
        assert all(end < start for (_, end), (start, _) in pairwise(stretches))  # apart, in order
        if asked is not None:
            asked.append(stretches)
        found = [line for line in lines if any(start <= line.on < end for start, end in stretches)]
        random.shuffle(found)
        return found

    return read


def test_a_few_days_after_each_purchase_are_read_and_more_only_where_a_bundle_lasts_longer():
    lines = [line(f"{n}", f"2026-03-{n:02d}", 3000) for n in range(1, 32)]
    lines += [line(f"{n}", f"2026-04-{n - 31:02d}", 3000) for n in range(32, 52)]
    soon = bundle("soon", "2026-03-02", remaining=5000)  # pays the 2nd's line and 2000 of the 3rd's
    lasting = bundle("lasting", "2026-03-20", remaining=20000)  # 6 2/3 lines: the 20th to the 26th
    later = bundle("later", "2026-03-28", remaining=3000)  # the 28th's, once `lasting` is used up
    used_up = bundle("used", "2026-01-01", remaining=0)
    asked = []
    result = debit_as_read([later, lasting, soon, used_up], list_reader(lines, Random(1), asked), days=4)
    assert asked == [
        [(D("2026-03-02"), D("2026-03-06")), (D("2026-03-20"), D("2026-03-24")), (D("2026-03-28"), D("2026-04-01"))],
        # `lasting` has value left on the 24th, which was not read: from there, twice as many days (less those read)
        [(D("2026-03-24"), D("2026-03-28")), (D("2026-04-01"), D("2026-04-05"))],
    ]
    assert [(d.key, d.payments) for d in result.lines if d.payments] == [
        ("2", (Payment("soon", 3000),)),
        ("3", (Payment("soon", 2000),)),
        *[(f"{n}", (Payment("lasting", 3000),)) for n in range(20, 26)],
        ("26", (Payment("lasting", 2000),)),
        ("28", (Payment("later", 3000),)),
    ]
    assert result.bundles == (
        BundleBalance("used", 0, 0, 0),
        BundleBalance("soon", 5000, 0, 0),
        BundleBalance("lasting", 20000, 0, 0),
        BundleBalance("later", 3000, 0, 0),
    )


days_near = st.integers(0, 900).map(lambda n: DAY0 + timedelta(days=n))
crowded = st.lists(
    st.builds(
        BillableLine,
        st.integers(1, 10**4).map(str),  # "9" after "10": a day's lines by key differ from their order by number
        st.one_of(days_near, st.sampled_from([DAY0 + timedelta(days=n) for n in (30, 31, 400)])),
        st.integers(1, 40000),
    ),
    max_size=60,
    unique_by=lambda item: item.key,
)
some_bundles = st.lists(
    st.builds(
        lambda i, on, hours, used, months: Bundle(f"b{i}", on, hours, 6500, max(0, hours * 6500 - used), months),
        st.integers(0, 7),
        st.one_of(days_near, st.sampled_from([DAY0 + timedelta(days=n) for n in (28, 30, 398)])),
        st.integers(1, 10),
        st.integers(0, 60000),
        st.sampled_from([0, 1, 3, 12]),
    ),
    max_size=6,
    unique_by=lambda b: b.key,
)


@given(some_bundles, crowded, st.integers(1, 20), st.randoms())
def test_paying_as_read_pays_as_debit_over_all_lines_would(bundle_list, line_list, days, random):
    everything = debit(bundle_list, line_list)
    result = debit_as_read(bundle_list, list_reader(line_list, random), days=days)
    assert result.bundles == everything.bundles
    read = {d.key for d in result.lines}
    assert result.lines == tuple(d for d in everything.lines if d.key in read)
    assert all(not d.payments for d in everything.lines if d.key not in read)
