"""Moments and amounts as the pages show them, in Dutch and English."""

from __future__ import annotations

import zoneinfo
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.utils import translation
from hypothesis import strategies as st

from servicedesk.core.templatetags.policy_labels import cents, euro, local_datetime, local_short

ZONES = [UTC, zoneinfo.ZoneInfo("Europe/Amsterdam"), zoneinfo.ZoneInfo("America/St_Johns")]
MOMENTS = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.sampled_from(ZONES))


def test_local_datetime_in_dutch_and_english():
    moment = datetime(2026, 11, 24, 10, 5, tzinfo=UTC)
    with translation.override("nl"):
        assert local_datetime(moment) == "dinsdag 24 november 2026, 11:05"
    with translation.override("en"):
        assert local_datetime(moment) == "Tuesday 24 November 2026, 11:05"
    assert local_datetime(None) == ""


def test_a_naive_moment_is_refused_as_localtime_refuses_it():
    with pytest.raises(ValueError, match="naive"):
        local_short(datetime(2026, 10, 25, 1, 0))
    with pytest.raises(ValueError, match="naive"):
        local_datetime(datetime(2026, 10, 25, 1, 0))


def test_local_short_around_the_change_to_winter_time():
    with translation.override("nl"):
        assert local_short(datetime(2026, 10, 25, 0, 59, tzinfo=UTC)) == "zo 25-10 02:59"  # summer time
        assert local_short(datetime(2026, 10, 25, 1, 0, tzinfo=UTC)) == "zo 25-10 02:00"  # winter time
        assert local_short(None) == ""


@pytest.mark.parametrize(
    ("language", "amount", "shown"),
    [
        ("nl", Decimal("1234.5"), "€\xa01.234,50"),
        ("en", Decimal("1234.5"), "€\xa01,234.50"),
        ("nl", Decimal("-0.05"), "€\xa0-0,05"),
    ],
)
def test_amounts_in_each_language(language, amount, shown):
    with translation.override(language):
        assert euro(amount) == shown
        assert cents(int(amount * 100)) == shown
    assert euro(None) == cents(None) == ""
