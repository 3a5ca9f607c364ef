"""Every change to a project, one function each: in a transaction, with its line in the project's audit trail."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from servicedesk.core.labels import agent_name
from servicedesk.customers.models import Customer, ServiceMatrixItem
from servicedesk.projects.models import Phase, Project, ProjectEvent, ProjectTicket, Task
from servicedesk.tickets.models import Ticket

Status = Project.Status
Kind = ProjectEvent.Kind

#: Where a project may go from each status (POLICY.md §10); done, cancelled are final; declined may be redone.
TRANSITIONS: dict[str, frozenset[str]] = {
    Status.DRAFT: frozenset({Status.QUOTED, Status.CANCELLED}),
    Status.QUOTED: frozenset({Status.ACCEPTED, Status.DECLINED, Status.DRAFT, Status.CANCELLED}),
    Status.ACCEPTED: frozenset({Status.IN_PROGRESS, Status.CANCELLED}),
    Status.DECLINED: frozenset({Status.DRAFT}),
    Status.IN_PROGRESS: frozenset({Status.DONE, Status.CANCELLED}),
    Status.DONE: frozenset(),
    Status.CANCELLED: frozenset(),
}


def record_event(project: Project, kind: str, *, at: datetime, actor, subject="", field="", old="", new="", reason=""):
    """A line of the project's audit trail (every project service writes its change through this)."""
    ProjectEvent.objects.create(
        project=project,
        kind=kind,
        at=at,
        actor=actor,
        subject=str(subject)[:300],
        field=field,
        old_value=str(old)[:300],
        new_value=str(new)[:300],
        reason=reason,
    )


def touch(project: Project, now: datetime) -> None:
    """Mark the project changed: the lists order by it, and a billing run's drafts go stale by it."""
    project.updated_at = now
    Project.objects.filter(pk=project.pk).update(updated_at=now)


def _user_name(user) -> str:
    return agent_name(user) or ""


def _check_agent(user, field: str, problems: dict) -> None:
    if user is not None and not (user.is_active and user.is_staff):
        problems[field] = _("Only an agent can be chosen.")


def _check_details(*, customer: Customer, name: str, kind: str, lead, matrix_items: list, problems: dict) -> None:
    if not name.strip():
        problems["name"] = _("A project needs a name.")
    if kind not in Project.Kind.values:
        problems["kind"] = _("Choose the kind of project.")
    _check_agent(lead, "lead", problems)
    if any(item.customer_id != customer.pk for item in matrix_items):
        problems["matrix_items"] = _("A project can only concern services of its own customer.")


@transaction.atomic
def project_create(
    *,
    customer: Customer,
    name: str,
    kind: str,
    actor,
    description: str = "",
    matrix_items: Iterable[ServiceMatrixItem] = (),
    lead=None,
    now: datetime | None = None,
) -> Project:
    """A new project of `customer`, in draft."""
    now = now or timezone.now()
    items = list(matrix_items)
    problems: dict = {}
    _check_details(customer=customer, name=name, kind=kind, lead=lead, matrix_items=items, problems=problems)
    if problems:
        raise ValidationError(problems)
    project = Project.objects.create(
        customer=customer,
        name=" ".join(name.split()),
        kind=kind,
        description=description.strip(),
        lead=lead,
        created_at=now,
        updated_at=now,
    )
    project.matrix_items.set(items)
    record_event(project, Kind.CREATED, at=now, actor=actor, new=project.name)
    return project


@transaction.atomic
def project_update(
    *,
    project: Project,
    actor,
    name: str,
    kind: str,
    description: str,
    matrix_items: Iterable[ServiceMatrixItem],
    lead,
    reason: str = "",
    now: datetime | None = None,
) -> Project:
    """Change a project's details; each changed one is a line in the trail. Its customer never changes (its
    tickets and services are that customer's)."""
    now = now or timezone.now()
    items = list(matrix_items)
    problems: dict = {}
    _check_details(customer=project.customer, name=name, kind=kind, lead=lead, matrix_items=items, problems=problems)
    if problems:
        raise ValidationError(problems)
    project = Project.objects.select_for_update().get(pk=project.pk)
    name = " ".join(name.split())
    description = description.strip()
    changes = []
    if project.name != name:
        changes.append(("name", project.name, name))
    if project.kind != kind:
        changes.append(("kind", project.kind, kind))
    if project.description != description:
        changes.append(("description", "", ""))  # long text: the trail says it changed, the page shows it
    if project.lead_id != (lead.pk if lead else None):
        changes.append(("lead", _user_name(project.lead), _user_name(lead)))
    old_items = sorted(project.matrix_items.values_list("name", flat=True))
    new_items = sorted(item.name for item in items)
    if old_items != new_items:
        changes.append(("matrix_items", ", ".join(old_items), ", ".join(new_items)))
    if not changes:
        return project
    project.name, project.kind, project.description, project.lead = name, kind, description, lead
    project.updated_at = now
    project.save(update_fields=["name", "kind", "description", "lead", "updated_at"])
    project.matrix_items.set(items)
    for field, old, new in changes:
        record_event(project, Kind.CHANGED, at=now, actor=actor, field=field, old=old, new=new, reason=reason)
    return project


