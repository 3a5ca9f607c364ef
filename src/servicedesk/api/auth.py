"""Who calls: a personal API token (Authorization: Bearer), acting as its agent within its scopes."""

from __future__ import annotations

from django.utils.translation import gettext as _
from ninja.security import HttpBearer

from servicedesk.api.errors import ApiRefusal
from servicedesk.api.models import ApiToken
from servicedesk.api.selectors import token_for_secret
from servicedesk.api.services import token_used
from servicedesk.api.throttle import wait_seconds


class TokenAuth(HttpBearer):
    """A live token of an active agent, with `scope`, within its rate limit; the request then acts as the agent
    (`request.user`) and `request.auth` is the token."""

    openapi_description = "A personal API token, made under *Mijn account* in the desk."

    def __init__(self, scope: str):
        super().__init__()
        self.scope = scope

    def authenticate(self, request, token: str) -> ApiToken | None:
        api_token = token_for_secret(token)
        if api_token is None:
            return None
        wait = wait_seconds(api_token.pk)
        if wait is not None:
            raise ApiRefusal(429, _("Too many requests; try again later."), headers={"Retry-After": str(wait)})
        if self.scope not in api_token.scope_list:
            raise ApiRefusal(403, _("This token lacks the %(scope)s scope.") % {"scope": self.scope})
        token_used(token=api_token)
        request.user = api_token.agent
        return api_token


READ = TokenAuth(ApiToken.Scope.READ)
WRITE = TokenAuth(ApiToken.Scope.WRITE)
BILLING = TokenAuth(ApiToken.Scope.BILLING)
ALERTS = TokenAuth(ApiToken.Scope.ALERTS)
