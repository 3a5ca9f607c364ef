from django.apps import AppConfig


class OutboxConfig(AppConfig):
    name = "servicedesk.outbox"
    label = "outbox"
    verbose_name = "Uitgaande berichten"
