from django.apps import AppConfig


class TicketsConfig(AppConfig):
    name = "servicedesk.tickets"
    label = "tickets"
    verbose_name = "Tickets"
