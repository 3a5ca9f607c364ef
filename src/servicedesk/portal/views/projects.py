"""A customer's projects in the portal, and its quotes: read by the organisation's contacts who see its tickets or
may approve quotes; accepted or declined only by the latter. Another organisation's project or quote is a 404."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from servicedesk.core.downloads import download
from servicedesk.portal.access import contact_required
from servicedesk.portal.project_forms import QuoteDecisionForm
from servicedesk.projects.event_text import hours_text
from servicedesk.projects.models import BudgetExtension
from servicedesk.projects.pdf import quote_pdf
from servicedesk.projects.pricing import budget_state, project_price
from servicedesk.projects.quote_services import quote_accept, quote_decline
from servicedesk.projects.selectors import extension_for_portal, projects_for_portal, quote_for_portal
from servicedesk.projects.time_services import extension_decide as extension_decide_service


def sees_projects(contact) -> bool:
    """Projects and their prices are the organisation's business: for those who see all of its tickets or approve."""
    return contact.sees_all_tickets or contact.may_approve_quotes


def _quote(request, quote_id: int):
    if not sees_projects(request.contact):
        raise Http404
    quote = quote_for_portal(request.contact.customer_id, quote_id)
    if quote is None:
        raise Http404
    return quote


def _newer(contact, quote):
    """The version that replaces a superseded quote, once sent (a draft is the provider's own)."""
    if quote.status != quote.Status.SUPERSEDED:
        return None
    newer_id = quote.newer_version_id()
    return quote_for_portal(contact.customer_id, newer_id) if newer_id else None


@contact_required
def project_list(request, form: QuoteDecisionForm | None = None, status: int = 200):
    if not sees_projects(request.contact):
        raise Http404
    projects = projects_for_portal(request.contact.customer_id)
    for project in projects:
        extensions = list(project.extensions.all())
        approved = sum(e.minutes for e in extensions if e.status == BudgetExtension.Status.APPROVED)
        price = project_price(project, project.current_time)
        project.budget = budget_state(project, project.current_time, price, extension_minutes=approved)
        project.to_approve = [e for e in extensions if e.status == BudgetExtension.Status.PROPOSED]
    context = {
        "projects": projects,
        "may_approve": request.contact.may_approve_quotes,
        "form": form or QuoteDecisionForm(),
        "active": "projects",
    }
    return render(request, "portal/projects.html", context, status=status)


@contact_required
@require_POST
def extension_decide(request, extension_id: int):
    """Approve or decline an extension of hours an agent proposed; only a contact who may approve quotes."""
    if not sees_projects(request.contact):
        raise Http404
    extension = extension_for_portal(request.contact.customer_id, extension_id)
    if extension is None:
        raise Http404
    form = QuoteDecisionForm(request.POST)
    if form.is_valid():
        approve = form.cleaned_data["decision"] == "accept"
        try:
            extension_decide_service(
                extension=extension,
                contact=request.contact,
                approve=approve,
                address=request.META.get("REMOTE_ADDR"),
                comment=form.cleaned_data["comment"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            hours = hours_text(extension.minutes)
            if approve:
                messages.success(
                    request, _("Thank you: the extension of %(hours)s hours is approved.") % {"hours": hours}
                )
            else:
                messages.success(request, _("The extension of %(hours)s hours is declined.") % {"hours": hours})
            return redirect("portal:projects")
    return project_list(request, form=form, status=400)


@contact_required
def quote(request, quote_id: int, form: QuoteDecisionForm | None = None, status: int = 200):
    item = _quote(request, quote_id)
    context = {
        "quote": item,
        "project": item.project,
        "lines": list(item.lines.all()),
        "may_decide": request.contact.may_approve_quotes and item.open_on(timezone.localdate()),
        "past_validity": item.status == item.Status.SENT and not item.open_on(timezone.localdate()),
        "newer": _newer(request.contact, item),
        "form": form or QuoteDecisionForm(),
        "active": "projects",
    }
    return render(request, "portal/quote.html", context, status=status)


@contact_required
def quote_file(request, quote_id: int):
    item = _quote(request, quote_id)
    pdf = quote_pdf(item, language=request.LANGUAGE_CODE or "nl")
    return download(pdf, filename=f"{item.file_stem}.pdf", content_type="application/pdf")


@contact_required
@require_POST
def quote_decide(request, quote_id: int):
    item = _quote(request, quote_id)
    form = QuoteDecisionForm(request.POST)
    if not form.is_valid():
        return quote(request, quote_id, form=form, status=400)
    decide = quote_accept if form.cleaned_data["decision"] == "accept" else quote_decline
    try:
        decide(
            quote=item,
            contact=request.contact,
            address=request.META.get("REMOTE_ADDR"),
            comment=form.cleaned_data["comment"],
        )
    except ValidationError as error:
        form.add_error(None, error)
        return quote(request, quote_id, form=form, status=400)
    if form.cleaned_data["decision"] == "accept":
        messages.success(request, _("Thank you: quote %(number)s is accepted.") % {"number": item.number})
    else:
        messages.success(request, _("Quote %(number)s is declined.") % {"number": item.number})
    return redirect("portal:quote", item.pk)
