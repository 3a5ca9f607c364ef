"""What the desk reads of projects, in a number of queries that does not grow with the rows."""

from __future__ import annotations

from datetime import date

import pytest
from django.utils import timezone

from servicedesk.projects import services
from servicedesk.projects.models import BudgetExtension
from servicedesk.projects.quote_services import quote_create, quote_line_add, quote_new_version
from servicedesk.projects.selectors import LINKED_PROJECT, linked_project, open_tasks_of, project_for_desk, project_list
from servicedesk.projects.time_services import project_time_add, project_time_correct
from servicedesk.tickets import services as ticket_services
from servicedesk.tickets.models import Ticket

pytestmark = pytest.mark.django_db


def _grow(project, agent, contact, n: int) -> None:
    for i in range(n):
        phase = services.phase_add(project=project, name=f"Fase {i}", actor=agent)
        for day in (None, 3, 1):
            services.task_add(
                project=project,
                phase=phase,
                title=f"T{i}-{day}",
                actor=agent,
                assignee=agent,
                due_date=date(2026, 12, day) if day else None,
            )
        ticket = ticket_services.ticket_create(reporter=contact, subject=f"T{i}", body="", channel="email")
        services.project_link_ticket(project=project, ticket=ticket, actor=agent)


@pytest.mark.parametrize("size", [1, 6])
def test_project_for_desk_reads_everything_in_ten_queries(
    project, agent, main_contact, size, django_assert_num_queries
):
    _grow(project, agent, main_contact, size)
    for _version in range(size):
        quote = quote_create(project=project, actor=agent, billing_mode="fixed_price", hourly_rate_cents=9500)
        quote_line_add(quote=quote, actor=agent, kind="fixed", description="Licentie", quantity=1, unit_price_cents=1)
        quote_new_version(quote=quote, actor=agent).delete()  # the old one superseded: a new quote may be made
    task = project.phases.first().tasks.first()
    for i in range(size):
        entry = project_time_add(project=project, agent=agent, start=timezone.now(), minutes=30 + i, task=task)
        if i % 2:
            project_time_correct(
                entry=entry,
                actor=agent,
                reason="Te lang",
                kind="work",
                start=entry.start,
                minutes=15,
                description="",
                task=task,
            )
        extension = BudgetExtension.objects.create(project=project, minutes=60, proposed_at=timezone.now())
    # project; services, phases, tasks, tickets, trail, quotes, their lines, time as it stands, extensions
    with django_assert_num_queries(10):
        loaded = project_for_desk(project.pk)
        time = [(entry.minutes, entry.agent.username, entry.task.title) for entry in loaded.current_time]
        extensions = [e.minutes for e in loaded.extensions.all()]
        lines = [[line.description for line in quote.lines.all()] for quote in loaded.quotes.all()]
        phases = list(loaded.phases.all())
        titles = [[task.title for task in phase.tasks.all()] for phase in phases]
        tickets = [link.ticket.subject for link in loaded.ticket_links.all()]
        events = [event.actor.username for event in loaded.events.all()]
        items = [item.name for item in loaded.matrix_items.all()]
    assert titles[0] == ["T0-1", "T0-3", "T0-None"]  # soonest due first, undated last
    assert [minutes for minutes, _agent, _task in time] == [15 if i % 2 else 30 + i for i in range(size)]
    assert extensions == [60] * size and extension.pk
    assert len(events) == 1 + 5 * size + 3 * size + size + size // 2  # ... and the time booked and corrected
    assert len(tickets) == size and items == ["Microsoft 365"]
    assert lines == [["Licentie"]] * size


@pytest.mark.parametrize("size", [1, 6])
def test_project_list_counts_open_tasks_in_two_queries(project, agent, main_contact, size, django_assert_num_queries):
    _grow(project, agent, main_contact, size)
    first = project.phases.first().tasks.first()
    services.task_set_done(project=project, task=first, done=True, actor=agent)
    with django_assert_num_queries(2):  # the count and the page
        page = project_list(status="draft", lead_id=agent.pk)
        rows = [(p.name, p.customer.name, p.lead.username, p.open_task_count, p.task_count) for p in page]
    assert rows == [("Migratie naar 365", "Bakkerij De Korrel", "anouk", 3 * size - 1, 3 * size)]
    assert list(project_list(status="done")) == []


def test_the_linked_project_joined_into_the_tickets_query_or_read_after(
    project, agent, ticket, django_assert_num_queries
):
    def joined():
        return Ticket.objects.select_related(LINKED_PROJECT).get(pk=ticket.pk)

    unlinked = joined()
    with django_assert_num_queries(0):
        assert linked_project(unlinked) is None
    plain = Ticket.objects.get(pk=ticket.pk)
    with django_assert_num_queries(1):  # the link
        assert linked_project(plain) is None
    services.project_link_ticket(project=project, ticket=ticket, actor=agent)
    linked = joined()
    with django_assert_num_queries(0):
        assert linked_project(linked) == project and linked_project(linked).name == project.name
    plain = Ticket.objects.get(pk=ticket.pk)
    with django_assert_num_queries(2):  # the link, then its project
        assert linked_project(plain) == project


def test_open_tasks_of_an_agent(project, agent, main_contact):
    _grow(project, agent, main_contact, 1)
    assert [t.title for t in open_tasks_of(agent)] == ["T0-1", "T0-3", "T0-None"]
