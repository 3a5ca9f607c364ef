"""Contracts are tested on a customer with two services, its main contact, and an agent who sells."""

from __future__ import annotations

from datetime import date

import pytest

from servicedesk.contracts import services
from servicedesk.customers.services import matrix_item_add
from tests import factories
from tests.helpers import on_day as at


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
    return matrix_item_add(customer=customer, name="Werkplekken", description="Beheerde laptops.", actor=agent)


@pytest.fixture
def contract(customer, agent):
    return services.contract_create(
        customer=customer,
        name="Beheer 2027",
        billing_period="month",
        start=date(2027, 1, 1),
        actor=agent,
        now=at(date(2026, 12, 1)),
    )
