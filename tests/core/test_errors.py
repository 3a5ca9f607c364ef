"""Odd input gets a clear 4xx, and an unexpected server error is logged with its traceback, DEBUG or not."""

from __future__ import annotations

import logging

import pytest
from django.test import Client

from servicedesk.tickets.services import report_refuse
from tests import factories
from tests.helpers import portal_signed_in


@pytest.mark.django_db
def test_an_unexpected_error_is_logged_with_its_traceback(monkeypatch, caplog):
    def broken():
        raise RuntimeError("the policy file vanished")

    monkeypatch.setattr("servicedesk.core.views.current_policy", broken)
    with caplog.at_level(logging.ERROR, logger="django.request"):
        response = Client(raise_request_exception=False).get("/")
    assert response.status_code == 500
    [record] = [r for r in caplog.records if r.name == "django.request"]
    assert record.exc_info is not None and "the policy file vanished" in str(record.exc_info[1])
    handlers = logging.getLogger("django.request").handlers
    assert any(isinstance(h, logging.StreamHandler) and not h.filters for h in handlers)  # not only with DEBUG


@pytest.fixture
def desk(client):
    client.force_login(factories.agent("anouk"))
    return client


@pytest.mark.django_db
@pytest.mark.parametrize("odd", ["²", "9" * 400, "-1", "0", "12abc", "\uff11\uff12"])
def test_odd_numbers_in_the_desks_lists_and_forms_are_no_server_errors(desk, odd):
    assert desk.get("/desk/queue/open/", {"customer": odd}).status_code == 200
    assert desk.get("/desk/queue/open/", {"q": odd}).status_code == 200
    assert desk.get("/desk/queue/open/", {"q": f"#{odd}"}).status_code == 200
    assert desk.get("/desk/queue/open/", {"after": f"2026-12-01T10:00:00+00:00|{odd}"}).status_code == 200
    refused = report_refuse(channel="email", sender="x@y.example", reason="unknown_sender", contact=None)
    assert desk.post(f"/desk/refused/{refused.pk}/accept/", {"contact": odd}).status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("odd", ["²", "9" * 400, "#²", "#" + "9" * 400])
def test_odd_numbers_in_the_portals_list_are_no_server_errors(client, odd):
    anja = factories.contact(factories.customer(), "Anja", main=True, email="anja@korrel.example")
    portal_signed_in(client, anja, factories.agent("anouk"))
    assert client.get("/portal/", {"q": odd}).status_code == 200
    assert client.get("/portal/", {"after": f"2026-12-01T10:00:00+00:00|{odd}"}).status_code == 200
