"""Customers, their contacts with their rights, and their service matrix."""

from __future__ import annotations

from django.db.models import Prefetch
from ninja import Router

from servicedesk.api.auth import READ, WRITE
from servicedesk.api.errors import not_found
from servicedesk.api.routing import get, post
from servicedesk.api.schemas import ContactOut, CustomerOut, Id, MatrixItemOut, RightsIn
from servicedesk.customers.models import Contact, ContactPhone, Customer, ServiceMatrixItem
from servicedesk.customers.services import contact_set_rights

router = Router(tags=["customers"])


def _customer(customer_id: int) -> Customer:
    customer = Customer.objects.filter(pk=customer_id).first()
    if customer is None:
        raise not_found()
    return customer


def _contacts():
    return Contact.objects.prefetch_related(Prefetch("phones", queryset=ContactPhone.objects.order_by("id")))


def _contact(customer_id: int, contact_id: int) -> Contact:
    """The contact, only under its own customer: another customer's contact is not found here."""
    contact = _contacts().filter(pk=contact_id, customer_id=customer_id).first()
    if contact is None:
        raise not_found()
    return contact


@get(router, "/customers", ok=list[CustomerOut], auth=READ)
def customer_list(request):
    return list(Customer.objects.order_by("name", "id"))


@get(router, "/customers/{customer_id}", ok=CustomerOut, auth=READ)
def customer_read(request, customer_id: Id):
    return _customer(customer_id)


@get(router, "/customers/{customer_id}/contacts", ok=list[ContactOut], auth=READ)
def contact_list(request, customer_id: Id):
    customer = _customer(customer_id)
    return list(_contacts().filter(customer=customer).order_by("name", "id"))


@get(router, "/customers/{customer_id}/contacts/{contact_id}", ok=ContactOut, auth=READ)
def contact_read(request, customer_id: Id, contact_id: Id):
    return _contact(customer_id, contact_id)


@post(router, "/customers/{customer_id}/contacts/{contact_id}/rights", ok=ContactOut, auth=WRITE)
def contact_rights(request, payload: RightsIn, customer_id: Id, contact_id: Id):
    """Grant or withdraw rights (each change recorded with the reason); a right left out is kept."""
    contact = _contact(customer_id, contact_id)
    contact_set_rights(
        contact=contact,
        actor=request.user,
        reason=payload.reason,
        may_report=payload.may_report,
        may_raise_priority=payload.may_raise_priority,
        sees_all_tickets=payload.sees_all_tickets,
    )
    return _contact(customer_id, contact_id)


@get(router, "/customers/{customer_id}/services", ok=list[MatrixItemOut], auth=READ)
def matrix(request, customer_id: Id):
    """The customer's service matrix (inactive items too, marked)."""
    customer = _customer(customer_id)
    return list(ServiceMatrixItem.objects.filter(customer=customer).order_by("name", "id"))
