"""Reads of billing documents: a document's lines with the facts they bill."""

from __future__ import annotations

from typing import NamedTuple

from django.db.models import Max, QuerySet, Sum
from django.db.models.functions import Coalesce

from servicedesk.billing.models import Invoice, InvoiceLine
from servicedesk.contracts.models import BundleDebit, PrepaidBundle

# What a line's facts (`InvoiceLine.facts`) read: its entry and the entry's agent, or the facts it keeps.
FACTS = ("ticket", "time_entry__agent", "project_entry__agent", "kept")


def document_lines(invoice: Invoice) -> QuerySet[InvoiceLine]:
    """The invoice's lines in the order they were written, with their tickets and facts in the same query."""
    return invoice.lines.select_related(*FACTS).order_by("id")


def document_lines_by_ticket(invoice: Invoice) -> QuerySet[InvoiceLine]:
    """The invoice's lines of tickets, by ticket and then by when the work started (the PDF's order)."""
    start = Coalesce("kept__start", "time_entry__start")
    return invoice.lines.filter(ticket__isnull=False).select_related(*FACTS).order_by("ticket_id", start, "id")


class BundleUse(NamedTuple):
    """A bundle that paid lines of a document: its value left before and after them."""

    bundle: PrepaidBundle
    before_cents: int
    used_cents: int
    after_cents: int


def bundles_used(invoice: Invoice) -> list[BundleUse]:
    """The bundles that paid lines of `invoice`, oldest first, with their balance before and after it (debits in
    the order they were written); two queries and one per bundle (a customer has a few)."""
    mine = (
        BundleDebit.objects.filter(paid_kind="invoice_line", paid_id__in=invoice.lines.values("pk"), amount_cents__gt=0)
        .order_by()
        .values("bundle_id")
        .annotate(used=Sum("amount_cents"), last=Max("pk"))
    )
    used = {row["bundle_id"]: (row["used"], row["last"]) for row in mine}
    if not used:
        return []
    uses = []
    for bundle in PrepaidBundle.objects.filter(pk__in=list(used)).order_by("bought_on", "pk"):
        cents, last = used[bundle.pk]
        spent = BundleDebit.objects.filter(bundle=bundle, pk__lte=last).aggregate(spent=Sum("amount_cents"))["spent"]
        after = bundle.value_cents - (spent or 0)
        uses.append(BundleUse(bundle, after + cents, cents, after))
    return uses


def document_fee_lines(invoice: Invoice) -> QuerySet[InvoiceLine]:
    """The invoice's recurring fees, by period and then as written (the PDF's section of its own)."""
    return invoice.lines.filter(contract_line__isnull=False).order_by("period_start", "id")


def document_project_lines(invoice: Invoice) -> QuerySet[InvoiceLine]:
    """The invoice's project lines, by project and then by when the work started (the PDF's section of its own)."""
    start = Coalesce("kept__start", "project_entry__start")
    return invoice.lines.filter(project__isnull=False).select_related(*FACTS).order_by("project_id", start, "id")


def milestones_billed(project_id: int) -> dict[int, str]:
    """Of a project's milestones, those a standing invoice bills, with its number; one query."""
    lines = InvoiceLine.objects.filter(project_id=project_id, milestone__isnull=False, claims=True)
    return dict(lines.values_list("milestone_id", "invoice__number"))
