"""A run's preview writes its documents as drafts, which bill nothing and show nowhere; its confirmation numbers
them as they are when nothing they were priced from changed since, and prices afresh otherwise, so that it
always bills what a preview at that moment shows."""

from __future__ import annotations

import io
import shutil
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command

from servicedesk.billing.models import BillingRun, Invoice, InvoiceLine
from servicedesk.billing.services import (
    billing_run_confirm,
    billing_run_create,
    billing_run_draft,
    billing_run_preview,
    invoice_credit,
)
from servicedesk.core.policy import current_policy
from servicedesk.tickets import services
from servicedesk.tickets.models import Ticket, TimeEntry
from tests import factories
from tests.helpers import local as at

pytestmark = pytest.mark.django_db
AMS = ZoneInfo("Europe/Amsterdam")
NOV = (date(2026, 11, 1), date(2026, 11, 30))
NOW = datetime(2026, 12, 2, 10, tzinfo=AMS)


@pytest.fixture
def agent():
    return factories.agent("anouk")


@pytest.fixture
def tickets(anja, agent):
    made = []
    for channel, start, minutes in (("email", "2026-11-24T10:00", 50), ("phone", "2026-11-25T19:30", 40)):
        ticket = services.ticket_create(
            reporter=anja, subject=channel, body="", channel=channel, support_type="functional", now=at(start)
        )
        services.time_entry_add(ticket=ticket, agent=agent, start=at(start), minutes=minutes, now=at(start))
        made.append(ticket)
    return made


def new_run(agent, now=NOW):
    return billing_run_create(actor=agent, period_start=NOV[0], period_end=NOV[1], now=now)


def in_order(rows) -> list[tuple]:
    return sorted(rows, key=lambda row: (row[0], row[1] is None, row[1] or 0, row[2]))


def billed_lines(run) -> list[tuple]:
    lines = InvoiceLine.objects.filter(invoice__run=run)
    return in_order(lines.values_list("ticket_id", "time_entry_id", "kind", "amount_cents", "late", "corrects_id"))


def previewed_lines(run) -> list[tuple]:
    lines = [line for spec in billing_run_preview(run) for line in spec.lines]
    return in_order(
        (line.ticket_id, line.entry_id, line.kind, line.amount_cents, line.late, line.corrects_id) for line in lines
    )


def test_the_drafts_bill_nothing_show_nowhere_and_are_numbered_as_they_are(client, agent, anja, tickets):
    run = new_run(agent)
    (figures,) = billing_run_draft(run, now=NOW)
    (draft,) = Invoice.with_drafts.filter(run=run)
    drafted = set(draft.lines.values_list("pk", flat=True))
    assert draft.status == Invoice.Status.DRAFT and draft.number is None and len(drafted) == figures.line_count == 3
    assert draft.subtotal_cents == figures.subtotal_cents > 0
    assert not Invoice.objects.exists() and not TimeEntry.objects.billed().exists()
    client.force_login(factories.biller())
    assert client.get(f"/desk/invoices/{draft.pk}/").status_code == 404
    assert f"/desk/invoices/{draft.pk}/" not in client.get("/desk/billing/").content.decode()

    later = datetime(2026, 12, 3, 9, tzinfo=AMS)
    (invoice,) = billing_run_confirm(run, actor=agent, now=later)
    assert invoice.pk == draft.pk and set(invoice.lines.values_list("pk", flat=True)) == drafted  # not priced again
    assert (invoice.number, invoice.status, invoice.issued_at) == ("2026-00001", Invoice.Status.ISSUED, later)
    assert invoice.total_cents == figures.subtotal_cents + figures.vat_cents(invoice.vat_percent)
    assert TimeEntry.objects.billed().count() == 2
    run.refresh_from_db()
    assert run.drafted_from is None and run.status == BillingRun.Status.CONFIRMED


def _more_work(agent, tickets):
    services.time_entry_add(ticket=tickets[0], agent=agent, start=at("2026-11-26T10:00"), minutes=20, now=NOW)


def _corrected_work(agent, tickets):
    entry = TimeEntry.objects.get(ticket=tickets[0])
    services.time_entry_correct(entry=entry, actor=agent, reason="korter", minutes=35, now=NOW)


def _reclassified(agent, tickets):
    services.ticket_classify(ticket=tickets[0], actor=agent, reason="spoed", priority="direct", now=NOW)


def _rate_told(agent, tickets):
    services.ticket_rate_notice(ticket=tickets[1], actor=agent, planned_start=at("2026-11-25T19:00"), now=NOW)


def _billed_by_another_run(agent, tickets):
    billing_run_confirm(new_run(agent), actor=agent, now=NOW)


def _credited(agent, tickets):
    (invoice,) = billing_run_confirm(new_run(agent), actor=agent, now=NOW)
    invoice_credit(invoice=invoice, actor=agent, reason="fout", now=NOW)


