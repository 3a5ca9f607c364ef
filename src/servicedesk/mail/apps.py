from django.apps import AppConfig


class MailConfig(AppConfig):
    name = "servicedesk.mail"
    label = "mail"
    verbose_name = "E-mail"
