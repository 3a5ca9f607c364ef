"""`servicedesk policy deadline`: response deadlines through the real command (POLICY.md §3, §4, §8)."""

from __future__ import annotations

import pytest
from whatif_cli import Batch, assert_single_error, deadline, deadline_request, run, run_batch, single_answer

# -- single mode: the worked examples of POLICY.md §8, and the contract's highlights --

#: (id, command-line options, the whole expected answer)
SINGLE_CASES = [
    (
        "s8-functional-standard-tuesday",
        ["--type", "functional", "--priority", "standard", "--reported", "2026-11-24T11:00"],
        deadline("functional", "standard", "2026-11-24T11:00:00+01:00", "2026-11-27T11:00:00+01:00", False),
    ),
    (
        "s8-unmanaged-high-friday",
        ["--type", "unmanaged", "--priority", "high", "--reported", "2026-11-27T16:00"],
        deadline("unmanaged", "high", "2026-11-27T16:00:00+01:00", "2026-11-30T16:00:00+01:00", False),
    ),
    (
        "default-channel-is-email-so-direct-on-saturday-follows-office-clock",
        ["--type", "functional", "--priority", "direct", "--reported", "2026-11-28T10:00"],
        deadline("functional", "direct", "2026-11-28T10:00:00+01:00", "2026-11-30T10:00:00+01:00", False),
    ),
    (
        "after-hours-line-direct-saturday-best-effort-one-clock-hour",
        [
            "--type",
            "functional",
            "--priority",
            "direct",
            "--reported",
            "2026-11-28T10:00",
            "--channel",
            "phone_after_hours",
        ],
        deadline("functional", "direct", "2026-11-28T10:00:00+01:00", "2026-11-28T11:00:00+01:00", True),
    ),
    (
        "after-hours-line-direct-in-office-hours-office-clock",
        [
            "--type",
            "functional",
            "--priority",
            "direct",
            "--reported",
            "2026-11-24T16:30",
            "--channel",
            "phone_after_hours",
        ],
        deadline("functional", "direct", "2026-11-24T16:30:00+01:00", "2026-11-25T09:30:00+01:00", False),
    ),
    (
        "managed-standard-is-handled-as-high",
        ["--type", "managed", "--priority", "standard", "--reported", "2026-11-24T10:00"],
        deadline("managed", "high", "2026-11-24T10:00:00+01:00", "2026-11-25T10:00:00+01:00", False),
    ),
    (
        "autumn-repeated-hour-means-first-occurrence",
        ["--type", "functional", "--priority", "standard", "--reported", "2026-10-25T02:30"],
        deadline("functional", "standard", "2026-10-25T02:30:00+02:00", "2026-10-28T17:00:00+01:00", False),
    ),
]


@pytest.mark.parametrize(("options", "expected"), [c[1:] for c in SINGLE_CASES], ids=[c[0] for c in SINGLE_CASES])
def test_single_deadline(options: list[str], expected: dict) -> None:
    assert single_answer(run("policy", "deadline", *options)) == expected


# -- many cases in one batch: the same answers a single run gives --------------------

