"""The invoice as UBL 2.1 XML following Peppol BIS Billing 3.0 (EN 16931; the Dutch NLCIUS is a subset).

A negative total is a credit note (UBL CreditNote, type 381) with the signs turned. Each specification
line is an invoice line of quantity 1 (or -1 for a correction downwards) at its amount; free lines are
listed at 0.00, as on the specification.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from xml.etree import ElementTree as ET

from django.conf import settings
from django.db.models import Max, Min
from django.utils import timezone

from servicedesk.billing.models import Invoice, InvoiceLine
from servicedesk.billing.selectors import document_lines

NS = {
    "invoice": "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2",
    "creditnote": "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2",
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
}
CUSTOMIZATION = "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0"
PROFILE = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"
KVK_SCHEME = "0106"  # Peppol EAS / ICD: Dutch Chamber of Commerce number
NL_VAT_SCHEME = "9944"  # Peppol EAS: Dutch VAT number
LINE_NAMES = {"work": "Werkzaamheden", "travel": "Voorrijkosten", "phone_surcharge": "Toeslag telefonisch support"}


def _money(cents: int) -> str:
    return f"{Decimal(cents) / 100:.2f}"


def _el(parent, tag: str, text: str | None = None, **attrs) -> ET.Element:
    prefix, name = tag.split(":")
    element = ET.SubElement(parent, f"{{{NS[prefix]}}}{name}", attrs)
    if text is not None:
        element.text = text
    return element


def _party(parent, tag: str, *, name, street, city, postal_code, country, vat, legal_id, endpoint, endpoint_scheme):
    party = _el(_el(parent, tag), "cac:Party")
    _el(party, "cbc:EndpointID", endpoint, schemeID=endpoint_scheme)
    _el(_el(party, "cac:PartyName"), "cbc:Name", name)
    address = _el(party, "cac:PostalAddress")
    if street:
        _el(address, "cbc:StreetName", street)
    if city:
        _el(address, "cbc:CityName", city)
    if postal_code:
        _el(address, "cbc:PostalZone", postal_code)
    _el(_el(address, "cac:Country"), "cbc:IdentificationCode", country)
    if vat:
        tax = _el(party, "cac:PartyTaxScheme")
        _el(tax, "cbc:CompanyID", vat)
        _el(_el(tax, "cac:TaxScheme"), "cbc:ID", "VAT")
    legal = _el(party, "cac:PartyLegalEntity")
    _el(legal, "cbc:RegistrationName", name)
    if legal_id:
        _el(legal, "cbc:CompanyID", legal_id, schemeID=KVK_SCHEME)


def _corrected_invoice_numbers(invoice: Invoice) -> list[str]:

    originals = invoice.lines.filter(corrects__isnull=False).values("corrects_id")
    numbers = (
        InvoiceLine.objects.filter(pk__in=originals, invoice__number__isnull=False)
        .values_list("invoice__number", flat=True)
        .distinct()
    )
    return sorted(numbers)


def _tax_category(item, vat_percent: str) -> None:
    tax = _el(item, "cac:ClassifiedTaxCategory")
    _el(tax, "cbc:ID", "S")
    _el(tax, "cbc:Percent", vat_percent)
    _el(_el(tax, "cac:TaxScheme"), "cbc:ID", "VAT")


def _fee_item(element, line: InvoiceLine, vat_percent: str) -> None:
    """A recurring fee's or a bundle's item: what it is (the line's text), named by its contract line or bundle."""
    item = _el(element, "cac:Item")
    correction = f"; correctie van regel {line.corrects_id}" if line.corrects_id else ""
    _el(item, "cbc:Description", f"{line.text}{correction}")
    if line.bundle_id:
        name, identification = "Strippenkaart", f"bundle-{line.bundle_id}"
    else:
        name, identification = line.text.split(":")[0][:100] or "Vast bedrag", f"contract-line-{line.contract_line_id}"
    _el(item, "cbc:Name", name)
    _el(_el(item, "cac:SellersItemIdentification"), "cbc:ID", identification)
    _tax_category(item, vat_percent)


def invoice_ubl(invoice: Invoice) -> bytes:
    """UBL XML for a numbered invoice (a specification without amount has no invoice to send)."""
    if not invoice.number:
        raise ValueError("a specification without amount is not an invoice")
    credit = invoice.total_cents < 0
    sign = -1 if credit else 1
    root_ns = NS["creditnote"] if credit else NS["invoice"]
    ET.register_namespace("", root_ns)
    ET.register_namespace("cac", NS["cac"])
    ET.register_namespace("cbc", NS["cbc"])
    root = ET.Element(f"{{{root_ns}}}{'CreditNote' if credit else 'Invoice'}")
    provider = settings.SERVICEDESK_PROVIDER
    customer = invoice.customer
    issued = timezone.localtime(invoice.issued_at).date()
    currency = "EUR"
    _el(root, "cbc:CustomizationID", CUSTOMIZATION)
    _el(root, "cbc:ProfileID", PROFILE)
    _el(root, "cbc:ID", invoice.number)
    _el(root, "cbc:IssueDate", issued.isoformat())
    if not credit:
        _el(root, "cbc:DueDate", (issued + timedelta(days=customer.payment_days)).isoformat())
    _el(root, "cbc:CreditNoteTypeCode" if credit else "cbc:InvoiceTypeCode", "381" if credit else "380")
    period = f"{invoice.run.period_start:%d-%m-%Y} t/m {invoice.run.period_end:%d-%m-%Y}"
    _el(root, "cbc:Note", f"Specificatie servicedesk, periode {period}")
    _el(root, "cbc:DocumentCurrencyCode", currency)
    _el(root, "cbc:BuyerReference", customer.purchase_order or customer.code)
    # The run's period, widened to the fee periods billed (in advance, or late): each line's period lies within.
    fees = invoice.lines.filter(contract_line__isnull=False).aggregate(
        first=Min("period_start"), last=Max("period_end")
    )
    first = min(d for d in (invoice.run.period_start, fees["first"]) if d)
    last = max(d for d in (invoice.run.period_end, fees["last"]) if d)
    invoice_period = _el(root, "cac:InvoicePeriod")
    _el(invoice_period, "cbc:StartDate", first.isoformat())
    _el(invoice_period, "cbc:EndDate", last.isoformat())
    if customer.purchase_order:
        _el(_el(root, "cac:OrderReference"), "cbc:ID", customer.purchase_order)
    # The invoices whose lines this document corrects (a credit note must name them).
    for number in _corrected_invoice_numbers(invoice):
        _el(_el(_el(root, "cac:BillingReference"), "cac:InvoiceDocumentReference"), "cbc:ID", number)
    _party(
        root,
        "cac:AccountingSupplierParty",
        name=provider["name"],
        street=provider["street"],
        city=provider["city"],
        postal_code=provider["postal_code"],
        country=provider["country"],
        vat=provider["vat_number"],
        legal_id=provider["kvk"],
        endpoint=provider["kvk"],
        endpoint_scheme=KVK_SCHEME,
    )
    buyer_endpoint, buyer_scheme = (
        (customer.vat_number, NL_VAT_SCHEME) if customer.vat_number else (customer.billing_email or customer.code, "EM")
    )
    _party(
        root,
        "cac:AccountingCustomerParty",
        name=customer.name,
        street=customer.street,
        city=customer.city,
        postal_code=customer.postal_code,
        country="NL",
        vat=customer.vat_number,
        legal_id="",
        endpoint=buyer_endpoint,
        endpoint_scheme=buyer_scheme,
    )
    # NLCIUS asks for the means of payment on credit notes too (they are settled against the account).
    means = _el(root, "cac:PaymentMeans")
    _el(means, "cbc:PaymentMeansCode", "58", name="SEPA credit transfer")
    _el(means, "cbc:PaymentID", invoice.number)
    account = _el(means, "cac:PayeeFinancialAccount")
    _el(account, "cbc:ID", provider["iban"])
    _el(account, "cbc:Name", provider["name"])
    if not credit:
        _el(_el(root, "cac:PaymentTerms"), "cbc:Note", f"Betaling binnen {customer.payment_days} dagen")
    vat_percent = f"{invoice.vat_percent:.2f}".rstrip("0").rstrip(".")
    tax_total = _el(root, "cac:TaxTotal")
    _el(tax_total, "cbc:TaxAmount", _money(sign * invoice.vat_cents), currencyID=currency)
    subtotal = _el(tax_total, "cac:TaxSubtotal")
    _el(subtotal, "cbc:TaxableAmount", _money(sign * invoice.subtotal_cents), currencyID=currency)
    _el(subtotal, "cbc:TaxAmount", _money(sign * invoice.vat_cents), currencyID=currency)
    category = _el(subtotal, "cac:TaxCategory")
    _el(category, "cbc:ID", "S")
    _el(category, "cbc:Percent", vat_percent)
    _el(_el(category, "cac:TaxScheme"), "cbc:ID", "VAT")
    totals = _el(root, "cac:LegalMonetaryTotal")
    _el(totals, "cbc:LineExtensionAmount", _money(sign * invoice.subtotal_cents), currencyID=currency)
    _el(totals, "cbc:TaxExclusiveAmount", _money(sign * invoice.subtotal_cents), currencyID=currency)
    _el(totals, "cbc:TaxInclusiveAmount", _money(sign * invoice.total_cents), currencyID=currency)
    prepaid = invoice.prepaid_cents + invoice.prepaid_vat_cents
    if prepaid:  # paid before, with the bundles' purchase (VAT included): BT-113, so BR-CO-16 holds
        _el(totals, "cbc:PrepaidAmount", _money(sign * prepaid), currencyID=currency)
    _el(totals, "cbc:PayableAmount", _money(sign * invoice.payable_cents), currencyID=currency)
    for number, line in enumerate(document_lines(invoice), start=1):
        amount = sign * line.amount_cents
        element = _el(root, "cac:CreditNoteLine" if credit else "cac:InvoiceLine")
        _el(element, "cbc:ID", str(number))
        quantity = "-1" if amount < 0 else "1"
        _el(element, "cbc:CreditedQuantity" if credit else "cbc:InvoicedQuantity", quantity, unitCode="C62")
        _el(element, "cbc:LineExtensionAmount", _money(amount), currencyID=currency)
        if line.contract_line_id or line.bundle_id:  # a recurring fee (the period it bills), a bundle bought
            if line.period_start:
                line_period = _el(element, "cac:InvoicePeriod")
                _el(line_period, "cbc:StartDate", line.period_start.isoformat())
                _el(line_period, "cbc:EndDate", line.period_end.isoformat())
            _fee_item(element, line, vat_percent)
            _el(_el(element, "cac:Price"), "cbc:PriceAmount", _money(abs(amount)), currencyID=currency)
            continue
        item = _el(element, "cac:Item")
        description = line.description or LINE_NAMES.get(line.kind, line.kind)
        when = f"{timezone.localtime(line.start):%d-%m-%Y %H:%M}, " if line.start else ""
        free = f"; kosteloos ({line.free_reason})" if line.free_reason else ""
        correction = f"; correctie van regel {line.corrects_id}" if line.corrects_id else ""
        paid = f"; betaald uit strippenkaart {_money(line.prepaid_cents)}" if line.prepaid_cents else ""
        _el(
            item,
            "cbc:Description",
            f"{when}{line.minutes} min, gefactureerd {line.billed_minutes} min{free}{correction}{paid}",
        )
        if line.project_id:  # a project's line: named by its text, which starts with the project's name
            _el(item, "cbc:Name", line.text[:100] or description)
            _el(_el(item, "cac:SellersItemIdentification"), "cbc:ID", f"project-{line.project_id}")
        else:
            _el(item, "cbc:Name", f"#{line.ticket_id} {description}"[:100])
            _el(_el(item, "cac:SellersItemIdentification"), "cbc:ID", f"ticket-{line.ticket_id}")
        _tax_category(item, vat_percent)
        _el(_el(element, "cac:Price"), "cbc:PriceAmount", _money(abs(amount)), currencyID=currency)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)
