"""Who may use the desk: signed-in agents (staff users). Everyone else never sees a desk page."""

from __future__ import annotations

from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _

SECOND_FACTOR_DONE = "desk-second-factor-done"  # this session's sign-in (or set-up) showed a second factor


def agent_required(view=None, *, second_factor: bool = True):
    """Agents only; where the settings require a second factor, an agent whose session did not show one sets it
    up first (`second_factor=False`: the page where that happens)."""

    def decorate(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            user = request.user
            if not user.is_authenticated:
                return redirect_to_login(request.get_full_path(), "desk:login")
            if not (user.is_active and user.is_staff):
                raise Http404  # customers' contacts do not learn the desk exists
            if (
                second_factor
                and settings.SERVICEDESK_AGENT_SECOND_FACTOR == "required"
                and not request.session.get(SECOND_FACTOR_DONE)
            ):
                messages.warning(request, _("Set up a second factor before you use the desk."))
                return redirect("desk:account")
            return view(request, *args, **kwargs)

        return wrapper

    return decorate(view) if view is not None else decorate
