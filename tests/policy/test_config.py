"""The policy file: the shipped one equals POLICY.md, and a broken one names every problem."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

import pytest

from servicedesk.policy import (
    Channel,
    Policy,
    PolicyFileError,
    Priority,
    SupportType,
    load_policy,
    read_policy_file,
)
from tests.policy.helpers import DEFAULT_TEXT, changed, write_policy

RATES = [
    ("managed", "high", None, 8),
    ("managed", "direct", "125.00", 1),
    ("unmanaged", "standard", "65.00", 24),
    ("unmanaged", "high", "85.00", 8),
    ("unmanaged", "direct", "125.00", 1),
    ("functional", "standard", "65.00", 24),
    ("functional", "high", "85.00", 8),
    ("functional", "direct", "125.00", 1),
]


@pytest.mark.parametrize(("support_type", "priority", "rate", "hours"), RATES)
def test_default_policy_has_the_rates_and_response_times_of_policy_md(policy, support_type, priority, rate, hours):
    assert policy.hourly_rate(SupportType(support_type), Priority(priority)) == (rate and Decimal(rate))
    assert policy.response_time(SupportType(support_type), Priority(priority)) == timedelta(hours=hours)


def test_default_policy_priorities(policy: Policy):
    assert policy.effective_priority(SupportType.MANAGED, Priority.STANDARD) is Priority.HIGH
    assert policy.hourly_rate(SupportType.MANAGED, Priority.STANDARD) is None
    assert policy.offered_priorities(SupportType.MANAGED) == (Priority.HIGH, Priority.DIRECT)
    assert policy.lowest_priority(SupportType.MANAGED) is Priority.HIGH
    assert policy.lowest_priority(SupportType.FUNCTIONAL) is Priority.STANDARD
    for support_type in SupportType:
        assert policy.effective_priority(support_type, Priority.STANDARD, critical=True) is Priority.DIRECT


@pytest.mark.parametrize(
    ("support_type", "priority", "raised"),
    [
        ("managed", "standard", False),
        ("managed", "high", False),
        ("managed", "direct", True),
        ("unmanaged", "standard", False),
        ("unmanaged", "high", True),
        ("unmanaged", "direct", True),
        ("functional", "standard", False),
        ("functional", "high", True),
        ("functional", "direct", True),
    ],
)
def test_raised_priorities(policy, support_type, priority, raised):
    assert policy.is_raised(SupportType(support_type), Priority(priority)) is raised


def test_default_policy_billing_settings(policy: Policy):
    config = policy.config
    assert config.vat_percent == Decimal("21")
    assert config.currency == "EUR"
    assert config.unit_minutes == 15
    assert config.max_entry_minutes == 24 * 60
    assert config.fair_use_max_minutes == 5
    assert config.fair_use_channels[SupportType.FUNCTIONAL] == {Channel.EMAIL, Channel.PORTAL}
    assert config.fair_use_channels[SupportType.UNMANAGED] == {Channel.PHONE, Channel.PHONE_AFTER_HOURS}
    assert config.travel_minimum_cents == 3250


def test_closed_days(policy: Policy):
    assert policy.is_closed(date(2026, 4, 6))  # Easter Monday
    assert not policy.is_closed(date(2026, 4, 3))  # Good Friday: a working day
    assert policy.is_closed(date(2025, 5, 5)) and not policy.is_closed(date(2026, 5, 5))  # Liberation Day
    assert policy.calendar.holiday_name(date(2026, 12, 25)) == "Christmas Day"


def test_extra_closed_dates_close_the_office(tmp_path):
    path = write_policy(tmp_path, changed("extra_closed_dates = []", 'extra_closed_dates = ["2026-11-24"]'))
    policy = load_policy(path)
    assert policy.is_closed(date(2026, 11, 24))
    from tests.policy.helpers import at

    deadline = policy.response_deadline(
        support_type=SupportType.FUNCTIONAL, priority=Priority.HIGH, reported=at("2026-11-23 16:00")
    )
    assert deadline.response_due == at("2026-11-25 16:00")
    assert str(policy.band_at(at("2026-11-24 11:00")).minimum_rate) == "125.00"


def test_a_changed_rate_changes_prices(tmp_path):
    path = write_policy(
        tmp_path,
        changed('standard = { response = "24h", rate = "65.00" }', 'standard = { response = "24h", rate = "70.00" }'),
    )
    policy = load_policy(path)
    assert policy.hourly_rate(SupportType.UNMANAGED, Priority.STANDARD) == Decimal("70.00")
    assert policy.hourly_rate(SupportType.FUNCTIONAL, Priority.STANDARD) == Decimal("65.00")


# (change to the default text, the key named, a fragment of the message)
BROKEN = [
    (
        ('time_zone = "Europe/Amsterdam"', 'time_zone = "Europe/Amsterdamm"'),
        "calendar.time_zone",
        "not a known time zone",
    ),
    (('holiday_country = "NL"', 'holiday_country = "XX"'), "calendar.holiday_country", "not a country"),
    (('holiday_country = "NL"', 'holiday_country = "utils"'), "calendar.holiday_country", "not a country"),
    (
        ('holiday_subdivision = ""', 'holiday_subdivision = "Oost"'),
        "calendar.holiday_subdivision",
        "not a subdivision of NL",
    ),
    (
        ('open_holidays = ["Good Friday"]', 'open_holidays = ["Goede Vrijdag"]'),
        "calendar.open_holidays[0]",
        "is not a holiday of NL",
    ),
    (
        ("extra_closed_dates = []", 'extra_closed_dates = ["2026-13-01"]'),
        "calendar.extra_closed_dates[0]",
        "not a date",
    ),
    (('monday = "09:00-17:00"', 'monday = "17:00-09:00"'), "office_hours.monday", "must end after it starts"),
    (('monday = "09:00-17:00"', 'monday = "9-5"'), "office_hours.monday", "not a time range"),
    (('monday = "09:00-17:00"', 'monday = "09:00-25:00"'), "office_hours.monday", "does not exist"),
    (('monday = "09:00-17:00"', 'mondey = "09:00-17:00"'), "office_hours.mondey", "unknown key"),
    (
        ('high = { response = "8h", rate = "85.00" }', 'high = { response = "8h", rate = "85,00" }'),
        "service_levels.unmanaged.high.rate",
        "not an amount",
    ),
    (
        ('high = { response = "8h", rate = "85.00" }', 'high = { response = "8h", rate = "85.001" }'),
        "service_levels.unmanaged.high.rate",
        "at most two decimals",
    ),
    (
        ('high = { response = "8h", rate = "85.00" }', 'high = { response = "eight hours", rate = "85.00" }'),
        "service_levels.unmanaged.high.response",
        "not a duration",
    ),
    (
        ('high = { response = "8h", rate = "85.00" }', 'high = { response = "0h", rate = "85.00" }'),
        "service_levels.unmanaged.high.response",
        "longer than zero",
    ),
    (
        ('high = { response = "8h", rate = "85.00" }', 'high = { rate = "85.00" }'),
        "service_levels.unmanaged.high.response",
        "is missing",
    ),
    (
        ('standard = { instead = "high" }', 'standard = { instead = "urgent" }'),
        "service_levels.managed.standard.instead",
        "not one of",
    ),
    (
        ('standard = { instead = "high" }', 'standard = { instead = "standard" }'),
        "service_levels.managed.standard.instead",
        "not offered",
    ),
    (('priority = "direct"', 'priority = "standard"'), "critical.priority", "not offered for every support type"),
    (('best_effort_target = "1h"', "best_effort_target = 60"), "after_hours.best_effort_target", "must be a string"),
    (('closed_days = "night"', 'closed_days = "weekend"'), "time_bands.closed_days", "not a band"),
    (
        ('saturday = ["07:00-22:00"]', 'saturday = ["07:00-22:00", "21:00-23:00"]'),
        "time_bands.bands.evening.saturday",
        "overlaps",
    ),
    (
        ('monday = ["07:00-09:00", "17:00-22:00"]', 'monday = ["07:00-10:00", "17:00-22:00"]'),
        "office_hours",
        "overlaps",
    ),
    (('minimum_rate = "85.00"', 'minimum_rate = "lots"'), "time_bands.bands.evening.minimum_rate", "not an amount"),
    (('unit = "15m"', 'unit = "0m"'), "billing.unit", "longer than zero"),
    (('vat_percent = "21"', 'vat_percent = "121"'), "billing.vat_percent", "between 0 and 100"),
    (('currency = "EUR"', 'currency = "euro"'), "billing.currency", "three-letter"),
    (('functional = ["email", "portal"]', 'functional = ["email", "fax"]'), "fair_use.functional[1]", "not one of"),
    (('rate_factor = "0.5"', 'rate_factor = "-1"'), "travel.rate_factor", "more than 0"),
    (('minimum = "32.50"', 'minimum = "€32,50"'), "travel.minimum", "not an amount"),
    (("[travel]", "[travels]"), "travels", "unknown key"),
]


@pytest.mark.parametrize(("change", "key", "fragment"), BROKEN, ids=[b[1] + ":" + b[2] for b in BROKEN])
def test_broken_policy_names_file_key_and_problem(tmp_path, change, key, fragment):
    path = write_policy(tmp_path, changed(*change))
    with pytest.raises(PolicyFileError) as raised:
        read_policy_file(path)
    problems = raised.value.problems
    assert any(p.key.startswith(key) and fragment in p.message for p in problems), [str(p) for p in problems]
    assert all(p.file == str(path) for p in problems)
    assert str(problems[0]).startswith(f"{path}: ")


def test_every_problem_is_named_at_once(tmp_path):
    text = changed('currency = "EUR"', 'currency = "euro"')
    text = text.replace('minimum = "32.50"', 'minimum = "x"').replace('unit = "15m"', 'unit = "soon"')
    with pytest.raises(PolicyFileError) as raised:
        read_policy_file(write_policy(tmp_path, text))
    assert sorted(p.key for p in raised.value.problems) == ["billing.currency", "billing.unit", "travel.minimum"]


def test_missing_section(tmp_path):
    text = DEFAULT_TEXT.split("[travel]")[0]
    with pytest.raises(PolicyFileError) as raised:
        read_policy_file(write_policy(tmp_path, text))
    assert [p.key for p in raised.value.problems] == ["travel"]
    assert raised.value.problems[0].message == "is missing"


def test_not_toml(tmp_path):
    with pytest.raises(PolicyFileError) as raised:
        read_policy_file(write_policy(tmp_path, "[calendar\n"))
    assert "not valid TOML" in str(raised.value)


def test_missing_file(tmp_path):
    with pytest.raises(PolicyFileError) as raised:
        read_policy_file(tmp_path / "nope.toml")
    assert "cannot be read" in str(raised.value)


def test_a_subdivision_of_the_country_is_accepted(tmp_path):
    path = write_policy(tmp_path, changed('holiday_subdivision = ""', 'holiday_subdivision = "Noord"'))
    assert read_policy_file(path).holiday_subdivision == "Noord"


def test_prepaid_and_project_settings_of_the_shipped_policy(policy: Policy):
    prepaid = policy.config.prepaid
    assert (prepaid.validity_months, prepaid.base_rate_cents, prepaid.expiry_notice_days) == (12, 6500, 30)
    assert prepaid.low_share == Fraction(1, 5)
    assert policy.config.projects.budget_warning_shares == (Fraction(4, 5), Fraction(1))


def test_a_policy_file_without_prepaid_or_projects_keeps_the_defaults(tmp_path):
    text = DEFAULT_TEXT.split("# Prepaid hours")[0]
    config = read_policy_file(write_policy(tmp_path, text))
    assert config.prepaid == load_policy().config.prepaid
    assert config.projects == load_policy().config.projects


@pytest.mark.parametrize(
    ("old", "new", "key", "message"),
    [
        ("validity_months = 12", "validity_months = 0", "prepaid.validity_months", "more than 0"),
        ("validity_months = 12", 'validity_months = "12"', "prepaid.validity_months", "whole number"),
        ('base_rate = "65.00"', 'base_rate = "65,00"', "prepaid.base_rate", "not an amount"),
        ('low_percent = "20"', 'low_percent = "120"', "prepaid.low_percent", "at most 100"),
        ("expiry_notice_days = 30", "expiry_notice_days = -1", "prepaid.expiry_notice_days", "0 or more"),
        ("expiry_notice_days = 30", "expiry_notice_day = 30", "prepaid.expiry_notice_day", "unknown key"),
        ('["80", "100"]', '["100", "80"]', "projects.budget_warning_percents", "must go up"),
        ('["80", "100"]', '["80", "x"]', "projects.budget_warning_percents[1]", "not a number"),
    ],
)
def test_bad_prepaid_and_project_settings_name_their_key(tmp_path, old, new, key, message):
    with pytest.raises(PolicyFileError) as raised:
        read_policy_file(write_policy(tmp_path, changed(old, new)))
    named = {p.key: p.message for p in raised.value.problems}
    assert message in named[key]
    assert set(named) <= {key, "prepaid.expiry_notice_days"}  # a misspelt key is also missing


def test_a_support_type_that_offers_no_priority_is_named(tmp_path):
    start, end = DEFAULT_TEXT.index("[service_levels.managed]"), DEFAULT_TEXT.index("[service_levels.unmanaged]")
    text = DEFAULT_TEXT[:start] + "[service_levels.managed]\n\n" + DEFAULT_TEXT[end:]
    with pytest.raises(PolicyFileError) as raised:
        read_policy_file(write_policy(tmp_path, text))
    assert [p.key for p in raised.value.problems] == ["service_levels.managed"]
    assert "at least one priority" in raised.value.problems[0].message
