"""Projects are tested on a customer with a service, a ticket, and an agent who leads."""

from __future__ import annotations

import pytest

from servicedesk.customers.services import matrix_item_add
from servicedesk.projects import services
from servicedesk.tickets import services as ticket_services
from tests import factories


@pytest.fixture
def agent():
    return factories.agent("anouk")


@pytest.fixture
def customer():
    return factories.customer("Bakkerij De Korrel")


@pytest.fixture
def other_customer():
    return factories.customer("Garage Dijkstra")


@pytest.fixture
def main_contact(customer):
    return factories.contact(customer, "Anja de Vries", main=True)


@pytest.fixture
def item(customer, agent):
    return matrix_item_add(customer=customer, name="Microsoft 365", description="Mail en Teams.", actor=agent)


@pytest.fixture
def ticket(main_contact):
    return ticket_services.ticket_create(
        reporter=main_contact, subject="Mailbox verhuizen", body="Graag.", channel="email", support_type="functional"
    )


@pytest.fixture
def project(customer, agent, item):
    return services.project_create(
        customer=customer, name="Migratie naar 365", kind="migration", actor=agent, matrix_items=[item], lead=agent
    )
