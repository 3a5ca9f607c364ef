"""Customer pages: contacts and their rights (editable, audited), the service matrix, tickets, time this month."""

from __future__ import annotations

from datetime import datetime

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q, Sum
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from servicedesk.contracts.selectors import bundles_of, contracts_of_customer, monthly_revenue_cents
from servicedesk.customers.models import Contact, Customer, ServiceMatrixItem
from servicedesk.customers.services import (
    CUSTOMER_DETAILS,
    contact_create,
    contact_set_active,
    contact_set_rights,
    contact_update,
    customer_create,
    customer_update,
    matrix_item_add,
    matrix_item_set_active,
    matrix_item_update,
)
from servicedesk.desk import forms
from servicedesk.desk.access import agent_required
from servicedesk.desk.form_errors import show_refusal
from servicedesk.portal.services import portal_invite
from servicedesk.reports.selectors import service_reports_of
from servicedesk.tickets.models import Ticket, TimeEntry
from servicedesk.tickets.pricing import customer_policies, ticket_price


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
    policy_at = customer_policies(customer.pk)  # each ticket priced under the contract in force when reported
    amount = 0
    for ticket in tickets:
        all_entries = list(ticket.time_entries.all())
        price = ticket_price(ticket, all_entries, policy=policy_at(ticket.reported_at))
        amount += sum(line.amount for e, line in zip(all_entries, price.lines, strict=False) if e.start >= start)
    return {"minutes": minutes, "amount": amount, "since": start}


@agent_required
def customer_page(request, customer_id: int):
    try:
        customer = Customer.objects.select_related("main_contact").get(pk=customer_id)
    except Customer.DoesNotExist:
        raise Http404 from None
    now = timezone.now()
    contracts = contracts_of_customer(customer.pk)
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
                    "may_approve_quotes": c.may_approve_quotes,
                },
            )
            for c in contacts
        },
        "matrix_items": list(customer.matrix_items.all()),
        "open_tickets": list(
            customer.tickets.exclude(status=Ticket.Status.CLOSED).select_related("reporter", "assignee")[:50]
        ),
        "month": time_this_month(customer, now),
        "service_reports": list(service_reports_of(customer_id=customer.pk)[:24]),
        "changes": list(customer.changes.select_related("actor", "contact")[:30]),
        "contracts": contracts,
        "monthly_revenue": sum(monthly_revenue_cents(contract, timezone.localdate(now)) for contract in contracts),
        "bundles": bundles_of(customer_id=customer.pk, today=timezone.localdate(now)),
        "today": timezone.localdate(now),
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
            may_approve_quotes=data["may_approve_quotes"],
        )
        if changed:
            messages.success(request, _("Rights of %(name)s saved.") % {"name": contact.name})
    return redirect(reverse("desk:customer", args=[contact.customer_id]) + f"#contact-{contact.pk}")


def _edit_page(request, form, *, title: str, back: str, status: int = 200):
    return render(
        request, "desk/edit.html", {"form": form, "title": title, "back": back, "active": "customers"}, status=status
    )


@agent_required
def customer_new(request):
    form = forms.CustomerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                customer = customer_create(
                    name=data["name"],
                    code=data["code"],
                    actor=request.user,
                    street=data["street"],
                    postal_code=data["postal_code"],
                    city=data["city"],
                )
                details = {field: data[field] for field in CUSTOMER_DETAILS[1:]}
                customer_update(customer=customer, actor=request.user, **details)
        except ValidationError as error:
            show_refusal(form, error)
        else:
            messages.success(request, _("Customer %(name)s created.") % {"name": customer.name})
            return redirect("desk:customer", customer.pk)
    return _edit_page(request, form, title=_("New customer"), back=reverse("desk:customers"))


@agent_required
def customer_edit(request, customer_id: int):
    customer = get_object_or_404(Customer, pk=customer_id)
    form = forms.CustomerForm(request.POST or None, instance=Customer.objects.get(pk=customer.pk), editing=True)
    if request.method == "POST" and form.is_valid():
        try:
            customer_update(
                customer=customer, actor=request.user, **{f: form.cleaned_data[f] for f in CUSTOMER_DETAILS}
            )
        except ValidationError as error:
            show_refusal(form, error)
        else:
            messages.success(request, _("Customer saved."))
            return redirect("desk:customer", customer.pk)
    return _edit_page(request, form, title=customer.name, back=reverse("desk:customer", args=[customer.pk]))


