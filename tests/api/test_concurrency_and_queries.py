"""The same Idempotency-Key sent twice at once does the work once; lists and reads cost a fixed number of
queries however many rows they show."""

from __future__ import annotations

import json
import threading
from datetime import timedelta

import pytest
from django.db import connection, connections
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from servicedesk.api.services import token_create
from servicedesk.tickets import services
from servicedesk.tickets.models import Ticket
from tests import factories


def at_once(post, *, times: int = 2) -> list:
    """`post(client)` from `times` threads at the same moment, each with its own connection; their answers."""
    start = threading.Barrier(times)
    answers = []

    def send():
        try:
            start.wait()
            answers.append(post(Client()))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=send) for _ in range(times)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return answers


@pytest.mark.django_db(transaction=True)
def test_two_requests_with_one_key_at_once_create_one_ticket():
    agent = factories.agent("anouk")
    contact = factories.contact(factories.customer(), "Anja", main=True)
    _token, secret = token_create(agent=agent, name="rmm", scopes=["write"], actor=agent)
    body = json.dumps({"contact_id": contact.pk, "subject": "Server down", "body": "", "channel": "email"})
    headers = {"Authorization": f"Bearer {secret}", "Idempotency-Key": "once-only"}

    def post(client):
        response = client.post("/api/v1/tickets", body, content_type="application/json", headers=headers)
        return response.status_code, response.json()["id"]

    answers = at_once(post)
    assert Ticket.objects.count() == 1
    assert answers == [(201, Ticket.objects.get().pk)] * 2


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/api/v1/tickets?limit=50", "/api/v1/customers"])
def test_a_list_costs_the_same_queries_for_2_rows_as_for_12(client, path):
    agent = factories.agent("anouk")
    _token, secret = token_create(agent=agent, name="rmm", scopes=["read"], actor=agent)
    headers = {"Authorization": f"Bearer {secret}"}
    counts = []
    for rows in (2, 10):
        for _ in range(rows):
            contact = factories.contact(factories.customer(), main=True)
            services.ticket_create(reporter=contact, subject="Storing", body="", channel="email")
        client.get(path, headers=headers)  # the token's last use is written once a minute, not counted here
        with CaptureQueriesContext(connection) as queries:
            assert client.get(path, headers=headers).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], counts


@pytest.mark.django_db
def test_a_ticket_read_costs_the_same_queries_with_more_messages_and_time(client):
    agent = factories.agent("anouk")
    _token, secret = token_create(agent=agent, name="rmm", scopes=["read"], actor=agent)
    contact = factories.contact(factories.customer(), main=True)
    ticket = services.ticket_create(reporter=contact, subject="Storing", body="", channel="email")
    headers = {"Authorization": f"Bearer {secret}"}
    counts = []
    for more in (1, 6):
        for i in range(more):
            services.ticket_note(ticket=ticket, actor=agent, body=f"Notitie {i}")
            start = timezone.now().replace(second=0, microsecond=0) - timedelta(hours=3, minutes=i)
            services.time_entry_add(ticket=ticket, agent=agent, start=start, minutes=15)
        client.get(f"/api/v1/tickets/{ticket.pk}", headers=headers)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(f"/api/v1/tickets/{ticket.pk}", headers=headers).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], counts


@pytest.mark.django_db(transaction=True)
def test_one_alert_sent_twice_at_once_opens_one_ticket():
    agent = factories.agent("rmm")
    customer = factories.customer()
    factories.contact(customer, "Anja", main=True)
    _token, secret = token_create(agent=agent, name="rmm", scopes=["alerts"], actor=agent)
    body = json.dumps({"customer": customer.code, "severity": "major", "dedupe_key": "srv01-down", "summary": "Down"})
    headers = {"Authorization": f"Bearer {secret}"}  # no Idempotency-Key: the dedupe key alone keeps it one ticket

    def post(client):
        return client.post("/api/v1/alerts", body, content_type="application/json", headers=headers).json()["action"]

    actions = at_once(post)
    assert sorted(actions) == ["appended", "opened"]
    assert Ticket.objects.count() == 1
