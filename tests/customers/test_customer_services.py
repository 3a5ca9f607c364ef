"""Contacts, their rights and the service matrix: every change is recorded (who, when, old -> new)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from servicedesk.customers import selectors
from servicedesk.customers.models import CustomerChange
from servicedesk.customers.phones import display_phone, normalize_phone
from servicedesk.customers.services import (
    contact_create,
    contact_set_rights,
    contact_update,
    customer_set_main_contact,
    matrix_item_add,
    matrix_item_set_active,
)
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def agent():
    return factories.agent("beheer")


@pytest.fixture
def customer():
    return factories.customer("Tandartspraktijk Zonnig")


def test_the_main_contact_has_both_rights_by_default(customer, agent):
    main = contact_create(customer=customer, name="Anja", email="anja@zonnig.example", main_contact=True, actor=agent)
    other = contact_create(customer=customer, name="Bert", email="bert@zonnig.example", actor=agent)
    customer.refresh_from_db()
    assert customer.main_contact == main
    assert (main.may_report, main.may_raise_priority, main.sees_all_tickets) == (True, True, True)
    assert (other.may_report, other.may_raise_priority, other.sees_all_tickets) == (False, False, False)


def test_rights_changes_are_recorded(customer, agent):
    contact = factories.contact(customer, "Bert")
    changed = contact_set_rights(
        contact=contact, actor=agent, reason="Mail van directie", may_report=True, may_raise_priority=False
    )
    assert changed == ["may_report"]
    record = CustomerChange.objects.get(contact=contact, field="may_report")
    assert (record.actor, record.old_value, record.new_value, record.reason) == (
        agent,
        "nee",
        "ja",
        "Mail van directie",
    )
    assert contact_set_rights(contact=contact, actor=agent, may_report=True) == []


def test_a_new_main_contact_gets_the_rights(customer, agent):
    contact = factories.contact(customer, "Carla")
    customer_set_main_contact(customer=customer, contact=contact, actor=agent)
    contact.refresh_from_db()
    assert contact.may_report and contact.may_raise_priority and contact.sees_all_tickets
    assert CustomerChange.objects.filter(customer=customer, field="main_contact", new_value="Carla").exists()


def test_main_contact_must_belong_to_the_customer(customer, agent):
    other = factories.contact(factories.customer("Ander"), "Dirk")
    with pytest.raises(ValidationError):
        customer_set_main_contact(customer=customer, contact=other, actor=agent)


def test_e_mail_addresses_are_unique_case_insensitively(customer, agent):
    contact_create(customer=customer, name="Eva", email="eva@zonnig.example", actor=agent)
    with pytest.raises(ValidationError) as error:
        contact_create(customer=customer, name="Eva 2", email="EVA@Zonnig.example", actor=agent)
    assert "email" in error.value.message_dict


@pytest.mark.parametrize(
    ("typed", "e164"),
    [
        ("030-7116193", "+31307116193"),
        ("06 12345678", "+31612345678"),
        ("+31 6 1234 5678", "+31612345678"),
        ("0031612345678", "+31612345678"),
        ("+32 2 555 12 12", "+3225551212"),
        ("12", None),
        ("bel me", None),
    ],
)
def test_phone_numbers_are_normalised(typed, e164):
    assert normalize_phone(typed) == e164


def test_phone_display():
    assert display_phone("+31307116193") == "030 711 6193"
    assert display_phone("+3225551212") == "+32 2 555 12 12"


def test_a_bad_phone_number_names_the_field(customer, agent):
    with pytest.raises(ValidationError) as error:
        contact_create(customer=customer, name="Fred", phones=["bel me"], actor=agent)
    assert "phones" in error.value.message_dict


def test_callers_are_found_by_name_e_mail_or_any_notation_of_their_number(customer, agent):
    contact = contact_create(
        customer=customer, name="Gerda Smit", email="gerda@zonnig.example", phones=["06-12345678"], actor=agent
    )
    for query in ("gerda", "SMIT", "gerda@zonnig", "+31612345678", "0612345678", "12345678", "Zonnig"):
        assert list(selectors.caller_search(query)) == [contact], query
    assert selectors.contacts_for_phone("+31 6 12 34 56 78") == [contact]
    assert selectors.contact_for_email("GERDA@zonnig.example") == contact


def test_phone_changes_are_recorded(customer, agent):
    contact = contact_create(customer=customer, name="Hans", phones=["0612345678"], actor=agent)
    contact_update(contact=contact, actor=agent, phones=["0612345678", "030 711 6193"])
    record = CustomerChange.objects.get(field="phones")
    assert (record.old_value, record.new_value) == ("+31612345678", "+31612345678, +31307116193")


def test_matrix_changes_are_recorded(customer, agent):
    item = matrix_item_add(customer=customer, name="Microsoft 365", actor=agent)
    matrix_item_set_active(item=item, active=False, actor=agent)
    assert list(CustomerChange.objects.filter(field="matrix").order_by("id").values_list("old_value", "new_value")) == [
        ("", "Microsoft 365"),
        ("Microsoft 365", ""),
    ]
