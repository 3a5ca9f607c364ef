"""The desk's project pages: the list, a project with its phases, tasks, tickets and trail, and "my tasks".
Each action is one service call; an id of another project's phase, task or ticket is a 404 or a refusal."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from servicedesk.billing.selectors import milestones_billed
from servicedesk.core.downloads import download
from servicedesk.core.policy import current_policy
from servicedesk.core.submissions import once
from servicedesk.desk import project_forms as forms
from servicedesk.desk.access import agent_required
from servicedesk.desk.form_errors import show_refusal
from servicedesk.policy import EntryKind, Priority, SupportType, TimeEntry
from servicedesk.projects import quote_services, services, time_services
from servicedesk.projects.models import BudgetExtension, Phase, Project, Quote, QuoteLine, Task
from servicedesk.projects.pdf import quote_pdf
from servicedesk.projects.pricing import budget_state, project_price
from servicedesk.projects.selectors import open_tasks_of, project_for_desk, project_list
from servicedesk.projects.services import TRANSITIONS
from servicedesk.tickets.models import Ticket


def _load(project_id: int) -> Project:
    try:
        return project_for_desk(project_id)
    except Project.DoesNotExist:
        raise Http404 from None


@agent_required
def project_list_page(request):
    filters = forms.ProjectFilterForm(request.GET or None)
    chosen = filters.cleaned_data if filters.is_valid() else {}
    page = project_list(
        customer_id=chosen.get("customer"),
        status=chosen.get("status") or None,
        lead_id=chosen.get("lead"),
        over_budget=bool(chosen.get("over_budget")),
        page=request.GET.get("page") or 1,
    )
    query = request.GET.copy()
    query.pop("page", None)
    context = {"filters": filters, "page": page, "query": query.urlencode(), "active": "projects"}
    return render(request, "desk/projects.html", context)


def _quote_form() -> forms.QuoteForm:
    """Terms to start from: the policy's standard rate (functional support, POLICY.md §3) and validity."""
    config = current_policy().config
    rate = config.service_levels[(SupportType.FUNCTIONAL, Priority.STANDARD)].rate_cents or 0
    initial = {"hourly_rate": rate / 100, "validity_days": config.projects.quote_validity_days}
    return forms.QuoteForm(initial=initial)


def _now_rounded() -> str:
    return timezone.localtime().replace(second=0, microsecond=0).strftime("%Y-%m-%dT%H:%M")


def _time_context(project: Project, phases: list) -> dict:
    """The project's time priced (time and materials) or recorded only, its budget and its milestones."""
    entries = project.current_time
    price = project_price(project, entries)
    extensions = list(project.extensions.all())
    approved = sum(e.minutes for e in extensions if e.status == BudgetExtension.Status.APPROVED)
    return {
        "time_rows": list(zip(entries, price.lines, strict=True)) if price else [(e, None) for e in entries],
        "time_price": price,
        "time_minutes": sum(e.minutes for e in entries),
        "budget": budget_state(project, entries, price, extension_minutes=approved),
        "extensions": extensions,
        "extension_open": any(e.status == BudgetExtension.Status.PROPOSED for e in extensions),
        "milestones": [phase for phase in phases if phase.milestone],
        "milestones_billed": milestones_billed(project.pk) if any(p.reached_at for p in phases) else {},
        "time_base": reverse("desk:project", args=[project.pk]),
        "time_form": forms.ProjectTimeForm(initial={"start": _now_rounded(), "kind": EntryKind.WORK}, phases=phases),
        "extension_form": forms.ExtensionForm(),
    }


def _page(request, project: Project, *, bound: dict | None = None, status: int = 200):
    phases = list(project.phases.all())
    quotes = list(project.quotes.all())  # newest version first
    latest = quotes[0] if quotes else None
    context = {
        **_time_context(project, phases),
        "project": project,
        "phases": phases,
        "links": list(project.ticket_links.all()),
        "events": list(project.events.all()),
        "status_form": forms.StatusForm(initial={"status": project.status}),
        "next_statuses": [
            (value, label) for value, label in Project.Status.choices if value in TRANSITIONS[project.status]
        ],
        "phase_form": forms.PhaseForm(),
        "task_form": forms.TaskForm(phases=phases),
        "link_form": forms.LinkTicketForm(),
        "quotes": quotes,
        "latest": latest,
        "may_quote": project.status in quote_services.QUOTABLE
        and not any(q.status in quote_services.OPEN_OR_ACCEPTED for q in quotes),
        "quote_form": _quote_form(),
        "line_form": forms.QuoteLineForm(phases=phases),
        "recipients": list(quote_services.quote_recipients(project)) if latest and latest.is_draft else [],
        "active": "projects",
        **(bound or {}),
    }
    return render(request, "desk/project.html", context, status=status)


