"""How each event's object is shown in a delivery: a function per event type, registered by the app that owns
the representation (the API, in its AppConfig.ready), so that the webhooks app does not import the API.

Functions are registered by dotted path and imported on first delivery: registering must not import the API's
schemas (and its framework) into every process, the mail pipe's one-mail processes among them."""

from __future__ import annotations

from django.utils.module_loading import import_string

# event type -> dotted path of a function of the object's id giving its JSON-ready form, or None when it is gone
_SHOWN: dict[str, str] = {}


def register(event_type: str, show: str) -> None:
    _SHOWN[event_type] = show


def shown(event_type: str, object_id: int) -> dict | None:
    """The object of an event as the API shows it now; None when it no longer exists."""
    return import_string(_SHOWN[event_type])(object_id)


def path_of(event_type: str) -> str:
    return _SHOWN[event_type]


def registered() -> set[str]:
    return set(_SHOWN)
