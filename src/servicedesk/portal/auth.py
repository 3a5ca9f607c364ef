"""Contacts sign in to the portal with their e-mail address and password (Django auth, Argon2 hashes)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.db.models import Exists

from servicedesk.core.prepared import PreparedQuery
from servicedesk.core.sessions import live_session
from servicedesk.core.signed_in import found_user
from servicedesk.customers.models import Contact
from servicedesk.customers.selectors import contacts_by_email


def may_use_portal(contact: Contact | None) -> bool:
    """Only active contacts who may report use the portal; withdrawing the right locks them out at once."""
    return contact is not None and contact.active and contact.may_report and contact.customer_id is not None


class ContactBackend(ModelBackend):
    """Authenticates `email` + `password` against the portal account of the contact with that address."""

    def authenticate(self, request, email: str | None = None, password: str | None = None, **kwargs):
        if not email or password is None:
            return None
        contact = contacts_by_email(email).select_related("user").filter(active=True).first()
        user = contact.user if contact is not None else None
        if user is None or user.is_staff:
            # Run the hasher anyway, so timing does not tell which addresses have an account.
            get_user_model()().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user) and may_use_portal(contact):
            return user
        return None

    def get_user(self, user_id):
        """The signed-in user of a request with their contact and its customer, in one query: every portal
        request checks the contact (a withdrawn right ends access at once). The query is built once
        (core/prepared.py): building it cost more than running it."""
        return found_user(self, _USER_WITH_CONTACT, user_id)

    def get_user_in_session(self, user_id, session_key: str, stored_text: str):
        """`get_user`, found only while the database holds this copy of the session (`core/signed_in.py`)."""
        return found_user(self, _USER_IN_SESSION, user_id, session_key, stored_text)


def _with_contact(pk):
    return get_user_model()._default_manager.select_related("contact__customer").filter(pk=pk).order_by()


_USER_WITH_CONTACT = PreparedQuery(_with_contact)
_USER_IN_SESSION = PreparedQuery(
    lambda pk, key, text: _with_contact(pk).filter(Exists(live_session(key, text))), texts=2
)