#: (id, request, the whole expected answer)
CASES = [
    # POLICY.md §8 and §4
    (
        "s8-functional-standard-tuesday",
        deadline_request("functional", "standard", "2026-11-24T11:00"),
        deadline("functional", "standard", "2026-11-24T11:00:00+01:00", "2026-11-27T11:00:00+01:00", False),
    ),
    (
        "s8-unmanaged-high-friday",
        deadline_request("unmanaged", "high", "2026-11-27T16:00"),
        deadline("unmanaged", "high", "2026-11-27T16:00:00+01:00", "2026-11-30T16:00:00+01:00", False),
    ),
    (
        "s4-standard-on-saturday-due-wednesday-17h",
        deadline_request("functional", "standard", "2026-11-28T10:00"),
        deadline("functional", "standard", "2026-11-28T10:00:00+01:00", "2026-12-02T17:00:00+01:00", False),
    ),
    (
        "high-before-office-hours-counts-from-9h",
        deadline_request("functional", "high", "2026-11-24T07:00"),
        deadline("functional", "high", "2026-11-24T07:00:00+01:00", "2026-11-24T17:00:00+01:00", False),
    ),
    (
        "direct-one-office-hour-over-night",
        deadline_request("functional", "direct", "2026-11-24T16:30", "email"),
        deadline("functional", "direct", "2026-11-24T16:30:00+01:00", "2026-11-25T09:30:00+01:00", False),
    ),
    # channels and best effort (§4, §6)
    (
        "channel-left-out-is-email",
        deadline_request("functional", "direct", "2026-11-28T10:00"),
        deadline("functional", "direct", "2026-11-28T10:00:00+01:00", "2026-11-30T10:00:00+01:00", False),
    ),
    (
        "email-direct-saturday-office-clock",
        deadline_request("functional", "direct", "2026-11-28T10:00", "email"),
        deadline("functional", "direct", "2026-11-28T10:00:00+01:00", "2026-11-30T10:00:00+01:00", False),
    ),
    (
        "portal-direct-friday-evening-office-clock",
        deadline_request("unmanaged", "direct", "2026-11-27T18:00", "portal"),
        deadline("unmanaged", "direct", "2026-11-27T18:00:00+01:00", "2026-11-30T10:00:00+01:00", False),
    ),
    (
        "office-phone-direct-saturday-office-clock",
        deadline_request("functional", "direct", "2026-11-28T10:00", "phone"),
        deadline("functional", "direct", "2026-11-28T10:00:00+01:00", "2026-11-30T10:00:00+01:00", False),
    ),
    (
        "after-hours-line-direct-saturday-best-effort",
        deadline_request("functional", "direct", "2026-11-28T10:00", "phone_after_hours"),
        deadline("functional", "direct", "2026-11-28T10:00:00+01:00", "2026-11-28T11:00:00+01:00", True),
    ),
    (
        "after-hours-line-direct-weekday-evening-best-effort",
        deadline_request("managed", "direct", "2026-11-24T20:00", "phone_after_hours"),
        deadline("managed", "direct", "2026-11-24T20:00:00+01:00", "2026-11-24T21:00:00+01:00", True),
    ),
    (
        "after-hours-line-direct-early-morning-best-effort",
        deadline_request("unmanaged", "direct", "2026-11-24T08:30", "phone_after_hours"),
        deadline("unmanaged", "direct", "2026-11-24T08:30:00+01:00", "2026-11-24T09:30:00+01:00", True),
    ),
    (
        "after-hours-line-direct-christmas-best-effort",
        deadline_request("functional", "direct", "2026-12-25T10:00", "phone_after_hours"),
        deadline("functional", "direct", "2026-12-25T10:00:00+01:00", "2026-12-25T11:00:00+01:00", True),
    ),
    (
        "after-hours-line-direct-in-office-hours-office-clock",
        deadline_request("functional", "direct", "2026-11-24T16:30", "phone_after_hours"),
        deadline("functional", "direct", "2026-11-24T16:30:00+01:00", "2026-11-25T09:30:00+01:00", False),
    ),
    (
        "after-hours-line-high-saturday-not-best-effort",
        deadline_request("functional", "high", "2026-11-28T10:00", "phone_after_hours"),
        deadline("functional", "high", "2026-11-28T10:00:00+01:00", "2026-11-30T17:00:00+01:00", False),
    ),
    # effective priority (§3)
    (
        "managed-standard-becomes-high",
        deadline_request("managed", "standard", "2026-11-24T10:00"),
        deadline("managed", "high", "2026-11-24T10:00:00+01:00", "2026-11-25T10:00:00+01:00", False),
    ),
    (
        "managed-high-one-business-day",
        deadline_request("managed", "high", "2026-11-24T10:00"),
        deadline("managed", "high", "2026-11-24T10:00:00+01:00", "2026-11-25T10:00:00+01:00", False),
    ),
    (
        "unmanaged-standard-stays-standard",
        deadline_request("unmanaged", "standard", "2026-11-24T10:00"),
        deadline("unmanaged", "standard", "2026-11-24T10:00:00+01:00", "2026-11-27T10:00:00+01:00", False),
    ),
    # closed days (§4)
    (
        "good-friday-is-a-working-day",
        deadline_request("functional", "high", "2026-04-02T12:00"),
        deadline("functional", "high", "2026-04-02T12:00:00+02:00", "2026-04-03T12:00:00+02:00", False),
    ),
    (
        "easter-monday-is-closed",
        deadline_request("functional", "high", "2026-04-03T12:00"),
        deadline("functional", "high", "2026-04-03T12:00:00+02:00", "2026-04-07T12:00:00+02:00", False),
    ),
    (
        "kings-day-is-closed",
        deadline_request("functional", "high", "2026-04-24T12:00"),
        deadline("functional", "high", "2026-04-24T12:00:00+02:00", "2026-04-28T12:00:00+02:00", False),
    ),
    (
        "christmas-and-boxing-day-closed",
        deadline_request("functional", "standard", "2026-12-23T11:00"),
        deadline("functional", "standard", "2026-12-23T11:00:00+01:00", "2026-12-29T11:00:00+01:00", False),
    ),
    # daylight saving time: input in local time, output offsets on both sides of a change
    (
        "autumn-repeated-hour-first-occurrence",
        deadline_request("functional", "standard", "2026-10-25T02:30"),
        deadline("functional", "standard", "2026-10-25T02:30:00+02:00", "2026-10-28T17:00:00+01:00", False),
    ),
    (
        "autumn-repeated-hour-best-effort-one-real-hour",
        deadline_request("functional", "direct", "2026-10-25T02:30", "phone_after_hours"),
        deadline("functional", "direct", "2026-10-25T02:30:00+02:00", "2026-10-25T02:30:00+01:00", True),
    ),
    (
        "autumn-second-occurrence-given-with-offset",
        deadline_request("functional", "direct", "2026-10-25T02:30+01:00", "phone_after_hours"),
        deadline("functional", "direct", "2026-10-25T02:30:00+01:00", "2026-10-25T03:30:00+01:00", True),
    ),
    (
        "office-clock-across-autumn-change",
        deadline_request("functional", "standard", "2026-10-23T11:00"),
        deadline("functional", "standard", "2026-10-23T11:00:00+02:00", "2026-10-28T11:00:00+01:00", False),
    ),
    (
        "office-clock-across-spring-change",
        deadline_request("functional", "standard", "2026-03-27T11:00"),
        deadline("functional", "standard", "2026-03-27T11:00:00+01:00", "2026-04-01T11:00:00+02:00", False),
    ),
    (
        "spring-best-effort-across-the-gap",
        deadline_request("functional", "direct", "2026-03-29T01:30", "phone_after_hours"),
        deadline("functional", "direct", "2026-03-29T01:30:00+01:00", "2026-03-29T03:30:00+02:00", True),
    ),
    (
        "spring-last-minute-before-the-gap-exists",
        deadline_request("functional", "direct", "2026-03-29T01:59", "phone_after_hours"),
        deadline("functional", "direct", "2026-03-29T01:59:00+01:00", "2026-03-29T03:59:00+02:00", True),
    ),
    (
        "spring-first-minute-after-the-gap-exists",
        deadline_request("functional", "direct", "2026-03-29T03:00", "phone_after_hours"),
        deadline("functional", "direct", "2026-03-29T03:00:00+02:00", "2026-03-29T04:00:00+02:00", True),
    ),
    (
        "summer-time-offset",
        deadline_request("functional", "high", "2026-07-14T10:00"),
        deadline("functional", "high", "2026-07-14T10:00:00+02:00", "2026-07-15T10:00:00+02:00", False),
    ),
    (
        "utc-input-shown-in-local-time",
        deadline_request("functional", "high", "2026-11-24T10:00Z"),
        deadline("functional", "high", "2026-11-24T11:00:00+01:00", "2026-11-25T11:00:00+01:00", False),
    ),
]


