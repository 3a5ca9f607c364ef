from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class TicketsConfig(AppConfig):
    name = "servicedesk.tickets"
    label = "tickets"
    verbose_name = _("Tickets")

    def ready(self):
        from servicedesk.tickets.search import ensure_sqlite_triggers

        # After every migrate: SQLite drops a table's triggers when a migration rebuilds it to alter it.
        post_migrate.connect(ensure_sqlite_triggers, sender=self, dispatch_uid="tickets_search_triggers")