@transaction.atomic
def project_set_status(
    *, project: Project, status: str, actor, reason: str = "", now: datetime | None = None
) -> Project:
    """Move a project along its life; a move the life does not allow is refused, naming both statuses."""
    now = now or timezone.now()
    project = Project.objects.select_for_update().get(pk=project.pk)
    old = project.status
    if status not in Status.values:
        raise ValidationError({"status": _("Unknown project status.")})
    if status not in TRANSITIONS[old]:
        raise ValidationError(
            {
                "status": _("A project cannot go from “%(old)s” to “%(new)s”.")
                % {"old": Status(old).label, "new": Status(status).label}
            }
        )
    project.status = status
    project.updated_at = now
    project.save(update_fields=["status", "updated_at"])
    record_event(project, Kind.STATUS, at=now, actor=actor, field="status", old=old, new=status, reason=reason)
    return project


@transaction.atomic
def phase_add(
    *,
    project: Project,
    name: str,
    actor,
    milestone: bool = False,
    milestone_amount: Decimal | None = None,
    milestone_percentage: Decimal | None = None,
    now: datetime | None = None,
) -> Phase:
    """A phase after the project's last one."""
    now = now or timezone.now()
    problems = {}
    if not name.strip():
        problems["name"] = _("A phase needs a name.")
    if not milestone and (milestone_amount is not None or milestone_percentage is not None):
        problems["milestone"] = _("Only a milestone has an amount or a percentage.")
    if milestone_amount is not None and milestone_percentage is not None:
        problems["milestone_amount"] = _("Give a milestone an amount or a percentage, not both.")
    if milestone_amount is not None and milestone_amount <= 0:
        problems["milestone_amount"] = _("A milestone amount is more than zero.")
    if milestone_percentage is not None and not 0 < milestone_percentage <= 100:
        problems["milestone_percentage"] = _("A milestone percentage lies between 0 and 100.")
    if problems:
        raise ValidationError(problems)
    # The project row is locked so that two phases added at once never share a position.
    Project.objects.select_for_update().filter(pk=project.pk).first()
    last = project.phases.aggregate(last=Max("position"))["last"] or 0
    phase = Phase.objects.create(
        project=project,
        position=last + 1,
        name=" ".join(name.split()),
        milestone=milestone,
        milestone_amount=milestone_amount,
        milestone_percentage=milestone_percentage,
    )
    touch(project, now)
    record_event(
        project, Kind.PHASE_ADDED, at=now, actor=actor, subject=phase.name, new="milestone" if milestone else ""
    )
    return phase


def _check_task(*, title: str, assignee, estimate_minutes: int | None, problems: dict) -> None:
    if not title.strip():
        problems["title"] = _("A task needs a title.")
    _check_agent(assignee, "assignee", problems)
    if estimate_minutes is not None and estimate_minutes <= 0:
        problems["estimate_minutes"] = _("An estimate is more than zero minutes.")


@transaction.atomic
def task_add(
    *,
    project: Project,
    phase: Phase,
    title: str,
    actor,
    assignee=None,
    due_date: date | None = None,
    estimate_minutes: int | None = None,
    now: datetime | None = None,
) -> Task:
    """A task in a phase of `project`; a phase of another project is refused."""
    now = now or timezone.now()
    problems: dict = {}
    if phase.project_id != project.pk:
        problems["phase"] = _("This phase belongs to another project.")
    _check_task(title=title, assignee=assignee, estimate_minutes=estimate_minutes, problems=problems)
    if problems:
        raise ValidationError(problems)
    task = Task.objects.create(
        phase=phase,
        title=" ".join(title.split()),
        assignee=assignee,
        due_date=due_date,
        estimate_minutes=estimate_minutes,
        created_at=now,
    )
    touch(project, now)
    record_event(project, Kind.TASK_ADDED, at=now, actor=actor, subject=task.title, new=phase.name)
    return task


