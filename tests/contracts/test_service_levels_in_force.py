"""Tickets of a customer reported while a contract with own service levels is in force get their deadline and
rate from it (POLICY.md §9); tickets reported before it keep the policy file's. The portal's report form and the
phone shows the contract's terms."""

from __future__ import annotations

import ast
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

import servicedesk.contracts
from servicedesk.contracts import services as contracts
from servicedesk.policy import Priority, SupportType
from servicedesk.portal.terms import report_terms
from servicedesk.tickets import services
from servicedesk.tickets.models import Ticket
from servicedesk.tickets.pricing import customer_policies, hourly_rate, ticket_price
from servicedesk.tickets.selectors import ticket_for_desk
from tests.helpers import PREMIUM_LEVELS as PREMIUM
from tests.helpers import portal_signed_in

pytestmark = pytest.mark.django_db
AMS = ZoneInfo("Europe/Amsterdam")
TUESDAY = datetime(2026, 11, 24, 11, 0, tzinfo=AMS)


@pytest.fixture
def premium(customer, agent):
    """From 1 November 2026: functional and unmanaged `high` within 4 office hours at 75.00."""
    return contracts.contract_create(
        customer=customer,
        name="Premium",
        billing_period="month",
        start=date(2026, 11, 1),
        actor=agent,
        service_levels=PREMIUM,
    )


def _report(contact, when, *, support_type="functional", priority="high"):
    return services.ticket_create(
        reporter=contact,
        subject="Outlook start niet",
        body="Graag snel.",
        channel="email",
        support_type=support_type,
        priority=priority,
        now=when,
    )


def _work(ticket, agent, start, minutes=60):
    services.time_entry_add(ticket=ticket, agent=agent, start=start, minutes=minutes)


@pytest.mark.parametrize(
    ("support_type", "priority", "due"),
    [
        ("functional", "high", datetime(2026, 11, 24, 15, 0, tzinfo=AMS)),  # 4 office hours
        ("unmanaged", "high", datetime(2026, 11, 24, 15, 0, tzinfo=AMS)),
        ("functional", "standard", datetime(2026, 11, 26, 11, 0, tzinfo=AMS)),  # 16 office hours
        ("managed", "standard", datetime(2026, 11, 24, 15, 0, tzinfo=AMS)),  # not offered: high instead
    ],
)
def test_a_ticket_reported_under_a_premium_contract_gets_its_deadline(
    premium, main_contact, support_type, priority, due
):
    ticket = _report(main_contact, TUESDAY, support_type=support_type, priority=priority)
    assert ticket.response_due == due


def test_the_rate_follows_the_contract_and_a_ticket_from_before_it_keeps_the_policy_files(
    customer, main_contact, agent
):
    before = _report(main_contact, datetime(2026, 10, 27, 11, 0, tzinfo=AMS))
    contracts.contract_create(
        customer=customer,
        name="Premium",
        billing_period="month",
        start=date(2026, 11, 1),
        actor=agent,
        service_levels=PREMIUM,
    )
    under = _report(main_contact, TUESDAY)
    before.refresh_from_db()
    assert before.response_due == datetime(2026, 10, 28, 11, 0, tzinfo=AMS)  # the policy file's 8 office hours
    assert under.response_due == datetime(2026, 11, 24, 15, 0, tzinfo=AMS)
    assert (hourly_rate(before), hourly_rate(under)) == (Decimal("85.00"), Decimal("75.00"))
    _work(before, agent, datetime(2026, 10, 27, 12, 0, tzinfo=AMS))
    _work(under, agent, datetime(2026, 11, 24, 12, 0, tzinfo=AMS))
    assert ticket_price(before).total == Decimal("85.00")
    assert ticket_price(under).total == Decimal("75.00")
    # Evening work is still at least the band's rate: only the rate card is the contract's.
    _work(under, agent, datetime(2026, 11, 24, 18, 0, tzinfo=AMS))
    assert ticket_price(under).total == Decimal("160.00")
    policy_at = customer_policies(customer.pk)
    assert policy_at(before.reported_at).hourly_rate(SupportType.FUNCTIONAL, Priority.HIGH) == Decimal("85.00")
    assert policy_at(under.reported_at).hourly_rate(SupportType.FUNCTIONAL, Priority.HIGH) == Decimal("75.00")