@agent_required
def project_page(request, project_id: int):
    return _page(request, _load(project_id))


def _act(request, project_id: int, form, form_name: str, action, success: str):
    """Call a service with a valid form and go back to the project; or show the problems, nothing written."""
    project = _load(project_id)
    if form.is_valid():
        try:
            if "submission" in form.fields:  # an add: once per submission
                once(request.user.pk, form.cleaned_data["submission"], lambda: action(project, form.cleaned_data))
            else:
                action(project, form.cleaned_data)
        except ValidationError as error:
            show_refusal(form, error)
        else:
            messages.success(request, success)
            return redirect("desk:project", project.pk)
    return _page(request, _load(project_id), bound={form_name: form}, status=400)


@agent_required
@require_POST
def project_status(request, project_id: int):
    def action(project, data):
        services.project_set_status(project=project, status=data["status"], actor=request.user, reason=data["reason"])

    return _act(request, project_id, forms.StatusForm(request.POST), "status_form", action, _("Status saved."))


@agent_required
@require_POST
def phase_add(request, project_id: int):
    def action(project, data):
        return services.phase_add(
            project=project,
            actor=request.user,
            name=data["name"],
            milestone=data["milestone"],
            milestone_amount=data["milestone_amount"],
            milestone_percentage=data["milestone_percentage"],
        )

    return _act(request, project_id, forms.PhaseForm(request.POST), "phase_form", action, _("Phase added."))


@agent_required
@require_POST
def task_add(request, project_id: int):
    phases = list(_load(project_id).phases.all())
    by_id = {phase.pk: phase for phase in phases}

    def action(project, data):
        return services.task_add(
            project=project,
            phase=by_id[data["phase"]],
            title=data["title"],
            actor=request.user,
            assignee=data["assignee"],
            due_date=data["due_date"],
            estimate_minutes=data["estimate_minutes"],
        )

    form = forms.TaskForm(request.POST, phases=phases)
    return _act(request, project_id, form, "task_form", action, _("Task added."))


def _load_task(project_id: int, task_id: int) -> tuple[Project, Task]:
    """A project and a task of it; a task of another project is a 404, whatever its id."""
    project = _load(project_id)
    task = Task.objects.filter(pk=task_id, phase__project=project).select_related("phase").first()
    if task is None:
        raise Http404
    return project, task


@agent_required
@require_POST
def task_done(request, project_id: int, task_id: int):
    project, task = _load_task(project_id, task_id)
    done = request.POST.get("done") != "0"
    services.task_set_done(project=project, task=task, done=done, actor=request.user)
    messages.success(request, _("Task done.") if done else _("Task reopened."))
    if request.POST.get("back") == "mine":
        return redirect("desk:my_tasks")
    return redirect("desk:project", project.pk)


