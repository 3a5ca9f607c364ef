"""The portal's prepaid hours (strippenkaart): each bundle bought, what used it, what is left as time at its base
rate, its expiry and what lapsed; only for contacts who see the organisation's tickets, only their own."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from servicedesk.contracts import services
from servicedesk.contracts.models import BundleDebit
from tests import factories
from tests.helpers import portal_signed_in

pytestmark = pytest.mark.django_db


def _debit(bundle, cents, day, description):
    BundleDebit.objects.create(
        bundle=bundle,
        amount_cents=cents,
        paid_kind="time_entry",
        paid_id=1,
        description=description,
        on=day,
        created_at=timezone.now(),
    )


def test_a_contact_who_sees_all_tickets_sees_the_bundles(client, customer, other_customer, main_contact, agent):
    today = timezone.localdate()
    old = services.bundle_sell(
        customer=customer, hours=5, price_cents=30000, actor=agent, bought_on=today - timedelta(days=400)
    )
    current = services.bundle_sell(
        customer=customer, hours=10, price_cents=60000, actor=agent, bought_on=today - timedelta(days=10)
    )
    services.bundle_sell(customer=other_customer, hours=77, price_cents=1, actor=agent)
    _debit(old, 6500, today - timedelta(days=390), "#11 Netwerk printer")
    _debit(current, 8500, today - timedelta(days=2), "#12 Outlook, avond")
    portal_signed_in(client, main_contact, agent)
    html = client.get("/portal/prepaid/").content.decode()
    assert "Strippenkaarten" in html
    assert "#12 Outlook, avond" in html and "#11 Netwerk printer" in html
    assert "8 u 42 min" in html  # 650.00 - 85.00 = 565.00 left: 8 h 42 min at 65.00
    assert "1 u 18 min" in html  # 85.00 used
    assert "verlopen" in html and "€\xa0260,00" in html  # lapsed: 325.00 - 65.00
    assert "77 uur" not in html


def test_other_contacts_do_not_see_them(client, customer, agent):
    colleague = factories.contact(customer, "Kees", may_report=True)
    portal_signed_in(client, colleague, agent)
    assert client.get("/portal/prepaid/").status_code == 404
    assert "/portal/prepaid/" not in client.get("/portal/").content.decode()
