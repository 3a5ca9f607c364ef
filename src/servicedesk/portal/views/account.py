"""The contact's own account: the optional second factor (an authenticator app)."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from servicedesk.portal.access import contact_required
from servicedesk.portal.forms import CodeForm
from servicedesk.portal.models import SecondFactor
from servicedesk.portal.totp import (
    new_secret,
    provisioning_uri,
    qr_svg,
    second_factor_confirm,
    second_factor_remove,
    second_factor_verify,
)

SETUP = "portal-second-factor-setup"


def second_factor_settings(request, *, account_name: str, done_url: str, session_key: str = SETUP):
    """Switching the second factor on (an authenticator app's first code) or off (a current code), for the
    signed-in user: a redirect once something changed, else the context of the page's section. Shared by the
    portal's account page and the desk's."""
    user = request.user
    enabled = SecondFactor.objects.filter(user=user).exists()
    form = CodeForm(request.POST or None)
    action = request.POST.get("action", "")
    setup_secret = request.session.get(session_key)
    if request.method == "POST":
        if action == "start" and not enabled:
            setup_secret = request.session[session_key] = new_secret()
            form = CodeForm()
        elif action == "confirm" and setup_secret and form.is_valid():
            if second_factor_confirm(user=user, secret=setup_secret, code=form.cleaned_data["code"]):
                request.session.pop(session_key, None)
                messages.success(request, _("Second factor switched on: from now on you sign in with a code too."))
                return redirect(done_url), {}
            form.add_error("code", _("This code is not right. Enter the current code of your app."))
        elif action == "remove" and enabled and form.is_valid():
            if second_factor_verify(user=user, code=form.cleaned_data["code"]):
                second_factor_remove(user=user)
                messages.success(request, _("Second factor switched off."))
                return redirect(done_url), {}
            form.add_error("code", _("This code is not right. Enter the current code of your app."))
    context = {"enabled": enabled, "form": form}
    if setup_secret and not enabled:
        uri = provisioning_uri(setup_secret, account_name)
        context.update({"setup_secret": setup_secret, "qr": mark_safe(qr_svg(uri))})  # SVG made by segno
    return None, context


@contact_required
def account(request):
    done, context = second_factor_settings(
        request, account_name=request.contact.email, done_url=reverse("portal:account")
    )
    return done or render(request, "portal/account.html", {**context, "may_remove": True, "active": "account"})
