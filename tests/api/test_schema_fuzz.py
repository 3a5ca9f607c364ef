"""Schemathesis against the live OpenAPI schema: generated requests, valid and not, to every operation with a
token of every scope; no answer is a 500, and every answer matches the schema (status, type, body)."""

from __future__ import annotations

from datetime import timedelta

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.utils import timezone
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from servicedesk.api.services import token_create
from servicedesk.tickets import services
from tests import factories

pytestmark = pytest.mark.django_db

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


@pytest.fixture
def same_connection():
    """Requests keep the test's database connection (inside its transaction), as Django's test client does."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def world(settings, same_connection):
    """A biller with a token of every scope, a customer, its main contact and a ticket with time on it."""
    settings.SERVICEDESK_API_RATE_LIMIT = 100_000
    biller = factories.biller("fatima")
    customer = factories.customer("Bakkerij De Korrel")
    contact = factories.contact(customer, "Anja", main=True)
    ticket = services.ticket_create(reporter=contact, subject="Printer", body="Piept.", channel="email")
    start = timezone.now().replace(second=0, microsecond=0) - timedelta(hours=2)
    services.time_entry_add(ticket=ticket, agent=biller, start=start, minutes=20)
    scopes = ["read", "write", "billing", "alerts"]
    _token, secret = token_create(agent=biller, name="fuzz", scopes=scopes, actor=biller)
    return secret


# The schema as the running site serves it (loading it touches no database).
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())


@schema.parametrize()
@hypothesis_settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_no_500_and_every_answer_matches_the_schema(case, world):
    case.call_and_validate(headers={"Authorization": f"Bearer {world}"}, checks=CHECKS)
