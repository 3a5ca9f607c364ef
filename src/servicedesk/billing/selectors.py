"""Reads of billing documents: a document's lines with the facts they bill."""

from __future__ import annotations

from django.db.models import QuerySet
from django.db.models.functions import Coalesce

from servicedesk.billing.models import Invoice, InvoiceLine

# What a line's facts (`InvoiceLine.facts`) read: its entry and the entry's agent, or the facts it keeps.
FACTS = ("ticket", "time_entry__agent", "project_entry__agent", "kept")


def document_lines(invoice: Invoice) -> QuerySet[InvoiceLine]:
    """The invoice's lines in the order they were written, with their tickets and facts in the same query."""
    return invoice.lines.select_related(*FACTS).order_by("id")


def document_lines_by_ticket(invoice: Invoice) -> QuerySet[InvoiceLine]:
    """The invoice's lines of tickets, by ticket and then by when the work started (the PDF's order)."""
    start = Coalesce("kept__start", "time_entry__start")
    return invoice.lines.filter(ticket__isnull=False).select_related(*FACTS).order_by("ticket_id", start, "id")


def document_fee_lines(invoice: Invoice) -> QuerySet[InvoiceLine]:
    """The invoice's recurring fees, by period and then as written (the PDF's section of its own)."""
    return invoice.lines.filter(contract_line__isnull=False).order_by("period_start", "id")


def document_project_lines(invoice: Invoice) -> QuerySet[InvoiceLine]:
    """The invoice's project lines, by project and then by when the work started (the PDF's section of its own)."""
    start = Coalesce("kept__start", "project_entry__start")
    return invoice.lines.filter(project__isnull=False).select_related(*FACTS).order_by("project_id", start, "id")


def milestones_billed(project_id: int) -> dict[int, str]:
    """Of a project's milestones, those a standing invoice bills, with its number; one query."""
    lines = InvoiceLine.objects.filter(project_id=project_id, milestone__isnull=False, claims_project_item=True)
    return dict(lines.values_list("milestone_id", "invoice__number"))
