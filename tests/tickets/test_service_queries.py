"""Every ticket service runs a fixed number of queries, however busy the ticket is (no N+1)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from servicedesk.tickets import services
from tests import factories

pytestmark = pytest.mark.django_db


def busy_ticket(contact, agent, size: int):
    ticket = services.ticket_create(
        reporter=contact,
        subject="Druk",
        body="",
        channel="email",
        support_type="unmanaged",
        now=timezone.now() - timedelta(days=1),
    )
    for i in range(size):
        services.ticket_note(ticket=ticket, actor=agent, body=f"n{i}")
        services.time_entry_add(
            ticket=ticket, agent=agent, start=timezone.now() - timedelta(hours=3, minutes=i), minutes=10
        )
    return ticket


CALLS = {
    "classify": lambda t, a: services.ticket_classify(ticket=t, actor=a, reason="r", priority="high"),
    "respond": lambda t, a: services.ticket_respond(ticket=t, actor=a, diagnosis="d"),
    "reply": lambda t, a: services.ticket_reply(ticket=t, actor=a, body="b"),
    "note": lambda t, a: services.ticket_note(ticket=t, actor=a, body="b"),
    "assign": lambda t, a: services.ticket_assign(ticket=t, actor=a, assignee=a),
    "close": lambda t, a: services.ticket_close(ticket=t, actor=a),
    "time_entry_add": lambda t, a: services.time_entry_add(ticket=t, agent=a, start=timezone.now(), minutes=5),
}


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
    # changes: the customer's, agent's, support type's and band's) and the look for webhook subscriptions.
    assert counts[0] <= 20, f"{name}: {counts[0]} queries"