@agent_required
def contact_new(request, customer_id: int):
    customer = get_object_or_404(Customer, pk=customer_id)
    form = forms.NewContactForm(request.POST or None, initial={"language": Contact.Language.DUTCH})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                contact = contact_create(
                    customer=customer,
                    name=data["name"],
                    email=data["email"],
                    phones=forms.phone_list(data["phones"]),
                    language=data["language"],
                    may_report=data["may_report"] or data["main_contact"],
                    may_raise_priority=data["may_raise_priority"] or data["main_contact"],
                    main_contact=data["main_contact"],
                    actor=request.user,
                )
                contact_set_rights(
                    contact=contact,
                    actor=request.user,
                    sees_all_tickets=data["sees_all_tickets"] or data["main_contact"],
                    may_approve_quotes=data["may_approve_quotes"] or data["main_contact"],
                )
        except ValidationError as error:
            show_refusal(form, error)
        else:
            messages.success(request, _("Contact %(name)s added.") % {"name": contact.name})
            return redirect(reverse("desk:customer", args=[customer.pk]) + f"#contact-{contact.pk}")
    title = _("New contact of %(customer)s") % {"customer": customer.name}
    return _edit_page(request, form, title=title, back=reverse("desk:customer", args=[customer.pk]))


@agent_required
def contact_edit(request, contact_id: int):
    contact = get_object_or_404(Contact.objects.select_related("customer").prefetch_related("phones"), pk=contact_id)
    initial = {
        "name": contact.name,
        "email": contact.email,
        "phones": "\n".join(p.number for p in contact.phones.all()),
        "language": contact.language,
        "active": contact.active,
    }
    form = forms.ContactEditForm(request.POST or None, initial=initial)
    back = reverse("desk:customer", args=[contact.customer_id]) + f"#contact-{contact.pk}"
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                contact_update(
                    contact=contact,
                    actor=request.user,
                    name=data["name"],
                    email=data["email"],
                    phones=forms.phone_list(data["phones"]),
                    language=data["language"],
                )
                contact_set_active(contact=contact, active=data["active"], actor=request.user, reason=data["reason"])
        except ValidationError as error:
            show_refusal(form, error)
        else:
            messages.success(request, _("Contact %(name)s saved.") % {"name": data["name"]})
            return redirect(back)
    return _edit_page(request, form, title=contact.name, back=back)


@agent_required
def matrix_new(request, customer_id: int):
    customer = get_object_or_404(Customer, pk=customer_id)
    form = forms.MatrixItemForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            matrix_item_add(
                customer=customer,
                name=form.cleaned_data["name"],
                description=form.cleaned_data["description"],
                actor=request.user,
            )
        except ValidationError as error:
            show_refusal(form, error)
        else:
            messages.success(request, _("Service added to the service matrix."))
            return redirect("desk:customer", customer.pk)
    title = _("New service for %(customer)s") % {"customer": customer.name}
    return _edit_page(request, form, title=title, back=reverse("desk:customer", args=[customer.pk]))


@agent_required
def matrix_edit(request, item_id: int):
    item = get_object_or_404(ServiceMatrixItem.objects.select_related("customer"), pk=item_id)
    initial = {"name": item.name, "description": item.description, "active": item.active}
    form = forms.MatrixItemEditForm(request.POST or None, initial=initial)
    back = reverse("desk:customer", args=[item.customer_id])
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                item = matrix_item_update(
                    item=item, actor=request.user, name=data["name"], description=data["description"]
                )
                matrix_item_set_active(item=item, active=data["active"], actor=request.user)
        except ValidationError as error:
            show_refusal(form, error)
        else:
            messages.success(request, _("Service saved."))
            return redirect(back)
    return _edit_page(request, form, title=item.name, back=back)
