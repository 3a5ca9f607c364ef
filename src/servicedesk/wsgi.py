"""WSGI entry point for application servers (gunicorn servicedesk.wsgi).

Loaded once before the workers fork (gunicorn's `preload_app`), so the work every worker would do on its first
request is done here, once: the URLconf with every view module it imports, and the policy file.
"""

import contextlib
import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "servicedesk.settings")

application = get_wsgi_application()

from servicedesk.core.policy import current_policy  # noqa: E402 (needs the apps set up above)
from servicedesk.policy import PolicyFileError  # noqa: E402


def _warm_up() -> None:
    get_resolver().url_patterns  # noqa: B018 (imports the views)
    with contextlib.suppress(PolicyFileError):  # reported by `servicedesk check` (E001) and on the first request
        current_policy()


_warm_up()
