"""A customer's own specifications and invoices in the portal (contacts who see the organisation's tickets)."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import render

from servicedesk.billing.exports import CONTENT_TYPES, invoice_file, invoice_filename
from servicedesk.billing.models import Invoice
from servicedesk.core.downloads import download
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
    if invoice is None or kind not in CONTENT_TYPES or (kind == "xml" and not invoice.number):
        raise Http404
    return download(
        invoice_file(invoice, kind), filename=invoice_filename(invoice, kind), content_type=CONTENT_TYPES[kind]
    )
