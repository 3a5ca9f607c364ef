"""The desk's contract pages through Django's test client: create with own service levels, lines, quantities,
the end, a bundle sold; the forms' errors at their fields; crafted ids refused; pinned query counts."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from servicedesk.contracts import services
from servicedesk.contracts.models import Contract, ContractLine, LineQuantity, PrepaidBundle
from servicedesk.policy import Priority, SupportType
from tests import factories
from tests.helpers import on_day as at

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk(client, agent):
    client.force_login(agent)
    return client


def _grid(**cells) -> dict:
    """The own service levels grid as posted: the policy file's, with `type_priority_part=value` changes."""
    values = {}
    standard = {"standard": ("24h", "65.00"), "high": ("8h", "85.00"), "direct": ("1h", "125.00")}
    for support_type in SupportType:
        for priority in Priority:
            response, rate = standard[priority]
            if support_type == SupportType.MANAGED:
                response, rate = {"standard": ("", ""), "high": ("8h", ""), "direct": ("1h", "125.00")}[priority]
            values[f"{support_type}_{priority}_response"] = response
            values[f"{support_type}_{priority}_rate"] = rate
    return values | cells


def test_create_a_contract_with_own_levels_add_a_line_change_it_and_end_it(desk, customer, item, agent):
    response = desk.post(
        reverse("desk:contract_new"),
        {
            "customer": customer.pk,
            "name": "Premium beheer",
            "billing_period": "month",
            "start": "2026-01-01",
            "own_levels": "on",
            **_grid(functional_high_response="4h", functional_high_rate="75,00"),
        },
    )
    contract = Contract.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("desk:contract", args=[contract.pk])
    assert contract.service_levels["functional"]["high"] == {"response": "4h", "rate": "75.00"}
    assert contract.service_levels["managed"]["standard"] == {"instead": "high"}
    assert contract.service_levels["managed"]["high"] == {"response": "8h", "rate": "free"}

    response = desk.post(
        reverse("desk:contract_line_add", args=[contract.pk]),
        {"matrix_item": item.pk, "description": "", "quantity": "12", "unit_price": "25.00"},
    )
    assert response.status_code == 302
    line = ContractLine.objects.get()
    assert (line.matrix_item, line.unit_price_cents) == (item, 2500)
    response = desk.post(reverse("desk:contract_line_quantity", args=[contract.pk, line.pk]), {"quantity": "15"})
    assert response.status_code == 302
    tomorrow = timezone.localdate() + timedelta(days=1)
    assert list(line.quantities.values_list("quantity", "effective_from")) == [(12, tomorrow), (15, tomorrow)]

    html = desk.get(reverse("desk:contract", args=[contract.pk])).content.decode()
    assert "Werkplekken" in html and "Premium beheer" in html
    assert "Volgende periode" in html and "€\xa0375,00" in html  # 15 x 25.00, from the next period on
    assert "4 uur" in html and "€\xa075,00" in html  # the own levels table
    assert "Contract Premium beheer aangemaakt." in html
    assert "Aantal van Werkplekken gewijzigd van 12 in 15" in html

    response = desk.post(reverse("desk:contract_end", args=[contract.pk]), {"end": "2026-12-31", "reason": "Opgezegd"})
    assert response.status_code == 302
    contract.refresh_from_db()
    assert contract.end == date(2026, 12, 31)

    customer_html = desk.get(reverse("desk:customer", args=[customer.pk])).content.decode()
    assert "Premium beheer" in customer_html
    listing = desk.get(reverse("desk:contracts"), {"customer": customer.pk}).content.decode()
    assert "Premium beheer" in listing


def test_a_wrong_cell_of_the_levels_is_shown_at_that_cell(desk, customer):
    response = desk.post(
        reverse("desk:contract_new"),
        {
            "customer": customer.pk,
            "name": "Premium",
            "billing_period": "month",
            "start": "2026-01-01",
            "own_levels": "on",
            **_grid(functional_high_response="vier uur", unmanaged_direct_rate="veel"),
        },
    )
    assert response.status_code == 400
    form = response.context["form"]
    assert set(form.errors) == {"functional_high_response", "unmanaged_direct_rate"}
    assert "vier uur" in form.errors["functional_high_response"][0]
    assert not Contract.objects.exists()


def test_the_form_refuses_a_contract_ending_before_it_starts(desk, customer):
    response = desk.post(
        reverse("desk:contract_new"),
        {"customer": customer.pk, "name": "X", "billing_period": "year", "start": "2026-05-01", "end": "2026-04-30"},
    )
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"end"}
    assert not Contract.objects.exists()


def test_edit_changes_name_and_removes_own_levels(desk, customer, agent):
    contract = services.contract_create(
        customer=customer, name="Basis", billing_period="quarter", start=date(2026, 1, 1), actor=agent
    )
    page = desk.get(reverse("desk:contract_edit", args=[contract.pk]))
    assert page.status_code == 200 and "customer" not in page.context["form"].fields
    response = desk.post(
        reverse("desk:contract_edit", args=[contract.pk]), {"name": "Basis plus", "end": "", "reason": "Naam"}
    )
    assert response.status_code == 302
    contract.refresh_from_db()
    assert (contract.name, contract.service_levels) == ("Basis plus", None)
    assert contract.events.last().reason == "Naam"


