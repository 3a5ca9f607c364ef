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
from servicedesk.customers.services import matrix_item_add
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


@pytest.mark.django_db
@pytest.mark.parametrize("managed", [False, True])
def test_a_creations_answer_is_the_ticket_as_a_read_shows_it_and_reads_nothing_back(client, managed):
    """The answer to POST /tickets is made from the rows the service wrote (`ticket_open`): the same JSON as a read
    of the new ticket a moment later, without reading its messages, events or time back."""
    agent = factories.agent("anouk", first_name="Anouk", last_name="de Vries")
    _token, secret = token_create(agent=agent, name="rmm", scopes=["read", "write"], actor=agent)
    headers = {"Authorization": f"Bearer {secret}"}
    customer = factories.customer()
    contact = factories.contact(customer, "Anja", main=True, may_raise_priority=True)
    body = {"contact_id": contact.pk, "subject": "Server down", "body": "Niets werkt.", "channel": "phone"}
    if managed:
        item = matrix_item_add(customer=customer, name="Server", description="", actor=agent)
        body |= {"matrix_item_id": item.pk, "priority": "high", "critical": True}
    with CaptureQueriesContext(connection) as queries:
        created = client.post("/api/v1/tickets", json.dumps(body), content_type="application/json", headers=headers)
    assert created.status_code == 201, created.content
    read = client.get(f"/api/v1/tickets/{created.json()['id']}", headers=headers)
    assert created.json() == read.json()
    answer = created.json()
    assert [m["author"] for m in answer["messages"]] == ["Anja"] and answer["events"] and answer["events"][0]["id"]
    assert (answer["time_entries"], answer["total"]) == ([], read.json()["total"])
    read_back = [
        q["sql"]
        for q in queries.captured_queries
        for table in ("tickets_message", "tickets_ticketevent", "tickets_timeentry")
        if q["sql"].startswith("SELECT") and f'FROM "{table}"' in q["sql"]
    ]
    assert read_back == []
