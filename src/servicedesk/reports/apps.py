from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "servicedesk.reports"
    label = "reports"
    verbose_name = _("Reports")

    def ready(self) -> None:
        from servicedesk.billing.signals import billed_work_changed
        from servicedesk.reports.summary import (
            on_billed_work_changed,
            on_ticket_figures_changed,
            on_ticket_work_changed,
        )
        from servicedesk.tickets.signals import ticket_figures_changed, ticket_work_changed

        ticket_figures_changed.connect(on_ticket_figures_changed, dispatch_uid="reports.ticket_figures")
        ticket_work_changed.connect(on_ticket_work_changed, dispatch_uid="reports.priced_work")
        billed_work_changed.connect(on_billed_work_changed, dispatch_uid="reports.unbilled_work")
