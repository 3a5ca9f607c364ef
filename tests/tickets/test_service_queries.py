"""Every ticket service runs a fixed number of queries, however busy the ticket is (no N+1)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from servicedesk.tickets import services
from tests import factories

pytestmark = pytest.mark.django_db

# A fixed clock: how many queries a call makes depends on the hour (work in office hours is priced again when
# the priority changes, work at night is not), so a count taken at "now" would change with the time of the run.
REPORTED = datetime(2026, 11, 3, 9, 30, tzinfo=ZoneInfo("Europe/Amsterdam"))  # a Tuesday morning
NOW = REPORTED + timedelta(hours=3)


def busy_ticket(contact, agent, size: int):
    ticket = services.ticket_create(
        reporter=contact,
        subject="Druk",
        body="",
        channel="email",
        support_type="unmanaged",
        now=REPORTED,
    )
    for i in range(size):
        at = REPORTED + timedelta(minutes=30 + i)
        services.ticket_note(ticket=ticket, actor=agent, body=f"n{i}", now=at)
        services.time_entry_add(ticket=ticket, agent=agent, start=at, minutes=10, now=at)
    return ticket


CALLS = {
    "classify": lambda t, a: services.ticket_classify(ticket=t, actor=a, reason="r", priority="high", now=NOW),
    "respond": lambda t, a: services.ticket_respond(ticket=t, actor=a, diagnosis="d", now=NOW),
    "reply": lambda t, a: services.ticket_reply(ticket=t, actor=a, body="b", now=NOW),
    "note": lambda t, a: services.ticket_note(ticket=t, actor=a, body="b", now=NOW),
    "assign": lambda t, a: services.ticket_assign(ticket=t, actor=a, assignee=a, now=NOW),
    "close": lambda t, a: services.ticket_close(ticket=t, actor=a, now=NOW),
    "time_entry_add": lambda t, a: services.time_entry_add(ticket=t, agent=a, start=NOW, minutes=5, now=NOW),
}

EXPECTED = {"assign": 6, "classify": 25, "close": 10, "note": 6, "reply": 10, "respond": 10, "time_entry_add": 19}


@pytest.mark.parametrize("name", sorted(CALLS))
def test_service_query_count_does_not_grow_with_the_ticket(name):
    agent = factories.agent()
    contact = factories.contact(factories.customer(), "Anja", main=True)
    counts = []
    for size in (1, 12):
        ticket = busy_ticket(contact, agent, size)
        with CaptureQueriesContext(connection) as queries:
            CALLS[name](ticket, agent)
        counts.append(len(queries))
    assert counts[0] == counts[1], f"{name}: {counts[0]} queries on a small ticket, {counts[1]} on a busy one"
    # Classifying and adding time are the most: their own, the reports' summary of the ticket (its daily and monthly
    # SLA counts moved: a reclassified ticket leaves one monthly row for another), its work priced again (the priced
    # rows read, deleted and written), the monthly sums moved (the missing rows made, one update for each sum that
    # changes: the customer's, agent's, support type's and band's), the look for webhook subscriptions and, for a
    # new deadline, the notice to the reporter (its mail-loop counts read first).
    assert counts[0] == EXPECTED[name], f"{name}: {counts[0]} queries, {EXPECTED[name]} expected"
