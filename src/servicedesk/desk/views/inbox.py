"""Refused reports to review and the agent's notifications."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from servicedesk.core.numbers import id_from
from servicedesk.customers.models import Contact
from servicedesk.desk.access import agent_required
from servicedesk.mail.accept import mail_accept
from servicedesk.mail.models import InboundMail
from servicedesk.projects.selectors import budget_warnings_of
from servicedesk.projects.time_services import budget_warnings_read
from servicedesk.tickets.models import AgentNotification, RefusedReport
from servicedesk.tickets.selectors import unread_notifications
from servicedesk.tickets.services import report_accept, report_dismiss


@agent_required
def refused(request):
    reports = RefusedReport.objects.select_related(
        "contact", "customer", "accepted_ticket", "recorded_by", "handled_by"
    )[:200]
    reporters = (
        Contact.objects.filter(may_report=True, active=True)
        .select_related("customer")
        .order_by("customer__name", "name")
    )
    return render(request, "desk/refused.html", {"reports": reports, "reporters": reporters, "active": "refused"})


@agent_required
@require_POST
def dismiss_refused(request, report_id: int):
    report = RefusedReport.objects.filter(pk=report_id).first()
    if report is None:
        raise Http404
    try:
        report_dismiss(refused=report, actor=request.user, reason=request.POST.get("reason", ""))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The report is dismissed."))
    return redirect(reverse("desk:refused"))


@agent_required
@require_POST
def accept_refused(request, report_id: int):
    try:
        report = RefusedReport.objects.get(pk=report_id)
        contact = Contact.objects.get(pk=id_from(request.POST.get("contact")))
    except (RefusedReport.DoesNotExist, Contact.DoesNotExist, ValueError):
        raise Http404 from None
    mail = InboundMail.objects.filter(refused_report=report).defer("raw").first()
    try:
        if mail is not None:  # a refused e-mail: the ticket gets its HTML and attachments too
            ticket = mail_accept(mail=mail, contact=contact, actor=request.user)
        else:
            ticket = report_accept(refused=report, contact=contact, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(reverse("desk:refused"))
    messages.success(request, _("Ticket #%(number)d created.") % {"number": ticket.pk})
    return redirect(reverse("desk:ticket", args=[ticket.pk]))


@agent_required
def notifications(request):
    items = list(AgentNotification.objects.filter(user=request.user).select_related("ticket")[:100])
    budgets = list(budget_warnings_of(request.user)[:50])
    return render(request, "desk/notifications.html", {"items": items, "budgets": budgets, "active": "notifications"})


@agent_required
@require_POST
def notifications_read(request):
    unread_notifications(request.user).update(read_at=timezone.now())
    budget_warnings_read(user=request.user)
    return redirect(reverse("desk:notifications"))
