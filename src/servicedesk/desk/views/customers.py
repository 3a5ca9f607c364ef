"""Customer pages: contacts and their rights (editable, audited), the service matrix, tickets, time this month."""

from __future__ import annotations

from datetime import datetime

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q, Sum
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from servicedesk.customers.models import Contact, Customer
from servicedesk.customers.services import contact_set_rights
from servicedesk.desk import forms
from servicedesk.desk.access import agent_required
from servicedesk.portal.services import portal_invite
from servicedesk.tickets.models import Ticket, TimeEntry
from servicedesk.tickets.pricing import ticket_price


@agent_required
def customer_list(request):
    customers = Customer.objects.annotate(
        open_tickets=Count("tickets", filter=~Q(tickets__status=Ticket.Status.CLOSED))
    ).select_related("main_contact")
    return render(request, "desk/customers.html", {"customers": customers, "active": "customers"})


def month_start(now: datetime) -> datetime:
    local = timezone.localtime(now)
    return local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def time_this_month(customer: Customer, now: datetime) -> dict:
    """Minutes and billable amount of this month's time entries, each priced within its whole ticket."""
    start = month_start(now)
    entries = TimeEntry.objects.filter(ticket__customer=customer, start__gte=start, start__lte=now)
    minutes = entries.aggregate(total=Sum("minutes"))["total"] or 0
    tickets = Ticket.objects.filter(pk__in=entries.values("ticket_id")).prefetch_related("time_entries")
    amount = 0
    for ticket in tickets:
        all_entries = list(ticket.time_entries.all())
        price = ticket_price(ticket, all_entries)
        amount += sum(line.amount for e, line in zip(all_entries, price.lines, strict=False) if e.start >= start)
    return {"minutes": minutes, "amount": amount, "since": start}


@agent_required
def customer_page(request, customer_id: int):
    try:
        customer = Customer.objects.select_related("main_contact").get(pk=customer_id)
    except Customer.DoesNotExist:
        raise Http404 from None
    now = timezone.now()
    contacts = list(customer.contacts.select_related("user").prefetch_related("phones").order_by("-active", "name"))
    context = {
        "customer": customer,
        "contacts": contacts,
        "rights_forms": {
            c.pk: forms.ContactRightsForm(
                prefix=f"c{c.pk}",
                initial={
                    "may_report": c.may_report,
                    "may_raise_priority": c.may_raise_priority,
                    "sees_all_tickets": c.sees_all_tickets,
                },
            )
            for c in contacts
        },
        "matrix_items": list(customer.matrix_items.all()),
        "open_tickets": list(
            customer.tickets.exclude(status=Ticket.Status.CLOSED).select_related("reporter", "assignee")[:50]
        ),
        "month": time_this_month(customer, now),
        "changes": list(customer.changes.select_related("actor", "contact")[:30]),
        "active": "customers",
    }
    return render(request, "desk/customer.html", context)


@agent_required
@require_POST
def contact_invite(request, contact_id: int):
    """Give the contact a portal account and mail them the link to choose a password."""
    try:
        contact = Contact.objects.select_related("customer").get(pk=contact_id)
    except Contact.DoesNotExist:
        raise Http404 from None
    try:
        portal_invite(contact=contact, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Portal invitation sent to %(email)s.") % {"email": contact.email})
    return redirect(reverse("desk:customer", args=[contact.customer_id]) + f"#contact-{contact.pk}")


@agent_required
@require_POST
def contact_rights(request, contact_id: int):
    try:
        contact = Contact.objects.select_related("customer").get(pk=contact_id)
    except Contact.DoesNotExist:
        raise Http404 from None
    form = forms.ContactRightsForm(request.POST, prefix=f"c{contact.pk}")
    if form.is_valid():
        data = form.cleaned_data
        changed = contact_set_rights(
            contact=contact,
            actor=request.user,
            reason=data["reason"],
            may_report=data["may_report"],
            may_raise_priority=data["may_raise_priority"],
            sees_all_tickets=data["sees_all_tickets"],
        )
        if changed:
            messages.success(request, _("Rights of %(name)s saved.") % {"name": contact.name})
    return redirect(reverse("desk:customer", args=[contact.customer_id]) + f"#contact-{contact.pk}")
