"""Customers, contacts and the service matrix are made and changed in the desk, every change recorded."""

from __future__ import annotations

import pytest

from servicedesk.customers.models import Contact, Customer, ServiceMatrixItem
from tests import factories
from tests.helpers import PORTAL_PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk(client):
    client.force_login(factories.agent("anouk"))
    return client


def test_a_customer_with_contacts_and_services_made_and_changed_in_the_desk(desk):
    response = desk.post(
        "/desk/customers/new/",
        {"name": "Bakkerij De Korrel", "code": "korrel", "city": "Utrecht", "payment_days": "30", "billing_email": ""},
    )
    customer = Customer.objects.get(code="korrel")
    assert response["Location"] == f"/desk/customers/{customer.pk}/" and customer.payment_days == 30
    desk.post(
        f"/desk/customers/{customer.pk}/contacts/new/",
        {
            "name": "Anja",
            "email": "anja@korrel.example",
            "phones": "030-7116193",
            "language": "nl",
            "main_contact": "on",
        },
    )
    anja = Contact.objects.get(email="anja@korrel.example")
    assert anja.may_report and anja.may_raise_priority and anja.sees_all_tickets
    assert customer.changes.filter(contact=anja, field="may_report", new_value="ja").exists()
    desk.post(
        f"/desk/customers/{customer.pk}/contacts/new/",
        {"name": "Bert", "email": "bert@korrel.example", "language": "en", "may_report": "on"},
    )
    bert = Contact.objects.get(name="Bert")
    assert bert.may_report and not bert.may_raise_priority and bert.language == "en"
    desk.post(f"/desk/customers/{customer.pk}/services/new/", {"name": "Back-up", "description": "Dagelijks"})
    backup = ServiceMatrixItem.objects.get(customer=customer)
    desk.post(f"/desk/services/{backup.pk}/edit/", {"name": "Back-up Plus", "description": "", "active": ""})
    backup.refresh_from_db()
    assert (backup.name, backup.active) == ("Back-up Plus", False)
    desk.post(f"/desk/customers/{customer.pk}/edit/", {"name": "Bakkerij De Korrel BV", "payment_days": "14"})
    customer.refresh_from_db()
    assert customer.name == "Bakkerij De Korrel BV" and customer.code == "korrel"
    page = desk.get(f"/desk/customers/{customer.pk}/").content.decode()
    assert (
        "Dienst Back-up heet nu Back-up Plus." in page and "Dienst Back-up Plus uit de dienstenmatrix gehaald." in page
    )


def test_a_deactivated_contact_is_signed_out_of_the_portal_and_the_main_contact_stays(desk, client):
    from django.test import Client

    customer = factories.customer()
    anja = factories.contact(customer, "Anja", main=True, email="anja@korrel.example")
    bert = factories.contact(customer, "Bert", email="bert@korrel.example", may_report=True)
    factories.portal_user(bert, PORTAL_PASSWORD)
    portal = Client()
    assert portal.post("/portal/login/", {"email": bert.email, "password": PORTAL_PASSWORD}).status_code == 302
    assert portal.get("/portal/").status_code == 200
    edit = {"name": "Bert", "email": "bert@korrel.example", "phones": "", "language": "nl", "reason": "Vertrokken"}
    desk.post(f"/desk/contacts/{bert.pk}/edit/", {**edit, "active": ""})
    bert.refresh_from_db()
    assert not bert.active
    assert customer.changes.filter(contact=bert, field="active", reason="Vertrokken").exists()
    assert portal.get("/portal/").status_code == 302  # at the next click
    page = desk.post(f"/desk/contacts/{anja.pk}/edit/", {**edit, "name": "Anja", "email": anja.email, "active": ""})
    assert page.status_code == 200 and "hoofdcontact" in page.content.decode()
    anja.refresh_from_db()
    assert anja.active and anja.name == "Anja"


def test_a_taken_address_is_refused_on_its_field(desk):
    customer = factories.customer()
    factories.contact(customer, "Anja", main=True, email="anja@korrel.example")
    page = desk.post(
        f"/desk/customers/{customer.pk}/contacts/new/",
        {"name": "Kopie", "email": "ANJA@korrel.example", "language": "nl"},
    )
    assert page.status_code == 200 and "Another contact already has this e-mail address." not in page.content.decode()
    assert "Een andere contactpersoon heeft dit e-mailadres al." in page.content.decode()
    assert Contact.objects.count() == 1