def test_line_and_quantity_errors_are_shown_and_nothing_written(desk, customer, agent, other_customer):
    contract = services.contract_create(
        customer=customer, name="Basis", billing_period="month", start=date(2026, 1, 1), actor=agent
    )
    response = desk.post(
        reverse("desk:contract_line_add", args=[contract.pk]), {"description": "", "quantity": "2", "unit_price": "1"}
    )
    assert response.status_code == 400
    assert set(response.context["line_form"].errors) == {"description"}
    response = desk.post(
        reverse("desk:contract_line_add", args=[contract.pk]),
        {"description": "Licentie", "quantity": "-1", "unit_price": "-5"},
    )
    assert set(response.context["line_form"].errors) == {"quantity", "unit_price"}
    assert not ContractLine.objects.exists()
    line = services.line_add(contract=contract, actor=agent, description="Licentie", quantity=1, unit_price_cents=100)
    response = desk.post(reverse("desk:contract_line_quantity", args=[contract.pk, line.pk]), {"quantity": "x"})
    assert response.status_code == 400
    assert LineQuantity.objects.count() == 1
    # A line of another contract through this contract's address: not found.
    theirs = services.contract_create(
        customer=other_customer, name="Ander", billing_period="month", start=date(2026, 1, 1), actor=agent
    )
    response = desk.post(reverse("desk:contract_line_quantity", args=[theirs.pk, line.pk]), {"quantity": "3"})
    assert response.status_code == 404
    assert desk.get(reverse("desk:contract", args=[999999])).status_code == 404


def test_sell_a_bundle(desk, customer, agent):
    page = desk.get(reverse("desk:bundle_sell", args=[customer.pk]))
    assert page.status_code == 200
    assert page.context["form"]["base_rate"].value() == 65
    response = desk.post(
        reverse("desk:bundle_sell", args=[customer.pk]),
        {"hours": "10", "price": "600.00", "base_rate": "65.00", "bought_on": "2026-11-01"},
    )
    assert response.status_code == 302
    bundle = PrepaidBundle.objects.get()
    assert (bundle.hours, bundle.price_cents, bundle.base_rate_cents, bundle.expires_on, bundle.sold_by) == (
        10,
        60000,
        6500,
        date(2027, 11, 1),
        agent,
    )
    html = desk.get(reverse("desk:customer", args=[customer.pk])).content.decode()
    assert "10 uur van 1-11-2026" in html
    for values, field in (({"hours": "0"}, "hours"), ({"base_rate": "0"}, "base_rate"), ({"price": "-1"}, "price")):
        response = desk.post(
            reverse("desk:bundle_sell", args=[customer.pk]),
            {"hours": "10", "price": "600.00", "base_rate": "65.00", "bought_on": "2026-11-01"} | values,
        )
        assert response.status_code == 400
        assert set(response.context["form"].errors) == {field}
    assert PrepaidBundle.objects.count() == 1


def test_only_agents_see_the_contract_pages(client, customer):
    contact = factories.contact(customer, "Anja", main=True)
    factories.portal_user(contact)
    client.force_login(contact.user)
    assert client.get(reverse("desk:contracts")).status_code == 404  # the desk does not show itself


@pytest.mark.parametrize("size", [1, 5])
def test_contract_page_query_count_does_not_grow(desk, customer, agent, size, django_assert_num_queries):
    contract = services.contract_create(
        customer=customer, name="Basis", billing_period="month", start=date(2026, 1, 1), actor=agent
    )
    for n in range(size):
        line = services.line_add(
            contract=contract, actor=agent, description=f"Regel {n}", quantity=n, unit_price_cents=100
        )
        services.line_quantity_change(line=line, quantity=n + 1, actor=agent)
    desk.get(reverse("desk:contract", args=[contract.pk]))
    with django_assert_num_queries(7):  # session, user, contract, lines, quantities, events, matrix items
        assert desk.get(reverse("desk:contract", args=[contract.pk])).status_code == 200


def test_the_monthly_recurring_revenue_on_the_customer_page_and_the_list(desk, customer, other_customer, agent):
    for owner, quantity in ((customer, 12), (other_customer, 1)):
        contract = services.contract_create(
            customer=owner, name="Beheer", billing_period="quarter", start=date(2026, 1, 1), actor=agent
        )
        services.line_add(
            contract=contract,
            actor=agent,
            description="Werkplek",
            quantity=quantity,
            unit_price_cents=7500,
            now=at(date(2025, 12, 1)),
        )
    html = desk.get(reverse("desk:customer", args=[customer.pk])).content.decode()
    assert '<strong id="monthly-revenue">€\xa0300,00</strong>' in html  # 12 x 75.00 a quarter
    listing = desk.get(reverse("desk:contracts")).content.decode()
    assert '<td class="num" id="monthly-total">€\xa0325,00</td>' in listing


def test_the_lists_total_counts_every_contract_in_force_on_every_page(desk, customer, agent, monkeypatch):
    from servicedesk.contracts import selectors

    monkeypatch.setattr(selectors, "PAGE_SIZE", 2)
    for n, end in ((1, None), (2, None), (3, None), (4, date(2026, 1, 31))):  # the last one has ended
        contract = services.contract_create(
            customer=customer, name=f"Beheer {n}", billing_period="month", start=date(2026, 1, 1), end=end, actor=agent
        )
        services.line_add(
            contract=contract,
            actor=agent,
            description="Werkplek",
            quantity=n,
            unit_price_cents=1000,
            now=at(date(2025, 12, 1)),
        )
    for page in (1, 2):
        listing = desk.get(reverse("desk:contracts"), {"page": page}).content.decode()
        assert '<td class="num" id="monthly-total">€\xa060,00</td>' in listing  # (1 + 2 + 3) x 10.00, not the ended
