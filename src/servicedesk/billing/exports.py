"""A specification as CSV: UTF-8, `;`-separated, optional decimal comma, and inert against formula injection."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from django.utils import timezone, translation
from django.utils.text import slugify

from servicedesk.billing.models import Invoice
from servicedesk.billing.pdf import invoice_pdf
from servicedesk.billing.selectors import document_lines
from servicedesk.billing.ubl import invoice_ubl
from servicedesk.core.templatetags.policy_labels import bands_shown

HEADER = [
    "datum",
    "tijd",
    "ticket",
    "onderwerp",
    "medewerker",
    "omschrijving",
    "soort",
    "minuten",
    "gefactureerde minuten",
    "tijdvakken",
    "uurtarief",
    "bedrag",
    "kosteloos",
    "later geboekt",
    "correctie van regel",
    "regel",
    "avond/nacht-tarief vooraf gemeld",
    "periode van",
    "periode tot en met",
    "stukprijs per periode",
]
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def inert(text: str) -> str:
    """Text a spreadsheet will not run: a leading =, +, -, @, tab or CR is preceded by a quote (OWASP)."""
    return "'" + text if text.startswith(_FORMULA_START) else text


def _amount(cents: int, comma: bool) -> str:
    text = f"{Decimal(cents) / 100:.2f}"
    return text.replace(".", ",") if comma else text


def invoice_csv(invoice: Invoice, *, decimal_comma: bool = True) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(HEADER)
    for line in document_lines(invoice):
        local = timezone.localtime(line.start) if line.start else None
        rate = "" if line.hourly_rate is None else f"{line.hourly_rate:.2f}"
        with translation.override("nl"):  # the customer's documents are Dutch; the band rates with their €
            bands = bands_shown(line.bands)
        writer.writerow(
            [
                local.strftime("%Y-%m-%d") if local else "",
                local.strftime("%H:%M") if local else "",
                line.ticket_id or "",
                inert(line.ticket_subject),
                inert(line.agent),
                inert(line.description.replace("\r\n", "\n")),
                line.kind,
                line.minutes,
                line.billed_minutes,
                inert(bands),
                rate.replace(".", ",") if decimal_comma else rate,
                _amount(line.amount_cents, decimal_comma),
                line.free_reason,
                "ja" if line.late else "",
                line.corrects_id or "",
                line.pk,
                {True: "ja", False: "nee"}.get(line.rate_told, ""),
                line.period_start.isoformat() if line.period_start else "",
                line.period_end.isoformat() if line.period_end else "",
                "" if line.unit_price_cents is None else _amount(line.unit_price_cents, decimal_comma),
            ]
        )
    writer.writerow([])
    for label, cents in (
        ("subtotaal", invoice.subtotal_cents),
        ("btw", invoice.vat_cents),
        ("totaal", invoice.total_cents),
    ):
        writer.writerow([label, "", "", "", "", "", "", "", "", "", "", _amount(cents, decimal_comma)])
    return "\ufeff".encode() + out.getvalue().encode("utf-8")  # the BOM makes spreadsheet programs read UTF-8


CONTENT_TYPES = {"pdf": "application/pdf", "xml": "application/xml", "csv": "text/csv; charset=utf-8"}


def invoice_filename(invoice: Invoice, kind: str, *, decimal_comma: bool = True) -> str:
    """The name a download is saved under. PDF and UBL: the invoice number (as mailed). CSV: what it is
    and whose, and its decimal sign, so that the two CSV downloads of one document never share a name:
    'factuur-2026-00042-bakkerij-de-korrel-2026-11-01-2026-11-30-regels-decimale-komma.csv'."""
    if kind != "csv":
        return f"{invoice.file_stem}.{kind}"
    if not invoice.number:
        document = invoice.file_stem  # specificatie-<id>
    else:
        document = f"{'creditnota' if invoice.credits_id else 'factuur'}-{invoice.number}"
    run = invoice.run
    sign = "komma" if decimal_comma else "punt"
    return (
        f"{document}-{slugify(invoice.customer.name)}-{run.period_start:%Y-%m-%d}-{run.period_end:%Y-%m-%d}"
        f"-regels-decimale-{sign}.csv"
    )


def invoice_file(invoice: Invoice, kind: str, *, decimal_comma: bool = True) -> bytes:
    """The invoice as `kind` (pdf, xml for UBL, csv); UBL only for a numbered invoice (ValueError)."""
    if kind == "pdf":
        return invoice_pdf(invoice)
    if kind == "xml":
        return invoice_ubl(invoice)
    if kind == "csv":
        return invoice_csv(invoice, decimal_comma=decimal_comma)
    raise ValueError(f"no {kind!r} file of an invoice")
