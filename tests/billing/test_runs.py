"""Billing runs built through the services: every POLICY.md §5 rule shows up in a specification, the totals
equal the policy CLI's prices, numbers are gapless, nothing is billed twice, late work and corrections."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError

from servicedesk.billing.models import Invoice, InvoiceLine
from servicedesk.billing.services import billing_run_confirm, billing_run_create, billing_run_preview
from servicedesk.tickets import services
from servicedesk.tickets.models import TimeEntry
from tests import factories
from tests.helpers import local as at

pytestmark = pytest.mark.django_db
AMS = ZoneInfo("Europe/Amsterdam")
NOV = (date(2026, 11, 1), date(2026, 11, 30))
NOW = datetime(2026, 12, 2, 10, 0, tzinfo=AMS)


@pytest.fixture
def agent():
    return factories.agent("anouk")


def ticket(reporter, *, support_type="functional", priority="standard", channel="email", reported="2026-11-23T09:30"):
    return services.ticket_create(
        reporter=reporter,
        subject=f"{support_type} {priority} {channel}",
        body="",
        channel=channel,
        support_type=support_type,
        priority=priority,
        now=at(reported),
    )


def work(t, agent, start: str, minutes: int, kind: str = "work", description: str = "werk"):
    return services.time_entry_add(
        ticket=t, agent=agent, start=at(start), minutes=minutes, kind=kind, description=description, now=at(start)
    )


def run(agent, period=NOV, customers=(), now=NOW):
    billing_run = billing_run_create(
        actor=agent, period_start=period[0], period_end=period[1], customers=customers, now=now
    )
    return billing_run


def cli_price(t) -> str:
    """What `servicedesk policy price` says about the ticket, as an independent check of the run."""
    request = {
        "support_type": t.support_type,
        "priority": t.priority,
        "channel": t.channel,
        "critical": t.critical,
        "entries": [
            {"kind": e.kind, "start": e.start.astimezone(AMS).strftime("%Y-%m-%dT%H:%M"), "minutes": e.minutes}
            for e in t.time_entries.order_by("start", "id")
        ],
    }
    result = subprocess.run(
        [str(Path(sys.executable).with_name("servicedesk")), "policy", "price"],
        input=json.dumps(request),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(result.stdout)["total"]


def euro(cents: int) -> str:
    return f"{Decimal(cents) / 100:.2f}"


def test_every_rule_of_section_5_appears_in_the_specification(agent, anja, korrel):
    cases = {}
    # §8: functional, standard, by e-mail, 50 minutes: 60 min × €65 = €65.00
    cases["units"] = ticket(anja)
    work(cases["units"], agent, "2026-11-24T10:00", 50)
    # evening band: unmanaged standard, 16:50 for 20 minutes, billed 30 minutes from 16:50
    cases["bands"] = ticket(anja, support_type="unmanaged")
    work(cases["bands"], agent, "2026-11-24T16:50", 20)
    # night/Sunday band
    cases["sunday"] = ticket(anja, support_type="unmanaged", priority="high")
    work(cases["sunday"], agent, "2026-11-22T11:00", 60)
    # fair use: functional by e-mail, 5 minutes or less: free, listed at €0
    cases["fair_use"] = ticket(anja)
    work(cases["fair_use"], agent, "2026-11-25T11:00", 4)
    # managed + high: free
    cases["managed"] = ticket(anja, support_type="managed", priority="high")
    work(cases["managed"], agent, "2026-11-25T13:00", 45)
    # critical incident: free
    cases["critical"] = ticket(anja, support_type="unmanaged", priority="direct")
    services.ticket_classify(
        ticket=cases["critical"], actor=agent, reason="storing", critical=True, now=at("2026-11-23T10:00")
    )
    work(cases["critical"], agent, "2026-11-23T10:00", 90)
    # phone surcharge: functional by phone, 3 minutes: 15 + 15 minutes = €32.50
    cases["phone"] = ticket(anja, channel="phone")
    work(cases["phone"], agent, "2026-11-26T14:00", 3)
    # travel: half the rate, not rounded to units, minimum €32.50
    cases["travel"] = ticket(anja, support_type="unmanaged")
    work(cases["travel"], agent, "2026-11-27T09:00", 60)
    work(cases["travel"], agent, "2026-11-27T08:30", 20, kind="travel", description="heen en terug")
    billing = run(agent)
    (spec,) = billing_run_preview(billing)
    by_ticket: dict[int, list] = {}
    for line in spec.lines:
        by_ticket.setdefault(line.ticket_id, []).append(line)
    for name, t in cases.items():
        t.refresh_from_db()
        assert euro(sum(line.amount_cents for line in by_ticket[t.pk])) == cli_price(t), name
    assert euro(by_ticket[cases["units"].pk][0].amount_cents) == "65.00"
    assert [line.billed_minutes for line in by_ticket[cases["bands"].pk]] == [30]
    assert by_ticket[cases["bands"].pk][0].bands == "kantoortijd 10 min à 65,00; avond 20 min à 85,00"
    assert by_ticket[cases["sunday"].pk][0].bands.startswith("nacht/zondag ")
    for name, reason in (("fair_use", "fair_use"), ("managed", "managed_service"), ("critical", "critical")):
        (line,) = by_ticket[cases[name].pk]
        assert (line.amount_cents, line.free_reason) == (0, reason), name
    phone = by_ticket[cases["phone"].pk]
    assert [line.kind for line in phone] == ["work", "phone_surcharge"] and euro(
        sum(x.amount_cents for x in phone)
    ) == "32.50"
    travel = [line for line in by_ticket[cases["travel"].pk] if line.kind == "travel"]
    assert euro(travel[0].amount_cents) == "32.50"  # half of €65/h for 20 minutes is €10.83: the minimum applies

    invoices = billing_run_confirm(billing, actor=agent, now=NOW)
    (invoice,) = invoices
    assert invoice.number == "2026-00001" and invoice.status == "issued"
    assert invoice.subtotal_cents == spec.subtotal_cents
    assert invoice.vat_cents == round(invoice.subtotal_cents * Decimal("0.21"))
    assert invoice.total_cents == invoice.subtotal_cents + invoice.vat_cents
    assert InvoiceLine.objects.filter(invoice=invoice, amount_cents=0).count() == 3  # free work is listed
    assert not TimeEntry.objects.unbilled().exists()


def test_a_second_run_bills_nothing_twice_and_late_entries_go_into_the_next(agent, anja):
    t = ticket(anja)
    work(t, agent, "2026-11-24T10:00", 50)
    billing_run_confirm(run(agent), actor=agent, now=NOW)
    again = run(agent, now=NOW)
    assert billing_run_preview(again) == []
    assert billing_run_confirm(again, actor=agent, now=NOW) == []
    late = work(t, agent, "2026-11-28T10:00", 30)  # November work, recorded after November was billed
    december = run(agent, period=(date(2026, 12, 1), date(2026, 12, 31)), now=datetime(2027, 1, 4, 9, tzinfo=AMS))
    (spec,) = billing_run_preview(december)
    (line,) = spec.lines
    assert (line.entry_id, line.late) == (late.pk, True)


def test_a_change_after_billing_is_a_correction_line_referring_to_the_original(agent, anja):
    t = ticket(anja)
    work(t, agent, "2026-11-24T10:00", 4)  # fair use: free
    (first,) = billing_run_confirm(run(agent), actor=agent, now=NOW)
    assert first.number is None and first.status == "specification"  # only free work: no invoice
    original = InvoiceLine.objects.get()
    # In December more work: fair use ends, so the November entry is now billable too.
    work(t, agent, "2026-12-03T10:00", 30)
    december = run(agent, period=(date(2026, 12, 1), date(2026, 12, 31)), now=datetime(2027, 1, 4, 9, tzinfo=AMS))
    (spec,) = billing_run_preview(december)
    correction = next(line for line in spec.lines if line.corrects_id is not None)
    assert correction.corrects_id == original.pk and correction.amount_cents == 1625  # 15 min × €65/h
    (second,) = billing_run_confirm(december, actor=agent, now=datetime(2027, 1, 4, 9, tzinfo=AMS))
    assert second.number == "2027-00001"
    # Later made a critical incident: everything billed is credited back, in the next run.
    services.ticket_classify(
        ticket=t, actor=agent, reason="storing", critical=True, now=datetime(2027, 1, 5, tzinfo=AMS)
    )
    january = run(agent, period=(date(2027, 1, 1), date(2027, 1, 31)), now=datetime(2027, 2, 1, 9, tzinfo=AMS))
    (credit,) = billing_run_confirm(january, actor=agent, now=datetime(2027, 2, 1, 9, tzinfo=AMS))
    assert credit.subtotal_cents == -second.subtotal_cents and credit.number == "2027-00002"
    assert credit.vat_cents == -second.vat_cents
    assert sum(InvoiceLine.objects.filter(ticket=t).values_list("amount_cents", flat=True)) == 0


def test_a_billed_entry_is_locked(agent, anja):
    t = ticket(anja)
    entry = work(t, agent, "2026-11-24T10:00", 50)
    billing_run_confirm(run(agent), actor=agent, now=NOW)
    with pytest.raises(ValidationError):
        services.time_entry_correct(entry=TimeEntry.objects.get(pk=entry.pk), actor=agent, reason="x", minutes=10)


def test_a_run_for_chosen_customers_leaves_the_others(agent, anja):
    other = factories.contact(factories.customer("Wit"), "Piet", main=True)
    work(ticket(anja), agent, "2026-11-24T10:00", 50)
    work(ticket(other), agent, "2026-11-24T10:00", 50)
    (invoice,) = billing_run_confirm(run(agent, customers=[anja.customer]), actor=agent, now=NOW)
    assert invoice.customer == anja.customer
    assert TimeEntry.objects.unbilled().count() == 1


def test_numbers_are_gapless_per_year_and_a_run_confirms_once(agent, anja):
    customers = [factories.contact(factories.customer(f"Klant {n}"), f"C{n}", main=True) for n in range(4)]
    for contact in customers:
        work(ticket(contact), agent, "2026-11-24T10:00", 50)
    billing = run(agent)
    invoices = billing_run_confirm(billing, actor=agent, now=NOW)
    assert sorted(i.number for i in invoices) == [f"2026-{n:05d}" for n in range(1, 5)]
    with pytest.raises(ValidationError):
        billing_run_confirm(billing, actor=agent, now=NOW)
    assert Invoice.objects.count() == 4


def test_an_interrupted_confirmation_bills_nothing_and_can_be_repeated(agent, anja, monkeypatch):
    from servicedesk.billing import specification

    for n in range(3):
        work(ticket(factories.contact(factories.customer(f"K{n}"), f"C{n}", main=True)), agent, "2026-11-24T10:00", 50)
    billing = run(agent)
    written = []

    def interrupted_after_the_first_chunk(done: int) -> None:  # progress is heard once a chunk is priced
        written.append(InvoiceLine.objects.count())
        if len(written) == 2:
            raise KeyboardInterrupt("the operator pressed Ctrl-C")

    monkeypatch.setattr(specification, "TICKET_CHUNK", 1)  # a chunk per ticket: the crash comes half-way
    with pytest.raises(KeyboardInterrupt):
        billing_run_confirm(billing, actor=agent, now=NOW, progress=interrupted_after_the_first_chunk)
    assert written == [0, 1]  # the first chunk's line was written when it stopped
    assert not Invoice.objects.exists() and not TimeEntry.objects.billed().exists()
    invoices = billing_run_confirm(billing, actor=agent, now=NOW)
    assert [i.number for i in sorted(invoices, key=lambda i: i.number)] == ["2026-00001", "2026-00002", "2026-00003"]


@pytest.mark.django_db(transaction=True)
def test_two_confirmations_at_once_number_without_gaps_and_bill_each_entry_once(agent):
    import threading

    from django.db import connections

    contacts = [factories.contact(factories.customer(f"Klant {n}"), f"C{n}", main=True) for n in range(6)]
    for contact in contacts:
        work(ticket(contact), agent, "2026-11-24T10:00", 50)
    runs = [
        run(agent, customers=[c.customer for c in contacts[:4]]),
        run(agent, customers=[c.customer for c in contacts[2:]]),
    ]
    barrier, errors = threading.Barrier(2), []

    def confirm(billing):
        try:
            barrier.wait()
            billing_run_confirm(billing, actor=agent, now=NOW)
        except Exception as exc:  # reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=confirm, args=(r,)) for r in runs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    numbers = sorted(Invoice.objects.values_list("number", flat=True))
    assert numbers == [f"2026-{n:05d}" for n in range(1, 7)]  # six customers, each billed once, no gap
    assert InvoiceLine.objects.count() == 6 and not TimeEntry.objects.unbilled().exists()


def test_the_billing_command_previews_and_confirms(agent, anja):
    import io

    from django.core.management import call_command
    from django.core.management.base import CommandError

    work(ticket(anja), agent, "2026-11-24T10:00", 50)
    out = io.StringIO()
    call_command("billing", "run", "--from", "2026-11-01", "--to", "2026-11-30", "--user", "anouk", stdout=out)
    assert "preview" in out.getvalue() and "65.00" in out.getvalue() and not Invoice.objects.exists()
    out = io.StringIO()
    call_command(
        "billing", "run", "--from", "2026-11-01", "--to", "2026-11-30", "--user", "anouk", "--confirm", stdout=out
    )
    (invoice,) = Invoice.objects.all()
    assert invoice.number in out.getvalue() and "78.65" in out.getvalue()  # 65.00 + 21 % VAT
    with pytest.raises(CommandError, match="--from"):
        call_command("billing", "run", "--from", "1 november", "--to", "2026-11-30")
    with pytest.raises(CommandError, match="--customer"):
        call_command("billing", "run", "--from", "2026-11-01", "--to", "2026-11-30", "--customer", "nope")


def test_a_confirmation_in_chunks_bills_what_its_preview_shows(agent, anja, monkeypatch):
    """A chunk per ticket: late work, corrections of earlier billed work and phone surcharges come out of the
    preview's lines, its figures and the confirmation alike, and the progress counts every ticket once."""
    from servicedesk.billing import specification
    from servicedesk.billing.services import ticket_count

    october = (date(2026, 10, 1), date(2026, 10, 31))
    tickets = [ticket(anja, reported="2026-10-20T09:30") for _ in range(3)]
    phone = ticket(anja, channel="phone", reported="2026-10-21T10:00")
    for t in (*tickets, phone):
        work(t, agent, "2026-10-22T10:00", 50)
    billing_run_confirm(run(agent, period=october, now=at("2026-11-01T09:00")), actor=agent, now=at("2026-11-01T09:00"))
    services.ticket_classify(ticket=tickets[0], actor=agent, reason="spoed", priority="high")  # a correction
    work(tickets[1], agent, "2026-10-30T14:00", 20)  # late: October work recorded after October was billed
    for t in (*tickets, ticket(anja)):
        work(t, agent, "2026-11-24T10:00", 35)
    monkeypatch.setattr(specification, "TICKET_CHUNK", 1)
    billing = run(agent)
    (preview,) = billing_run_preview(billing)
    progress: list[int] = []
    (summary,) = billing_run_preview(billing, lines=False, progress=progress.append)
    assert progress == [1] * ticket_count(billing) and len(progress) > 1  # the bar's 100 %: every ticket
    assert (summary.line_count, summary.subtotal_cents, summary.late, summary.corrections, summary.free) == (
        preview.line_count,
        preview.subtotal_cents,
        preview.late,
        preview.corrections,
        preview.free,
    )
    (invoice,) = billing_run_confirm(billing, actor=agent, now=NOW)
    expected = sorted(
        (line.ticket_id, line.entry_id, line.amount_cents, line.late, line.corrects_id) for line in preview.lines
    )
    written = sorted(invoice.lines.values_list("ticket_id", "time_entry_id", "amount_cents", "late", "corrects_id"))
    assert written == expected
    assert any(late for *_, late, _ in written) and any(corrects for *_, corrects in written)
    assert invoice.subtotal_cents == preview.subtotal_cents
    assert not TimeEntry.objects.unbilled().exists()


def test_work_the_policy_cannot_price_stops_the_confirmation_and_bills_nothing(agent, anja, monkeypatch):
    """Work recorded outside the calendar the policy knows (written past the services), on the third of
    four tickets: the confirmation says why, and nothing is billed, not even the chunks before."""
    from servicedesk.billing import specification
    from servicedesk.policy import OutsideCalendar

    tickets = [ticket(anja) for _ in range(4)]
    for t in tickets:
        work(t, agent, "2026-11-24T10:00", 50)
    broken = TimeEntry.objects.create(
        ticket=tickets[2], agent=agent, start=at("2150-01-01T10:00"), minutes=10, created_at=NOW
    )
    monkeypatch.setattr(specification, "TICKET_CHUNK", 1)
    billing = run(agent)
    with pytest.raises(OutsideCalendar, match=r"^the calendar covers the years 1990 to 2099$"):
        billing_run_confirm(billing, actor=agent, now=NOW)
    assert not Invoice.objects.exists() and not InvoiceLine.objects.exists()
    broken.delete()
    (invoice,) = billing_run_confirm(billing, actor=agent, now=NOW)
    assert invoice.lines.count() == 4
