"""Webhooks through the API: the admin role only (404 for other agents), the secret in the creation's answer
once, the services' refusals as JSON at their field, pause/enable/delete, the delivery log in pages."""

from __future__ import annotations

import json

import pytest

from servicedesk.api.services import token_create
from servicedesk.tickets import services
from servicedesk.webhooks.delivery import deliver_due
from servicedesk.webhooks.models import WebhookSubscription
from tests import factories

pytestmark = pytest.mark.django_db


class Api:
    def __init__(self, client, agent):
        _token, secret = token_create(agent=agent, name="hooks", scopes=["read", "write"], actor=agent)
        self.client, self.headers = client, {"Authorization": f"Bearer {secret}"}

    def get(self, path, **params):
        return self.client.get(f"/api/v1{path}", params, headers=self.headers)

    def post(self, path, body=None):
        return self.client.post(
            f"/api/v1{path}", json.dumps(body or {}), content_type="application/json", headers=self.headers
        )


def test_an_admin_subscribes_and_reads_the_log_through_the_api(client, admin, receiver, anja):
    api = Api(client, admin)
    made = api.post("/webhooks", {"url": receiver.url, "events": ["ticket.created"]})
    assert made.status_code == 201, made.content
    body = made.json()
    subscription = WebhookSubscription.objects.get()
    assert body["secret"] == subscription.secret and body["state"] == "active"
    assert body["events"] == ["ticket.created"] and body["owner_id"] == admin.pk
    assert "secret" not in api.get(f"/webhooks/{subscription.pk}").json()
    assert [w["id"] for w in api.get("/webhooks").json()] == [subscription.pk]

    receiver.answers = [500]
    for n in range(3):
        services.ticket_create(reporter=anja, subject=f"Melding {n}", body="Tekst.", channel="email")
    deliver_due()
    first = api.get(f"/webhooks/{subscription.pk}/deliveries", limit=2).json()
    assert [d["status"] for d in first["deliveries"]] == ["delivered", "delivered"]
    last = api.get(f"/webhooks/{subscription.pk}/deliveries", limit=2, cursor=first["next_cursor"]).json()
    assert [(d["status"], d["response_code"], d["attempts"]) for d in last["deliveries"]] == [("pending", 500, 1)]
    assert last["next_cursor"] is None

    assert api.post(f"/webhooks/{subscription.pk}/pause").json()["state"] == "paused"
    assert api.post(f"/webhooks/{subscription.pk}/enable").json()["state"] == "active"
    assert api.post(f"/webhooks/{subscription.pk}/delete").json()["state"] == "deleted"
    assert api.get(f"/webhooks/{subscription.pk}").status_code == 404


def test_bad_input_is_refused_at_its_field(client, admin):
    api = Api(client, admin)
    refused = api.post("/webhooks", {"url": "ftp://hooks.example/x", "events": ["ticket.created"]})
    assert refused.status_code == 400
    assert [e["field"] for e in refused.json()["errors"]] == ["url"]
    assert api.post("/webhooks", {"url": "https://hooks.example/x", "events": []}).status_code == 422
    assert api.post("/webhooks", {"url": "https://hooks.example/x", "events": ["ticket.exploded"]}).status_code == 422
    assert not WebhookSubscription.objects.exists()


def test_other_agents_find_no_webhooks(client, subscribed):
    subscription, _secret = subscribed
    api = Api(client, factories.agent("anouk"))
    assert api.get("/webhooks").status_code == 404
    assert api.get(f"/webhooks/{subscription.pk}/deliveries").status_code == 404
    assert api.post("/webhooks", {"url": "https://hooks.example/x", "events": ["ticket.created"]}).status_code == 404
    assert api.post(f"/webhooks/{subscription.pk}/delete").status_code == 404
    subscription.refresh_from_db()
    assert subscription.deleted_at is None
