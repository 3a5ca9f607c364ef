"""App configuration of the shared core."""

from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "servicedesk.core"
    label = "core"
    verbose_name = "Servicedesk"

    def ready(self) -> None:
        from servicedesk.core import checks  # noqa: F401  (registers the system checks)
