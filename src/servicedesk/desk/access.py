"""Who may use the desk: signed-in agents (staff users). Everyone else never sees a desk page."""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.http import Http404


def agent_required(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path(), "desk:login")
        if not (user.is_active and user.is_staff):
            raise Http404  # customers' contacts do not learn the desk exists
        return view(request, *args, **kwargs)

    return wrapper
