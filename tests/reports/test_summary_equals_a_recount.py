"""The reports' summary (TicketFigures, DailyTickets), kept by the ticket services in the transaction of each change,
equals a recount from the tickets after any sequence of changes: reports on every channel (one by one and as a mail
batch), reclassifications, responses, closings, reopenings by status and by a customer's reply, the SLA watch; and
the priced work (PricedWork) equals the tickets priced again after time entries are added and corrected, and its
monthly sums (MonthlyWork) the priced rows added up again."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from servicedesk.core.policy import current_policy
from servicedesk.reports.models import SLA_COUNTS, DailyTickets, MonthlySla, MonthlyWork, PricedWork, TicketFigures
from servicedesk.reports.summary import (
    CONTRIBUTION_FIELDS,
    FIELDS,
    SLA_FACTS,
    SLA_KEY,
    WORK_FIELDS,
    figures_of,
    monthly_contributions,
    monthly_sla_rebuild,
    monthly_work_rebuild,
    priced_work_of,
    priced_work_rebuild,
    sla_counts,
    ticket_figures_rebuild,
)
from servicedesk.tickets import services
from servicedesk.tickets.models import Ticket, TimeEntry
from servicedesk.tickets.services.conversation import NewMessage, messages_add
from servicedesk.tickets.sla import sla_watch
from tests import factories
from tests.helpers import unbilled_recounted, unbilled_stored

AMS = ZoneInfo("Europe/Amsterdam")
START = datetime(2026, 10, 30, 20, 0, tzinfo=AMS)  # a Friday evening: days and the clock change go by

step = st.one_of(
    st.tuples(st.just("report"), st.sampled_from(["email", "portal", "phone", "phone_after_hours"])),
    st.tuples(st.just("classify"), st.sampled_from(["managed", "unmanaged", "functional"]), st.booleans()),
    st.tuples(st.just("respond")),
    st.tuples(st.just("close")),
    st.tuples(st.just("reopen")),
    st.tuples(st.just("reply")),
    st.tuples(st.just("watch")),
    st.tuples(st.just("time"), st.sampled_from(["work", "travel"]), st.integers(1, 240), st.integers(0, 900)),
    st.tuples(st.just("correct"), st.integers(1, 180), st.integers(0, 300)),
)


def recounted() -> tuple[dict, Counter]:
    """The figures and daily counts as they follow from the tickets now."""
    policy = current_policy()
    figures = {f.ticket_id: f for f in (figures_of(row, policy) for row in Ticket.objects.values_list(*FIELDS))}
    daily: Counter = Counter()
    for f in figures.values():
        daily[(f.reported_on, f.channel, f.support_type, "opened")] += 1
        if f.closed_on is not None:
            daily[(f.closed_on, f.channel, f.support_type, "closed")] += 1
    return figures, daily


def stored() -> tuple[dict, Counter]:
    figures = {f.ticket_id: f for f in TicketFigures.objects.all()}
    daily: Counter = Counter()
    for row in DailyTickets.objects.all():
        daily[(row.day, row.channel, row.support_type, "opened")] += row.opened
        daily[(row.day, row.channel, row.support_type, "closed")] += row.closed
    return figures, +daily  # rows counted down to zero are kept; zero is no count


PRICED = ("ticket_id", "entry_id", *CONTRIBUTION_FIELDS)


def priced_recount() -> list[tuple]:
    """Every ticket's work priced again from its entries."""
    policy = current_policy()
    rows = []
    for ticket_id in TimeEntry.objects.order_by().values_list("ticket_id", flat=True).distinct():
        entries = TimeEntry.objects.filter(ticket_id=ticket_id).values_list(*WORK_FIELDS).order_by("start", "id")
        rows += [tuple(getattr(w, n) for n in PRICED) for w in priced_work_of(list(entries), policy)]
    return sorted(rows)


def priced_stored() -> list[tuple]:
    return sorted(PricedWork.objects.values_list(*PRICED))


def monthly_recount() -> dict:
    """The priced rows added up per month again (zero sums left out)."""
    sums = monthly_contributions(PricedWork.objects.values_list(*CONTRIBUTION_FIELDS))
    return {key: tuple(figures) for key, figures in sums.items() if any(figures)}


def monthly_sla_recount() -> dict:
    """The tickets' figures counted per month again (zero counts left out)."""
    sums: dict = {}
    for values in TicketFigures.objects.values_list(*SLA_KEY, *SLA_FACTS):
        key, counts = values[: len(SLA_KEY)], sla_counts(*values[len(SLA_KEY) :])
        sums[key] = tuple(a + b for a, b in zip(sums.get(key, (0,) * len(counts)), counts, strict=True))
    return {key: counts for key, counts in sums.items() if any(counts)}