@agent_required
def task_edit(request, project_id: int, task_id: int):
    project, task = _load_task(project_id, task_id)
    initial = {
        "title": task.title,
        "assignee": task.assignee_id,
        "due_date": task.due_date,
        "estimate_minutes": task.estimate_minutes,
    }
    form = forms.TaskForm(request.POST or None, initial=initial, phases=None)
    if request.method == "POST" and form.is_valid():
        try:
            services.task_update(project=project, task=task, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            show_refusal(form, error)
        else:
            messages.success(request, _("Task saved."))
            return redirect("desk:project", project.pk)
    back = reverse("desk:project", args=[project.pk])
    context = {"form": form, "title": task.title, "back": back, "active": "projects"}
    return render(request, "desk/edit.html", context, status=400 if form.errors else 200)


@agent_required
@require_POST
def ticket_link(request, project_id: int):
    def action(project, data):
        ticket = Ticket.objects.filter(pk=data["ticket"]).first()
        if ticket is None:
            raise ValidationError({"ticket": _("There is no ticket #%(number)s.") % {"number": data["ticket"]}})
        services.project_link_ticket(project=project, ticket=ticket, actor=request.user)

    return _act(request, project_id, forms.LinkTicketForm(request.POST), "link_form", action, _("Ticket linked."))


@agent_required
@require_POST
def ticket_unlink(request, project_id: int, ticket_id: int):
    project = _load(project_id)
    ticket = Ticket.objects.filter(pk=ticket_id, project_link__project=project).first()
    if ticket is None:
        raise Http404
    services.project_unlink_ticket(project=project, ticket=ticket, actor=request.user)
    messages.success(request, _("Ticket no longer linked."))
    return redirect("desk:project", project.pk)


@agent_required
def project_edit(request, project_id: int | None = None):
    project = _load(project_id) if project_id is not None else None
    initial = None
    if project is not None:
        initial = {
            "name": project.name,
            "kind": project.kind,
            "description": project.description,
            "matrix_items": [item.pk for item in project.matrix_items.all()],
            "lead": project.lead_id,
        }
    elif request.GET.get("customer", "").isdigit():
        initial = {"customer": int(request.GET["customer"])}
    form = forms.ProjectForm(request.POST or None, initial=initial, project=project)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        details = {
            "name": data["name"],
            "kind": data["kind"],
            "description": data["description"],
            "matrix_items": data["matrix_items"],
            "lead": data["lead"],
        }
        try:
            if project is None:
                project, _new = once(
                    request.user.pk,
                    data["submission"],
                    lambda: services.project_create(customer=data["customer"], actor=request.user, **details),
                )
            else:
                services.project_update(project=project, actor=request.user, reason=data["reason"], **details)
        except ValidationError as error:
            show_refusal(form, error)
        else:
            messages.success(request, _("Project saved."))
            return redirect(reverse("desk:project", args=[project.pk]))
    return render(request, "desk/project_edit.html", {"form": form, "project": project, "active": "projects"})


@agent_required
def my_tasks(request):
    tasks = list(open_tasks_of(request.user)[:200])
    return render(request, "desk/my_tasks.html", {"tasks": tasks, "active": "my_tasks"})


# -- quotes ----------------------------------------------------------------------------------------------------------


def _load_quote(project_id: int, quote_id: int) -> tuple[Project, Quote]:
    """A project and a quote of it; a quote of another project is a 404, whatever its id."""
    project = _load(project_id)
    quote = Quote.objects.filter(pk=quote_id, project=project).first()
    if quote is None:
        raise Http404
    return project, quote


@agent_required
@require_POST
def quote_create(request, project_id: int):
    def action(project, data):
        return quote_services.quote_create(
            project=project,
            actor=request.user,
            billing_mode=data["billing_mode"],
            hourly_rate_cents=int(data["hourly_rate"] * 100),
            validity_days=data["validity_days"],
        )

    form = forms.QuoteForm(request.POST)
    return _act(request, project_id, form, "quote_form", action, _("Quote drawn up from the phases' estimates."))


@agent_required
@require_POST
def quote_line_add(request, project_id: int, quote_id: int):
    project, quote = _load_quote(project_id, quote_id)
    phases = {phase.pk: phase for phase in project.phases.all()}

    def action(project, data):
        return quote_services.quote_line_add(
            quote=quote,
            actor=request.user,
            kind=data["kind"],
            description=data["description"],
            quantity=data["quantity"],
            unit_price_cents=int(data["unit_price"] * 100),
            phase=phases.get(data["phase"]),
        )

    form = forms.QuoteLineForm(request.POST, phases=list(phases.values()))
    return _act(request, project_id, form, "line_form", action, _("Line added."))


def _quote_step(request, project: Project, step, success) -> HttpResponseRedirect:
    """Take a step with a quote (a service call) and go back to the project's quotes; a refusal is said there."""
    try:
        done = step()
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, success(done))
    return redirect(reverse("desk:project", args=[project.pk]) + "#quotes")


@agent_required
@require_POST
def quote_line_remove(request, project_id: int, quote_id: int, line_id: int):
    project, quote = _load_quote(project_id, quote_id)
    line = QuoteLine.objects.filter(pk=line_id, quote=quote).first()
    if line is None:
        raise Http404
    return _quote_step(
        request,
        project,
        lambda: quote_services.quote_line_remove(quote=quote, line=line, actor=request.user),
        lambda _done: _("Line removed."),
    )


@agent_required
@require_POST
def quote_send(request, project_id: int, quote_id: int):
    project, quote = _load_quote(project_id, quote_id)
    return _quote_step(
        request,
        project,
        lambda: quote_services.quote_send(quote=quote, actor=request.user),
        lambda sent: _("Quote %(number)s sent.") % {"number": sent.number},
    )


@agent_required
@require_POST
def quote_new_version(request, project_id: int, quote_id: int):
    project, quote = _load_quote(project_id, quote_id)
    return _quote_step(
        request,
        project,
        lambda: quote_services.quote_new_version(quote=quote, actor=request.user),
        lambda new: _("Version %(version)s drawn up.") % {"version": new.version},
    )


