"""The desk's project pages through Django's test client: create, phases, tasks, status, tickets, my tasks,
crafted ids refused, and pinned query counts."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from servicedesk.customers.services import matrix_item_add
from servicedesk.projects import services, time_services
from servicedesk.projects.models import Project, ProjectEvent, ProjectTicket, Task
from servicedesk.projects.quote_services import quote_create, quote_line_add
from servicedesk.tickets import services as ticket_services
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def item(customer, agent):
    return matrix_item_add(customer=customer, name="Microsoft 365", description="", actor=agent)


@pytest.fixture
def project(customer, agent, item):
    return services.project_create(customer=customer, name="Migratie 365", kind="migration", actor=agent, lead=agent)


def test_create_a_project_add_phase_and_task_mark_done_link_a_ticket(desk, customer, item, agent, ticket):
    response = desk.post(
        reverse("desk:project_new"),
        {
            "customer": customer.pk,
            "name": "Inventarisatie",
            "kind": "inventory",
            "matrix_items": [item.pk],
            "lead": agent.pk,
            "description": "Alles tellen.",
        },
    )
    project = Project.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("desk:project", args=[project.pk])
    assert list(project.matrix_items.all()) == [item]

    assert desk.post(reverse("desk:phase_add", args=[project.pk]), {"name": "Werkplekken"}).status_code == 302
    phase = project.phases.get()
    response = desk.post(
        reverse("desk:task_add", args=[project.pk]),
        {
            "phase": phase.pk,
            "title": "Laptops tellen",
            "assignee": agent.pk,
            "due_date": "2026-12-10",
            "estimate_minutes": "60",
        },
    )
    assert response.status_code == 302
    task = Task.objects.get()
    assert desk.post(reverse("desk:task_done", args=[project.pk, task.pk])).status_code == 302
    task.refresh_from_db()
    assert task.done_by == agent

    assert desk.post(reverse("desk:project_ticket_link", args=[project.pk]), {"ticket": ticket.pk}).status_code == 302
    assert ProjectTicket.objects.get().ticket == ticket
    assert desk.post(reverse("desk:project_status", args=[project.pk]), {"status": "quoted"}).status_code == 302

    html = desk.get(reverse("desk:project", args=[project.pk])).content.decode()
    assert "Werkplekken" in html and "Laptops tellen" in html and "afgerond" in html
    assert f"#{ticket.pk} Printer doet het niet" in html
    assert "Project aangemaakt." in html and "Status gewijzigd van Concept in Geoffreerd." in html
    assert "Taak Laptops tellen afgerond." in html

    ticket_html = desk.get(reverse("desk:ticket", args=[ticket.pk])).content.decode()
    assert f'href="{reverse("desk:project", args=[project.pk])}">Inventarisatie</a>' in ticket_html


def test_a_wrong_status_is_refused_with_the_reason(desk, project):
    response = desk.post(reverse("desk:project_status", args=[project.pk]), {"status": "done"})
    assert response.status_code == 400
    assert "Een project kan niet van “Concept” naar “Afgerond”." in response.content.decode()
    assert Project.objects.get().status == "draft"


def test_crafted_ids_of_another_project_are_refused(desk, project, agent):
    other_customer = factories.customer("Garage Dijkstra")
    foreign = services.project_create(customer=other_customer, name="Andermans", kind="other", actor=agent)
    foreign_phase = services.phase_add(project=foreign, name="Vreemd", actor=agent)
    foreign_task = services.task_add(project=foreign, phase=foreign_phase, title="Van hen", actor=agent)
    services.phase_add(project=project, name="Eigen", actor=agent)
    events = ProjectEvent.objects.count()

    response = desk.post(reverse("desk:task_add", args=[project.pk]), {"phase": foreign_phase.pk, "title": "Sluip"})
    assert response.status_code == 400
    assert desk.post(reverse("desk:task_done", args=[project.pk, foreign_task.pk])).status_code == 404
    stranger = factories.contact(other_customer, "Piet", main=True)
    foreign_ticket = ticket_services.ticket_create(reporter=stranger, subject="Band", body="", channel="email")
    response = desk.post(reverse("desk:project_ticket_link", args=[project.pk]), {"ticket": foreign_ticket.pk})
    assert response.status_code == 400 and "van een andere klant" in response.content.decode()
    response = desk.post(reverse("desk:project_ticket_link", args=[project.pk]), {"ticket": 999999})
    assert response.status_code == 400 and "Er is geen ticket #999999." in response.content.decode()

    assert ProjectEvent.objects.count() == events
    assert not Task.objects.filter(title="Sluip").exists() and Task.objects.get(pk=foreign_task.pk).done_at is None
    assert not ProjectTicket.objects.exists()
    assert desk.get(reverse("desk:project", args=[999999])).status_code == 404


def test_edit_changes_the_project_and_keeps_its_customer(desk, project, agent):
    response = desk.post(
        reverse("desk:project_edit", args=[project.pk]),
        {"name": "Migratie Exchange", "kind": "migration", "lead": "", "reason": "nieuwe naam"},
    )
    assert response.status_code == 302
    project.refresh_from_db()
    assert (project.name, project.lead) == ("Migratie Exchange", None)
    assert (
        "Naam gewijzigd van Migratie 365 in Migratie Exchange."
        in desk.get(reverse("desk:project", args=[project.pk])).content.decode()
    )


def test_a_task_is_changed_on_its_own_page_and_only_through_its_project(desk, project, agent):
    phase = services.phase_add(project=project, name="Fase", actor=agent)
    task = services.task_add(project=project, phase=phase, title="Tellen", actor=agent, due_date=_d(5))
    url = reverse("desk:task_edit", args=[project.pk, task.pk])
    page = desk.get(url).content.decode()
    assert 'value="Tellen"' in page
    assert f'type="date" name="due_date" value="{_d(5).isoformat()}"' in page  # the browser's date picker reads ISO
    response = desk.post(url, {"title": "Alles tellen", "assignee": agent.pk, "estimate_minutes": "30"})
    assert response.status_code == 302
    task.refresh_from_db()
    assert (task.title, task.assignee, task.estimate_minutes) == ("Alles tellen", agent, 30)
    assert (
        "Taak Alles tellen: Schatting ingesteld op 30 min."
        in desk.get(reverse("desk:project", args=[project.pk])).content.decode()
    )
    other = services.project_create(customer=project.customer, name="Ander", kind="other", actor=agent)
    assert desk.get(reverse("desk:task_edit", args=[other.pk, task.pk])).status_code == 404
    assert desk.post(reverse("desk:task_edit", args=[other.pk, task.pk]), {"title": "Weg"}).status_code == 404
    assert Task.objects.get(pk=task.pk).title == "Alles tellen"


def test_a_service_of_another_customer_is_refused_on_create(desk, customer, agent):
    other = factories.customer("Garage Dijkstra")
    foreign = matrix_item_add(customer=other, name="Back-up", description="", actor=agent)
    response = desk.post(
        reverse("desk:project_new"),
        {"customer": customer.pk, "name": "X", "kind": "other", "matrix_items": [foreign.pk]},
    )
    assert response.status_code == 200
    assert "Een project kan alleen diensten van de eigen klant betreffen." in response.content.decode()
    assert not Project.objects.exists()


def test_list_filters(desk, project, agent):
    other = factories.customer("Garage Dijkstra")
    services.project_create(customer=other, name="Netwerk Dijkstra", kind="implementation", actor=agent)
    html = desk.get(reverse("desk:projects")).content.decode()
    assert "Migratie 365" in html and "Netwerk Dijkstra" in html
    html = desk.get(reverse("desk:projects"), {"customer": other.pk}).content.decode()
    assert "Migratie 365" not in html and "Netwerk Dijkstra" in html
    html = desk.get(reverse("desk:projects"), {"lead": agent.pk, "status": "draft"}).content.decode()
    assert "Migratie 365" in html and "Netwerk Dijkstra" not in html


def test_my_tasks_lists_my_open_tasks_by_due_date(desk, project, agent):
    phase = services.phase_add(project=project, name="Fase", actor=agent)
    services.task_add(project=project, phase=phase, title="Later", actor=agent, assignee=agent, due_date=_d(20))
    services.task_add(project=project, phase=phase, title="Eerder", actor=agent, assignee=agent, due_date=_d(5))
    done = services.task_add(project=project, phase=phase, title="Klaar", actor=agent, assignee=agent)
    services.task_set_done(project=project, task=done, done=True, actor=agent)
    services.task_add(project=project, phase=phase, title="Van een ander", actor=agent, assignee=factories.agent())
    html = desk.get(reverse("desk:my_tasks")).content.decode()
    assert html.index("Eerder") < html.index("Later")
    assert "Klaar" not in html and "Van een ander" not in html


def _d(day: int):
    from datetime import date

    return date(2026, 12, day)


def _fill(customer, agent, n: int) -> Project:
    project = None
    for i in range(n):
        project = services.project_create(customer=customer, name=f"P{i}", kind="other", actor=agent, lead=agent)
        phase = services.phase_add(project=project, name="Fase", actor=agent, milestone=True)
        for j in range(n):
            task = services.task_add(project=project, phase=phase, title=f"T{j}", actor=agent, assignee=agent)
            if j % 2:
                services.task_set_done(project=project, task=task, done=True, actor=agent)
    return project


@pytest.mark.parametrize("size", [1, 8])
def test_list_and_project_page_query_counts_do_not_grow(
    desk, customer, agent, main_contact, size, django_assert_num_queries
):
    project = _fill(customer, agent, size)
    for i in range(size):
        ticket = ticket_services.ticket_create(reporter=main_contact, subject=f"T{i}", body="", channel="email")
        services.project_link_ticket(project=project, ticket=ticket, actor=agent)
    matrix_item_add(customer=customer, name="Netwerk", description="", actor=agent)
    quote = quote_create(project=project, actor=agent, billing_mode="fixed_price", hourly_rate_cents=9500)
    for i in range(size):
        quote_line_add(quote=quote, actor=agent, kind="fixed", description=f"L{i}", quantity=1, unit_price_cents=100)
    desk.get(reverse("desk:projects"))
    with django_assert_num_queries(5):  # the session and user; the filter's customers; count and page (agents: kept)
        assert desk.get(reverse("desk:projects")).status_code == 200
    task = project.phases.get().tasks.first()
    for _i in range(size):
        time_services.project_time_add(project=project, agent=agent, start=timezone.now(), minutes=20, task=task)
    desk.get(reverse("desk:project", args=[project.pk]))
    # The session and user; the project; its services, phases, tasks, tickets, trail, quotes, their lines, time,
    # extensions; who the draft quote goes to (the agents: kept).
    with django_assert_num_queries(13):
        assert desk.get(reverse("desk:project", args=[project.pk])).status_code == 200
    with django_assert_num_queries(3):  # the session and user; the tasks
        assert desk.get(reverse("desk:my_tasks")).status_code == 200


def test_the_same_submission_twice_adds_once(desk, project, customer):
    phase_form = {"name": "Werkplekken", "submission": "k-phase"}
    assert desk.post(reverse("desk:phase_add", args=[project.pk]), phase_form).status_code == 302
    assert desk.post(reverse("desk:phase_add", args=[project.pk]), phase_form).status_code == 302
    phase = project.phases.get()
    task_form = {"phase": phase.pk, "title": "Tellen", "submission": "k-task"}
    for _ in range(2):
        assert desk.post(reverse("desk:task_add", args=[project.pk]), task_form).status_code == 302
    assert Task.objects.count() == 1
    project_form = {"customer": customer.pk, "name": "Nog een", "kind": "other", "submission": "k-project"}
    first = desk.post(reverse("desk:project_new"), project_form)
    again = desk.post(reverse("desk:project_new"), project_form)
    assert first["Location"] == again["Location"]
    assert Project.objects.filter(name="Nog een").count() == 1
