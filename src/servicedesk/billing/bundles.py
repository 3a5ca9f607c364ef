"""Prepaid hours in the billing run (POLICY.md §9): a bundle's purchase billed once, and the run's billable lines
paid from the customer's bundles, oldest first, by policy/prepaid.py (never here).

A run's drafts show what the bundles would pay (`InvoiceLine.prepaid_cents`); its confirmation pays afresh with the
customer's bundles locked and writes the debits in the transaction that numbers the invoices, so two runs confirmed
at once never spend a bundle's value twice. A line is paid by its amount, its date and its kind only (work,
travel, surcharge; a project's lines once they are billed), never by what it bills.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db.models import F, Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from servicedesk.billing.models import BUNDLE_PURCHASE, PAID_KINDS, Invoice, InvoiceLine
from servicedesk.billing.specification import SpecLine, vat_on
from servicedesk.contracts.models import BundleDebit, PrepaidBundle
from servicedesk.contracts.selectors import as_engine_bundle
from servicedesk.policy import prepaid

PAID_KIND = "invoice_line"  # BundleDebit.paid_kind of what a run pays: an invoice line, by its id
PAID_BATCH = 900  # line ids in one UPDATE (under SQLite's 999 parameters of old)
ONE_DAY = timedelta(days=1)
DAYS_READ = 24  # the days of a customer's lines read at first from each bundle's first day (more where it lasts)
STRETCHES_READ = 200  # stretches of days in one query (two parameters each)
INVOICES_WRITTEN = 100  # documents' prepaid parts in one UPDATE


def _money(cents: int) -> str:
    return f"€ {Decimal(cents) / 100:.2f}".replace(".", ",")


def purchase_text(bundle: PrepaidBundle) -> str:
    """'Strippenkaart 10 uur à € 65,00 (waarde € 650,00), gekocht 03-11-2026, geldig t/m 02-11-2027' (Dutch,
    as the documents are)."""
    return (
        f"Strippenkaart {bundle.hours} uur à {_money(bundle.base_rate_cents)} (waarde {_money(bundle.value_cents)}),"
        f" gekocht {bundle.bought_on:%d-%m-%Y}, geldig t/m {bundle.expires_on - ONE_DAY:%d-%m-%Y}"
    )


def purchase_lines(*, customer_ids: list[int] | None, run_start: date, run_end: date) -> dict[int, list[SpecLine]]:
    """Per customer, the bundles bought by the run's last day whose purchase no standing document bills; one
    query."""
    bundles = PrepaidBundle.objects.filter(bought_on__lte=run_end).exclude(invoice_lines__claims=True)
    if customer_ids:
        bundles = bundles.filter(customer_id__in=customer_ids)
    found: dict[int, list[SpecLine]] = defaultdict(list)
    for bundle in bundles.order_by("customer_id", "bought_on", "id"):
        found[bundle.customer_id].append(
            SpecLine(
                ticket_id=None,
                ticket_subject="",
                entry_id=None,
                kind=BUNDLE_PURCHASE,
                start=None,
                agent="",
                description=purchase_text(bundle),
                minutes=0,
                billed_minutes=0,
                bands="",
                hourly_rate=None,
                amount_cents=bundle.price_cents,
                free_reason="",
                late=bundle.bought_on < run_start,
                corrects_id=None,
                previously_billed_cents=0,
                bundle_id=bundle.pk,
            )
        )
    return found


def _paid_text(pk: int, ticket_id: int | None, project: str | None) -> str:
    """What a debit paid, as the customer's bundle page lists it (Dutch, as the documents are)."""
    if ticket_id:
        return f"Ticket #{ticket_id}"
    return f"Project {project}" if project else f"Regel {pk}"


