"""The API is tested through Django's test client with real tokens, as a script would call it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from servicedesk.api.services import token_create
from servicedesk.tickets import services
from tests import factories


class Api:
    """Django's test client speaking JSON to /api/v1/ with a bearer token."""

    def __init__(self, client, secret: str | None):
        self.client = client
        self.secret = secret

    def _headers(self, headers: dict | None) -> dict:
        made = {"Authorization": f"Bearer {self.secret}"} if self.secret else {}
        return {**made, **(headers or {})}

    def get(self, path: str, headers: dict | None = None, **params):
        return self.client.get(f"/api/v1{path}", params, headers=self._headers(headers))

    def post(self, path: str, body=None, headers: dict | None = None, raw: str | None = None):
        import json

        data = raw if raw is not None else json.dumps(body if body is not None else {})
        return self.client.post(f"/api/v1{path}", data, content_type="application/json", headers=self._headers(headers))


@pytest.fixture
def agent():
    return factories.agent("anouk")


@pytest.fixture
def make_api(client):
    def make(agent, scopes=("read", "write")):
        _token, secret = token_create(agent=agent, name="script", scopes=list(scopes), actor=agent)
        return Api(client, secret)

    return make


@pytest.fixture
def api(make_api, agent):
    """A read and write token of the agent anouk."""
    return make_api(agent)


@pytest.fixture
def customer():
    return factories.customer("Bakkerij De Korrel")


@pytest.fixture
def main_contact(customer):
    return factories.contact(customer, "Anja de Vries", main=True, phones=["030-7116193"])


@pytest.fixture
def ticket(main_contact):
    return services.ticket_create(
        reporter=main_contact,
        subject="Printer doet het niet",
        body="Hij piept.",
        channel="email",
        support_type="unmanaged",
        now=timezone.now() - timedelta(hours=1),
    )
