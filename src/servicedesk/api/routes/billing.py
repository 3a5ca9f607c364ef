"""Invoices and specifications, and their PDF, CSV and UBL files: billing scope, agents with the billing role."""

from __future__ import annotations

from ninja import Query, Router

from servicedesk.api.auth import BILLING
from servicedesk.api.errors import ErrorOut, not_found
from servicedesk.api.routes.reports import id_page
from servicedesk.api.routing import REFUSALS, get
from servicedesk.api.schemas import PAGE_MAX, Id, InvoiceDetail, InvoicePage
from servicedesk.billing.exports import CONTENT_TYPES, invoice_file, invoice_filename
from servicedesk.billing.models import Invoice
from servicedesk.billing.selectors import document_lines
from servicedesk.core.downloads import download

router = Router(tags=["billing"])


def _billing_agent(request) -> None:
    """Billing is the billing role's: for any other agent, its objects do not exist."""
    if not request.user.has_perm("billing.manage_billing"):
        raise not_found()


def _invoice(request, invoice_id: int) -> Invoice:
    _billing_agent(request)
    invoice = Invoice.objects.filter(pk=invoice_id).first()
    if invoice is None:
        raise not_found()
    return invoice


@get(router, "/invoices", ok=InvoicePage, auth=BILLING)
def invoice_list(
    request,
    customer_id: Id | None = None,
    cursor: str | None = Query(None, max_length=30),
    limit: int = Query(50, ge=1, le=PAGE_MAX),
):
    """Invoices, credit notes and specifications, newest first."""
    _billing_agent(request)
    rows = Invoice.objects.all()
    if customer_id is not None:
        rows = rows.filter(customer_id=customer_id)
    invoices, next_cursor = id_page(rows, cursor, limit)
    return {"invoices": invoices, "next_cursor": next_cursor}


@get(router, "/invoices/{invoice_id}", ok=InvoiceDetail, auth=BILLING)
def invoice_read(request, invoice_id: Id):
    invoice = _invoice(request, invoice_id)
    invoice.lines_in_order = list(document_lines(invoice))
    return invoice


def _download(kind: str, media_type: str, summary: str):
    extra = {"responses": {200: {"description": summary, "content": {media_type: {"schema": {"type": "string"}}}}}}

    def view(request, invoice_id: Id, decimal: str = Query("comma", pattern="^(comma|point)$")):
        invoice = _invoice(request, invoice_id)
        if kind == "xml" and not invoice.number:
            raise not_found()  # a specification without amount is not an invoice
        comma = decimal == "comma"
        data = invoice_file(invoice, kind, decimal_comma=comma)
        filename = invoice_filename(invoice, kind, decimal_comma=comma)
        return download(data, filename=filename, content_type=CONTENT_TYPES[kind])

    view.__name__ = f"invoice_{kind}"
    suffix = {"pdf": "pdf", "csv": "csv", "xml": "ubl"}[kind]
    router.get(
        f"/invoices/{{invoice_id}}/{suffix}",
        response={REFUSALS: ErrorOut},
        auth=BILLING,
        summary=summary,
        openapi_extra=extra,
    )(view)


_download("pdf", "application/pdf", "The invoice as PDF")
_download("csv", "text/csv", "The specification as CSV (semicolons; `decimal`: comma or point)")
_download("xml", "application/xml", "The invoice as UBL 2.1 (Peppol BIS 3.0)")
