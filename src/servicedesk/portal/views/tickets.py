"""The contact's tickets: list, report, follow, reply; the service matrix."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from servicedesk.core import labels
from servicedesk.core.downloads import download
from servicedesk.core.submissions import once
from servicedesk.customers.selectors import active_matrix_items
from servicedesk.policy import Policy, Priority, SupportType
from servicedesk.portal import selectors
from servicedesk.portal.access import contact_required
from servicedesk.portal.forms import QUESTION, ReplyForm, ReportForm, support_type_of
from servicedesk.portal.services import portal_reply, portal_ticket_report
from servicedesk.portal.terms import report_terms
from servicedesk.tickets.attachments import attachment_open
from servicedesk.tickets.models import Ticket
from servicedesk.tickets.pricing import (
    allowed_priorities,
    customer_policies,
    hourly_rate,
    policy_for,
    ticket_policy,
    ticket_price,
)
from servicedesk.tickets.services import ReportRefused

PAGE_SIZE = selectors.PAGE


@contact_required
def tickets(request):
    contact = request.contact
    status = request.GET.get("status", "open")
    support_type = request.GET.get("type", "")
    if support_type not in SupportType.__members__.values():
        support_type = ""
    priority = request.GET.get("priority", "")
    if priority not in labels.PRIORITIES:
        priority = ""
    query = request.GET.get("q", "")
    after = request.GET.get("after")
    rows, next_cursor = selectors.ticket_list(
        contact,
        status=status,
        support_type=support_type,
        priority=priority,
        query=query,
        after=after,
        limit=PAGE_SIZE,
    )
    filters = {"status": status, "type": support_type, "priority": priority, "q": query}
    policy_at = customer_policies(contact.customer_id)  # each ticket's contract in force when reported
    statuses = dict(Ticket.Status.choices)
    for row in rows:
        row["status_label"] = statuses.get(row["status"], row["status"])
        # A critical ticket is free of charge whatever its type and priority.
        policy = policy_at(row["reported_at"])
        rate = policy.hourly_rate(SupportType(row["support_type"]), Priority(row["priority"]))
        row["rate"] = None if row["critical"] else rate
    return render(
        request,
        "portal/tickets.html",
        {
            "rows": rows,
            "with_reporter": contact.sees_all_tickets,
            "status": status,
            "statuses": [("open", _("Not closed")), ("all", _("All")), *statuses.items()],
            "support_type": support_type,
            "support_types": list(labels.SUPPORT_TYPES.items()),
            "priority": priority,
            "priorities": list(labels.PRIORITIES.items()),
            "next_page": f"?{urlencode({**filters, 'after': next_cursor})}" if next_cursor else "",
            "first_page": f"?{urlencode(filters)}" if after else "",
            "query": query,
            "active": "tickets",
        },
    )


def _report_form(request, contact, data=None, files=None, *, policy: Policy) -> tuple[ReportForm, SupportType]:
    """The report form with the priorities this contact may use for what it is about (the support type), which
    the terms shown beside them (`report_terms`) are worked out for when the form is shown: not for a report
    that is sent and valid."""
    matrix_items = active_matrix_items(contact.customer)
    about = (data or request.GET).get("about") or QUESTION
    support_type = support_type_of(about)
    allowed = allowed_priorities(contact, support_type, policy=policy)
    priorities = [(p.value, labels.PRIORITIES[p]) for p in allowed]
    initial = {"about": about, "priority": "standard"}
    form = ReportForm(data, files, matrix_items=matrix_items, priorities=priorities, initial=initial)
    if form.fields["priority"].choices and not any(
        value == (data or {}).get("priority") for value, _label in form.fields["priority"].choices
    ):
        form.initial["priority"] = form.fields["priority"].choices[0][0]
    return form, support_type


@contact_required
def report(request):
    contact = request.contact
    policy = policy_for(contact.customer_id, timezone.now())  # the contract's service levels, if any
    if request.method == "POST":
        form, support_type = _report_form(request, contact, request.POST, request.FILES, policy=policy)
        if form.is_valid():
            support_type, item = form.support_type_and_item()
            try:
                ticket, _new = once(
                    request.user.pk,
                    form.cleaned_data["submission"],
                    lambda: portal_ticket_report(
                        contact=contact,
                        subject=form.cleaned_data["subject"],
                        body=form.cleaned_data["body"],
                        support_type=support_type,
                        priority=form.cleaned_data["priority"],
                        matrix_item=item,
                        files=form.cleaned_data["files"],
                    ),
                )
            except ValidationError as error:
                for field, problems in error.message_dict.items():
                    form.add_error(field if field in form.fields else None, problems)
            except ReportRefused:
                # The right to report was withdrawn after this request was let in (the attempt is recorded):
                # the session ends, as contact_required ends it.
                logout(request)
                return redirect_to_login(request.get_full_path(), "portal:login")
            else:
                messages.success(
                    request,
                    _("Ticket #%(number)d is registered. We will respond by %(due)s.")
                    % {"number": ticket.pk, "due": timezone.localtime(ticket.response_due).strftime("%d-%m-%Y %H:%M")},
                )
                return redirect("portal:ticket", ticket.pk)
    else:
        form, support_type = _report_form(request, contact, policy=policy)
    terms = report_terms(contact, support_type, timezone.now(), policy=policy)
    template = "portal/_terms.html" if request.htmx and request.method == "GET" else "portal/report.html"
    context = {"form": form, "terms": terms, "urgent_phone": settings.SERVICEDESK_URGENT_PHONE, "active": "report"}
    return render(request, template, context)


@contact_required
def ticket(request, ticket_id: int):
    contact = request.contact
    item = selectors.ticket_for_contact(contact, ticket_id)
    entries = list(item.time_entries.select_related("agent").order_by("start", "id"))
    policy = ticket_policy(item)
    price = ticket_price(item, entries, policy=policy)
    # Lines follow the entries in order; a phone surcharge comes last.
    rows = list(zip(entries, price.lines[: len(entries)], strict=True))
    return render(
        request,
        "portal/ticket.html",
        {
            "ticket": item,
            "conversation": selectors.public_messages(item),
            "events": selectors.public_events(item),
            "copies": list(item.copies.all()),
            "time_rows": rows,
            "extra_lines": price.lines[len(entries) :],
            "price": price,
            "rate": hourly_rate(item, policy=policy),
            "form": ReplyForm(),
            "active": "tickets",
        },
    )


@contact_required
@require_POST
def reply(request, ticket_id: int):
    contact = request.contact
    item = selectors.ticket_for_contact(contact, ticket_id)
    form = ReplyForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            once(
                request.user.pk,
                form.cleaned_data["submission"],
                lambda: portal_reply(
                    contact=contact, ticket=item, body=form.cleaned_data["body"], files=form.cleaned_data["files"]
                ),
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Your message has been added."))
    else:
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
    return redirect("portal:ticket", item.pk)


@contact_required
def attachment(request, attachment_id: int):
    item = selectors.attachment_for_contact(request.contact, attachment_id)
    return download(attachment_open(item), filename=item.original_name, content_type=item.content_type)


@contact_required
def matrix(request):
    contact = request.contact
    items = contact.customer.matrix_items.filter(active=True).order_by("name")
    return render(request, "portal/matrix.html", {"items": items, "customer": contact.customer, "active": "matrix"})
