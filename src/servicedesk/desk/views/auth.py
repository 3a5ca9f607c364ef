"""Signing agents in and out, with sign-in rate limiting."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import views as auth_views

from servicedesk.core.throttle import (
    blocked_message,
    client_address,
    login_blocked_until,
    login_failed,
    login_succeeded,
)


class DeskLoginView(auth_views.LoginView):
    template_name = "desk/login.html"
    redirect_authenticated_user = True

    def post(self, request, *args, **kwargs):
        username = request.POST.get("username", "")
        until = login_blocked_until(username=username, address=client_address(request))
        if until is not None:
            messages.error(request, blocked_message(until))
            return self.get(request, *args, **kwargs)
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        login_succeeded(username=form.get_user().get_username())
        return super().form_valid(form)

    def form_invalid(self, form):
        login_failed(username=self.request.POST.get("username", ""), address=client_address(self.request))
        return super().form_invalid(form)

    def get_default_redirect_url(self):
        return self.get_redirect_url() or "/desk/"


class DeskLogoutView(auth_views.LogoutView):
    next_page = "desk:login"