def pay_lines(invoices: list[Invoice], *, today: date, run_id: int, now: datetime, debit: bool) -> dict[int, int]:
    """Pay the billable lines of `invoices` (one per customer) from their customers' bundles: each line's
    `prepaid_cents` and each document's `prepaid_cents`/`prepaid_vat_cents` set, and, with `debit`, the debits
    written. With `debit` the bundles are locked first (the caller's transaction holds them). Returns what each
    customer's bundles paid. Bundles expired by `today` pay nothing: their value lapsed.

    A customer's lines are read oldest first, only on the days a bundle with value left pays on, until none has
    value left for a later day (`prepaid.debit_as_read`): a bundle's value pays a few days of work after its
    purchase, so most of a customer's lines are never read."""
    by_customer = {invoice.customer_id: invoice for invoice in invoices}
    bundles = PrepaidBundle.objects.filter(customer_id__in=list(by_customer), expires_on__gt=today).order_by("pk")
    if debit:  # locked before their balance is read: another confirmation waits here until this one commits
        ids = list(bundles.select_for_update().values_list("pk", flat=True))
        bundles = PrepaidBundle.objects.filter(pk__in=ids).order_by("pk")
    rows = list(bundles.annotate(used=Coalesce(Sum("debits__amount_cents"), 0)))
    lines = InvoiceLine.objects.filter(invoice__in=[invoice.pk for invoice in invoices]).order_by()
    lines.filter(~Q(prepaid_cents=0)).update(prepaid_cents=0)  # paid afresh
    of_customer: dict[int, list[PrepaidBundle]] = defaultdict(list)
    for bundle in rows:
        of_customer[bundle.customer_id].append(bundle)
    paid_by: dict[int, int] = {}
    paid_whole, paid_in_part, debits = [], [], []
    for customer_id, owned in of_customer.items():
        payable = InvoiceLine.objects.filter(
            invoice=by_customer[customer_id], kind__in=PAID_KINDS, amount_cents__gt=0, free_reason=""
        )
        what: dict[str, tuple[int, date, str, int]] = {}

        def read(stretches, payable=payable, what=what) -> list[prepaid.BillableLine]:
            billable = []
            for i in range(0, len(stretches), STRETCHES_READ):
                days = Q()
                for first, end in stretches[i : i + STRETCHES_READ]:
                    days |= Q(work_day__gte=first, work_day__lt=end)
                found = payable.filter(days).values_list("pk", "amount_cents", "work_day", "ticket_id", "project__name")
                for pk, amount, day, ticket_id, project in found:
                    billable.append(prepaid.BillableLine(str(pk), day, amount))
                    what[str(pk)] = (pk, day, _paid_text(pk, ticket_id, project), amount)
            return billable

        outcome = prepaid.debit_as_read([as_engine_bundle(b, b.used) for b in owned], read, days=DAYS_READ)
        total = 0
        for line_debit in outcome.lines:
            if not line_debit.paid_cents:
                continue
            pk, day, description, amount = what[line_debit.key]
            if line_debit.paid_cents == amount:
                paid_whole.append(pk)
            else:  # the line where a customer's bundles ran out: one a customer at most, or one a bundle
                paid_in_part.append(InvoiceLine(pk=pk, prepaid_cents=line_debit.paid_cents))
            total += line_debit.paid_cents
            if debit:  # a preview only shows what the lines would be paid
                debits += [
                    BundleDebit(
                        bundle_id=int(payment.bundle_key),
                        amount_cents=payment.cents,
                        paid_kind=PAID_KIND,
                        paid_id=pk,
                        description=description,
                        on=day,
                        billing_run_id=run_id,
                        created_at=now,
                    )
                    for payment in line_debit.payments
                ]
        paid_by[customer_id] = total
    # Nearly every paid line is paid whole: set from its own amount, a plain UPDATE of a batch of ids (a value for
    # each row, bulk_update's CASE, grew with the square of the batch). The few paid in part get their own value.
    for i in range(0, len(paid_whole), PAID_BATCH):
        InvoiceLine.objects.filter(pk__in=paid_whole[i : i + PAID_BATCH]).update(prepaid_cents=F("amount_cents"))
    InvoiceLine.objects.bulk_update(paid_in_part, ["prepaid_cents"], batch_size=100)
    BundleDebit.objects.bulk_create(debits, batch_size=2000)
    _set_prepaid(invoices, paid_by)
    return paid_by


def _set_prepaid(invoices: list[Invoice], paid_by: dict[int, int]) -> None:
    """Each document's prepaid part and its VAT, written where they changed (drafts included)."""
    changed = []
    for invoice in invoices:
        cents = paid_by.get(invoice.customer_id, 0)
        vat = vat_on(cents, invoice.vat_percent)
        if (invoice.prepaid_cents, invoice.prepaid_vat_cents) != (cents, vat):
            invoice.prepaid_cents, invoice.prepaid_vat_cents = cents, vat
            changed.append(invoice)
    Invoice.with_drafts.bulk_update(changed, ["prepaid_cents", "prepaid_vat_cents"], batch_size=INVOICES_WRITTEN)


def refund_debits(invoice: Invoice, *, now: datetime, description: str) -> None:
    """Give back to the bundles what they paid of a credited invoice's lines (negative debits), so that the work
    billed again is paid afresh."""
    paid = BundleDebit.objects.filter(paid_kind=PAID_KIND, paid_id__in=invoice.lines.values("pk"))
    refunds = [
        BundleDebit(
            bundle_id=bundle_id,
            amount_cents=-amount,
            paid_kind=PAID_KIND,
            paid_id=paid_id,
            description=description,
            on=timezone.localdate(now),
            billing_run_id=None,
            created_at=now,
        )
        for bundle_id, paid_id, amount in paid.filter(amount_cents__gt=0).values_list(
            "bundle_id", "paid_id", "amount_cents"
        )
    ]
    BundleDebit.objects.bulk_create(refunds, batch_size=2000)
