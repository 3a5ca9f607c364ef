from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ManualsConfig(AppConfig):
    name = "servicedesk.manuals"
    label = "manuals"
    verbose_name = _("Manuals")
