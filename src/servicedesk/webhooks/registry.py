"""How each event's object is shown in a delivery: a function per event type, registered by the app that owns
the representation (the API, in its AppConfig.ready), so that the webhooks app does not import the API."""

from __future__ import annotations

from collections.abc import Callable

# event type -> function of the object's id giving its JSON-ready form, or None when the object is gone
_SHOWN: dict[str, Callable[[int], dict | None]] = {}


def register(event_type: str, show: Callable[[int], dict | None]) -> None:
    _SHOWN[event_type] = show


def shown(event_type: str, object_id: int) -> dict | None:
    """The object of an event as the API shows it now; None when it no longer exists."""
    return _SHOWN[event_type](object_id)


def registered() -> set[str]:
    return set(_SHOWN)
