"""Webhooks are delivered to a real HTTP receiver on 127.0.0.1, started by the test."""

from __future__ import annotations

import pytest

from servicedesk.webhooks.models import EventType
from servicedesk.webhooks.services import subscription_create
from tests.helpers import WebhookReceiver, webhook_admin


@pytest.fixture
def receiver():
    receiver = WebhookReceiver()
    yield receiver
    receiver.close()


@pytest.fixture
def admin():
    return webhook_admin()


@pytest.fixture
def subscribed(receiver, admin):
    """A subscription of the admin to every event, at the receiver: (subscription, secret)."""
    return subscription_create(owner=admin, url=receiver.url, events=list(EventType.values))
