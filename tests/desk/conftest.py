"""The desk's pages are tested signed in as an agent, on a ticket of a customer's main contact."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from servicedesk.tickets import services
from tests import factories


@pytest.fixture
def agent():
    return factories.agent("anouk")


@pytest.fixture
def desk(client, agent):
    client.force_login(agent)
    return client


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
