"""The list filters made fast by hand say exactly what Django's own formatting says."""

from __future__ import annotations

from datetime import UTC, datetime

from django.utils import timezone, translation
from django.utils.formats import date_format
from hypothesis import given, settings
from hypothesis import strategies as st

from servicedesk.core.templatetags.policy_labels import local_short

MOMENTS = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC))


@settings(max_examples=300, deadline=None)
@given(moment=MOMENTS, language=st.sampled_from(["nl", "en"]))
def test_local_short_is_date_formats_d_j_n_h_i(moment, language):
    with translation.override(language):
        assert local_short(moment) == date_format(timezone.localtime(moment), "D j-n H:i")


def test_local_short_around_the_change_to_winter_time():
    with translation.override("nl"):
        assert local_short(datetime(2026, 10, 25, 0, 59, tzinfo=UTC)) == "zo 25-10 02:59"  # summer time
        assert local_short(datetime(2026, 10, 25, 1, 0, tzinfo=UTC)) == "zo 25-10 02:00"  # winter time
        assert local_short(None) == ""
