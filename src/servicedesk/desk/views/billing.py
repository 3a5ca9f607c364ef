"""Billing in the desk (agents with the billing role): runs, their preview and confirmation, invoices, CSV."""

from __future__ import annotations

from datetime import date, timedelta
from functools import wraps

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from servicedesk.billing.exports import CONTENT_TYPES, invoice_file, invoice_filename
from servicedesk.billing.models import BillingRun, Invoice
from servicedesk.billing.progress import run_progress
from servicedesk.billing.selectors import document_lines
from servicedesk.billing.services import (
    awaiting_approval,
    billing_customer_preview,
    billing_run_create,
    invoice_credit,
    invoice_send,
)
from servicedesk.billing.tasks import billing_run_start
from servicedesk.core.downloads import download
from servicedesk.core.numbers import id_from
from servicedesk.customers.models import Customer
from servicedesk.desk.access import agent_required
from servicedesk.desk.forms import DatePicker


def billing_required(view):
    @agent_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.has_perm("billing.manage_billing"):
            raise PermissionDenied(_("Billing needs the billing role."))
        return view(request, *args, **kwargs)

    return wrapper


class RunForm(forms.Form):
    period_start = forms.DateField(label=gettext_lazy("From"), widget=DatePicker())
    period_end = forms.DateField(label=gettext_lazy("To (inclusive)"), widget=DatePicker())
    customers = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Customers (none chosen: all)"), queryset=Customer.objects.order_by("name"), required=False
    )


def _last_month(today: date) -> tuple[date, date]:
    first_this = today.replace(day=1)
    last_previous = first_this - timedelta(days=1)
    return last_previous.replace(day=1), last_previous


@billing_required
def runs(request):
    start, end = _last_month(timezone.localdate())
    form = RunForm(request.POST or None, initial={"period_start": start, "period_end": end})
    if request.method == "POST" and form.is_valid():
        try:
            run = billing_run_create(
                actor=request.user,
                period_start=form.cleaned_data["period_start"],
                period_end=form.cleaned_data["period_end"],
                customers=form.cleaned_data["customers"],
            )
            billing_run_start(run, action="preview", actor=request.user)
        except ValidationError as error:
            for field, problems in error.message_dict.items():
                form.add_error(field if field in form.fields else None, problems)
        else:
            return redirect("desk:billing_run", run.pk)
    context = {
        "form": form,
        "runs": BillingRun.objects.select_related("created_by", "confirmed_by")[:50],
        "invoices": Invoice.objects.select_related("customer", "run")[:50],
        "active": "billing",
    }
    return render(request, "desk/billing.html", context)


def _run(run_id: int) -> BillingRun:
    run = BillingRun.objects.filter(pk=run_id).first()
    if run is None:
        raise Http404
    return run


@billing_required
def run_page(request, run_id: int):
    run = _run(run_id)
    rows = []
    if run.status == BillingRun.Status.DRAFT and run.preview is not None:
        customers = Customer.objects.in_bulk([row["customer_id"] for row in run.preview])
        rows = [{**row, "customer": customers.get(row["customer_id"])} for row in run.preview]
    detail = None
    show = id_from(request.GET.get("customer"))
    if run.status == BillingRun.Status.DRAFT and show is not None:
        customer = Customer.objects.filter(pk=show).first()
        # The preview's draft document when there is one: its lines as the confirmation numbers them, with what
        # the customer's bundles would pay of each; priced afresh only before the preview has run.
        draft = (
            Invoice.with_drafts.filter(run=run, customer=customer, number__isnull=True).first() if customer else None
        )
        if draft is not None:
            detail = {"customer": customer, "lines": document_lines(draft)}
        else:
            spec = billing_customer_preview(run, customer) if customer else None
            detail = {"customer": customer, "lines": spec.lines} if spec else None
    awaiting = []
    if run.status == BillingRun.Status.DRAFT and run.preview is not None:
        names = {row["customer_id"]: row["customer"] for row in rows}
        for customer_id, items in awaiting_approval(run).items():
            awaiting += [(names.get(customer_id), item) for item in items]
    context = {
        "run": run,
        "rows": rows,
        "awaiting": awaiting,
        "detail": detail,
        "progress": run_progress(run.pk) if run.working else None,
        "invoices": run.invoices.select_related("customer"),
        "totals": {k: sum(r.get(k, 0) for r in rows) for k in ("subtotal", "vat", "total", "prepaid")},
        "active": "billing",
    }
    return render(request, "desk/billing_run.html", context)


@billing_required
def run_progress_view(request, run_id: int):
    """The progress bar, polled by the page; when the work is done the page reloads itself."""
    run = _run(run_id)
    if not run.working:
        response = HttpResponse("")
        response["HX-Refresh"] = "true"
        return response
    return render(request, "desk/_billing_progress.html", {"run": run, "progress": run_progress(run.pk)})


@billing_required
@require_POST
def run_start(request, run_id: int, action: str):
    run = _run(run_id)
    if action not in ("preview", "confirm"):
        raise Http404
    try:
        billing_run_start(run, action=action, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("desk:billing_run", run.pk)


def _invoice(invoice_id: int) -> Invoice:
    invoice = Invoice.objects.select_related("customer", "run", "credits").filter(pk=invoice_id).first()
    if invoice is None:
        raise Http404
    return invoice


@billing_required
def invoice_page(request, invoice_id: int):
    invoice = _invoice(invoice_id)
    lines = document_lines(invoice)
    sent = invoice.mailings.order_by("created_at")
    credit_note = Invoice.objects.filter(credits=invoice).first()
    context = {
        "invoice": invoice,
        "lines": lines,
        "sent": sent,
        "credit_note": credit_note,
        "active": "billing",
    }
    return render(request, "desk/invoice.html", context)


@billing_required
@require_POST
def invoice_send_view(request, invoice_id: int):
    invoice = _invoice(invoice_id)
    try:
        outgoing = invoice_send(invoice=invoice, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Queued for %(address)s.") % {"address": outgoing.to_address})
    return redirect("desk:invoice", invoice.pk)


@billing_required
@require_POST
def invoice_credit_view(request, invoice_id: int):
    invoice = _invoice(invoice_id)
    try:
        credit = invoice_credit(invoice=invoice, actor=request.user, reason=request.POST.get("reason", ""))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("desk:invoice", invoice.pk)
    messages.success(
        request,
        _("Invoice %(invoice)s is credited by credit note %(credit)s; its work is billed again in the next run.")
        % {"invoice": invoice.number, "credit": credit.number},
    )
    return redirect("desk:invoice", credit.pk)


@billing_required
def invoice_download(request, invoice_id: int, kind: str):
    invoice = _invoice(invoice_id)
    if kind == "xml" and not invoice.number:
        raise Http404  # a specification without amount is not an invoice
    decimal_comma = request.GET.get("decimal") != "point"
    data = invoice_file(invoice, kind, decimal_comma=decimal_comma)
    filename = invoice_filename(invoice, kind, decimal_comma=decimal_comma)
    return download(data, filename=filename, content_type=CONTENT_TYPES[kind])
