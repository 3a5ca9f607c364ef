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

from servicedesk.billing.exports import invoice_csv
from servicedesk.billing.models import BillingRun, Invoice
from servicedesk.billing.pdf import invoice_pdf
from servicedesk.billing.services import billing_run_confirm, billing_run_create, billing_run_preview, invoice_send
from servicedesk.billing.ubl import invoice_ubl
from servicedesk.core.policy import current_policy
from servicedesk.customers.models import Customer
from servicedesk.desk.access import agent_required


def billing_required(view):
    @agent_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.has_perm("billing.manage_billing"):
            raise PermissionDenied(_("Billing needs the billing role."))
        return view(request, *args, **kwargs)

    return wrapper


class RunForm(forms.Form):
    period_start = forms.DateField(label=gettext_lazy("From"), widget=forms.DateInput(attrs={"type": "date"}))
    period_end = forms.DateField(label=gettext_lazy("To (inclusive)"), widget=forms.DateInput(attrs={"type": "date"}))
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
    vat_percent = current_policy().config.vat_percent
    customers = {c.pk: c for c in Customer.objects.all()}
    rows = []
    if run.status == BillingRun.Status.DRAFT:
        for spec in billing_run_preview(run):
            subtotal = spec.subtotal_cents
            vat = spec.vat_cents(vat_percent)
            rows.append(
                {
                    "customer": customers[spec.customer_id],
                    "spec": spec,
                    "lines": len(spec.lines),
                    "free": sum(1 for line in spec.lines if line.free_reason),
                    "late": sum(1 for line in spec.lines if line.late),
                    "corrections": sum(1 for line in spec.lines if line.corrects_id),
                    "subtotal": subtotal,
                    "vat": vat,
                    "total": subtotal + vat,
                }
            )
    show = request.GET.get("customer")
    detail = next((r for r in rows if str(r["customer"].pk) == show), None)
    context = {
        "run": run,
        "rows": rows,
        "detail": detail,
        "invoices": run.invoices.select_related("customer"),
        "totals": {k: sum(r[k] for r in rows) for k in ("subtotal", "vat", "total")},
        "active": "billing",
    }
    return render(request, "desk/billing_run.html", context)


@billing_required
@require_POST
def run_confirm(request, run_id: int):
    run = _run(run_id)
    try:
        invoices = billing_run_confirm(run, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        numbered = sum(1 for i in invoices if i.number)
        messages.success(
            request,
            _("Run confirmed: %(invoices)d invoice(s), %(specs)d specification(s) without amount.")
            % {"invoices": numbered, "specs": len(invoices) - numbered},
        )
    return redirect("desk:billing_run", run.pk)


def _invoice(invoice_id: int) -> Invoice:
    invoice = Invoice.objects.select_related("customer", "run").filter(pk=invoice_id).first()
    if invoice is None:
        raise Http404
    return invoice


@billing_required
def invoice_page(request, invoice_id: int):
    invoice = _invoice(invoice_id)
    lines = invoice.lines.select_related("ticket").order_by("id")
    sent = invoice.mailings.order_by("created_at")
    context = {"invoice": invoice, "lines": lines, "sent": sent, "active": "billing"}
    return render(request, "desk/invoice.html", context)


@billing_required
def invoice_pdf_download(request, invoice_id: int):
    invoice = _invoice(invoice_id)
    name = invoice.number or f"specificatie-{invoice.pk}"
    response = HttpResponse(invoice_pdf(invoice), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{name}.pdf"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


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
def invoice_ubl_download(request, invoice_id: int):
    invoice = _invoice(invoice_id)
    if not invoice.number:
        raise Http404  # a specification without amount is not an invoice
    response = HttpResponse(invoice_ubl(invoice), content_type="application/xml")
    response["Content-Disposition"] = f'attachment; filename="{invoice.number}.xml"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@billing_required
def invoice_csv_download(request, invoice_id: int):
    invoice = _invoice(invoice_id)
    data = invoice_csv(invoice, decimal_comma=request.GET.get("decimal") != "point")
    name = invoice.number or f"specificatie-{invoice.pk}"
    response = HttpResponse(data, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    response["X-Content-Type-Options"] = "nosniff"
    return response
