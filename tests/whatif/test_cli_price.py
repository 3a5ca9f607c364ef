"""`servicedesk policy price`: ticket prices through the real command (POLICY.md §3, §5, §8)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from whatif_cli import (
    BAD_PRICE_REQUESTS,
    Batch,
    assert_single_error,
    entry,
    line,
    price,
    run,
    run_batch,
    single_answer,
    surcharge,
    ticket,
)

TUE = "2026-11-24"  # an ordinary Tuesday (office hours 09:00-17:00, +01:00)
SAT = "2026-11-28"
SUN = "2026-11-29"


def work(start: str, minutes: int) -> dict:
    return entry("work", start, minutes)


def travel(start: str, minutes: int) -> dict:
    return entry("travel", start, minutes)


# -- POLICY.md §8, in single mode: one process each, the whole answer -----------------

WORKED_EXAMPLES = [
    (
        "s8-functional-email-50min-is-one-hour",
        ticket("functional", "standard", work(f"{TUE}T10:00", 50), channel="email"),
        price("65.00", None, line("work", f"{TUE}T10:00:00+01:00", 50, 60, "65.00")),
    ),
    (
        "s8-functional-phone-3min-no-fair-use-plus-surcharge",
        ticket("functional", "standard", work(f"{TUE}T10:00", 3), channel="phone"),
        price("32.50", None, line("work", f"{TUE}T10:00:00+01:00", 3, 15, "16.25"), surcharge("16.25")),
    ),
    (
        "s8-unmanaged-1650-20min-split-over-office-and-evening",
        ticket("unmanaged", "standard", work(f"{TUE}T16:50", 20)),
        price("39.17", None, line("work", f"{TUE}T16:50:00+01:00", 20, 30, "39.17")),
    ),
    (
        "s8-travel-30min-minimum-applies",
        ticket("unmanaged", "standard", travel(f"{TUE}T11:00", 30)),
        price("32.50", None, line("travel", f"{TUE}T11:00:00+01:00", 30, 30, "32.50")),
    ),
]


@pytest.mark.parametrize(
    ("request_", "expected"), [c[1:] for c in WORKED_EXAMPLES], ids=[c[0] for c in WORKED_EXAMPLES]
)
def test_worked_example_single(request_: dict, expected: dict) -> None:
    assert single_answer(run("policy", "price", stdin=json.dumps(request_))) == expected


# -- many cases in one batch --------------------------------------------------------

FREE = "0.00"

#: (id, request, the whole expected answer)
CASES = [
    *WORKED_EXAMPLES,
    # free reasons, in order of precedence: critical, managed_service, fair_use (§5)
    (
        "free-critical",
        ticket("unmanaged", "standard", work(f"{TUE}T10:00", 60), critical=True),
        price(FREE, "critical", line("work", f"{TUE}T10:00:00+01:00", 60, 60, FREE)),
    ),
    (
        "free-critical-on-managed-high",
        ticket("managed", "high", work(f"{TUE}T10:00", 60), critical=True),
        price(FREE, "critical", line("work", f"{TUE}T10:00:00+01:00", 60, 60, FREE)),
    ),
    (
        "free-critical-before-fair-use",
        ticket("functional", "standard", work(f"{TUE}T10:00", 3), critical=True),
        price(FREE, "critical", line("work", f"{TUE}T10:00:00+01:00", 3, 15, FREE)),
    ),
    (
        "free-critical-by-phone-no-surcharge-line",
        ticket("functional", "standard", work(f"{TUE}T10:00", 30), channel="phone", critical=True),
        price(FREE, "critical", line("work", f"{TUE}T10:00:00+01:00", 30, 30, FREE)),
    ),
    (
        "free-managed-service-managed-high",
        ticket("managed", "high", work(f"{TUE}T10:00", 60)),
        price(FREE, "managed_service", line("work", f"{TUE}T10:00:00+01:00", 60, 60, FREE)),
    ),
    (
        "free-managed-service-managed-standard-is-high",
        ticket("managed", "standard", work(f"{TUE}T10:00", 60)),
        price(FREE, "managed_service", line("work", f"{TUE}T10:00:00+01:00", 60, 60, FREE)),
    ),
    (
        "free-managed-service-before-fair-use",
        ticket("managed", "high", work(f"{TUE}T10:00", 3), channel="phone"),
        price(FREE, "managed_service", line("work", f"{TUE}T10:00:00+01:00", 3, 15, FREE)),
    ),
    (
        "free-fair-use-functional-email-5min",
        ticket("functional", "standard", work(f"{TUE}T10:00", 5)),
        price(FREE, "fair_use", line("work", f"{TUE}T10:00:00+01:00", 5, 15, FREE)),
    ),
    (
        "free-fair-use-functional-portal-3min",
        ticket("functional", "high", work(f"{TUE}T10:00", 3), channel="portal"),
        price(FREE, "fair_use", line("work", f"{TUE}T10:00:00+01:00", 3, 15, FREE)),
    ),
    (
        "free-fair-use-unmanaged-phone-5min",
        ticket("unmanaged", "standard", work(f"{TUE}T10:00", 5), channel="phone"),
        price(FREE, "fair_use", line("work", f"{TUE}T10:00:00+01:00", 5, 15, FREE)),
    ),
    (
        "free-fair-use-unmanaged-after-hours-line-3min",
        ticket("unmanaged", "direct", work(f"{TUE}T10:00", 3), channel="phone_after_hours"),
        price(FREE, "fair_use", line("work", f"{TUE}T10:00:00+01:00", 3, 15, FREE)),
    ),
    (
        "free-fair-use-managed-direct-phone-3min",
        ticket("managed", "direct", work(f"{TUE}T10:00", 3), channel="phone"),
        price(FREE, "fair_use", line("work", f"{TUE}T10:00:00+01:00", 3, 15, FREE)),
    ),
    (
        "free-fair-use-travel-does-not-count-and-is-free",
        ticket("functional", "standard", work(f"{TUE}T10:00", 5), travel(f"{TUE}T09:00", 60)),
        price(
            FREE,
            "fair_use",
            line("work", f"{TUE}T10:00:00+01:00", 5, 15, FREE),
            line("travel", f"{TUE}T09:00:00+01:00", 60, 60, FREE),
        ),
    ),
    (
        "free-managed-service-travel-free-no-minimum",
        ticket("managed", "high", travel(f"{TUE}T11:00", 30)),
        price(FREE, "managed_service", line("travel", f"{TUE}T11:00:00+01:00", 30, 30, FREE)),
    ),
    (
        "free-critical-travel-free",
        ticket("unmanaged", "standard", travel(f"{TUE}T11:00", 60), critical=True),
        price(FREE, "critical", line("travel", f"{TUE}T11:00:00+01:00", 60, 60, FREE)),
    ),
    # not free
    (
        "not-free-functional-after-hours-line-3min-surcharge",
        ticket("functional", "standard", work(f"{TUE}T10:00", 3), channel="phone_after_hours"),
        price("32.50", None, line("work", f"{TUE}T10:00:00+01:00", 3, 15, "16.25"), surcharge("16.25")),
    ),
    (
        "not-free-functional-email-6min",
        ticket("functional", "standard", work(f"{TUE}T10:00", 6)),
        price("16.25", None, line("work", f"{TUE}T10:00:00+01:00", 6, 15, "16.25")),
    ),
    (
        "not-free-fair-use-adds-up-entries",
        ticket("functional", "standard", work(f"{TUE}T10:00", 3), work(f"{TUE}T11:00", 3)),
        price(
            "32.50",
            None,
            line("work", f"{TUE}T10:00:00+01:00", 3, 15, "16.25"),
            line("work", f"{TUE}T11:00:00+01:00", 3, 15, "16.25"),
        ),
    ),
    (
        "not-free-unmanaged-email-3min",
        ticket("unmanaged", "standard", work(f"{TUE}T10:00", 3)),
        price("16.25", None, line("work", f"{TUE}T10:00:00+01:00", 3, 15, "16.25")),
    ),
    (
        "not-free-unmanaged-phone-6min-no-surcharge",
        ticket("unmanaged", "standard", work(f"{TUE}T10:00", 6), channel="phone"),
        price("16.25", None, line("work", f"{TUE}T10:00:00+01:00", 6, 15, "16.25")),
    ),
    (
        "not-free-managed-direct-email-3min",
        ticket("managed", "direct", work(f"{TUE}T10:00", 3)),
        price("31.25", None, line("work", f"{TUE}T10:00:00+01:00", 3, 15, "31.25")),
    ),
    # the phone surcharge (§5)
    (
        "surcharge-at-the-ticket-rate-high",
        ticket("functional", "high", work(f"{TUE}T10:00", 3), channel="phone"),
        price("42.50", None, line("work", f"{TUE}T10:00:00+01:00", 3, 15, "21.25"), surcharge("21.25")),
    ),
    (
        "surcharge-at-ticket-rate-not-band-rate",
        ticket("functional", "standard", work(f"{SAT}T10:00", 3), channel="phone_after_hours"),
        price("37.50", None, line("work", f"{SAT}T10:00:00+01:00", 3, 15, "21.25"), surcharge("16.25")),
    ),
    (
        "surcharge-once-per-ticket",
        ticket("functional", "standard", work(f"{TUE}T10:00", 60), work(f"{TUE}T14:00", 60), channel="phone"),
        price(
            "146.25",
            None,
            line("work", f"{TUE}T10:00:00+01:00", 60, 60, "65.00"),
            line("work", f"{TUE}T14:00:00+01:00", 60, 60, "65.00"),
            surcharge("16.25"),
        ),
    ),
    # travel (§5)
    (
        "travel-above-minimum-not-rounded-to-units",
        ticket("unmanaged", "standard", travel(f"{TUE}T11:00", 70)),
        price("37.92", None, line("travel", f"{TUE}T11:00:00+01:00", 70, 70, "37.92")),
    ),
    (
        "travel-evening-band-rate",
        ticket("unmanaged", "standard", travel(f"{TUE}T18:00", 60)),
        price("42.50", None, line("travel", f"{TUE}T18:00:00+01:00", 60, 60, "42.50")),
    ),
    (
        "travel-sunday-night-band-rate",
        ticket("unmanaged", "standard", travel(f"{SUN}T11:00", 60)),
        price("62.50", None, line("travel", f"{SUN}T11:00:00+01:00", 60, 60, "62.50")),
    ),
    (
        "travel-rate-when-it-starts",
        ticket("unmanaged", "standard", travel(f"{TUE}T16:30", 120)),
        price("65.00", None, line("travel", f"{TUE}T16:30:00+01:00", 120, 120, "65.00")),
    ),
    (
        "travel-direct-rate",
        ticket("unmanaged", "direct", travel(f"{TUE}T11:00", 60)),
        price("62.50", None, line("travel", f"{TUE}T11:00:00+01:00", 60, 60, "62.50")),
    ),
    (
        "travel-minimum-per-trip",
        ticket("unmanaged", "standard", travel(f"{TUE}T11:00", 10), travel(f"{TUE}T15:00", 10)),
        price(
            "65.00",
            None,
            line("travel", f"{TUE}T11:00:00+01:00", 10, 10, "32.50"),
            line("travel", f"{TUE}T15:00:00+01:00", 10, 10, "32.50"),
        ),
    ),
    # units and time bands (§5)
    (
        "units-round-up-16min-is-30",
        ticket("unmanaged", "standard", work(f"{TUE}T10:00", 16)),
        price("32.50", None, line("work", f"{TUE}T10:00:00+01:00", 16, 30, "32.50")),
    ),
    (
        "work-evening-band",
        ticket("unmanaged", "standard", work(f"{TUE}T18:00", 60)),
        price("85.00", None, line("work", f"{TUE}T18:00:00+01:00", 60, 60, "85.00")),
    ),
    (
        "work-night-band",
        ticket("unmanaged", "standard", work(f"{TUE}T23:00", 60)),
        price("125.00", None, line("work", f"{TUE}T23:00:00+01:00", 60, 60, "125.00")),
    ),
    (
        "work-saturday-evening-band",
        ticket("functional", "standard", work(f"{SAT}T10:00", 60)),
        price("85.00", None, line("work", f"{SAT}T10:00:00+01:00", 60, 60, "85.00")),
    ),
    (
        "work-holiday-night-band",
        ticket("unmanaged", "standard", work("2026-12-25T10:00", 60)),
        price("125.00", None, line("work", "2026-12-25T10:00:00+01:00", 60, 60, "125.00")),
    ),
    (
        "band-never-lowers-the-ticket-rate",
        ticket("unmanaged", "direct", work(f"{TUE}T18:00", 60)),
        price("125.00", None, line("work", f"{TUE}T18:00:00+01:00", 60, 60, "125.00")),
    ),
    (
        "rounded-once-per-entry",
        ticket("unmanaged", "standard", work(f"{TUE}T16:50", 20), work("2026-11-25T16:50", 20)),
        price(
            "78.34",
            None,
            line("work", f"{TUE}T16:50:00+01:00", 20, 30, "39.17"),
            line("work", "2026-11-25T16:50:00+01:00", 20, 30, "39.17"),
        ),
    ),
    (
        "entry-of-exactly-24h-over-every-band",
        ticket("unmanaged", "standard", work(f"{TUE}T00:00", 1440)),
        price("2240.00", None, line("work", f"{TUE}T00:00:00+01:00", 1440, 1440, "2240.00")),
    ),
    # defaults of left-out keys
    (
        "channel-left-out-is-email-so-fair-use",
        ticket("functional", "standard", work(f"{TUE}T10:00", 3), channel=None),
        price(FREE, "fair_use", line("work", f"{TUE}T10:00:00+01:00", 3, 15, FREE)),
    ),
    (
        "critical-left-out-is-false",
        ticket("unmanaged", "standard", work(f"{TUE}T10:00", 60), critical=None),
        price("65.00", None, line("work", f"{TUE}T10:00:00+01:00", 60, 60, "65.00")),
    ),
    # time zones and daylight saving time
    (
        "autumn-repeated-hour-start-first-occurrence",
        ticket("functional", "standard", work("2026-10-25T02:30", 30)),
        price("62.50", None, line("work", "2026-10-25T02:30:00+02:00", 30, 30, "62.50")),
    ),
    (
        "start-offsets-on-both-sides-of-autumn-change",
        ticket("functional", "standard", work("2026-10-23T10:00", 60), work("2026-10-26T10:00", 60)),
        price(
            "130.00",
            None,
            line("work", "2026-10-23T10:00:00+02:00", 60, 60, "65.00"),
            line("work", "2026-10-26T10:00:00+01:00", 60, 60, "65.00"),
        ),
    ),
    (
        "utc-start-shown-in-local-time",
        ticket("unmanaged", "standard", work(f"{TUE}T09:00Z", 60)),
        price("65.00", None, line("work", f"{TUE}T10:00:00+01:00", 60, 60, "65.00")),
    ),
]

#: Free tickets bill nothing, also for work outside office hours (POLICY.md §5 "nothing on the ticket is billed").
FREE_OUTSIDE_OFFICE_HOURS = [
    (
        "fair-use-evening",
        ticket("functional", "standard", work(f"{TUE}T18:00", 5)),
        price(FREE, "fair_use", line("work", f"{TUE}T18:00:00+01:00", 5, 15, FREE)),
    ),
    (
        "managed-service-evening",
        ticket("managed", "high", work(f"{TUE}T18:00", 30)),
        price(FREE, "managed_service", line("work", f"{TUE}T18:00:00+01:00", 30, 30, FREE)),
    ),
    (
        "critical-sunday",
        ticket("unmanaged", "standard", work(f"{SUN}T10:00", 60), critical=True),
        price(FREE, "critical", line("work", f"{SUN}T10:00:00+01:00", 60, 60, FREE)),
    ),
    (
        "critical-by-phone-at-night",
        ticket("functional", "standard", work(f"{TUE}T23:00", 30), channel="phone", critical=True),
        price(FREE, "critical", line("work", f"{TUE}T23:00:00+01:00", 30, 30, FREE)),
    ),
]


@pytest.fixture(scope="module")
def batch() -> Batch:
    return run_batch("price", CASES + FREE_OUTSIDE_OFFICE_HOURS)


def test_batch_of_good_requests_all_answered(batch: Batch) -> None:
    batch.assert_all_answered()


@pytest.mark.parametrize(("case_id", "expected"), [(c[0], c[2]) for c in CASES], ids=[c[0] for c in CASES])
def test_price(batch: Batch, case_id: str, expected: dict) -> None:
    assert batch.answer(case_id) == expected


@pytest.mark.parametrize(
    ("case_id", "expected"),
    [(c[0], c[2]) for c in FREE_OUTSIDE_OFFICE_HOURS],
    ids=[c[0] for c in FREE_OUTSIDE_OFFICE_HOURS],
)
def test_free_ticket_outside_office_hours_bills_nothing(batch: Batch, case_id: str, expected: dict) -> None:
    assert batch.answer(case_id) == expected


# -- where the request comes from ---------------------------------------------------

PHONE_EXAMPLE = WORKED_EXAMPLES[1][1]
PHONE_EXAMPLE_PRICE = WORKED_EXAMPLES[1][2]


def test_price_from_file(tmp_path: Path) -> None:
    request = tmp_path / "ticket.json"
    request.write_text(json.dumps(PHONE_EXAMPLE, indent=2), encoding="utf-8")
    # stdin holds something else: FILE must be what is read
    result = run("policy", "price", str(request), stdin="not json at all")
    assert single_answer(result) == PHONE_EXAMPLE_PRICE


def test_price_from_stdin_pretty_printed() -> None:
    result = run("policy", "price", stdin=json.dumps(PHONE_EXAMPLE, indent=2) + "\n")
    assert single_answer(result) == PHONE_EXAMPLE_PRICE


def test_price_from_missing_file(tmp_path: Path) -> None:
    result = run("policy", "price", str(tmp_path / "nowhere.json"))
    assert_single_error(result, "input")


def test_price_from_empty_stdin() -> None:
    assert_single_error(run("policy", "price", stdin=""), "input")


# -- bad input in single mode: exit 2, one line on stderr naming the field ------------


@pytest.mark.parametrize(
    ("request_", "field", "says"), [c[1:] for c in BAD_PRICE_REQUESTS], ids=[c[0] for c in BAD_PRICE_REQUESTS]
)
def test_bad_input_single(request_: dict | str, field: str, says: str | None) -> None:
    text = request_ if isinstance(request_, str) else json.dumps(request_)
    assert_single_error(run("policy", "price", stdin=text), field, says)


def test_bad_input_single_from_file(tmp_path: Path) -> None:
    request = tmp_path / "ticket.json"
    request.write_text(json.dumps({**PHONE_EXAMPLE, "entries": [entry("work", "2026-11-24T10:00", 0)]}))
    assert_single_error(run("policy", "price", str(request)), "entries[0].minutes")
