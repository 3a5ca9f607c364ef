"""What the desk reads of projects: each page in a fixed number of queries, whatever the number of rows."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.paginator import Page, Paginator
from django.db.models import Count, F, Prefetch, Q, QuerySet

from servicedesk.projects.models import (
    BudgetExtension,
    BudgetWarning,
    Phase,
    Project,
    ProjectEvent,
    ProjectTicket,
    ProjectTimeEntry,
    Quote,
    QuoteLine,
    Task,
)

PAGE_SIZE = 50


def project_list(
    *,
    customer_id: int | None = None,
    status: str | None = None,
    lead_id: int | None = None,
    over_budget: bool = False,
    page: int = 1,
) -> Page:
    """Projects, last changed first, with their customer, lead and task counts; `over_budget`: only those that used
    more than their hour budget."""
    projects = (
        Project.objects.select_related("customer", "lead")
        .annotate(
            task_count=Count("phases__tasks"),
            open_task_count=Count("phases__tasks", filter=Q(phases__tasks__done_at=None)),
        )
        .order_by("-updated_at", "-id")
    )
    if customer_id:
        projects = projects.filter(customer_id=customer_id)
    if status:
        projects = projects.filter(status=status)
    if lead_id:
        projects = projects.filter(lead_id=lead_id)
    if over_budget:
        projects = projects.filter(budget_minutes__isnull=False, used_minutes__gt=F("budget_minutes"))
    return Paginator(projects, PAGE_SIZE).get_page(page)


def project_for_desk(project_id: int) -> Project:
    """A project with all its page shows: services, phases with their tasks, linked tickets, the trail.
    Raises Project.DoesNotExist."""
    tasks = Task.objects.select_related("assignee", "done_by").order_by(F("due_date").asc(nulls_last=True), "id")
    return (
        Project.objects.select_related("customer", "lead")
        .prefetch_related(
            "matrix_items",
            Prefetch("phases", queryset=Phase.objects.order_by("position").prefetch_related(Prefetch("tasks", tasks))),
            Prefetch("ticket_links", queryset=ProjectTicket.objects.select_related("ticket").order_by("ticket_id")),
            Prefetch("events", queryset=ProjectEvent.objects.select_related("actor").order_by("at", "id")),
            Prefetch(
                "quotes",
                queryset=Quote.objects.select_related("decided_by")
                .prefetch_related(Prefetch("lines", QuoteLine.objects.select_related("phase").order_by("position")))
                .order_by("-version"),
            ),
            # Its time as it stands (corrected entries replaced), in the order worked, and its extensions.
            Prefetch(
                "time_entries",
                queryset=ProjectTimeEntry.objects.filter(corrected_by__isnull=True)
                .select_related("agent", "task")
                .order_by("start", "id"),
                to_attr="current_time",
            ),
            Prefetch("extensions", BudgetExtension.objects.select_related("decided_by").order_by("proposed_at", "id")),
        )
        .get(pk=project_id)
    )


# The path from a ticket to its project, for a ticket's query to join (select_related) where a page shows it.
LINKED_PROJECT = "project_link__project"


def linked_project(ticket) -> Project | None:
    """The project a ticket is linked to, if any: joined into the ticket's query (`LINKED_PROJECT`), else read
    (two queries)."""
    try:
        return ticket.project_link.project
    except ProjectTicket.DoesNotExist:
        return None


def open_tasks_of(user) -> QuerySet[Task]:
    """An agent's open tasks, the soonest due first (those without a date last)."""
    return (
        Task.objects.filter(assignee=user, done_at=None)
        .select_related("phase__project__customer")
        .order_by(F("due_date").asc(nulls_last=True), "id")
    )


def budget_warnings_of(user) -> QuerySet[BudgetWarning]:
    """The budget warnings told to a lead agent, newest first, with their project."""
    return BudgetWarning.objects.filter(user=user).select_related("project").order_by("-created_at", "-id")


def agents() -> QuerySet:
    """Who can lead a project or do its tasks."""
    return get_user_model().objects.filter(is_staff=True, is_active=True).order_by("username")


def projects_for_portal(customer_id: int) -> list[Project]:
    """A customer's projects as its contacts see them: phases with their tasks done of all, the quotes sent (drafts
    are the provider's own), the time as it stands and the extensions, newest change first; five queries whatever
    the number of projects."""
    phases = Phase.objects.annotate(
        task_count=Count("tasks"), done_count=Count("tasks", filter=~Q(tasks__done_at=None))
    ).order_by("position")
    quotes = Quote.objects.exclude(status=Quote.Status.DRAFT).order_by("-version")
    time = ProjectTimeEntry.objects.filter(corrected_by__isnull=True).order_by("start", "id")
    return list(
        Project.objects.filter(customer_id=customer_id)
        .exclude(status=Project.Status.CANCELLED)
        .annotate(
            task_count=Count("phases__tasks"),
            done_count=Count("phases__tasks", filter=~Q(phases__tasks__done_at=None)),
        )
        .prefetch_related(
            Prefetch("phases", phases),
            Prefetch("quotes", quotes),
            Prefetch("time_entries", time, to_attr="current_time"),
            Prefetch("extensions", BudgetExtension.objects.select_related("decided_by").order_by("proposed_at", "id")),
        )
        .order_by("-updated_at", "-id")
    )


def extension_for_portal(customer_id: int, extension_id: int) -> BudgetExtension | None:
    """An extension of one of the customer's projects; None for another's."""
    return (
        BudgetExtension.objects.filter(pk=extension_id, project__customer_id=customer_id)
        .select_related("project")
        .first()
    )


def quote_for_portal(customer_id: int, quote_id: int) -> Quote | None:
    """A sent quote of the customer's with its project and lines; None for a draft or another's quote."""
    return (
        Quote.objects.filter(pk=quote_id, project__customer_id=customer_id)
        .exclude(status=Quote.Status.DRAFT)
        .select_related("project__customer", "decided_by")
        .prefetch_related(Prefetch("lines", QuoteLine.objects.order_by("position", "id")))
        .first()
    )
