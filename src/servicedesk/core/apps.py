"""App configuration of the shared core."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from django_tasks_db.apps import TasksAppConfig


class CoreConfig(AppConfig):
    default = True  # this module holds the task queue's config too
    name = "servicedesk.core"
    label = "core"
    verbose_name = _("Service desk")

    def ready(self) -> None:
        from servicedesk.core import checks  # noqa: F401  (registers the system checks)


class TaskQueueConfig(TasksAppConfig):
    """django-tasks-db's app under a name in the reader's language (its own is English only)."""

    verbose_name = _("Background tasks")
