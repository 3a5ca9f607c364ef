"""The list filters made fast by hand say exactly what Django's own formatting says."""

from __future__ import annotations

import zoneinfo
from datetime import UTC, datetime

import pytest
from django.utils import timezone, translation
from django.utils.formats import date_format
from hypothesis import given, settings
from hypothesis import strategies as st

from servicedesk.core.templatetags.policy_labels import local_datetime, local_short, short_local_format

ZONES = [UTC, zoneinfo.ZoneInfo("Europe/Amsterdam"), zoneinfo.ZoneInfo("America/St_Johns")]
MOMENTS = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.sampled_from(ZONES))


@settings(max_examples=300, deadline=None)
@given(moment=MOMENTS, language=st.sampled_from(["nl", "en"]), zone=st.sampled_from(["Europe/Amsterdam", "Asia/Tokyo"]))
def test_local_short_is_date_formats_d_j_n_h_i(moment, language, zone):
    """In the active language and time zone; the formatter made once for a list says the same."""
    with translation.override(language), timezone.override(zone):
        expected = date_format(timezone.localtime(moment), "D j-n H:i")
        assert local_short(moment) == expected
        assert short_local_format()(moment) == expected


@settings(max_examples=300, deadline=None)
@given(moment=MOMENTS, language=st.sampled_from(["nl", "en", None]), zone=st.sampled_from(["Europe/Amsterdam", "UTC"]))
def test_local_datetime_is_date_formats_l_j_f_y_h_i(moment, language, zone):
    """A deadline written out: weekday and month names in the active language (None: translation off)."""
    with translation.override(language), timezone.override(zone):
        assert local_datetime(moment) == date_format(timezone.localtime(moment), "l j F Y, H:i")


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
