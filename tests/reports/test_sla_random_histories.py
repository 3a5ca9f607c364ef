"""Random ticket histories, made through the services with a fake clock (reports on every channel, reclassifications,
critical flags, responses or none, the SLA watch running along): every figure of the SLA report, per every grouping,
equals a recount from the rows."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st

from servicedesk.reports.arithmetic import ReportPeriod
from servicedesk.reports.selectors import SLA_GROUPS, SlaFilters, sla_report
from servicedesk.tickets import services
from servicedesk.tickets.models import Ticket
from servicedesk.tickets.sla import sla_watch
from tests import factories
from tests.reports.recount import recount

AMS = ZoneInfo("Europe/Amsterdam")
START = datetime(2026, 10, 26, 0, 0, tzinfo=AMS)  # a Monday; histories run into November (two months)
PERIOD = ReportPeriod(START.date(), (START + timedelta(days=40)).date())

story = st.fixed_dictionaries(
    {
        "customer": st.integers(0, 1),
        "support_type": st.sampled_from(["managed", "unmanaged", "functional"]),
        "priority": st.sampled_from(["standard", "high", "direct"]),
        "channel": st.sampled_from(["email", "portal", "phone", "phone_after_hours", "phone_after_hours"]),
        "reported": st.integers(0, 30 * 24 * 60),  # minutes after START
        "reclassify": st.none()
        | st.tuples(st.integers(1, 5 * 24 * 60), st.sampled_from(["standard", "high", "direct"]), st.booleans()),
        "respond": st.none() | st.integers(1, 90) | st.integers(1, 6 * 24 * 60),  # within the hour, or any time
    }
)


@pytest.fixture
def people(db):
    agent = factories.agent("anouk")
    contacts = [factories.contact(factories.customer(name), main=True) for name in ("De Korrel", "Smile")]
    return agent, contacts


PLAIN = {"customer": 0, "support_type": "functional", "priority": "standard", "channel": "email", "reported": 0}


def told(**changes) -> dict:
    return {**PLAIN, "reclassify": None, "respond": None, **changes}


# Always among the histories: a best-effort report on a Saturday night answered within the hour, one answered
# late, a breach followed by a raise and an answer before the new deadline, and one still open.
SATURDAY_NIGHT = (5 * 24 + 22) * 60
KNOWN = [
    told(channel="phone_after_hours", support_type="unmanaged", priority="direct", reported=SATURDAY_NIGHT, respond=30),
    told(customer=1, channel="phone_after_hours", priority="direct", reported=SATURDAY_NIGHT + 10, respond=200),
    told(reported=9 * 60, reclassify=(4 * 24 * 60, "high", False), respond=4 * 24 * 60 + 60),
    told(customer=1, support_type="unmanaged", reported=10 * 24 * 60),
]


@example(stories=KNOWN, read_after=40 * 24 * 60)
@settings(
    max_examples=25,
    deadline=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],  # no shrinking: a database example is slow to shrink
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(stories=st.lists(story, min_size=1, max_size=10), read_after=st.integers(0, 40 * 24 * 60))
def test_every_figure_equals_a_recount(people, stories, read_after):
    agent, contacts = people
    now = START + timedelta(minutes=read_after)
    with transaction.atomic():
        events = []  # (moment, order, what to do); the watch runs before every step, as the worker would have
        for n, s in enumerate(stories):
            reported = START + timedelta(minutes=s["reported"])
            events.append((reported, n, "report", s))
            if s["reclassify"]:
                events.append((reported + timedelta(minutes=s["reclassify"][0]), n, "classify", s))
            if s["respond"]:
                events.append((reported + timedelta(minutes=s["respond"]), n, "respond", s))
        tickets = {}
        for moment, n, step, s in sorted(events, key=lambda e: (e[0], e[1], e[2] != "report")):
            if moment > now:
                continue
            sla_watch(now=moment)
            if step == "report":
                tickets[n] = services.ticket_create(
                    reporter=contacts[s["customer"]],
                    subject=f"Melding {n}",
                    body="…",
                    channel=s["channel"],
                    support_type=s["support_type"],
                    priority=s["priority"],
                    actor=agent,
                    now=moment,
                )
            elif step == "classify":
                _, priority, critical = s["reclassify"]
                services.ticket_classify(
                    ticket=tickets[n], actor=agent, reason="Anders", priority=priority, critical=critical, now=moment
                )
            elif tickets[n].responded_at is None:
                tickets[n] = services.ticket_respond(ticket=tickets[n], actor=agent, diagnosis="Gevonden.", now=moment)
        sla_watch(now=now)
        rows = list(Ticket.objects.all())
        for group in SLA_GROUPS:
            expected = recount(rows, group, now)
            report = sla_report(period=PERIOD, group=group, filters=SlaFilters(), now=now)
            assert {row.key for row in report.rows} == set(expected)
            for row in report.rows:
                want = expected[row.key]
                for name in (
                    "tickets",
                    "in_time",
                    "late",
                    "unanswered",
                    "overdue",
                    "best_effort",
                    "best_effort_in_time",
                ):
                    assert getattr(row, name) == want[name], (group, row.key, name)
                assert row.median_response == want.get("median")
                assert row.p90_response == want.get("p90")
            assert report.total.tickets == len(rows)
        transaction.set_rollback(True)
