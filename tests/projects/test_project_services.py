"""Every project write: what it checks, what it writes, and that a refusal writes nothing."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from servicedesk.customers.services import matrix_item_add
from servicedesk.projects import services
from servicedesk.projects.event_text import event_sentence
from servicedesk.projects.models import Phase, Project, ProjectEvent, ProjectTicket, Task
from servicedesk.tickets import services as ticket_services
from tests import factories

pytestmark = pytest.mark.django_db
Status = Project.Status


def _sentences(project) -> list[str]:
    with translation.override("nl"):
        return [event_sentence(e) for e in project.events.order_by("at", "id")]


def test_create_records_the_project_and_its_services(project, item, agent):
    assert project.status == Status.DRAFT
    assert list(project.matrix_items.all()) == [item]
    event = project.events.get()
    assert (event.kind, event.actor) == (ProjectEvent.Kind.CREATED, agent)
    assert _sentences(project) == ["Project aangemaakt."]


def test_a_service_of_another_customer_is_refused(customer, other_customer, agent):
    foreign = matrix_item_add(customer=other_customer, name="Back-up", description="", actor=agent)
    with pytest.raises(ValidationError) as error:
        services.project_create(customer=customer, name="X", kind="other", actor=agent, matrix_items=[foreign])
    assert "matrix_items" in error.value.message_dict
    assert not Project.objects.exists()


def test_a_name_kind_and_lead_are_checked(customer, django_user_model, agent):
    outsider = django_user_model.objects.create_user("klant", password="x-secret-123")
    with pytest.raises(ValidationError) as error:
        services.project_create(customer=customer, name=" ", kind="party", actor=agent, lead=outsider)
    assert set(error.value.message_dict) == {"name", "kind", "lead"}
    assert not Project.objects.exists()


@pytest.mark.parametrize(
    "path",
    [
        ["quoted", "accepted", "in_progress", "done"],
        ["quoted", "declined", "draft", "quoted"],
        ["quoted", "accepted", "cancelled"],
        ["cancelled"],
    ],
)
def test_allowed_transitions(project, agent, path):
    for status in path:
        project = services.project_set_status(project=project, status=status, actor=agent, reason="ok")
    assert Project.objects.get(pk=project.pk).status == path[-1]
    statuses = list(project.events.filter(kind="status").values_list("old_value", "new_value"))
    assert statuses == list(zip(["draft", *path[:-1]], path, strict=True))


@pytest.mark.parametrize(
    ("path", "wrong"),
    [
        ([], "accepted"),
        ([], "done"),
        (["quoted"], "in_progress"),
        (["cancelled"], "draft"),
        (["quoted", "declined"], "accepted"),
    ],
)
def test_a_wrong_transition_names_the_problem_and_writes_nothing(project, agent, path, wrong):
    for status in path:
        services.project_set_status(project=project, status=status, actor=agent)
    events = ProjectEvent.objects.count()
    with translation.override("nl"), pytest.raises(ValidationError) as error:
        services.project_set_status(project=project, status=wrong, actor=agent)
    message = error.value.message_dict["status"][0]
    assert str(Status(wrong).label) in message or wrong not in Status.values
    assert ProjectEvent.objects.count() == events
    assert Project.objects.get(pk=project.pk).status == (path[-1] if path else "draft")


def test_status_sentence_in_both_languages(project, agent):
    services.project_set_status(project=project, status="quoted", actor=agent)
    assert _sentences(project)[-1] == "Status gewijzigd van Concept in Geoffreerd."
    with translation.override("en"):
        assert event_sentence(project.events.last()) == "Status changed from Draft to Quoted."


def test_update_records_each_change(project, agent, customer):
    other = factories.agent("bram")
    second = matrix_item_add(customer=customer, name="Netwerk", description="", actor=agent)
    services.project_update(
        project=project,
        actor=agent,
        name="Migratie Exchange",
        kind="implementation",
        description="Nieuw.",
        matrix_items=[second],
        lead=other,
        reason="afspraak",
    )
    changed = project.events.filter(kind="changed")
    assert sorted(changed.values_list("field", flat=True)) == ["description", "kind", "lead", "matrix_items", "name"]
    assert all(e.reason == "afspraak" for e in changed)
    sentences = _sentences(project)
    assert "Naam gewijzigd van Migratie naar 365 in Migratie Exchange." in sentences
    assert "Soort gewijzigd van Migratie in Implementatie." in sentences
    project.refresh_from_db()
    assert (project.name, project.lead, list(project.matrix_items.all())) == ("Migratie Exchange", other, [second])


def test_update_without_changes_writes_nothing(project, agent, item):
    before = ProjectEvent.objects.count()
    services.project_update(
        project=project,
        actor=agent,
        name=project.name,
        kind=project.kind,
        description="",
        matrix_items=[item],
        lead=agent,
    )
    assert ProjectEvent.objects.count() == before


def test_phases_are_numbered_in_order_and_milestones_checked(project, agent):
    first = services.phase_add(project=project, name="Inventarisatie", actor=agent)
    second = services.phase_add(
        project=project, name="Overzetten", actor=agent, milestone=True, milestone_percentage=Decimal("40")
    )
    assert (first.position, second.position) == (1, 2)
    with pytest.raises(ValidationError):
        services.phase_add(project=project, name="Nazorg", actor=agent, milestone_amount=Decimal("100"))
    with pytest.raises(ValidationError):
        services.phase_add(
            project=project, name="Nazorg", actor=agent, milestone=True, milestone_percentage=Decimal("140")
        )
    assert Phase.objects.filter(project=project).count() == 2
    assert _sentences(project)[-1] == "Fase Overzetten toegevoegd, een mijlpaal."


def test_tasks_are_added_changed_and_done(project, agent):
    phase = services.phase_add(project=project, name="Inventarisatie", actor=agent)
    task = services.task_add(
        project=project,
        phase=phase,
        title="Mailboxen tellen",
        actor=agent,
        due_date=date(2026, 12, 8),
        estimate_minutes=90,
    )
    other = factories.agent("bram")
    services.task_update(
        project=project,
        task=task,
        actor=agent,
        title="Mailboxen tellen",
        assignee=other,
        due_date=date(2026, 12, 9),
        estimate_minutes=90,
    )
    task = services.task_set_done(project=project, task=task, done=True, actor=other)
    assert task.done_by == other and task.done_at is not None
    services.task_set_done(project=project, task=task, done=True, actor=other)  # twice: once in the trail
    sentences = _sentences(project)
    assert sentences[-4:] == [
        "Taak Mailboxen tellen toegevoegd aan fase Inventarisatie.",
        "Taak Mailboxen tellen: Behandelaar ingesteld op bram.",
        "Taak Mailboxen tellen: Deadline gewijzigd van di 8-12-2026 in wo 9-12-2026.",
        "Taak Mailboxen tellen afgerond.",
    ]
    services.task_set_done(project=project, task=task, done=False, actor=agent)
    assert Task.objects.get(pk=task.pk).done_at is None


def test_a_task_on_another_projects_phase_is_refused(project, agent, other_customer):
    foreign = services.project_create(customer=other_customer, name="Andermans", kind="other", actor=agent)
    foreign_phase = services.phase_add(project=foreign, name="Vreemd", actor=agent)
    events = ProjectEvent.objects.count()
    with pytest.raises(ValidationError) as error:
        services.task_add(project=project, phase=foreign_phase, title="Sluipweg", actor=agent)
    assert "phase" in error.value.message_dict
    foreign_task = services.task_add(project=foreign, phase=foreign_phase, title="Van hen", actor=agent)
    events = ProjectEvent.objects.count()
    with pytest.raises(ValidationError):
        services.task_set_done(project=project, task=foreign_task, done=True, actor=agent)
    with pytest.raises(ValidationError):
        services.task_update(
            project=project,
            task=foreign_task,
            actor=agent,
            title="Weg",
            assignee=None,
            due_date=None,
            estimate_minutes=None,
        )
    assert ProjectEvent.objects.count() == events
    foreign_task.refresh_from_db()
    assert (foreign_task.title, foreign_task.done_at) == ("Van hen", None)
    assert not Task.objects.filter(title="Sluipweg").exists()


def test_tickets_are_linked_once_and_only_of_the_customer(project, ticket, agent, other_customer):
    services.project_link_ticket(project=project, ticket=ticket, actor=agent)
    with pytest.raises(ValidationError) as error:
        services.project_link_ticket(project=project, ticket=ticket, actor=agent)
    assert "Migratie naar 365" in error.value.message_dict["ticket"][0]
    stranger = factories.contact(other_customer, "Piet Dijkstra", main=True)
    foreign = ticket_services.ticket_create(reporter=stranger, subject="Band lek", body="", channel="email")
    with pytest.raises(ValidationError):
        services.project_link_ticket(project=project, ticket=foreign, actor=agent)
    assert list(ProjectTicket.objects.values_list("ticket_id", flat=True)) == [ticket.pk]
    services.project_unlink_ticket(project=project, ticket=ticket, actor=agent)
    assert not ProjectTicket.objects.exists()
    with pytest.raises(ValidationError):
        services.project_unlink_ticket(project=project, ticket=ticket, actor=agent)
    assert _sentences(project)[-2:] == [
        f"Ticket #{ticket.pk} Mailbox verhuizen gekoppeld.",
        f"Ticket #{ticket.pk} Mailbox verhuizen niet meer gekoppeld.",
    ]
