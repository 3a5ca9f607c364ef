"""Signing contacts in and out; choosing a password through an invitation or reset link."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import authenticate, get_user_model, login, logout
from django.contrib.auth import views as auth_views
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone, translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from servicedesk.core.throttle import (
    blocked_message,
    client_address,
    login_blocked_until,
    login_failed,
    login_succeeded,
)
from servicedesk.portal.access import request_contact
from servicedesk.portal.auth import may_use_portal
from servicedesk.portal.forms import CodeForm, ForgotForm, LoginForm
from servicedesk.portal.models import SecondFactor
from servicedesk.portal.services import portal_reset_request
from servicedesk.portal.totp import second_factor_verify


def _next(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return target
    return reverse("portal:tickets")


def portal_login(request):
    if may_use_portal(request_contact(request)):
        return redirect(_next(request))
    form = LoginForm(request.POST or None)
    if request.method == "POST":
        email = request.POST.get("email", "").strip().lower()
        until = login_blocked_until(username=email, address=client_address(request))
        if until is not None:
            messages.error(request, blocked_message(until))
        elif form.is_valid():
            user = authenticate(request, email=form.cleaned_data["email"], password=form.cleaned_data["password"])
            if user is not None:
                login_succeeded(username=email)
                if SecondFactor.objects.filter(user=user).exists():
                    request.session[PENDING] = {
                        "user": user.pk,
                        "at": timezone.now().timestamp(),
                        "next": _next(request),
                    }
                    return redirect("portal:login_code")
                return _signed_in(request, user, _next(request))
            login_failed(username=email, address=client_address(request))
            form.add_error(None, _("E-mail address and password do not match, or this address has no portal access."))
    return render(request, "portal/login.html", {"form": form, "next": _next(request)})


PENDING = "portal-pending-second-factor"
PENDING_SECONDS = 300


def _signed_in(request, user, target: str):
    login(request, user, backend="servicedesk.portal.auth.ContactBackend")
    contact = request_contact(request)
    translation.activate(contact.language)
    response = redirect(target)
    response.set_cookie("django_language", contact.language, samesite="Lax")
    return response


def login_code(request):
    """The second step for contacts who switched on a second factor: a code from their app."""
    pending = request.session.get(PENDING)
    if not pending or timezone.now().timestamp() - pending["at"] > PENDING_SECONDS:
        request.session.pop(PENDING, None)
        return redirect("portal:login")
    user = get_user_model().objects.filter(pk=pending["user"], is_active=True).first()
    if user is None:
        return redirect("portal:login")
    form = CodeForm(request.POST or None)
    if request.method == "POST":
        key = f"totp:{user.pk}"
        until = login_blocked_until(username=key, address=client_address(request))
        if until is not None:
            request.session.pop(PENDING, None)
            messages.error(request, _("Too many wrong codes. Sign in again later."))
            return redirect("portal:login")
        if form.is_valid() and second_factor_verify(user=user, code=form.cleaned_data["code"]):
            login_succeeded(username=key)
            request.session.pop(PENDING, None)
            return _signed_in(request, user, pending["next"])
        login_failed(username=key, address=client_address(request))
        form.add_error("code", _("This code is not right (or was used already). Enter the current code of your app."))
    return render(request, "portal/login_code.html", {"form": form})


@require_POST
def portal_logout(request):
    logout(request)
    return redirect("portal:login")


def forgot(request):
    form = ForgotForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        address = client_address(request)
        if login_blocked_until(username=f"reset:{address}", address=None) is None:
            login_failed(username=f"reset:{address}", address=None)  # counts toward a per-address limit
            portal_reset_request(email=form.cleaned_data["email"])
        # The same answer whether or not the address has an account: nothing to learn here.
        messages.success(request, _("If this address has portal access, a mail with a link is on its way."))
        return redirect("portal:login")
    return render(request, "portal/forgot.html", {"form": form})


class SetPasswordView(auth_views.PasswordResetConfirmView):
    """The invitation and reset link: valid once and for PASSWORD_RESET_TIMEOUT."""

    template_name = "portal/set_password.html"
    success_url = reverse_lazy("portal:login")
    post_reset_login = False

    def form_valid(self, form):
        response = super().form_valid(form)
        messages.success(self.request, _("Your password is set. Sign in with your e-mail address."))
        return response
