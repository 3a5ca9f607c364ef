"""The API's interactive docs page: Swagger UI from static files, rendered by our template."""

from __future__ import annotations

import json

from django.shortcuts import render
from ninja.openapi.docs import Swagger


class LocalSwagger(Swagger):
    """Swagger UI served from the static files django-ninja ships. Ninja renders them itself only when `ninja` is
    an installed app (else it links a CDN); we leave it out of the apps so that processes which never serve the
    API (the mail pipe's) do not import it. Tokens, not sessions, authenticate the API: no CSRF token."""

    def render_page(self, request, api, **kwargs):
        settings = {**self.settings, "url": self.get_openapi_url(api, kwargs)}
        context = {"swagger_settings": json.dumps(settings, indent=1), "api": api}
        return render(request, "api/docs.html", context)
