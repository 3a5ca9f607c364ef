"""The SLA watch flags due-soon and breached tickets once each, and tells the agents."""

from __future__ import annotations

import pytest

from servicedesk.tickets import services
from servicedesk.tickets.models import AgentNotification, TicketEvent
from servicedesk.tickets.sla import sla_watch
from tests import factories
from tests.helpers import local as at

pytestmark = pytest.mark.django_db


@pytest.fixture
def main_contact():
    return factories.contact(factories.customer(), "Anja", main=True)


def direct_ticket(contact, **kwargs):
    values = {
        "subject": "Server plat",
        "body": "",
        "channel": "email",
        "support_type": "unmanaged",
        "priority": "direct",
        "now": at("2026-11-24 10:00"),
    }
    values.update(kwargs)
    return services.ticket_create(reporter=contact, **values)


def test_due_soon_then_breached_once_each(main_contact):
    agents = [factories.agent(), factories.agent()]
    ticket = direct_ticket(main_contact)  # due 11:00, due soon at 10:45
    assert sla_watch(now=at("2026-11-24 10:44")).due_soon == []
    assert sla_watch(now=at("2026-11-24 10:45")).due_soon == [ticket.pk]
    assert sla_watch(now=at("2026-11-24 10:50")).due_soon == []
    assert sla_watch(now=at("2026-11-24 10:59")).breached == []
    assert sla_watch(now=at("2026-11-24 11:00")).breached == [ticket.pk]
    assert sla_watch(now=at("2026-11-24 11:30")).breached == []
    kinds = list(ticket.events.filter(kind__in=["due_soon", "breached"]).values_list("kind", flat=True))
    assert kinds == [TicketEvent.Kind.DUE_SOON, TicketEvent.Kind.BREACHED]
    for agent in agents:  # unassigned: every agent hears of it
        assert sorted(agent.notifications.values_list("kind", flat=True)) == ["breached", "due_soon"]


def test_only_the_assignee_is_told_about_an_assigned_ticket(main_contact):
    mine, other = factories.agent(), factories.agent()
    ticket = direct_ticket(main_contact)
    services.ticket_assign(ticket=ticket, actor=mine, assignee=mine)
    sla_watch(now=at("2026-11-24 12:00"))
    assert list(mine.notifications.values_list("kind", flat=True)) == ["breached"]
    assert not other.notifications.exists()


def test_a_response_in_time_stops_the_watch(main_contact):
    agent = factories.agent()
    ticket = direct_ticket(main_contact)
    services.ticket_respond(ticket=ticket, actor=agent, diagnosis="Schijf vol", now=at("2026-11-24 10:30"))
    result = sla_watch(now=at("2026-11-24 12:00"))
    assert (result.due_soon, result.breached) == ([], [])


def test_best_effort_tickets_are_never_breached(main_contact):
    ticket = direct_ticket(main_contact, channel="phone_after_hours", now=at("2026-11-28 03:00"))
    result = sla_watch(now=at("2026-11-28 05:00"))
    assert result.breached == [] and result.due_soon == [ticket.pk]


def test_a_later_deadline_after_reclassification_is_watched_again(main_contact):
    agent = factories.agent()
    ticket = direct_ticket(main_contact)
    sla_watch(now=at("2026-11-24 10:30"))  # due soon, not yet breached
    services.ticket_classify(
        ticket=ticket, actor=agent, reason="Niet zo dringend", priority="standard", now=at("2026-11-24 10:40")
    )
    ticket.refresh_from_db()
    assert ticket.breached_flagged_at is None and ticket.due_soon_flagged_at is None
    assert sla_watch(now=at("2026-11-26 16:00")).due_soon == [ticket.pk]
    assert sla_watch(now=at("2026-11-27 10:00")).breached == [ticket.pk]


def test_a_miss_stays_recorded_when_a_reclassification_moves_the_deadline(main_contact):
    """POLICY.md §4: a miss that already happened stays recorded; the new deadline is still watched."""
    agent = factories.agent()
    ticket = direct_ticket(main_contact)
    assert sla_watch(now=at("2026-11-24 11:05")).breached == [ticket.pk]
    services.ticket_classify(
        ticket=ticket, actor=agent, reason="Niet zo dringend", priority="standard", now=at("2026-11-24 11:10")
    )
    ticket.refresh_from_db()
    assert ticket.breached_flagged_at == at("2026-11-24 11:05")
    assert ticket.response_due > at("2026-11-24 11:10")
    assert sla_watch(now=at("2026-11-26 16:00")).due_soon == [ticket.pk]
    assert sla_watch(now=at("2026-11-27 10:00")).breached == []  # recorded once
    assert ticket.events.filter(kind="breached").count() == 1


def test_closed_tickets_are_not_watched(main_contact):
    agent = factories.agent()
    ticket = direct_ticket(main_contact)
    services.ticket_close(ticket=ticket, actor=agent)
    assert sla_watch(now=at("2026-11-25 12:00")).breached == []
    assert not AgentNotification.objects.exists()