def monthly_sla_stored() -> dict:
    rows = MonthlySla.objects.values_list("month", "customer_id", "channel", "support_type", "priority", *SLA_COUNTS)
    return {tuple(row[:5]): tuple(row[5:]) for row in rows if any(row[5:])}


def monthly_stored() -> dict:
    rows = MonthlyWork.objects.values_list("month", "by", "key", "kind", "free_reason", "minutes", "amount_cents")
    return {tuple(row[:5]): tuple(row[5:]) for row in rows if row[5] or row[6]}


def same(a: TicketFigures, b: TicketFigures) -> bool:
    names = ("customer_id", "reported_at", "reported_on", "reported_month", "closed_on", "channel", "support_type")
    facts = ("priority", "best_effort", "responded", "response_met", "response_due", "breached", "office_seconds")
    return all(getattr(a, n) == getattr(b, n) for n in (*names, *facts))


@pytest.fixture
def people(db):
    agent = factories.agent("anouk")
    contacts = [factories.contact(factories.customer(name), main=True) for name in ("De Korrel", "Smile")]
    return agent, contacts


@settings(
    max_examples=30,
    deadline=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],  # no shrinking: a database example is slow to shrink
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    steps=st.lists(st.tuples(step, st.integers(0, 50), st.integers(1, 30 * 60)), min_size=1, max_size=30),
    batch=st.integers(0, 3),
)
def test_the_summary_equals_a_recount_after_any_changes(people, steps, batch):
    agent, contacts = people
    now = START
    with transaction.atomic():
        tickets: list[Ticket] = []
        if batch:  # mail intake opens a batch of tickets in one statement
            news = [
                services.new_ticket(reporter=contacts[i % 2], subject=f"b{i}", body="…", channel="email", now=now)
                for i in range(batch)
            ]
            services.tickets_open(news, now=now)
            tickets += [n.ticket for n in news]
        for (what, *args), pick, minutes in steps:
            now += timedelta(minutes=minutes)
            if what == "watch":  # the SLA watch flags breaches, as the worker does every minute
                sla_watch(now=now)
                continue
            if what == "report" or not tickets:
                channel = args[0] if what == "report" else "email"
                actor = agent if channel.startswith("phone") else None
                reporter = contacts[pick % 2]
                tickets.append(
                    services.ticket_create(
                        reporter=reporter, subject="t", body="…", channel=channel, actor=actor, now=now
                    )
                )
                continue
            ticket = Ticket.objects.get(pk=tickets[pick % len(tickets)].pk)
            if what == "classify":
                services.ticket_classify(
                    ticket=ticket, actor=agent, reason="Anders", support_type=args[0], critical=args[1], now=now
                )
            elif what == "respond" and ticket.responded_at is None:
                services.ticket_respond(ticket=ticket, actor=agent, diagnosis="Gevonden.", now=now)
            elif what == "close" and ticket.status != Ticket.Status.CLOSED:
                services.ticket_close(ticket=ticket, actor=agent, now=now)
            elif what == "reopen" and ticket.status == Ticket.Status.CLOSED:
                services.ticket_reopen(ticket=ticket, actor=agent, reason="Toch niet", now=now)
            elif what == "time":
                kind, minutes, offset = args
                services.time_entry_add(
                    ticket=ticket,
                    agent=agent,
                    kind=kind,
                    start=now - timedelta(minutes=minutes + offset),
                    minutes=minutes,
                    now=now,
                )
            elif what == "correct" and (entry := TimeEntry.objects.filter(ticket=ticket).order_by("id").last()):
                minutes, offset = args
                services.time_entry_correct(
                    entry=entry,
                    actor=agent,
                    reason="Tikfout",
                    minutes=minutes,
                    start=entry.start - timedelta(minutes=offset),
                    now=now,
                )
            elif what == "reply":
                messages_add([NewMessage(ticket=ticket, contact=ticket.reporter, body="Nog steeds kapot.")], now=now)
        figures, daily = stored()
        expected_figures, expected_daily = recounted()
        assert daily == expected_daily
        assert figures.keys() == expected_figures.keys()
        assert all(same(figures[pk], expected_figures[pk]) for pk in figures)
        assert monthly_sla_stored() == monthly_sla_recount()
        assert priced_stored() == priced_recount()
        assert monthly_stored() == monthly_recount()
        assert unbilled_stored() == unbilled_recounted()
        sla = monthly_sla_stored()
        ticket_figures_rebuild()
        monthly_sla_rebuild()
        assert stored()[1] == expected_daily
        assert monthly_sla_stored() == sla
        priced = priced_stored()
        priced_work_rebuild()
        assert priced_stored() == priced
        monthly = monthly_stored()
        monthly_work_rebuild()
        assert monthly_stored() == monthly
        transaction.set_rollback(True)
