"""The Django admin configures customers and contacts; a rights change there is recorded too."""

from __future__ import annotations

import pytest

from servicedesk.customers.models import CustomerChange
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, django_user_model):
    user = django_user_model.objects.create_superuser("admin", "admin@desk.example", "adm1n-secret")
    client.force_login(user)
    return client


@pytest.mark.parametrize(
    "url",
    [
        "/admin/customers/customer/",
        "/admin/customers/contact/",
        "/admin/tickets/ticket/",
        "/admin/tickets/refusedreport/",
        "/admin/customers/customerchange/",
    ],
)
def test_admin_lists_open(admin_client, url):
    assert admin_client.get(url).status_code == 200


def test_rights_changed_in_the_admin_are_recorded(admin_client):
    customer = factories.customer()
    contact = factories.contact(customer, "Bert")
    data = {
        "customer": customer.pk,
        "name": "Bert",
        "email": contact.email,
        "language": "nl",
        "may_report": "on",
        "active": "on",
        "phones-TOTAL_FORMS": "0",
        "phones-INITIAL_FORMS": "0",
        "phones-MIN_NUM_FORMS": "0",
        "phones-MAX_NUM_FORMS": "1000",
    }
    response = admin_client.post(f"/admin/customers/contact/{contact.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    change = CustomerChange.objects.get(contact=contact, field="may_report")
    assert (change.old_value, change.new_value, change.actor.username) == ("nee", "ja", "admin")
