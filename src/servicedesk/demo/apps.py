"""The demo app: it has no models, only the commands that fill a database."""

from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "servicedesk.demo"
    label = "demo"
    verbose_name = "Demo- en testdata"
