from django.apps import AppConfig
from django.db.models.signals import post_migrate


class CustomersConfig(AppConfig):
    name = "servicedesk.customers"
    label = "customers"
    verbose_name = "Klanten"

    def ready(self):
        from servicedesk.customers.matrix_version import ensure_triggers

        # Once per migrate (sent for every app; this one's alone runs it), after SQLite may have rebuilt the table.
        post_migrate.connect(ensure_triggers, sender=self, dispatch_uid="customers_matrix_version_triggers")
