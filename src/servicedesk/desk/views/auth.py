"""Signing agents in and out, with sign-in rate limiting. Only agents (staff users) sign in here."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth import login as auth_login
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm, UsernameField
from django.core.exceptions import ValidationError
from django.shortcuts import redirect

from servicedesk.core.throttle import (
    account_limit,
    address_limit,
    blocked_message,
    client_address,
    try_reserve,
    try_succeeded,
)
from servicedesk.desk.access import SECOND_FACTOR_DONE
from servicedesk.portal.models import SecondFactor
from servicedesk.portal.views.auth import awaiting_code, second_factor_step


class AgentAuthenticationForm(AuthenticationForm):
    """Django's sign-in form for agents only: anyone else (a contact's portal account) is told the name and
    password do not match, as for a wrong password."""

    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        if not user.is_staff:
            raise ValidationError(
                self.error_messages["invalid_login"],
                code="invalid_login",
                params={"username": self.username_field.verbose_name},
            )


def desk_account(typed: str) -> str:
    """What a typed user name counts under: the user it signs in, after the form's normalisation (spaces
    stripped, Unicode NFKC), or the normalised name when it signs in nobody."""
    name = UsernameField().to_python(typed) or ""
    user_id = get_user_model().objects.filter(**{get_user_model().USERNAME_FIELD: name}).values_list("pk", flat=True)
    found = user_id.first()
    return f"user:{found}" if found is not None else f"name:{name.lower()}"


class DeskLoginView(auth_views.LoginView):
    template_name = "desk/login.html"
    authentication_form = AgentAuthenticationForm
    redirect_authenticated_user = True

    def post(self, request, *args, **kwargs):
        self.limits = (
            account_limit(desk_account(request.POST.get("username", ""))),
            address_limit(client_address(request)),
        )
        until = try_reserve(*self.limits)
        if until is not None:
            messages.error(request, blocked_message(until))
            return self.get(request, *args, **kwargs)
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        try_succeeded(*self.limits)
        user = form.get_user()
        if SecondFactor.objects.filter(user=user).exists():
            awaiting_code(self.request, PENDING, user, self.get_success_url())
            return redirect("desk:login_code")
        return super().form_valid(form)

    def get_default_redirect_url(self):
        return self.get_redirect_url() or "/desk/"


class DeskLogoutView(auth_views.LogoutView):
    next_page = "desk:login"


PENDING = "desk-pending-second-factor"


def _signed_in_with_code(request, user, target: str):
    auth_login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    request.session[SECOND_FACTOR_DONE] = True
    return redirect(target)


def login_code(request):
    """The second step for agents with a second factor: a code from their app."""
    return second_factor_step(
        request,
        pending_key=PENDING,
        sign_in=_signed_in_with_code,
        login_url="desk:login",
        template="desk/login_code.html",
    )
