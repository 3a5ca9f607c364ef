"""The list's rows and filter options are kept per process (portal/ticket_list.py): what is kept is what would be
made afresh, in every language and time zone, and a changed ticket or policy gets a new row."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone, translation

from servicedesk.core.policy import current_policy
from servicedesk.core.templatetags.policy_labels import euro
from servicedesk.policy import Priority, SupportType
from servicedesk.portal import selectors, ticket_list
from servicedesk.tickets import services
from servicedesk.tickets.models import Ticket
from tests import factories

pytestmark = pytest.mark.django_db
AMS = ZoneInfo("Europe/Amsterdam")


@pytest.fixture
def rows():
    customer = factories.customer()
    anja = factories.contact(customer, "Anja <de> Vries", main=True, email="anja@korrel.example")
    start = datetime(2026, 11, 27, 16, 30, tzinfo=AMS)  # Friday afternoon: deadlines next week
    for n, (support_type, priority) in enumerate(
        [("functional", "standard"), ("unmanaged", "high"), ("functional", "direct"), ("unmanaged", "standard")]
    ):
        services.ticket_create(
            reporter=anja,
            subject=f"Printer & <scherm> {n}",
            body="",
            channel="portal",
            support_type=support_type,
            priority=priority,
            now=start + timedelta(minutes=n),
        )
    return anja, selectors.ticket_list(anja)[0]


def fresh(rows, *, with_reporter=True) -> str:
    ticket_list._kept_rows.clear()
    ticket_list._kept_makers.clear()
    return ticket_list.rows_html(rows, with_reporter=with_reporter)


@pytest.mark.parametrize("language", ["nl", "en"])
@pytest.mark.parametrize("zone", ["Europe/Amsterdam", "America/New_York"])
@pytest.mark.parametrize("with_reporter", [True, False])
def test_kept_rows_are_the_rows_made_afresh(rows, language, zone, with_reporter):
    _anja, page = rows
    with translation.override(language), timezone.override(zone):
        expected = fresh(page, with_reporter=with_reporter)
        assert ticket_list.rows_html(page, with_reporter=with_reporter) == expected  # now from what was kept
    assert "Printer &amp; &lt;scherm&gt; 0" in expected and "<scherm>" not in expected
    assert ("Anja &lt;de&gt; Vries" in expected) is with_reporter


def test_the_language_and_time_zone_of_the_request_choose_the_kept_row(rows):
    _anja, page = rows
    with translation.override("nl"):
        dutch = ticket_list.rows_html(page, with_reporter=True)
    with translation.override("en"):
        english = ticket_list.rows_html(page, with_reporter=True)
    with translation.override("en"), timezone.override("America/New_York"):
        new_york = ticket_list.rows_html(page, with_reporter=True)
    assert len({dutch, english, new_york}) == 3
    assert "nog niet" in dutch and "not yet" in english


def test_a_new_row_among_kept_ones_is_made_as_afresh_in_each_language_and_zone(rows):
    _anja, page = rows
    for language, zone in [("nl", "Europe/Amsterdam"), ("en", "America/New_York"), ("nl", "Europe/Amsterdam")]:
        with translation.override(language), timezone.override(zone):
            ticket_list.rows_html(page[1:], with_reporter=True)  # the older rows kept, and their maker
            with_new_on_top = ticket_list.rows_html(page, with_reporter=True)
            assert with_new_on_top == fresh(page)
    assert len(ticket_list._kept_makers) == 1  # fresh() cleared them; the last request made one


def test_the_links_follow_the_script_prefix(rows):
    from django.urls import set_script_prefix

    _anja, page = rows
    try:
        set_script_prefix("/desk-mirror/")
        prefixed = ticket_list.rows_html(page, with_reporter=True)
    finally:
        set_script_prefix("/")
    plain = ticket_list.rows_html(page, with_reporter=True)
    assert f'href="/desk-mirror/portal/tickets/{page[0]["id"]}/"' in prefixed
    assert f'href="/portal/tickets/{page[0]["id"]}/"' in plain and "desk-mirror" not in plain


@pytest.mark.parametrize("prefix", ["/", "/desk-mirror/"])
def test_ticket_path_is_what_reverse_gives(prefix):
    from django.urls import reverse, set_script_prefix

    try:
        set_script_prefix(prefix)
        for number in (1, 42, 10**9):
            assert ticket_list.ticket_path(number) == reverse("portal:ticket", args=[number])
    finally:
        set_script_prefix("/")


def test_a_changed_ticket_gets_a_new_row(rows):
    anja, page = rows
    before = ticket_list.rows_html(page, with_reporter=True)
    ticket = Ticket.objects.get(pk=page[0]["id"])
    Ticket.objects.filter(pk=ticket.pk).update(
        status=Ticket.Status.WAITING, responded_at=datetime(2026, 11, 30, 9, 5, tzinfo=AMS)
    )
    page = selectors.ticket_list(anja)[0]
    after = ticket_list.rows_html(page, with_reporter=True)
    assert after != before and after == fresh(page)
    assert "30-11 09:05" in after


def test_another_policy_makes_the_rows_afresh(rows, monkeypatch):
    """The rate column comes from the policy: a policy file read anew (another object) is not served old rows."""
    _anja, page = rows
    policy = current_policy()
    original = ticket_list.rows_html(page, with_reporter=True)

    class Dearer:
        def hourly_rate(self, support_type, priority):
            rate = policy.hourly_rate(support_type, priority)
            return None if rate is None else rate + Decimal("1000")

    monkeypatch.setattr(ticket_list, "current_policy", Dearer)
    dearer = ticket_list.rows_html(page, with_reporter=True)
    assert dearer != original and dearer == fresh(page)
    assert euro(Dearer().hourly_rate(SupportType.UNMANAGED, Priority.HIGH)) in dearer


def test_the_kept_rows_are_bounded(rows, monkeypatch):
    _anja, page = rows
    monkeypatch.setattr(ticket_list, "ROWS_KEPT", 3)
    ticket_list._kept_rows.clear()
    html = ticket_list.rows_html(page, with_reporter=True)
    assert len(page) == 4 and len(ticket_list._kept_rows) <= 3
    assert ticket_list.rows_html(page, with_reporter=True) == html


@pytest.mark.parametrize("language", ["nl", "en"])
def test_kept_filter_options_are_the_options_made_afresh(language):
    with translation.override(language):
        statuses = [("open", "Niet gesloten" if language == "nl" else "Not closed")]
        for status, support_type, priority in [("open", "", ""), ("closed", "managed", "direct"), ("all", "", "high")]:
            ticket_list._kept_filters.clear()
            first = ticket_list.filter_options(status, support_type, priority)
            assert ticket_list.filter_options(status, support_type, priority) == first
            assert f'value="{status}" selected' in first[0]
            assert (f'value="{support_type}" selected' in first[1]) and (f'value="{priority}" selected' in first[2])
        assert statuses[0][1] in ticket_list.filter_options("open", "", "")[0]


def test_filter_options_for_a_status_that_does_not_exist_are_not_kept():
    ticket_list._kept_filters.clear()
    options = ticket_list.filter_options("<script>", "", "")
    assert "<script>" not in options[0] and " selected" not in options[0]
    assert ticket_list._kept_filters == {}
