"""Prepaid-hours notices (POLICY.md §9): the main contact is mailed at under 20 % left, at zero and 30 days
before expiry, each once per bundle; the worker does it hourly; what expired lapses and shows as lapsed."""

from __future__ import annotations

from datetime import date

import pytest
from django.utils import timezone

from servicedesk.contracts.event_text import event_sentence
from servicedesk.contracts.models import BundleDebit, BundleNotice, ContractEvent
from servicedesk.contracts.selectors import BundleState, bundles_of
from servicedesk.contracts.services import bundle_notices_send, bundle_sell
from servicedesk.outbox.models import OutgoingMessage
from servicedesk.runtime.schedule import periodic_tasks
from tests.helpers import on_day as at

pytestmark = pytest.mark.django_db


def used(bundle, cents: int, on: date) -> None:
    BundleDebit.objects.create(
        bundle=bundle,
        amount_cents=cents,
        paid_kind="test",
        paid_id=1,
        description="werk",
        on=on,
        created_at=timezone.now(),
    )


def mails() -> list[tuple[str, str]]:
    return list(OutgoingMessage.objects.order_by("id").values_list("to_address", "subject"))


def test_low_used_up_and_expiring_are_each_sent_once(customer, main_contact, agent):
    bundle = bundle_sell(customer=customer, hours=10, price_cents=60000, actor=agent, bought_on=date(2026, 11, 1))
    assert bundle_notices_send(now=at(date(2026, 11, 10))) == []
    used(bundle, 52000, date(2026, 11, 12))  # 130.00 of 650.00 left: exactly 20 %, not under it
    assert bundle_notices_send(now=at(date(2026, 11, 13))) == []
    used(bundle, 100, date(2026, 11, 14))  # under 20 %
    (low,) = bundle_notices_send(now=at(date(2026, 11, 15)))
    assert low.kind == BundleNotice.Kind.LOW
    assert mails() == [(main_contact.email, "Uw strippenkaart is bijna op: nog 1 uur 59 minuten")]
    assert "vervalt" not in low.outgoing.body and "Bakkerij De Korrel" in low.outgoing.body
    assert bundle_notices_send(now=at(date(2026, 11, 16))) == []  # once
    used(bundle, 12900, date(2026, 11, 20))
    (used_up,) = bundle_notices_send(now=at(date(2026, 11, 21)))
    assert used_up.kind == BundleNotice.Kind.USED_UP and used_up.outgoing.kind == OutgoingMessage.Kind.BUNDLE
    assert bundle_notices_send(now=at(date(2027, 10, 15))) == []  # nothing left to expire: no expiry notice
    events = ContractEvent.objects.filter(kind=ContractEvent.Kind.BUNDLE_NOTICE).order_by("id")
    assert [event_sentence(event) for event in events] == [
        "Hoofdcontactpersoon bericht over de strippenkaart van 10 uur: bijna op.",
        "Hoofdcontactpersoon bericht over de strippenkaart van 10 uur: op.",
    ]


def test_the_expiry_notice_comes_30_days_before_and_the_rest_lapses_on_the_day(customer, main_contact, agent):
    bundle = bundle_sell(customer=customer, hours=2, price_cents=12000, actor=agent, bought_on=date(2026, 11, 1))
    assert bundle.expires_on == date(2027, 11, 1)
    assert bundle_notices_send(now=at(date(2027, 10, 1))) == []  # 31 days before
    (expiring,) = bundle_notices_send(now=at(date(2027, 10, 2)))
    assert expiring.kind == BundleNotice.Kind.EXPIRING
    assert expiring.outgoing.subject == "Uw strippenkaart verloopt op 1-11-2027"
    assert "geldig tot en met 31-10-2027" in expiring.outgoing.body
    assert bundle_notices_send(now=at(date(2027, 10, 20))) == []
    (balance,) = bundles_of(customer_id=customer.pk, today=date(2027, 10, 31))
    assert (balance.state, balance.left_cents, balance.lapsed_cents) == (BundleState.ACTIVE, 13000, 0)
    (balance,) = bundles_of(customer_id=customer.pk, today=date(2027, 11, 1))
    assert (balance.state, balance.left_cents, balance.lapsed_cents) == (BundleState.EXPIRED, 0, 13000)
    assert bundle_notices_send(now=at(date(2027, 11, 1))) == []  # expired: nothing more


def test_without_a_main_contact_the_notice_is_recorded_and_nothing_mailed(customer, agent):
    bundle = bundle_sell(customer=customer, hours=1, price_cents=6000, actor=agent, bought_on=date(2026, 11, 1))
    used(bundle, 6500, date(2026, 11, 2))
    (notice,) = bundle_notices_send(now=at(date(2026, 11, 3)))
    assert notice.outgoing is None and not OutgoingMessage.objects.exists()
    assert bundle_notices_send(now=at(date(2026, 11, 4))) == []


def test_an_english_contact_gets_english_and_nothing_due_is_two_queries(
    customer, main_contact, agent, django_assert_num_queries
):
    main_contact.language = "en"
    main_contact.save()
    bundle = bundle_sell(customer=customer, hours=1, price_cents=6000, actor=agent, bought_on=date(2026, 11, 1))
    bundle_sell(customer=customer, hours=5, price_cents=30000, actor=agent, bought_on=date(2026, 11, 1))
    with django_assert_num_queries(2):
        assert bundle_notices_send(now=at(date(2026, 11, 2))) == []
    used(bundle, 6500, date(2026, 11, 2))
    (notice,) = bundle_notices_send(now=at(date(2026, 11, 3)))
    assert notice.outgoing.subject == "Your prepaid hours are used up"


def test_the_worker_sends_them_hourly():
    assert any(
        p.task_path == "servicedesk.contracts.tasks.bundle_notices_task" and p.every_seconds == 3600.0
        for p in periodic_tasks()
    )
    from servicedesk.contracts.tasks import bundle_notices_task

    assert bundle_notices_task.call() == {"sent": 0}
