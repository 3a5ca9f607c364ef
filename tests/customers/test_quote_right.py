"""The third contact right, "may approve quotes": the main contact's by default, granted and withdrawn like the
other rights, recorded as a sentence; existing main contacts got it when the right came (customers 0006)."""

from __future__ import annotations

import pytest
from django.utils import translation

from servicedesk.customers.change_text import change_sentence
from servicedesk.customers.models import Contact, CustomerChange
from servicedesk.customers.services import contact_create, contact_set_rights, customer_set_main_contact
from tests import factories
from tests.helpers import latest_migrations, migrate

BEFORE = [("customers", "0005_verbose_names")]
AFTER = [("customers", "0006_contact_may_approve_quotes")]


@pytest.fixture
def agent():
    return factories.agent("beheer")


@pytest.fixture
def customer():
    return factories.customer("Tandartspraktijk Zonnig")


@pytest.mark.django_db
def test_the_main_contact_may_approve_quotes_by_default_others_not(customer, agent):
    main = contact_create(customer=customer, name="Anja", email="anja@zonnig.example", main_contact=True, actor=agent)
    other = contact_create(customer=customer, name="Bert", email="bert@zonnig.example", actor=agent)
    assert main.may_approve_quotes and not other.may_approve_quotes
    assert CustomerChange.objects.filter(contact=main, field="may_approve_quotes", new_value="ja").exists()
    assert not CustomerChange.objects.filter(contact=other, field="may_approve_quotes").exists()


@pytest.mark.django_db
def test_a_main_contact_may_be_made_without_the_right(customer, agent):
    main = contact_create(customer=customer, name="Anja", main_contact=True, may_approve_quotes=False, actor=agent)
    assert not main.may_approve_quotes


@pytest.mark.django_db
def test_granting_and_withdrawing_is_recorded_as_a_sentence(customer, agent):
    bert = factories.contact(customer, "Bert")
    assert contact_set_rights(contact=bert, actor=agent, reason="Directeur", may_approve_quotes=True) == [
        "may_approve_quotes"
    ]
    assert contact_set_rights(contact=bert, actor=agent, may_approve_quotes=True) == []
    assert contact_set_rights(contact=bert, actor=agent, may_approve_quotes=False) == ["may_approve_quotes"]
    bert.refresh_from_db()
    assert not bert.may_approve_quotes
    records = list(CustomerChange.objects.filter(contact=bert, field="may_approve_quotes").order_by("id"))
    assert [(r.actor, r.old_value, r.new_value, r.reason) for r in records] == [
        (agent, "nee", "ja", "Directeur"),
        (agent, "ja", "nee", ""),
    ]
    with translation.override("nl"):
        assert [change_sentence(r) for r in records] == [
            "Mag offertes goedkeuren: ja (was nee).",
            "Mag offertes goedkeuren: nee (was ja).",
        ]
    with translation.override("en"):
        assert change_sentence(records[0]) == "May approve quotes: yes (was no)."


@pytest.mark.django_db
def test_a_new_main_contact_gets_the_right(customer, agent):
    carla = factories.contact(customer, "Carla")
    customer_set_main_contact(customer=customer, contact=carla, actor=agent)
    carla.refresh_from_db()
    assert carla.may_approve_quotes
    assert CustomerChange.objects.get(contact=carla, field="may_approve_quotes").reason == "hoofdcontact"


@pytest.mark.django_db
def test_the_desk_rights_form_changes_the_right(client, customer, agent):
    bert = factories.contact(customer, "Bert", may_report=True)
    client.force_login(agent)
    prefix = f"c{bert.pk}"
    response = client.post(
        f"/desk/contacts/{bert.pk}/rights/",
        {f"{prefix}-may_report": "on", f"{prefix}-may_approve_quotes": "on", f"{prefix}-reason": "Mail van Anja"},
    )
    assert response.status_code == 302
    bert.refresh_from_db()
    assert bert.may_report and bert.may_approve_quotes
    page = client.get(f"/desk/customers/{customer.pk}/", HTTP_ACCEPT_LANGUAGE="nl").content.decode()
    assert "Mag offertes goedkeuren: ja (was nee)." in page


@pytest.mark.django_db(transaction=True)
def test_existing_main_contacts_get_the_right_when_it_comes():
    customer = factories.customer("Garage Dijkstra")
    main = factories.contact(customer, "Anja", main=True)
    other = factories.contact(customer, "Bert", may_report=True)
    migrate(BEFORE)
    try:
        CustomerChange.objects.filter(field="may_approve_quotes").delete()
        migrate(AFTER)
        assert set(Contact.objects.filter(may_approve_quotes=True)) == {main}
        record = CustomerChange.objects.get(field="may_approve_quotes")
        assert (record.contact_id, record.old_value, record.new_value) == (main.pk, "nee", "ja")
    finally:  # back to the latest migrations: the tests after this one need every table as it is now
        migrate(latest_migrations())
    assert not Contact.objects.get(pk=other.pk).may_approve_quotes