@pytest.fixture(scope="module")
def batch() -> Batch:
    return run_batch("deadline", CASES)


def test_batch_of_good_requests_all_answered(batch: Batch) -> None:
    batch.assert_all_answered()


@pytest.mark.parametrize(("case_id", "expected"), [(c[0], c[2]) for c in CASES], ids=[c[0] for c in CASES])
def test_deadline(batch: Batch, case_id: str, expected: dict) -> None:
    assert batch.answer(case_id) == expected


# -- bad input in single mode: exit 2, one line on stderr naming the field -----------

BASE = {"--type": "functional", "--priority": "high", "--reported": "2026-11-24T10:00"}


def _options(**changes: str | None) -> list[str]:
    """Command-line options from BASE; a value of None leaves that option out."""
    values = dict(BASE)
    for key, value in changes.items():
        values[f"--{key}"] = value
    return [part for flag, value in values.items() if value is not None for part in (flag, value)]


#: (id, command-line options, field named, text the message must contain)
BAD_OPTIONS = [
    ("unknown-type", _options(type="hardware"), "support_type", None),
    ("unknown-priority", _options(priority="urgent"), "priority", None),
    ("unknown-channel", _options(channel="fax"), "channel", None),
    ("missing-type", _options(type=None), "support_type", "missing"),
    ("missing-priority", _options(priority=None), "priority", "missing"),
    ("missing-reported", _options(reported=None), "reported", "missing"),
    ("reported-malformed", _options(reported="yesterday"), "reported", None),
    ("reported-date-only", _options(reported="2026-11-24"), "reported", None),
    ("reported-empty", _options(reported=""), "reported", None),
    ("reported-in-spring-forward-gap", _options(reported="2026-03-29T02:30"), "reported", "does not exist"),
    ("reported-at-start-of-spring-forward-gap", _options(reported="2026-03-29T02:00"), "reported", "does not exist"),
    ("reported-at-end-of-spring-forward-gap", _options(reported="2026-03-29T02:59"), "reported", "does not exist"),
    ("newline-in-type-still-one-line", _options(type="functional\nstandard"), "support_type", None),
]


@pytest.mark.parametrize(("options", "field", "says"), [c[1:] for c in BAD_OPTIONS], ids=[c[0] for c in BAD_OPTIONS])
def test_bad_input_single(options: list[str], field: str, says: str | None) -> None:
    assert_single_error(run("policy", "deadline", *options), field, says)
