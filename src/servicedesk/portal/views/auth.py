"""Signing contacts in and out; choosing a password through an invitation or reset link."""

from __future__ import annotations

from django.conf import settings
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
    Limit,
    account_limit,
    address_limit,
    blocked_message,
    client_address,
    try_reserve,
    try_succeeded,
)
from servicedesk.customers.models import Contact
from servicedesk.customers.selectors import contacts_by_email
from servicedesk.portal.access import PORTAL_SIGNED_IN, request_contact
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


def portal_account(email: str) -> str:
    """What a typed address counts under: the account of the contact with that address (shared with the desk's
    sign-in), or the address itself when it has none."""
    email = email.strip().lower()
    user_id = contacts_by_email(email).exclude(user=None).values_list("user_id", flat=True).first() if email else None
    return f"user:{user_id}" if user_id is not None else f"email:{email}"


def portal_login(request):
    if may_use_portal(request_contact(request)):
        return redirect(_next(request))
    form = LoginForm(request.POST or None)
    if request.method == "POST":
        limits = (account_limit(portal_account(request.POST.get("email", ""))), address_limit(client_address(request)))
        until = try_reserve(*limits)
        if until is not None:
            messages.error(request, blocked_message(until))
        elif form.is_valid():
            user = authenticate(request, email=form.cleaned_data["email"], password=form.cleaned_data["password"])
            if user is not None:
                try_succeeded(*limits)
                if SecondFactor.objects.filter(user=user).exists():
                    awaiting_code(request, PENDING, user, _next(request))
                    return redirect("portal:login_code")
                return _signed_in(request, user, _next(request))
            form.add_error(None, _("E-mail address and password do not match, or this address has no portal access."))
    return render(request, "portal/login.html", {"form": form, "next": _next(request)})


PENDING = "portal-pending-second-factor"
PENDING_SECONDS = 300
MAX_CODE_TRIES = 5  # wrong second-factor codes in a window
MAX_RESETS = 5  # password-reset mails asked for from one address in a window


def _signed_in(request, user, target: str):
    login(request, user, backend="servicedesk.portal.auth.ContactBackend")
    request.session[PORTAL_SIGNED_IN] = True  # by this sign-in, the second factor done where there is one
    contact = request_contact(request)
    translation.activate(contact.language)
    response = redirect(target)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        contact.language,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )
    return response


def login_code(request):
    """The second step for contacts who switched on a second factor: a code from their app."""
    return second_factor_step(
        request, pending_key=PENDING, sign_in=_signed_in, login_url="portal:login", template="portal/login_code.html"
    )


def awaiting_code(request, pending_key: str, user, target: str):
    """Remember a sign-in whose password was right and that now waits for the code (for a few minutes)."""
    request.session[pending_key] = {"user": user.pk, "at": timezone.now().timestamp(), "next": target}


def second_factor_step(request, *, pending_key: str, sign_in, login_url: str, template: str):
    """The second step of a sign-in whose password was right (see `awaiting_code`): a current code from the
    user's app, tries counted like passwords; `sign_in(request, user, target)` finishes it. The portal's and the
    desk's sign-in share it."""
    pending = request.session.get(pending_key)
    if not pending or timezone.now().timestamp() - pending["at"] > PENDING_SECONDS:
        request.session.pop(pending_key, None)
        return redirect(login_url)
    user = get_user_model().objects.filter(pk=pending["user"], is_active=True).first()
    if user is None:
        return redirect(login_url)
    form = CodeForm(request.POST or None)
    if request.method == "POST":
        limits = (Limit(f"totp:{user.pk}", MAX_CODE_TRIES), address_limit(client_address(request)))
        until = try_reserve(*limits)
        if until is not None:
            request.session.pop(pending_key, None)
            messages.error(request, _("Too many wrong codes. Sign in again later."))
            return redirect(login_url)
        if form.is_valid() and second_factor_verify(user=user, code=form.cleaned_data["code"]):
            try_succeeded(*limits)
            request.session.pop(pending_key, None)
            return sign_in(request, user, pending["next"])
        form.add_error("code", _("This code is not right (or was used already). Enter the current code of your app."))
    return render(request, template, {"form": form})


@require_POST
def portal_logout(request):
    logout(request)
    return redirect("portal:login")


def forgot(request):
    form = ForgotForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if try_reserve(Limit(f"reset:{client_address(request)}", MAX_RESETS)) is None:
            portal_reset_request(email=form.cleaned_data["email"])
        # The same answer whether or not the address has an account: nothing to learn here.
        messages.success(request, _("If this address has portal access, a mail with a link is on its way."))
        return redirect("portal:login")
    return render(request, "portal/forgot.html", {"form": form})


class SetPasswordView(auth_views.PasswordResetConfirmView):
    """The invitation and reset link: valid once and for PASSWORD_RESET_TIMEOUT. The contact is signed in once
    the password is set (after their second factor, where they have one)."""

    template_name = "portal/set_password.html"
    success_url = reverse_lazy("portal:login")
    post_reset_login = False  # signed in below, by the portal's own sign-in

    def form_valid(self, form):
        response = super().form_valid(form)
        user = form.user
        contact = Contact.objects.filter(user=user).select_related("customer").first()
        if not (user.is_active and may_use_portal(contact)):
            messages.success(self.request, _("Your password is set. Sign in with your e-mail address."))
            return response
        messages.success(self.request, _("Your password is set."))
        target = reverse("portal:tickets")
        if SecondFactor.objects.filter(user=user).exists():
            awaiting_code(self.request, PENDING, user, target)
            return redirect("portal:login_code")
        return _signed_in(self.request, user, target)