def _project_of(task: Task, project: Project) -> None:
    if task.phase.project_id != project.pk:
        raise ValidationError(_("This task belongs to another project."))


@transaction.atomic
def task_update(
    *,
    project: Project,
    task: Task,
    actor,
    title: str,
    assignee,
    due_date: date | None,
    estimate_minutes: int | None,
    now: datetime | None = None,
) -> Task:
    """Change a task's title, assignee, due date or estimate; each change a line in the trail."""
    now = now or timezone.now()
    _project_of(task, project)
    problems: dict = {}
    _check_task(title=title, assignee=assignee, estimate_minutes=estimate_minutes, problems=problems)
    if problems:
        raise ValidationError(problems)
    task = Task.objects.select_for_update(of=("self",)).select_related("assignee").get(pk=task.pk)
    title = " ".join(title.split())
    changes = []
    if task.title != title:
        changes.append(("title", task.title, title))
    if task.assignee_id != (assignee.pk if assignee else None):
        changes.append(("assignee", _user_name(task.assignee), _user_name(assignee)))
    if task.due_date != due_date:
        changes.append(("due_date", task.due_date.isoformat() if task.due_date else "", due_date or ""))
    if task.estimate_minutes != estimate_minutes:
        changes.append(("estimate_minutes", task.estimate_minutes or "", estimate_minutes or ""))
    if not changes:
        return task
    task.title, task.assignee, task.due_date, task.estimate_minutes = title, assignee, due_date, estimate_minutes
    task.save(update_fields=["title", "assignee", "due_date", "estimate_minutes"])
    touch(project, now)
    for field, old, new in changes:
        new = new.isoformat() if isinstance(new, date) else new
        record_event(project, Kind.TASK_CHANGED, at=now, actor=actor, subject=task.title, field=field, old=old, new=new)
    return task


@transaction.atomic
def task_set_done(*, project: Project, task: Task, done: bool, actor, now: datetime | None = None) -> Task:
    """Mark a task done (by whom, when) or open again."""
    now = now or timezone.now()
    _project_of(task, project)
    task = Task.objects.select_for_update().get(pk=task.pk)
    if task.is_done == done:
        return task
    task.done_at, task.done_by = (now, actor) if done else (None, None)
    task.save(update_fields=["done_at", "done_by"])
    touch(project, now)
    record_event(project, Kind.TASK_DONE if done else Kind.TASK_REOPENED, at=now, actor=actor, subject=task.title)
    return task


@transaction.atomic
def project_link_ticket(*, project: Project, ticket: Ticket, actor, now: datetime | None = None) -> ProjectTicket:
    """Link a ticket of the project's customer; a ticket belongs to one project at most."""
    now = now or timezone.now()
    if ticket.customer_id != project.customer_id:
        raise ValidationError({"ticket": _("Ticket #%(number)s is of another customer.") % {"number": ticket.pk}})
    existing = ProjectTicket.objects.select_for_update().filter(ticket=ticket).select_related("project").first()
    if existing is not None:
        raise ValidationError(
            {
                "ticket": _("Ticket #%(number)s is already linked to the project %(project)s.")
                % {"number": ticket.pk, "project": existing.project.name}
            }
        )
    link = ProjectTicket.objects.create(project=project, ticket=ticket, linked_at=now)
    touch(project, now)
    record_event(project, Kind.TICKET_LINKED, at=now, actor=actor, subject=f"#{ticket.pk} {ticket.subject}")
    return link


@transaction.atomic
def project_unlink_ticket(*, project: Project, ticket: Ticket, actor, now: datetime | None = None) -> None:
    """Undo a link of a ticket to this project."""
    now = now or timezone.now()
    deleted, _rows = ProjectTicket.objects.filter(project=project, ticket=ticket).delete()
    if not deleted:
        raise ValidationError(
            {"ticket": _("Ticket #%(number)s is not linked to this project.") % {"number": ticket.pk}}
        )
    touch(project, now)
    record_event(project, Kind.TICKET_UNLINKED, at=now, actor=actor, subject=f"#{ticket.pk} {ticket.subject}")