def _contract_levels(agent, tickets):
    from servicedesk.contracts import services as contracts
    from tests.helpers import PREMIUM_LEVELS

    contracts.contract_create(
        customer=tickets[0].customer,
        name="Premium",
        billing_period="month",
        start=date(2026, 11, 1),
        actor=agent,
        service_levels=PREMIUM_LEVELS,
        now=NOW,
    )


def _policy_changed(agent, tickets, settings, tmp_path):
    changed = tmp_path / "policy.toml"
    shutil.copyfile(current_policy().config.source, changed)
    with changed.open("a") as policy:
        policy.write("\n# an edit\n")
    settings.SERVICEDESK_POLICY = str(changed)


CHANGES = {
    "more work": _more_work,
    "corrected work": _corrected_work,
    "reclassified": _reclassified,
    "rate told": _rate_told,
    "billed by another run": _billed_by_another_run,
    "credited": _credited,
    "a contract's own rates": _contract_levels,
}


@pytest.mark.parametrize("change", [*CHANGES, "policy changed"])
def test_a_change_after_the_preview_is_priced_afresh(agent, tickets, change, settings, tmp_path):
    run = new_run(agent, now=datetime(2026, 12, 1, 9, tzinfo=AMS))
    before = datetime(2026, 12, 1, 9, tzinfo=AMS)
    billing_run_draft(run, now=before)
    drafted = set(InvoiceLine.objects.filter(invoice__run=run).values_list("pk", flat=True))
    if change == "policy changed":
        _policy_changed(agent, tickets, settings, tmp_path)
    else:
        CHANGES[change](agent, tickets)
    expected = previewed_lines(run)

    invoices = billing_run_confirm(run, actor=agent, now=datetime(2026, 12, 4, 9, tzinfo=AMS))
    assert billed_lines(run) == expected
    assert not drafted & set(InvoiceLine.objects.values_list("pk", flat=True))  # the stale drafts are gone
    assert not Invoice.with_drafts.filter(status=Invoice.Status.DRAFT).exists()
    for invoice in invoices:
        assert invoice.subtotal_cents == sum(invoice.lines.values_list("amount_cents", flat=True))
    for entry in TimeEntry.objects.all():  # billed once, by a standing document
        assert InvoiceLine.objects.billing(entry.pk).count() == 1


def test_another_runs_preview_drops_the_drafts_and_the_confirmation_prices_afresh(agent, tickets):
    first, second = new_run(agent), new_run(agent)
    billing_run_draft(first, now=NOW)
    billing_run_draft(second, now=NOW)
    assert not Invoice.with_drafts.filter(run=first).exists()
    first.refresh_from_db()
    assert first.drafted_from is None
    expected = previewed_lines(first)
    (invoice,) = billing_run_confirm(first, actor=agent, now=NOW)
    assert billed_lines(first) == expected and invoice.number == "2026-00001"
    assert billing_run_confirm(second, actor=agent, now=NOW) == []  # its drafts are stale: it bills nothing twice
    assert Ticket.objects.count() == 2 and TimeEntry.objects.billed().count() == 2


def test_the_command_confirms_the_run_it_previewed(agent, tickets):
    out = io.StringIO()
    call_command("billing", "run", "--from", "2026-11-01", "--to", "2026-11-30", "--user", "anouk", stdout=out)
    run_id = int(out.getvalue().strip().splitlines()[-1].split()[1].rstrip(":"))
    drafted = set(InvoiceLine.objects.filter(invoice__run_id=run_id).values_list("pk", flat=True))
    assert drafted and not TimeEntry.objects.billed().exists()
    out = io.StringIO()
    call_command("billing", "run", "--run", str(run_id), "--user", "anouk", "--confirm", stdout=out)
    (invoice,) = Invoice.objects.all()
    assert invoice.run_id == run_id and invoice.number in out.getvalue()
    assert set(invoice.lines.values_list("pk", flat=True)) == drafted
    with pytest.raises(Exception, match="confirmed already"):
        call_command("billing", "run", "--run", str(run_id), "--user", "anouk", "--confirm")
    with pytest.raises(Exception, match="--run"):
        call_command("billing", "run", "--run", str(run_id), "--from", "2026-11-01")


def test_a_ticket_under_a_contracts_own_rates_is_billed_as_its_page_prices_it(agent, tickets):
    from servicedesk.tickets.pricing import ticket_price

    _contract_levels(agent, tickets)  # functional standard at 60.00 instead of the policy file's 65.00
    (invoice,) = billing_run_confirm(new_run(agent), actor=agent, now=NOW)
    for ticket in tickets:
        shown = ticket_price(Ticket.objects.get(pk=ticket.pk))  # as the ticket's pages price it
        billed = invoice.lines.filter(ticket=ticket).values_list("amount_cents", flat=True)
        assert sum(billed) == shown.total_cents
        assert shown.hourly_rate == Decimal("60.00")  # the contract's, not the policy file's 65.00
