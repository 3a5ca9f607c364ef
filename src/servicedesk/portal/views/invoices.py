"""A customer's own specifications and invoices in the portal (contacts who see the organisation's tickets)."""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.shortcuts import render

from servicedesk.billing.exports import invoice_csv
from servicedesk.billing.models import Invoice
from servicedesk.billing.pdf import invoice_pdf
from servicedesk.billing.ubl import invoice_ubl
from servicedesk.portal.access import contact_required


def _invoices(contact):
    if not contact.sees_all_tickets:
        return Invoice.objects.none()
    return Invoice.objects.filter(customer_id=contact.customer_id).select_related("run")


@contact_required
def invoice_list(request):
    invoices = _invoices(request.contact).order_by("-issued_at", "-id")
    return render(request, "portal/invoices.html", {"invoices": invoices, "active": "invoices"})


@contact_required
def invoice_download(request, invoice_id: int, kind: str):
    invoice = _invoices(request.contact).filter(pk=invoice_id).first()
    if invoice is None or kind not in ("pdf", "xml", "csv") or (kind == "xml" and not invoice.number):
        raise Http404
    name = invoice.number or f"specificatie-{invoice.pk}"
    if kind == "pdf":
        data, content_type = invoice_pdf(invoice), "application/pdf"
    elif kind == "xml":
        data, content_type = invoice_ubl(invoice), "application/xml"
    else:
        data, content_type = invoice_csv(invoice), "text/csv; charset=utf-8"
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}.{kind}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response
