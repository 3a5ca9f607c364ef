"""Start-up check: every event type has a registered representation (else its deliveries could not be sent)."""

from __future__ import annotations

from django.core.checks import Error, register
from django.utils.module_loading import import_string

from servicedesk.webhooks import registry
from servicedesk.webhooks.models import EventType


@register()
def event_types_shown(app_configs, **kwargs):
    missing = sorted(set(EventType.values) - registry.registered())
    if missing:
        return [
            Error(
                f"webhook event types without a representation: {', '.join(missing)}",
                hint="register one with servicedesk.webhooks.registry.register (the API does, in its ready())",
                id="webhooks.E001",
            )
        ]
    errors = []
    for event_type in sorted(registry.registered()):
        path = registry.path_of(event_type)
        try:
            import_string(path)
        except ImportError as error:
            errors.append(
                Error(f"webhook event type {event_type}: {path} cannot be imported ({error})", id="webhooks.E002")
            )
    return errors