def test_after_the_contract_ends_the_policy_files_levels_apply_again(premium, main_contact, agent):
    contracts.contract_end(contract=premium, end=date(2026, 11, 23), actor=agent)
    ticket = _report(main_contact, TUESDAY)
    assert ticket.response_due == datetime(2026, 11, 25, 11, 0, tzinfo=AMS)
    assert hourly_rate(ticket) == Decimal("85.00")


def test_a_reclassification_uses_the_contract_in_force_when_reported(premium, main_contact, agent):
    ticket = _report(main_contact, TUESDAY, priority="standard")
    assert ticket.response_due == datetime(2026, 11, 26, 11, 0, tzinfo=AMS)
    services.ticket_classify(
        ticket=ticket, actor=agent, reason="Spoed", priority="high", now=TUESDAY + timedelta(hours=1)
    )
    ticket.refresh_from_db()
    assert ticket.response_due == datetime(2026, 11, 24, 15, 0, tzinfo=AMS)


def test_the_report_form_shows_the_contracts_response_times_and_rates(premium, main_contact, other_customer):
    terms = report_terms(main_contact, SupportType.FUNCTIONAL, TUESDAY)
    shown = {(o.priority, o.response_time, o.rate) for o in terms.options}
    assert shown == {
        (Priority.STANDARD, timedelta(hours=16), Decimal("60.00")),
        (Priority.HIGH, timedelta(hours=4), Decimal("75.00")),
        (Priority.DIRECT, timedelta(hours=1), Decimal("110.00")),
    }
    from tests import factories

    elsewhere = factories.contact(other_customer, "Piet", main=True)
    plain = {(o.priority, o.rate) for o in report_terms(elsewhere, SupportType.FUNCTIONAL, TUESDAY).options}
    assert (Priority.HIGH, Decimal("85.00")) in plain


def test_the_portal_report_page_shows_them(client, premium, main_contact, agent):
    portal_signed_in(client, main_contact, agent)
    html = client.get("/portal/tickets/new/?about=question").content.decode()
    assert "4 uur" in html and "€\xa075,00" in html
    assert "€\xa085,00" not in html


def test_contracts_never_import_tickets():
    """Tickets read the service levels of contracts; contracts know nothing of tickets (no circle)."""
    root = Path(servicedesk.contracts.__file__).parent
    found = {}
    for path in root.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            found[str(path.relative_to(root))] = found.get(str(path.relative_to(root)), []) + [
                n for n in names if "tickets" in n or "billing" in n
            ]
    assert {path: names for path, names in found.items() if names} == {}
    assert len(found) > 5


def test_the_phone_terms_tell_the_caller_the_contracts_rate(premium, main_contact):
    from servicedesk.desk.views.phone import call_terms

    terms = call_terms(main_contact, "functional", "high")
    assert terms["rate"] == Decimal("75.00")


def test_a_ticket_reported_by_mail_gets_the_contracts_deadline(premium, main_contact):
    from servicedesk.core.policy import current_policy
    from servicedesk.mail.intake import mails_receive
    from servicedesk.tickets.pricing import deadline_for, ticket_policy
    from tests.helpers import mail

    (one, _), (two, _) = mails_receive(
        [mail(main_contact.email, "Outlook start niet"), mail(main_contact.email, "Teams ook niet")], via="pipe"
    )
    for received in (one, two):
        ticket = received.ticket
        facts = {
            "support_type": ticket.support_type,
            "priority": ticket.priority,
            "channel": ticket.channel,
            "reported_at": ticket.reported_at,
        }
        contract = deadline_for(**facts, policy=ticket_policy(ticket)).response.response_due  # 16 office hours
        assert ticket.response_due == contract != deadline_for(**facts, policy=current_policy()).response.response_due


@pytest.mark.parametrize(
    ("reported", "rate"),
    [
        (datetime(2026, 11, 1, 0, 30, tzinfo=AMS), Decimal("75.00")),  # the contract's first day (31 October in UTC)
        (datetime(2026, 10, 31, 23, 30, tzinfo=AMS), Decimal("85.00")),  # the evening before it
    ],
)
def test_a_ticket_read_for_the_desk_brings_its_contracts_levels(
    premium, main_contact, reported, rate, django_assert_num_queries
):
    """`ticket_for_desk` reads the levels with the ticket, by the local day it was reported, so that pricing it
    needs no query; the same levels as looked up apart."""
    ticket = _report(main_contact, reported)
    loaded = ticket_for_desk(ticket.pk)
    with django_assert_num_queries(0):
        assert hourly_rate(loaded) == rate
    assert hourly_rate(Ticket.objects.get(pk=ticket.pk)) == rate  # looked up apart (one query)
