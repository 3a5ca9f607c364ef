from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    name = "servicedesk.api"
    label = "api"
    verbose_name = _("API")

    def ready(self) -> None:
        from servicedesk.api.webhook_objects import register_webhook_objects

        register_webhook_objects()
