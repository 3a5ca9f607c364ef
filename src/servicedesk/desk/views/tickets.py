"""The ticket page and the actions on it; each action is one service call."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from servicedesk.core.content_security import allow_remote_images
from servicedesk.core.submissions import once
from servicedesk.desk import forms
from servicedesk.desk.access import agent_required
from servicedesk.desk.form_errors import show_refusal
from servicedesk.policy import EntryKind, TimeEntry
from servicedesk.projects.selectors import LINKED_PROJECT, linked_project
from servicedesk.tickets import services
from servicedesk.tickets.models import Ticket
from servicedesk.tickets.pricing import (
    after_hours_without_notice,
    hourly_rate,
    office_time_left,
    ticket_policy,
    ticket_price,
)
from servicedesk.tickets.selectors import ticket_for_desk


def _load(ticket_id: int) -> Ticket:
    try:
        return ticket_for_desk(ticket_id, related=(LINKED_PROJECT,))
    except Ticket.DoesNotExist:
        raise Http404 from None


def _now_rounded():
    now = timezone.localtime()
    return now.replace(second=0, microsecond=0)


def _matrix_items(ticket: Ticket) -> list:
    return list(ticket.customer.matrix_items.filter(active=True))


def _classify_form(ticket: Ticket) -> forms.ClassifyForm:
    return forms.ClassifyForm(
        initial={
            "support_type": ticket.support_type,
            "priority": ticket.priority,
            "critical": ticket.critical,
            "matrix_item": ticket.matrix_item_id,
        },
        matrix_items=_matrix_items(ticket),
    )


# The forms the ticket page keeps folded away, each built when an agent opens it: most page views open none, so
# none of them is built and rendered for those views (their fields and choices are a large part of a page's work).
FOLDED_FORMS = {
    "reply": lambda ticket: forms.ReplyForm(),
    "note": lambda ticket: forms.NoteForm(),
    "rate": lambda ticket: forms.RateNoticeForm(),
    "time": lambda ticket: forms.TimeEntryWithNoticeForm(
        initial={"start": _now_rounded().strftime("%Y-%m-%dT%H:%M"), "kind": EntryKind.WORK.value}
    ),
    "classify": _classify_form,
}


def ticket_page_context(ticket: Ticket, *, now, bound: dict | None = None) -> dict:
    """Everything the ticket page shows; `bound` holds the forms to show unfolded (those that failed validation)."""
    entries = ticket.entry_list
    policy = ticket_policy(ticket)  # the contract's service levels, if any
    price = ticket_price(ticket, entries, policy=policy)
    # Lines follow the entries in order; a phone surcharge comes last.
    rows = list(zip(entries, price.lines[: len(entries)], strict=True))
    extra_lines = price.lines[len(entries) :]
    forms_ = {
        "respond_form": forms.RespondForm(),
        "assign_form": forms.AssignForm(initial={"assignee": ticket.assignee_id}),
        "status_form": forms.StatusForm(initial={"status": ticket.status}),
        **{f"{name}_form": None for name in FOLDED_FORMS},
    }
    forms_.update(bound or {})
    return {
        "ticket": ticket,
        "ticket_url": reverse("desk:ticket", args=[ticket.pk]),
        "messages_list": ticket.message_list,
        "events": ticket.event_list,
        "copies": list(ticket.copies.all()),
        "project": linked_project(ticket),
        "outgoing": list(
            ticket.outgoing_messages.only(
                "id",
                "ticket_id",
                "kind",
                "to_address",
                "subject",
                "status",
                "attempts",
                "last_error",
                "created_at",
                "sent_at",
            ).order_by("-created_at", "-id")[:20]
        ),
        "time_rows": rows,
        "extra_lines": extra_lines,
        "price": price,
        "rate": hourly_rate(ticket, policy=policy),
        "now": now,
        "office_time_left": office_time_left(ticket, now) if ticket.responded_at is None else None,
        **forms_,
    }


def _render(
    request, ticket: Ticket, *, bound: dict | None = None, status: int = 200, show_images: bool = False
) -> HttpResponse:
    context = {**ticket_page_context(ticket, now=timezone.now(), bound=bound), "show_images": show_images}
    response = render(request, "desk/ticket.html", context, status=status)
    return allow_remote_images(response) if show_images else response


@agent_required
def ticket_page(request, ticket_id: int):
    return _render(request, _load(ticket_id), show_images=request.GET.get("images") == "1")


@agent_required
@require_GET
def folded_form(request, ticket_id: int, name: str):
    """One folded form of the ticket page: the form alone for htmx, else the page with that form open."""
    if name not in FOLDED_FORMS:
        raise Http404
    if not request.htmx:
        ticket = _load(ticket_id)
        return _render(request, ticket, bound={f"{name}_form": FOLDED_FORMS[name](ticket)})
    # The form alone needs none of what the page prefetches.
    ticket = get_object_or_404(Ticket.objects.select_related("customer"), pk=ticket_id)
    form = FOLDED_FORMS[name](ticket)
    ticket_url = reverse("desk:ticket", args=[ticket.pk])
    return render(request, f"desk/ticket_forms/{name}.html", {"form": form, "ticket": ticket, "ticket_url": ticket_url})


def _act(request, ticket_id: int, form_class, form_name: str, action, success: str, **form_kwargs):
    """Validate a form, call its service, and go back to the ticket (or show the problems)."""
    ticket = _load(ticket_id)
    if form_class is forms.ClassifyForm:
        form_kwargs["matrix_items"] = _matrix_items(ticket)
    form = form_class(request.POST, **form_kwargs)
    if form.is_valid():
        try:
            if "submission" in form.fields:  # a create: once per submission
                once(request.user.pk, form.cleaned_data["submission"], lambda: action(ticket, form.cleaned_data))
            else:
                action(ticket, form.cleaned_data)
        except ValidationError as error:
            show_refusal(form, error)
        else:
            messages.success(request, success)
            return redirect(reverse("desk:ticket", args=[ticket.pk]))
    ticket = _load(ticket_id)
    return _render(request, ticket, bound={form_name: form}, status=400)


@agent_required
@require_POST
def classify(request, ticket_id: int):
    def action(ticket, data):
        item = next((i for i in _matrix_items(ticket) if i.pk == data["matrix_item"]), None)
        services.ticket_classify(
            ticket=ticket,
            actor=request.user,
            reason=data["reason"],
            support_type=data["support_type"],
            priority=data["priority"],
            critical=data["critical"],
            matrix_item=item,
        )

    return _act(request, ticket_id, forms.ClassifyForm, "classify_form", action, _("Classification saved."))


@agent_required
@require_POST
def respond(request, ticket_id: int):
    def action(ticket, data):
        services.ticket_respond(ticket=ticket, actor=request.user, diagnosis=data["diagnosis"])

    return _act(request, ticket_id, forms.RespondForm, "respond_form", action, _("Response recorded."))


@agent_required
@require_POST
def reply(request, ticket_id: int):
    def action(ticket, data):
        return services.ticket_reply(
            ticket=ticket, actor=request.user, body=data["body"], wait_for_customer=data["wait_for_customer"]
        )

    return _act(request, ticket_id, forms.ReplyForm, "reply_form", action, _("Reply sent."))


@agent_required
@require_POST
def note(request, ticket_id: int):
    def action(ticket, data):
        return services.ticket_note(ticket=ticket, actor=request.user, body=data["body"])

    return _act(request, ticket_id, forms.NoteForm, "note_form", action, _("Note added."))


@agent_required
@require_POST
def assign(request, ticket_id: int):
    def action(ticket, data):
        services.ticket_assign(ticket=ticket, actor=request.user, assignee=data["assignee"])

    return _act(request, ticket_id, forms.AssignForm, "assign_form", action, _("Assignment saved."))


@agent_required
@require_POST
def set_status(request, ticket_id: int):
    def action(ticket, data):
        if ticket.status == Ticket.Status.CLOSED and data["status"] != Ticket.Status.CLOSED:
            services.ticket_reopen(ticket=ticket, actor=request.user, reason=data["reason"])
        else:
            services.ticket_set_status(ticket=ticket, actor=request.user, status=data["status"], reason=data["reason"])

    return _act(request, ticket_id, forms.StatusForm, "status_form", action, _("Status saved."))


@agent_required
@require_POST
def add_time(request, ticket_id: int):
    def action(ticket, data):
        return services.time_entry_add(
            ticket=ticket,
            agent=request.user,
            kind=data["kind"],
            start=data["start"],
            minutes=data["minutes"],
            description=data["description"],
            require_rate_notice=not data["without_notice"],
        )

    return _act(request, ticket_id, forms.TimeEntryWithNoticeForm, "time_form", action, _("Time entry saved."))


@agent_required
@require_POST
def rate_notice(request, ticket_id: int):
    def action(ticket, data):
        services.ticket_rate_notice(ticket=ticket, actor=request.user, planned_start=data["planned_start"])

    return _act(
        request, ticket_id, forms.RateNoticeForm, "rate_form", action, _("The customer is told the after-hours rate.")
    )


@agent_required
@require_POST
def preview_time(request, ticket_id: int):
    """The price of a time entry before it is saved, and what it does to the ticket's total (htmx)."""
    ticket = _load(ticket_id)
    form = forms.TimeEntryWithNoticeForm(request.POST)
    context = {"form": form, "ticket": ticket}
    if form.is_valid():
        data = form.cleaned_data
        entries = ticket.entry_list
        policy = ticket_policy(ticket)
        before = ticket_price(ticket, entries, policy=policy)
        new_entry = TimeEntry(EntryKind(data["kind"]), data["start"], data["minutes"])
        after = ticket_price(ticket, [*entries, new_entry], policy=policy)
        line = after.lines[len(entries)]
        context.update(
            {
                "line": line,
                "before": before,
                "after": after,
                "difference": after.total - before.total,
                "after_hours": any(share.band != "office" for share in line.shares),
                "unannounced": after_hours_without_notice(ticket, data["start"], data["minutes"]),
            }
        )
    return render(request, "desk/_price_preview.html", context)


@agent_required
def correct_time(request, ticket_id: int, entry_id: int):
    ticket = _load(ticket_id)
    try:
        entry = next(e for e in ticket.entry_list if e.pk == entry_id)
    except StopIteration:
        raise Http404 from None
    if request.method == "POST":
        form = forms.TimeCorrectionForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.time_entry_correct(
                    entry=entry,
                    actor=request.user,
                    reason=data["reason"],
                    kind=data["kind"],
                    start=data["start"],
                    minutes=data["minutes"],
                    description=data["description"],
                )
            except ValidationError as error:
                show_refusal(form, error)
            else:
                messages.success(request, _("Time entry corrected."))
                return redirect(reverse("desk:ticket", args=[ticket.pk]))
    else:
        local = timezone.localtime(entry.start)
        form = forms.TimeCorrectionForm(
            initial={
                "kind": entry.kind,
                "start": local.strftime("%Y-%m-%dT%H:%M"),
                "minutes": entry.minutes,
                "description": entry.description,
            }
        )
    return render(request, "desk/time_correct.html", {"ticket": ticket, "entry": entry, "form": form})
