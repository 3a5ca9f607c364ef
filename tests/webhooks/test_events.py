"""Every kind of event queues a delivery in the transaction of its change, for the subscriptions that want it:
rolled back, nothing is queued; without subscriptions, one query and nothing written."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from servicedesk.tickets import services
from servicedesk.tickets.sla import sla_watch
from servicedesk.webhooks.delivery import deliver_due
from servicedesk.webhooks.events import event_record
from servicedesk.webhooks.models import EventType, WebhookDelivery
from servicedesk.webhooks.services import subscription_create

pytestmark = pytest.mark.django_db


def _ticket(reporter, now=None):
    return services.ticket_create(
        reporter=reporter,
        subject="Server plat",
        body="Niets werkt.",
        channel="email",
        support_type="unmanaged",
        now=now,
    )


def _types() -> list[str]:
    return list(WebhookDelivery.objects.order_by("id").values_list("event_type", flat=True))


def test_ticket_message_and_time_events_are_queued_with_their_ticket(subscribed, anja, admin):
    ticket = _ticket(anja)
    services.ticket_add_message(ticket=ticket, contact=anja, body="En nu?")
    entry = services.time_entry_add(
        ticket=ticket, agent=admin, start=timezone.now() - timedelta(hours=1), minutes=30, description="Gekeken"
    )

    assert _types() == [
        "ticket.created",
        "ticket.updated",
        "message.received",
        "ticket.updated",
        "time_entry.created",
    ]
    assert set(WebhookDelivery.objects.values_list("ticket_id", flat=True)) == {ticket.pk}
    assert WebhookDelivery.objects.get(event_type="time_entry.created").object_id == entry.pk


def test_the_time_entry_delivered_is_the_apis(receiver, subscribed, anja, admin):
    import json

    ticket = _ticket(anja)
    entry = services.time_entry_add(
        ticket=ticket, agent=admin, start=timezone.now() - timedelta(hours=1), minutes=30, description="Gekeken"
    )
    deliver_due()
    shown = [json.loads(body)["data"] for _headers, body in receiver.received if b"time_entry.created" in body]
    assert shown[0]["id"] == entry.pk and shown[0]["minutes"] == 30 and shown[0]["billed"] is False


def test_a_refused_report_is_queued_without_a_ticket(subscribed, korrel):
    refused = services.report_refuse(channel="email", sender="vreemde@elders.example", reason="unknown_sender")
    delivery = WebhookDelivery.objects.get()
    assert (delivery.event_type, delivery.object_id, delivery.ticket_id) == ("refused_report.created", refused.pk, None)


def test_the_sla_watch_queues_due_soon_and_breached(subscribed, anja):
    ticket = _ticket(anja, now=timezone.now() - timedelta(days=10))
    WebhookDelivery.objects.all().delete()
    sla_watch()
    assert _types() == ["ticket.breached"]
    assert WebhookDelivery.objects.get().ticket_id == ticket.pk


def test_nothing_is_queued_when_the_change_rolls_back(subscribed, anja):
    with pytest.raises(RuntimeError), transaction.atomic():
        _ticket(anja)
        assert _types() == ["ticket.created"]
        raise RuntimeError("the change fails")
    assert _types() == []


def test_deleted_subscriptions_get_nothing_and_unknown_types_are_refused(subscribed, anja, admin):
    from servicedesk.webhooks.services import subscription_delete

    subscription, _secret = subscribed
    ticket = _ticket(anja)
    subscription_delete(subscription=subscription, actor=admin)
    assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {"cancelled"}
    services.ticket_note(ticket=ticket, actor=admin, body="Intern")
    assert WebhookDelivery.objects.count() == 1
    with pytest.raises(ValueError, match=r"ticket\.exploded"):
        event_record("ticket.exploded", object_id=1, now=timezone.now())


def test_recording_costs_one_query_without_subscribers_and_two_with(receiver, admin, django_assert_num_queries):
    now = timezone.now()
    with django_assert_num_queries(1):
        event_record(EventType.TICKET_UPDATED, object_id=1, ticket_id=1, now=now)
    subscription_create(owner=admin, url=receiver.url, events=["ticket.updated"])
    subscription_create(owner=admin, url=receiver.url + "/2", events=["ticket.updated", "ticket.created"])
    with django_assert_num_queries(2):
        event_record(EventType.TICKET_UPDATED, object_id=1, ticket_id=1, now=now)
    assert WebhookDelivery.objects.count() == 2
    assert len(set(WebhookDelivery.objects.values_list("event_id", flat=True))) == 1  # one event, two deliveries


def test_an_issued_invoice_and_its_credit_note_are_queued(receiver, subscribed, anja, admin):
    import json
    from datetime import date

    from servicedesk.billing.models import Invoice
    from servicedesk.billing.services import billing_run_confirm, billing_run_create, invoice_credit
    from tests import factories

    biller = factories.biller()
    ticket = _ticket(anja, now=timezone.now() - timedelta(days=3))
    services.time_entry_add(ticket=ticket, agent=admin, start=timezone.now() - timedelta(days=3), minutes=60)
    run = billing_run_create(actor=biller, period_start=date(2020, 1, 1), period_end=timezone.localdate())
    billing_run_confirm(run, actor=biller)
    invoice = Invoice.objects.get(status=Invoice.Status.ISSUED)
    credit = invoice_credit(invoice=invoice, actor=biller, reason="Fout")

    issued = WebhookDelivery.objects.filter(event_type="invoice.issued").order_by("id")
    assert list(issued.values_list("object_id", "ticket_id")) == [(invoice.pk, None), (credit.pk, None)]
    deliver_due()
    shown = [json.loads(body)["data"] for _headers, body in receiver.received if b"invoice.issued" in body]
    assert [(s["id"], s["number"], s["credits_id"]) for s in shown] == [
        (invoice.pk, invoice.number, None),
        (credit.pk, credit.number, invoice.pk),
    ]
