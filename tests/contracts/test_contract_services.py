"""Every contract and bundle write: what it checks (naming the field), what it writes, and that a refusal writes
nothing."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from servicedesk.contracts import services
from servicedesk.contracts.event_text import event_sentence
from servicedesk.contracts.models import Contract, ContractEvent, ContractLine, LineQuantity, PrepaidBundle
from servicedesk.customers.services import matrix_item_add
from tests.helpers import PREMIUM_LEVELS as PREMIUM
from tests.helpers import on_day as at

pytestmark = pytest.mark.django_db


def _sentences(customer, language="en") -> list[str]:
    with translation.override(language):
        return [event_sentence(e) for e in ContractEvent.objects.filter(customer=customer).order_by("at", "id")]


def test_create_records_the_contract(contract, customer, agent):
    assert (contract.customer, contract.billing_period, contract.start, contract.end) == (
        customer,
        "month",
        date(2027, 1, 1),
        None,
    )
    assert contract.service_levels is None
    event = contract.events.get()
    assert (event.kind, event.actor) == (ContractEvent.Kind.CREATED, agent)
    assert _sentences(customer) == ["Contract Beheer 2027 created."]


@pytest.mark.parametrize(
    ("values", "fields"),
    [
        ({"name": "  "}, {"name"}),
        ({"billing_period": "week"}, {"billing_period"}),
        ({"start": None}, {"start"}),
        ({"end": date(2026, 12, 31)}, {"end"}),
        ({"name": "", "billing_period": "", "end": date(2026, 1, 1)}, {"name", "billing_period", "end"}),
        ({"service_levels": {"managed": {}}}, {"service_levels"}),
    ],
)
def test_bad_contracts_are_refused_naming_the_field(customer, agent, values, fields):
    data = {"name": "Beheer", "billing_period": "quarter", "start": date(2027, 1, 1), "end": None} | values
    with pytest.raises(ValidationError) as error:
        services.contract_create(customer=customer, actor=agent, **data)
    assert set(error.value.message_dict) == fields
    assert not Contract.objects.exists()
    assert not ContractEvent.objects.exists()


@pytest.mark.parametrize(
    ("cell", "key"),
    [
        ({"response": "4x", "rate": "free"}, "service_levels.managed.high.response"),
        ({"response": "4h", "rate": "12.345"}, "service_levels.managed.high.rate"),
        ({"response": "4h"}, "service_levels.managed.high.rate"),
        ({"response": "4h", "rate": "free", "colour": "red"}, "service_levels.managed.high.colour"),
    ],
)
def test_own_service_levels_are_checked_like_the_policy_file_naming_the_key(customer, agent, cell, key):
    table = PREMIUM | {"managed": PREMIUM["managed"] | {"high": cell}}
    with pytest.raises(ValidationError) as error:
        services.contract_create(
            customer=customer,
            name="Premium",
            billing_period="month",
            start=date(2027, 1, 1),
            actor=agent,
            service_levels=table,
        )
    (message,) = error.value.message_dict["service_levels"]
    assert message.startswith(f"{key}: ")
    assert not Contract.objects.exists()


def test_own_service_levels_are_kept_and_only_one_contract_at_a_time_has_them(customer, other_customer, agent):
    premium = services.contract_create(
        customer=customer,
        name="Premium",
        billing_period="year",
        start=date(2027, 1, 1),
        end=date(2027, 12, 31),
        actor=agent,
        service_levels=PREMIUM,
    )
    assert Contract.objects.get(pk=premium.pk).service_levels == PREMIUM
    with pytest.raises(ValidationError) as error:
        services.contract_create(
            customer=customer,
            name="Premium plus",
            billing_period="month",
            start=date(2027, 6, 1),
            actor=agent,
            service_levels=PREMIUM,
        )
    assert "Premium" in error.value.message_dict["service_levels"][0]
    # After it ends, or for another customer, or without own levels: fine.
    services.contract_create(
        customer=customer,
        name="Next",
        billing_period="month",
        start=date(2028, 1, 1),
        actor=agent,
        service_levels=PREMIUM,
    )
    services.contract_create(
        customer=other_customer,
        name="Theirs",
        billing_period="month",
        start=date(2027, 1, 1),
        actor=agent,
        service_levels=PREMIUM,
    )
    services.contract_create(
        customer=customer, name="Plain", billing_period="month", start=date(2027, 3, 1), actor=agent
    )
    assert Contract.objects.count() == 4


def test_change_records_each_change_and_nothing_when_nothing_changed(contract, customer, agent):
    services.contract_change(contract=contract, actor=agent, name="Beheer 2027", end=None, service_levels=None)
    assert contract.events.count() == 1
    services.contract_change(
        contract=contract,
        actor=agent,
        name="Beheer Plus",
        end=date(2027, 12, 31),
        service_levels=PREMIUM,
        reason="Klant wil sneller geholpen worden.",
    )
    contract.refresh_from_db()
    assert (contract.name, contract.end, contract.service_levels) == ("Beheer Plus", date(2027, 12, 31), PREMIUM)
    assert _sentences(customer)[1:] == [
        "Name changed from Beheer 2027 to Beheer Plus.",
        "End set to Fri 31-12-2027.",
        "Own service levels set.",
    ]
    assert set(contract.events.values_list("reason", flat=True)) == {"", "Klant wil sneller geholpen worden."}


def test_change_refuses_bad_levels_and_an_end_before_the_start(contract, agent):
    with pytest.raises(ValidationError) as error:
        services.contract_change(
            contract=contract, actor=agent, name="X", end=date(2026, 6, 1), service_levels={"functional": 3}
        )
    assert set(error.value.message_dict) == {"end"}
    with pytest.raises(ValidationError) as error:
        services.contract_change(contract=contract, actor=agent, name="X", end=None, service_levels={"functional": 3})
    assert "service_levels.functional: must be a table" in error.value.message_dict["service_levels"]
    contract.refresh_from_db()
    assert contract.name == "Beheer 2027"
    assert contract.events.count() == 1


def test_end_sets_the_last_day(contract, customer, agent):
    with pytest.raises(ValidationError) as error:
        services.contract_end(contract=contract, end=date(2026, 12, 31), actor=agent)
    assert set(error.value.message_dict) == {"end"}
    services.contract_end(contract=contract, end=date(2027, 6, 30), actor=agent, reason="Opgezegd.")
    contract.refresh_from_db()
    assert contract.end == date(2027, 6, 30)
    assert _sentences(customer)[-1] == "Contract ends on Wed 30-6-2027."


def test_a_line_before_the_start_counts_from_the_start(contract, customer, item, agent):
    line = services.line_add(
        contract=contract, actor=agent, matrix_item=item, quantity=12, unit_price_cents=2500, now=at(date(2026, 12, 5))
    )
    assert line.label == "Werkplekken"
    assert list(line.quantities.values_list("quantity", "effective_from")) == [(12, date(2027, 1, 1))]
    assert _sentences(customer)[-1] == "Line Werkplekken added: 12 at €\xa025.00 per period."


def test_a_line_on_a_running_contract_and_a_quantity_change_count_from_the_next_day(contract, customer, agent):
    line = services.line_add(
        contract=contract,
        actor=agent,
        description="  Back-up   per server ",
        quantity=2,
        unit_price_cents=4000,
        now=at(date(2027, 3, 10)),
    )
    assert line.label == "Back-up per server"
    services.line_quantity_change(line=line, quantity=3, actor=agent, now=at(date(2027, 3, 20)))
    services.line_quantity_change(line=line, quantity=5, actor=agent, now=at(date(2027, 3, 20), 15))
    rows = list(line.quantities.order_by("id").values_list("quantity", "effective_from"))
    assert rows == [(2, date(2027, 3, 11)), (3, date(2027, 3, 21)), (5, date(2027, 3, 21))]
    assert _sentences(customer)[-2:] == [
        "Quantity of Back-up per server changed from 2 to 3 from Sun 21-3-2027.",
        "Quantity of Back-up per server changed from 3 to 5 from Sun 21-3-2027.",
    ]


@pytest.mark.parametrize(
    ("values", "fields"),
    [
        ({"description": "", "matrix_item": None}, {"description"}),
        ({"quantity": -1}, {"quantity"}),
        ({"quantity": 1.5}, {"quantity"}),
        ({"unit_price_cents": -100}, {"unit_price_cents"}),
        ({"description": "", "quantity": -1, "unit_price_cents": -1}, {"description", "quantity", "unit_price_cents"}),
    ],
)
def test_bad_lines_are_refused_naming_the_field(contract, agent, values, fields):
    data = {"description": "Licenties", "quantity": 1, "unit_price_cents": 1000} | values
    with pytest.raises(ValidationError) as error:
        services.line_add(contract=contract, actor=agent, **data)
    assert set(error.value.message_dict) == fields
    assert not ContractLine.objects.exists()
    assert contract.events.count() == 1


def test_a_service_of_another_customer_is_refused(contract, other_customer, agent):
    foreign = matrix_item_add(customer=other_customer, name="Firewall", description="", actor=agent)
    with pytest.raises(ValidationError) as error:
        services.line_add(contract=contract, actor=agent, matrix_item=foreign, quantity=1, unit_price_cents=100)
    assert set(error.value.message_dict) == {"matrix_item"}


def test_a_quantity_is_checked_and_an_ended_contract_keeps_its_quantities(contract, agent):
    line = services.line_add(contract=contract, actor=agent, description="Licenties", quantity=1, unit_price_cents=100)
    with pytest.raises(ValidationError) as error:
        services.line_quantity_change(line=line, quantity=-3, actor=agent)
    assert set(error.value.message_dict) == {"quantity"}
    services.contract_end(contract=contract, end=date(2027, 2, 28), actor=agent)
    with pytest.raises(ValidationError) as error:
        services.line_quantity_change(line=line, quantity=3, actor=agent, now=at(date(2027, 2, 28)))
    assert set(error.value.message_dict) == {"quantity"}
    with pytest.raises(ValidationError) as error:
        services.line_add(
            contract=contract,
            actor=agent,
            description="Later",
            quantity=1,
            unit_price_cents=1,
            now=at(date(2027, 3, 1)),
        )
    assert set(error.value.message_dict) == {"quantity"}
    assert LineQuantity.objects.count() == 1
    assert ContractLine.objects.count() == 1


def test_a_bundle_is_sold_at_the_policy_base_rate_for_twelve_months(customer, agent):
    bundle = services.bundle_sell(
        customer=customer, hours=10, price_cents=60000, actor=agent, now=at(date(2027, 1, 31))
    )
    assert (bundle.base_rate_cents, bundle.value_cents) == (6500, 65000)
    assert (bundle.bought_on, bundle.expires_on, bundle.sold_by) == (date(2027, 1, 31), date(2028, 1, 31), agent)
    assert _sentences(customer) == ["Prepaid bundle of 10 hours sold for €\xa0600.00, expires on Mon 31-1-2028."]
    own = services.bundle_sell(customer=customer, hours=5, price_cents=40000, base_rate_cents=8000, actor=agent)
    assert own.value_cents == 40000


@pytest.mark.parametrize(
    ("values", "fields"),
    [
        ({"hours": 0}, {"hours"}),
        ({"hours": -2, "price_cents": -1}, {"hours", "price_cents"}),
        ({"base_rate_cents": 0}, {"base_rate_cents"}),
    ],
)
def test_bad_bundles_are_refused_naming_the_field(customer, agent, values, fields):
    with pytest.raises(ValidationError) as error:
        services.bundle_sell(customer=customer, actor=agent, **({"hours": 10, "price_cents": 60000} | values))
    assert set(error.value.message_dict) == fields
    assert not PrepaidBundle.objects.exists()
    assert not ContractEvent.objects.exists()