@agent_required
def quote_file(request, project_id: int, quote_id: int):
    _project, quote = _load_quote(project_id, quote_id)
    return download(quote_pdf(quote), filename=f"{quote.file_stem}.pdf", content_type="application/pdf")


# -- time, budget, milestones ----------------------------------------------------------------------------------------


def _task_of(data) -> Task | None:
    """The task a form names, whoever's it is (the service refuses another project's); none when none is chosen."""
    if data.get("task") is None:
        return None
    task = Task.objects.filter(pk=data["task"]).first()
    if task is None:
        raise ValidationError({"task": _("There is no such task.")})
    return task


@agent_required
@require_POST
def time_add(request, project_id: int):
    phases = list(_load(project_id).phases.all())

    def action(project, data):
        return time_services.project_time_add(
            project=project,
            agent=request.user,
            kind=data["kind"],
            start=data["start"],
            minutes=data["minutes"],
            description=data["description"],
            task=_task_of(data),
        )

    form = forms.ProjectTimeForm(request.POST, phases=phases)
    return _act(request, project_id, form, "time_form", action, _("Time entry saved."))


@agent_required
@require_POST
def time_preview(request, project_id: int):
    """What a time entry costs before it is saved, and what it does to the project's total (htmx); on a project
    not billed by time, that it is recorded and not billed."""
    project = _load(project_id)
    form = forms.ProjectTimeForm(request.POST, phases=[])
    context = {"form": form, "project": project}
    if form.is_valid():
        data = form.cleaned_data
        entries = project.current_time
        before = project_price(project, entries)
        if before is None:
            context["recorded_only"] = True
        else:
            new = TimeEntry(EntryKind(data["kind"]), data["start"], data["minutes"])
            after = project_price(project, [*entries, new])
            context.update(
                {
                    "line": after.lines[-1],
                    "before": before,
                    "after": after,
                    "difference": after.total - before.total,
                }
            )
    return render(request, "desk/_price_preview.html", context)


@agent_required
def time_correct(request, project_id: int, entry_id: int):
    project = _load(project_id)
    entry = next((e for e in project.current_time if e.pk == entry_id), None)
    if entry is None:
        raise Http404
    phases = list(project.phases.all())
    if request.method == "POST":
        form = forms.ProjectTimeCorrectionForm(request.POST, phases=phases)
        if form.is_valid():
            data = form.cleaned_data
            try:
                time_services.project_time_correct(
                    entry=entry,
                    actor=request.user,
                    reason=data["reason"],
                    kind=data["kind"],
                    start=data["start"],
                    minutes=data["minutes"],
                    description=data["description"],
                    task=_task_of(data),
                )
            except ValidationError as error:
                show_refusal(form, error)
            else:
                messages.success(request, _("Time entry corrected."))
                return redirect(reverse("desk:project", args=[project.pk]) + "#time")
    else:
        initial = {
            "kind": entry.kind,
            "start": timezone.localtime(entry.start).strftime("%Y-%m-%dT%H:%M"),
            "minutes": entry.minutes,
            "description": entry.description,
            "task": entry.task_id,
        }
        form = forms.ProjectTimeCorrectionForm(initial=initial, phases=phases)
    back = reverse("desk:project", args=[project.pk])
    context = {"form": form, "title": _("Correct time entry"), "back": back, "active": "projects"}
    return render(request, "desk/edit.html", context, status=400 if form.errors else 200)


@agent_required
@require_POST
def extension_propose(request, project_id: int):
    def action(project, data):
        minutes = int(data["hours"] * 60)
        return time_services.extension_propose(
            project=project, minutes=minutes, actor=request.user, reason=data["reason"]
        )

    form = forms.ExtensionForm(request.POST)
    return _act(
        request,
        project_id,
        form,
        "extension_form",
        action,
        _("Extension proposed; the customer approves it in the portal."),
    )


@agent_required
@require_POST
def milestone_reach(request, project_id: int, phase_id: int):
    project = _load(project_id)
    phase = Phase.objects.filter(pk=phase_id, project=project).first()
    if phase is None:
        raise Http404
    try:
        time_services.milestone_reach(project=project, phase=phase, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request, _("Milestone %(name)s reached; its share waits for the next billing run.") % {"name": phase.name}
        )
    return redirect(reverse("desk:project", args=[project.pk]) + "#milestones")
