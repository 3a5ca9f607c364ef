"""The invoice (or specification) as a PDF: Dutch layout, the provider's details, page numbers (WeasyPrint)."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation

from servicedesk.billing.models import Invoice
from servicedesk.billing.selectors import (
    bundles_used,
    document_fee_lines,
    document_lines_by_ticket,
    document_project_lines,
)


def invoice_pdf(invoice: Invoice, *, language: str = "nl") -> bytes:
    import weasyprint  # imported here: it loads native libraries, which only this needs

    issued = timezone.localtime(invoice.issued_at)
    context = {
        "invoice": invoice,
        "lines": document_lines_by_ticket(invoice),
        "fees": document_fee_lines(invoice),
        "bundles": bundles_used(invoice),
        "project_lines": document_project_lines(invoice),
        "customer": invoice.customer,
        "provider": settings.SERVICEDESK_PROVIDER,
        "issued": issued,
        "due": issued + timedelta(days=invoice.customer.payment_days),
    }
    with translation.override(language):
        html = render_to_string("billing/invoice_pdf.html", context)
    return weasyprint.HTML(string=html).write_pdf()
