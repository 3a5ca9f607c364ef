"""Monitoring alerts: a new key opens a ticket, repeats join it, resolved closes it when nobody worked on it,
and an alert storm opens no more than its limit of tickets."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from servicedesk.api.alerts import alert_receive
from servicedesk.api.models import MonitoringAlert
from servicedesk.customers.services import matrix_item_add
from servicedesk.outbox.models import OutgoingMessage
from servicedesk.tickets import services
from servicedesk.tickets.models import Message, Ticket
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def rmm(make_api, agent):
    return make_api(agent, scopes=["alerts"])


def _alert(customer, key="disk-c-srv01", **extra):
    return {"customer": customer.code, "severity": "major", "dedupe_key": key, "summary": "Disk C: 95% full", **extra}


def test_a_new_key_opens_a_ticket_without_mailing_the_reporter(rmm, customer, main_contact, agent):
    item = matrix_item_add(customer=customer, name="Fileserver SRV01", actor=agent)
    response = rmm.post("/alerts", _alert(customer, matrix_item_id=item.pk, details="Vrij: 2 GB"))
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["action"] == "opened"
    ticket = Ticket.objects.get(pk=body["ticket_id"])
    assert (ticket.subject, ticket.support_type, ticket.priority) == ("Disk C: 95% full", "managed", "high")
    assert ticket.matrix_item == item and ticket.reporter == main_contact
    assert ticket.messages.get().body == "Vrij: 2 GB"
    assert ticket.events.get(kind="created").actor == agent
    assert not OutgoingMessage.objects.filter(ticket=ticket).exists()


def test_repeats_join_the_ticket_and_another_key_opens_another(rmm, customer, main_contact):
    first = rmm.post("/alerts", _alert(customer)).json()
    again = rmm.post("/alerts", _alert(customer, severity="critical", details="Vrij: 1 GB")).json()
    assert again == {**first, "action": "appended"}
    ticket = Ticket.objects.get(pk=first["ticket_id"])
    assert ticket.messages.filter(kind="note").count() == 1
    assert MonitoringAlert.objects.get().repeats == 1
    other = rmm.post("/alerts", _alert(customer, key="cpu-srv01")).json()
    assert other["action"] == "opened" and other["ticket_id"] != first["ticket_id"]
    assert Ticket.objects.count() == 2


def test_resolved_closes_a_ticket_nobody_worked_on(rmm, customer, main_contact):
    opened = rmm.post("/alerts", _alert(customer)).json()
    rmm.post("/alerts", _alert(customer))  # a repeat: the intake's own note is no one's work
    resolved = rmm.post("/alerts", _alert(customer, state="resolved", summary="Disk C: 60%")).json()
    assert resolved["action"] == "closed"
    ticket = Ticket.objects.get(pk=opened["ticket_id"])
    assert ticket.status == "closed"
    assert "Disk C: 60%" in ticket.messages.filter(kind="note").last().body
    # The key fires again: its old ticket is closed, so a new one opens.
    again = rmm.post("/alerts", _alert(customer)).json()
    assert again["action"] == "opened" and again["ticket_id"] != opened["ticket_id"]


@pytest.mark.parametrize("work", ["assign", "note", "time", "reply"])
def test_resolved_leaves_a_ticket_an_agent_worked_on_open(rmm, customer, main_contact, agent, work):
    opened = rmm.post("/alerts", _alert(customer)).json()
    ticket = Ticket.objects.get(pk=opened["ticket_id"])
    if work == "assign":
        services.ticket_assign(ticket=ticket, actor=agent, assignee=agent)
    elif work == "note":
        services.ticket_note(ticket=ticket, actor=agent, body="Schijf opgeruimd.")
    elif work == "time":
        start = timezone.now().replace(second=0, microsecond=0) - timedelta(minutes=30)
        services.time_entry_add(ticket=ticket, agent=agent, start=start, minutes=15)
    else:
        services.ticket_reply(ticket=ticket, actor=agent, body="We ruimen op.")
    assert rmm.post("/alerts", _alert(customer, state="resolved")).json()["action"] == "resolved"
    ticket.refresh_from_db()
    assert ticket.status != "closed"


def test_resolved_does_not_close_when_the_setting_says_so(settings, rmm, customer, main_contact):
    settings.SERVICEDESK_ALERT_CLOSE_RESOLVED = False
    opened = rmm.post("/alerts", _alert(customer)).json()
    assert rmm.post("/alerts", _alert(customer, state="resolved")).json()["action"] == "resolved"
    assert Ticket.objects.get(pk=opened["ticket_id"]).status != "closed"


def test_resolved_for_an_unknown_key_changes_nothing(rmm, customer, main_contact):
    assert rmm.post("/alerts", _alert(customer, state="resolved")).json() == {
        "action": "ignored",
        "alert_id": None,
        "ticket_id": None,
    }
    assert not Ticket.objects.exists()


def test_an_alert_storm_opens_at_most_the_limit_and_joins_one_storm_ticket(settings, customer, main_contact, agent):
    settings.SERVICEDESK_ALERT_TICKETS_PER_WINDOW = 3
    now = timezone.now()
    outcomes = [
        alert_receive(
            customer=customer, dedupe_key=f"host-{i}", severity="minor", summary=f"Host {i} down", actor=agent, now=now
        )
        for i in range(7)
    ]
    assert [o.action for o in outcomes] == ["opened"] * 3 + ["storm"] * 4
    storm_tickets = {o.alert.ticket_id for o in outcomes[3:]}
    assert len(storm_tickets) == 1
    assert Ticket.objects.count() == 4  # three alerts' tickets and the storm ticket
    storm = Ticket.objects.get(pk=storm_tickets.pop())
    assert storm.messages.filter(kind="note").count() == 4
    # A repeat of a key in the storm joins the storm ticket too.
    repeat = alert_receive(
        customer=customer, dedupe_key="host-5", severity="minor", summary="Host 5 down", actor=agent, now=now
    )
    assert (repeat.action, repeat.alert.ticket_id) == ("appended", storm.pk)
    # Ten minutes on, alerts open tickets of their own again.
    later = alert_receive(
        customer=customer,
        dedupe_key="host-9",
        severity="minor",
        summary="Host 9",
        actor=agent,
        now=now + timedelta(minutes=11),
    )
    assert later.action == "opened"


def test_the_storm_ticket_closes_when_all_its_alerts_are_resolved(settings, customer, main_contact, agent):
    settings.SERVICEDESK_ALERT_TICKETS_PER_WINDOW = 1
    for key in ("a", "b", "c"):
        alert_receive(customer=customer, dedupe_key=key, severity="info", summary=key, actor=agent)
    storm = MonitoringAlert.objects.get(dedupe_key="b").ticket
    assert (
        alert_receive(
            customer=customer, dedupe_key="b", severity="info", summary="b", resolved=True, actor=agent
        ).action
        == "resolved"
    )
    storm.refresh_from_db()
    assert storm.status != "closed"
    assert (
        alert_receive(
            customer=customer, dedupe_key="c", severity="info", summary="c", resolved=True, actor=agent
        ).action
        == "closed"
    )


def test_alerts_need_the_alerts_scope_and_a_known_customer(api, rmm, customer, main_contact):
    assert api.post("/alerts", _alert(customer)).status_code == 403  # read and write, no alerts
    unknown = rmm.post("/alerts", {**_alert(customer), "customer": "nobody"})
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "customer"
    bad = rmm.post("/alerts", _alert(customer, severity="apocalyptic"))
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "severity"
    other = matrix_item_add(customer=factories.customer("Spaak"), name="Router", actor=None)
    foreign = rmm.post("/alerts", _alert(customer, matrix_item_id=other.pk))
    assert foreign.status_code == 422 and foreign.json()["errors"][0]["field"] == "matrix_item_id"
    assert not Ticket.objects.exists()


def test_a_retried_alert_under_its_idempotency_key_is_taken_once(rmm, customer, main_contact):
    key = {"Idempotency-Key": "alert-1"}
    first = rmm.post("/alerts", _alert(customer), headers=key).json()
    assert rmm.post("/alerts", _alert(customer), headers=key).json() == first
    assert MonitoringAlert.objects.get().repeats == 0
    assert not Message.objects.filter(kind="note").exists()


def test_a_ticket_opened_without_acknowledgement_queues_no_notice(customer, main_contact):
    quiet = services.ticket_create(
        reporter=main_contact, subject="Door een machine", body="", channel="email", acknowledge=False
    )
    told = services.ticket_create(reporter=main_contact, subject="Door een mens", body="", channel="email")
    assert not OutgoingMessage.objects.filter(ticket=quiet).exists()
    assert OutgoingMessage.objects.filter(ticket=told, kind="acknowledgement").exists()
