"""Contacts sign in to the portal with their e-mail address and password (Django auth, Argon2 hashes)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend

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
        request checks the contact (a withdrawn right ends access at once)."""
        user = get_user_model().objects.select_related("contact__customer").filter(pk=user_id).first()
        return user if user is not None and self.user_can_authenticate(user) else None
