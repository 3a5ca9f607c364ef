from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

# How the API shows the object of each webhook event (functions in `webhook_objects`).
WEBHOOK_OBJECTS = {
    "ticket.created": "ticket",
    "ticket.updated": "ticket",
    "ticket.response_due_soon": "ticket",
    "ticket.breached": "ticket",
    "message.received": "message",
    "time_entry.created": "time_entry",
    "invoice.issued": "invoice",
    "refused_report.created": "refused_report",
}


class ApiConfig(AppConfig):
    name = "servicedesk.api"
    label = "api"
    verbose_name = _("API")

    def ready(self) -> None:
        from servicedesk.webhooks import registry

        # By dotted path: importing the functions here would load the API's schemas in every process.
        for event_type, function in WEBHOOK_OBJECTS.items():
            registry.register(event_type, f"servicedesk.api.webhook_objects.{function}")
