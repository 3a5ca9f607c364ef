"""The agent's own account: a second factor (an authenticator app), optional or required by the settings."""

from __future__ import annotations

from django.conf import settings
from django.shortcuts import redirect, render
from django.urls import reverse

from servicedesk.desk.access import SECOND_FACTOR_DONE, agent_required
from servicedesk.portal.models import SecondFactor
from servicedesk.portal.views.account import second_factor_settings

SETUP = "desk-second-factor-setup"


@agent_required(second_factor=False)
def account(request):
    required = settings.SERVICEDESK_AGENT_SECOND_FACTOR == "required"
    if required and request.POST.get("action") == "remove":
        return redirect("desk:account")  # not switched off while the settings require it
    done, context = second_factor_settings(
        request, account_name=request.user.get_username(), done_url=reverse("desk:home"), session_key=SETUP
    )
    if done is not None:
        # Switched on here, with a code: this session has shown the second factor.
        request.session[SECOND_FACTOR_DONE] = SecondFactor.objects.filter(user=request.user).exists()
        return done
    return render(
        request, "desk/account.html", {**context, "required": required, "may_remove": not required, "active": "account"}
    )
