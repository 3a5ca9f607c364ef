"""Who may use the portal: a signed-in contact who may report. Everyone else is sent to the sign-in page."""

from __future__ import annotations

from functools import wraps

from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login

from servicedesk.customers.models import Contact
from servicedesk.portal.auth import may_use_portal

PORTAL_SIGNED_IN = "portal-signed-in"  # set by the portal's own sign-in, after the second factor


def request_contact(request) -> Contact | None:
    """The signed-in contact, if the session was made by the portal's sign-in (not, say, by the desk's)."""
    user = request.user
    if not user.is_authenticated or user.is_staff or not request.session.get(PORTAL_SIGNED_IN):
        return None
    try:
        return user.contact  # read with the user by ContactBackend.get_user; else one query here
    except Contact.DoesNotExist:
        return None


def contact_required(view):
    """Checked on every request: a right withdrawn, or a contact made inactive, ends the session at once."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        contact = request_contact(request)
        if not may_use_portal(contact):
            if request.user.is_authenticated and not request.user.is_staff:
                logout(request)
            return redirect_to_login(request.get_full_path(), "portal:login")
        request.contact = contact
        return view(request, *args, **kwargs)

    return wrapper
