"""The start-up checks of the webhooks' representations: every event type shown, every path importable."""

from __future__ import annotations

import pytest

from servicedesk.webhooks import checks, registry


@pytest.fixture
def ticket_created_path():
    path = registry.path_of("ticket.created")
    yield path
    registry.register("ticket.created", path)


def test_every_event_type_is_shown_by_an_importable_function():
    assert checks.event_types_shown(None) == []


def test_a_path_that_cannot_be_imported_is_an_error(ticket_created_path):
    registry.register("ticket.created", "servicedesk.api.webhook_objects.no_such_function")
    errors = checks.event_types_shown(None)
    assert [error.id for error in errors] == ["webhooks.E002"]
    assert "ticket.created" in errors[0].msg
