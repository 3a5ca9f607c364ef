"""The desk's webhook pages: agents with the admin role only; a new webhook's secret shown once; bad input
refused at its field; pause, enable, delete; the delivery log with its query count pinned."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from servicedesk.tickets import services
from servicedesk.webhooks.delivery import deliver_due
from servicedesk.webhooks.models import WebhookDelivery, WebhookSubscription, WebhookSubscriptionEvent
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in(client, admin):
    client.force_login(admin)
    return client


def test_other_agents_do_not_see_the_webhook_pages(client, subscribed):
    subscription, _secret = subscribed
    client.force_login(factories.agent("anouk"))
    assert client.get("/desk/webhooks/").status_code == 404
    assert client.get(f"/desk/webhooks/{subscription.pk}/").status_code == 404
    assert client.post(f"/desk/webhooks/{subscription.pk}/delete/").status_code == 404
    assert "/desk/webhooks/" not in client.get("/desk/").content.decode()
    assert WebhookSubscription.objects.get().deleted_at is None


def test_a_webhook_made_on_the_page_shows_its_secret_once(signed_in, receiver):
    page = signed_in.get("/desk/webhooks/").content.decode()
    assert "ticket.created" in page
    response = signed_in.post("/desk/webhooks/", {"url": receiver.url, "events": ["ticket.created", "ticket.breached"]})
    subscription = WebhookSubscription.objects.get()
    assert response.status_code == 302 and response.url == f"/desk/webhooks/{subscription.pk}/"
    assert subscription.event_list == ["ticket.created", "ticket.breached"]
    shown = signed_in.get(response.url).content.decode()
    assert subscription.secret in shown
    assert subscription.secret not in signed_in.get(response.url).content.decode()
    assert subscription.trail.get().kind == WebhookSubscriptionEvent.Kind.CREATED


@pytest.mark.parametrize(
    "url",
    ["ftp://hooks.example/x", "file:///etc/passwd", "javascript:alert(1)", "hooks.example", "http://127.0.0.1:8000/"],
)
def test_only_http_urls_elsewhere_are_accepted(signed_in, url, settings):
    settings.SERVICEDESK_BASE_URL = "http://127.0.0.1:8000"
    response = signed_in.post("/desk/webhooks/", {"url": url, "events": ["ticket.created"]})
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert list(errors) == ["url"]
    assert not WebhookSubscription.objects.exists()


def test_a_webhook_without_events_is_refused_at_its_field(signed_in, receiver):
    response = signed_in.post("/desk/webhooks/", {"url": receiver.url})
    assert response.status_code == 400 and list(response.context["form"].errors) == ["events"]


def test_pause_enable_and_delete(signed_in, subscribed, anja):
    subscription, _secret = subscribed
    base = f"/desk/webhooks/{subscription.pk}/"
    assert signed_in.post(base + "pause/").status_code == 302
    services.ticket_create(reporter=anja, subject="Scherm zwart", body="Zwart.", channel="email")
    assert deliver_due().delivered == 0
    assert 'id="webhook-state">Gepauzeerd' in signed_in.get(base, headers={"Accept-Language": "nl"}).content.decode()
    signed_in.post(base + "enable/")
    assert deliver_due().delivered == 1
    signed_in.post(base + "delete/")
    subscription.refresh_from_db()
    assert subscription.deleted_at is not None
    assert signed_in.get(base).status_code == 404
    assert [e.kind for e in subscription.trail.all()] == ["created", "paused", "enabled", "deleted"]


def test_the_delivery_log_shows_each_delivery_in_a_pinned_number_of_queries(signed_in, subscribed, anja, receiver):
    subscription, _secret = subscribed
    receiver.answers = [500]
    for n in range(3):
        services.ticket_create(reporter=anja, subject=f"Melding {n}", body="Tekst.", channel="email")
    deliver_due()
    url = f"/desk/webhooks/{subscription.pk}/"
    signed_in.get(url)  # warm the navigation's caches
    with CaptureQueriesContext(connection) as queries:
        page = signed_in.get(url).content.decode()
    # The session, the user, the admin role's permissions (user's, groups'), the subscription, the log's page.
    assert len(queries) == 6, [q["sql"][:90] for q in queries]
    failed = WebhookDelivery.objects.get(response_code=500)
    row = re.search(rf'<tr id="delivery-{failed.pk}">(.*?)</tr>', page, re.S).group(1)
    assert "HTTP 500" in row and ">500<" in row and ">1<" in row
    assert page.count('<tr id="delivery-') == 3

    for n in range(60):
        services.ticket_create(reporter=anja, subject=f"Meer {n}", body="Tekst.", channel="email")
    with CaptureQueriesContext(connection) as queries:
        page = signed_in.get(url).content.decode()
    assert len(queries) == 6
    assert page.count('<tr id="delivery-') == 50
    older = re.search(r'href="\?before=(\d+)"', page).group(1)
    assert signed_in.get(url, {"before": older}).content.decode().count('<tr id="delivery-') == 13


def test_the_list_shows_what_waits_in_a_pinned_number_of_queries(signed_in, subscribed, admin, receiver, anja):
    from servicedesk.webhooks.services import subscription_create

    subscription_create(owner=admin, url=receiver.url + "/b", events=["ticket.updated"])
    services.ticket_create(reporter=anja, subject="Melding", body="Tekst.", channel="email")
    signed_in.get("/desk/webhooks/")
    with CaptureQueriesContext(connection) as queries:
        page = signed_in.get("/desk/webhooks/").content.decode()
    # The session, the user, the admin role's permissions (user's, groups'), the subscriptions with their counts.
    assert len(queries) == 5, [q["sql"][:90] for q in queries]
    assert page.count('<tr id="webhook-') == 2
