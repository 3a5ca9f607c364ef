"""Phone intake in office hours: find the caller, see their rights, create the ticket (or record the refusal)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from servicedesk.core.submissions import once
from servicedesk.customers.models import Contact
from servicedesk.customers.selectors import caller_search
from servicedesk.desk import forms
from servicedesk.desk.access import agent_required
from servicedesk.policy import Channel, Priority, SupportType, TicketWork
from servicedesk.tickets import services
from servicedesk.tickets.models import RefusedReport
from servicedesk.tickets.pricing import allowed_priorities, policy_for


@agent_required
def phone(request):
    query = request.GET.get("q", "").strip()
    callers = list(caller_search(query)) if len(query) >= 2 else []
    template = "desk/_callers.html" if request.htmx else "desk/phone.html"
    return render(request, template, {"query": query, "callers": callers, "active": "phone"})


def _caller(contact_id: int) -> Contact:
    try:
        return Contact.objects.select_related("customer").prefetch_related("phones").get(pk=contact_id, active=True)
    except Contact.DoesNotExist:
        raise Http404 from None


def call_terms(contact: Contact, support_type: str, priority: str, channel: str = Channel.PHONE) -> dict:
    """What the caller hears before the ticket is saved: deadline, rate and, by phone, the surcharge."""
    policy = policy_for(contact.customer_id, timezone.now())  # the contract's service levels, if any
    support_type, priority, channel = SupportType(support_type), Priority(priority), Channel(channel)
    if priority not in allowed_priorities(contact, support_type, policy=policy):
        priority = policy.lowest_priority(support_type)
    effective = policy.effective_priority(support_type, priority)
    deadline = policy.response_deadline(
        support_type=support_type, priority=effective, reported=timezone.now(), channel=channel
    )
    surcharge = policy.price(TicketWork(support_type, effective, channel, False, []))
    return {
        "support_type": support_type,
        "priority": effective,
        "deadline": deadline,
        "rate": policy.hourly_rate(support_type, effective),
        "surcharge": surcharge.total if surcharge.lines else None,
        "surcharge_minutes": policy.config.surcharge_minutes,
    }


def _priorities(contact: Contact) -> dict[str, list[str]]:
    policy = policy_for(contact.customer_id, timezone.now())
    return {t.value: [p.value for p in allowed_priorities(contact, t, policy=policy)] for t in SupportType}


@agent_required
def caller(request, contact_id: int):
    contact = _caller(contact_id)
    support_type = request.GET.get("support_type") or request.POST.get("support_type") or SupportType.FUNCTIONAL
    priority = request.GET.get("priority") or request.POST.get("priority") or Priority.STANDARD
    if support_type not in SupportType.__members__.values():
        support_type = SupportType.FUNCTIONAL
    if priority not in Priority.__members__.values():
        priority = Priority.STANDARD
    channel = request.GET.get("channel") or request.POST.get("channel") or Channel.PHONE
    if channel not in dict(forms.INTAKE_CHANNELS):
        channel = Channel.PHONE
    matrix_items = list(contact.customer.matrix_items.filter(active=True))
    form = forms.PhoneTicketForm(
        request.POST or None,
        initial={"contact": contact.pk, "support_type": support_type, "priority": priority, "channel": channel},
        matrix_items=matrix_items,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        matrix_item = None
        if data["matrix_item"]:
            matrix_item = contact.customer.matrix_items.filter(pk=data["matrix_item"], active=True).first()
        try:
            ticket, _new = once(
                request.user.pk,
                data["submission"],
                lambda: services.ticket_create(
                    reporter=contact,
                    subject=data["subject"],
                    body=data["description"],
                    channel=data["channel"] or Channel.PHONE,
                    support_type=data["support_type"],
                    priority=data["priority"],
                    matrix_item=matrix_item,
                    actor=request.user,
                ),
            )
        except services.ReportRefused:
            messages.error(
                request,
                _("%(name)s may not report: no ticket was created; the call is recorded.") % {"name": contact.name},
            )
            return redirect(reverse("desk:refused"))
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, _("Ticket #%(number)d created.") % {"number": ticket.pk})
            return redirect(reverse("desk:ticket", args=[ticket.pk]))
    context = {
        "contact": contact,
        "form": form,
        "matrix_items": matrix_items,
        "terms": call_terms(contact, support_type, priority, channel),
        "priorities": _priorities(contact),
        "active": "phone",
    }
    template = "desk/_call_terms.html" if request.htmx and request.method == "GET" else "desk/caller.html"
    return render(request, template, context)


@agent_required
@require_POST
def refuse_call(request, contact_id: int):
    """Record a call from a contact who may not report: no ticket, the attempt kept for review."""
    contact = _caller(contact_id)
    services.report_refuse(
        channel=Channel.PHONE,
        sender=contact.name,
        contact=contact,
        reason=RefusedReport.Reason.NOT_AUTHORISED,
        subject=request.POST.get("subject", "")[:300],
        body=request.POST.get("notes", ""),
        recorded_by=request.user,
    )
    messages.info(request, _("The call from %(name)s is recorded; no ticket was created.") % {"name": contact.name})
    return redirect(reverse("desk:refused"))


@agent_required
@require_POST
def refuse_unknown_call(request):
    """Record a call from someone we do not know (the number or name the agent looked for): no ticket, the
    attempt kept for review, where it can be accepted once the caller is a contact."""
    caller = " ".join(request.POST.get("caller", "").split())[:300]
    if not caller:
        messages.error(request, _("Say who called: a phone number or a name."))
        return redirect(reverse("desk:phone"))
    services.report_refuse(
        channel=Channel.PHONE,
        sender=caller,
        reason=RefusedReport.Reason.UNKNOWN_SENDER,
        subject=request.POST.get("subject", "")[:300],
        body=request.POST.get("notes", ""),
        recorded_by=request.user,
        notify=False,
    )
    messages.info(request, _("The call from %(name)s is recorded; no ticket was created.") % {"name": caller})
    return redirect(reverse("desk:refused"))
