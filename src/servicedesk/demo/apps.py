"""The demo app: it has no models, only the commands that fill a database."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    name = "servicedesk.demo"
    label = "demo"
    verbose_name = _("Demo and load data")
