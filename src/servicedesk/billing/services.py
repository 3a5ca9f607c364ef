"""Billing runs: create, preview (nothing written), confirm (one transaction, gapless numbers, entries locked)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator
from datetime import date, datetime
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Case, Count, Max, Q, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from servicedesk.billing.bundles import pay_lines, purchase_lines, refund_debits
from servicedesk.billing.fees import fee_lines
from servicedesk.billing.models import (
    BillingRun,
    Invoice,
    InvoiceLine,
    InvoiceSequence,
    KeptFacts,
    TicketLine,
    WorkFacts,
)
from servicedesk.billing.pdf import invoice_pdf
from servicedesk.billing.projects import Awaiting, project_lines
from servicedesk.billing.selectors import document_lines
from servicedesk.billing.signals import billed_changed
from servicedesk.billing.specification import (
    CustomerSpecification,
    CustomerSummary,
    SpecLine,
    candidate_tickets,
    period_bounds,
    run_plan,
    specification_chunks,
    specifications,
    summaries,
    summary_of,
    vat_on,
)
from servicedesk.billing.ubl import invoice_ubl
from servicedesk.contracts.models import BundleDebit, Contract, PrepaidBundle
from servicedesk.core.policy import current_policy
from servicedesk.core.sequences import lock_year, next_in_year, take_in_year
from servicedesk.customers.models import Customer
from servicedesk.outbox.models import OutgoingAttachment, OutgoingMessage
from servicedesk.outbox.services import render_notice
from servicedesk.projects.models import Project, ProjectTimeEntry
from servicedesk.tickets.models import Ticket, TicketEvent, TimeEntry
from servicedesk.webhooks.events import Event, event_record, events_record
from servicedesk.webhooks.models import EventType

LINE_BATCH = 2000  # invoice lines per INSERT (SQLite's limit on parameters makes Django's batches smaller)
# Documents per UPDATE that sets a value of its own in each (bulk_update's CASE, whose cost grows with the square
# of its batch; SQLite's limit on parameters makes Django's batches smaller still).
DOCUMENT_BATCH = 250


def billing_run_create(
    *, actor, period_start: date, period_end: date, customers: Iterable[Customer] = (), now: datetime | None = None
) -> BillingRun:
    if period_end < period_start:
        raise ValidationError({"period_end": _("The period ends before it starts.")})
    with transaction.atomic():
        run = BillingRun.objects.create(
            period_start=period_start, period_end=period_end, created_by=actor, created_at=now or timezone.now()
        )
        run.customers.set(list(customers))
    return run


def _customer_ids(run: BillingRun) -> list[int] | None:
    return list(run.customers.values_list("pk", flat=True)) or None


def billing_run_preview(
    run: BillingRun, *, progress: Callable[[int], None] | None = None, lines: bool = True
) -> list[CustomerSpecification] | list[CustomerSummary]:
    """What confirming would bill now, per customer; writes nothing. With `lines=False` only each customer's
    figures (`CustomerSummary`): the lines are counted as they stream by, none kept, so a run over any
    amount of work fits in little memory (the worker and the command want no more)."""
    customer_ids = _customer_ids(run)
    if lines:
        return list(_specifications(run, customer_ids, progress=progress))
    start, until = period_bounds(run.period_start, run.period_end)
    found = {
        summary.customer_id: summary
        for summary in summaries(customer_ids=customer_ids, start=start, until=until, progress=progress)
    }
    for customer_id, fees in _fees(run, customer_ids).items():
        found.setdefault(customer_id, CustomerSummary(customer_id)).add(summary_of(customer_id, fees))
    return [found[customer_id] for customer_id in sorted(found)]


def _fees(run: BillingRun, customer_ids: list[int] | None) -> dict[int, list[SpecLine]]:
    """Per customer, what the run bills besides tickets: recurring fees (billing/fees.py), bundles bought
    (billing/bundles.py) and project lines (billing/projects.py)."""
    found = fee_lines(customer_ids=customer_ids, run_start=run.period_start, run_end=run.period_end)
    _start, until = period_bounds(run.period_start, run.period_end)
    projects = project_lines(customer_ids=customer_ids, run_start=run.period_start, until=until)
    purchases = purchase_lines(customer_ids=customer_ids, run_start=run.period_start, run_end=run.period_end)
    for source in (purchases, projects.lines):
        for customer_id, lines in source.items():
            found[customer_id] = found.get(customer_id, []) + lines
    return found


def awaiting_approval(run: BillingRun) -> dict[int, list[Awaiting]]:
    """Per customer, the project work past its budget that the run leaves out until an extension is approved."""
    _start, until = period_bounds(run.period_start, run.period_end)
    return project_lines(customer_ids=_customer_ids(run), run_start=run.period_start, until=until).awaiting


def _specifications(
    run: BillingRun, customer_ids: list[int] | None, *, progress: Callable[[int], None] | None = None
) -> Iterator[CustomerSpecification]:
    """Each customer's specification, its tickets' lines then its fees, in customer order; streamed."""
    start, until = period_bounds(run.period_start, run.period_end)
    fees = _fees(run, customer_ids)
    for spec in specifications(customer_ids=customer_ids, start=start, until=until, progress=progress):
        for customer_id in sorted(c for c in fees if c < spec.customer_id):
            yield CustomerSpecification(customer_id, fees.pop(customer_id))
        spec.lines.extend(fees.pop(spec.customer_id, []))
        yield spec
    for customer_id in sorted(fees):
        yield CustomerSpecification(customer_id, fees[customer_id])


def _next_number(year: int) -> str:
    """The next invoice number of the year; the caller holds the year's sequence row locked (`lock_year`)."""
    return _number(year, next_in_year(InvoiceSequence, year))


def _number(year: int, n: int) -> str:
    return f"{year}-{n:05d}"


def billing_run_confirm(
    run: BillingRun, *, actor, now: datetime | None = None, progress: Callable[[int], None] | None = None
) -> list[Invoice]:
    """Bill the run: a document per customer (numbered when it bills anything) and its lines, which bill (and
    lock) their entries. The drafts of its preview are numbered as they are when nothing they were priced from
    changed since (`billing_basis`); otherwise it is priced afresh. One transaction: interrupted, nothing is
    billed and it can simply be repeated."""
    now = now or timezone.now()
    year = timezone.localtime(now).year
    with transaction.atomic():
        # Confirmations run one after another, so two runs never bill the same work.
        lock_year(InvoiceSequence, year)
        run = BillingRun.objects.select_for_update().get(pk=run.pk)
        if run.status == BillingRun.Status.CONFIRMED:
            raise ValidationError(_("This billing run was confirmed already."))
        if run.drafted_from is None or run.drafted_from != billing_basis(run):
            _drop_drafts(BillingRun.objects.filter(pk=run.pk))
            _draft(run, now=now, progress=progress)
        # Numbered in customer order. From now on the lines bill their entries, and lock them (TimeEntryQuerySet).
        invoices = list(Invoice.with_drafts.filter(run=run, status=Invoice.Status.DRAFT).order_by("customer_id"))
        # Paid from the bundles as they stand now, locked: the debits are written with the numbers.
        pay_lines(invoices, today=timezone.localdate(now), run_id=run.pk, now=now, debit=True)
        _close_invoices(run, invoices, year, now)
        issued = [invoice for invoice in invoices if invoice.status == Invoice.Status.ISSUED]
        events_record([Event(EventType.INVOICE_ISSUED, invoice.pk) for invoice in issued], now=now)
        _claim_periods(invoices)
        run.status, run.confirmed_by, run.confirmed_at, run.drafted_from = BillingRun.Status.CONFIRMED, actor, now, None
        run.save(update_fields=["status", "confirmed_by", "confirmed_at", "drafted_from"])
        billed_changed(invoice.customer_id for invoice in invoices)
    return invoices


def _claim_periods(invoices: list[Invoice]) -> None:
    """The lines of the confirmed documents that bill a contract line's period, a bundle's purchase, or a
    project's entry, milestone or rest for the first time claim it; one claimed already (a run confirmed in
    between that the drafts did not see) refuses the confirmation."""
    ids = [invoice.pk for invoice in invoices]
    claims = (
        (
            Q(contract_line__isnull=False) | Q(bundle__isnull=False),
            _("A contract period of this run was billed by another run meanwhile; preview the run again."),
        ),
        (
            Q(project__isnull=False),
            _("Project work or a milestone of this run was billed by another run meanwhile; preview the run again."),
        ),
    )
    for lines, refusal in claims:
        try:
            with transaction.atomic():
                InvoiceLine.objects.filter(lines, invoice__in=ids, corrects__isnull=True).update(claims=True)
        except IntegrityError:
            raise ValidationError(refusal) from None


def billing_run_draft(
    run: BillingRun, *, now: datetime | None = None, progress: Callable[[int], None] | None = None
) -> list[CustomerSummary]:
    """The preview the worker and the command make: each customer's document of the run written as a draft,
    which bills nothing and which its confirmation numbers when nothing changed in between; each customer's
    figures returned. The drafts of other runs not being confirmed are dropped first (they would be priced
    afresh): a run over a million entries writes a million lines, kept for one run at a time."""
    now = now or timezone.now()
    with transaction.atomic():
        others = BillingRun.objects.filter(status=BillingRun.Status.DRAFT, drafted_from__isnull=False).exclude(
            pk=run.pk
        )
        _drop_drafts(others.select_for_update(skip_locked=True))
    with transaction.atomic():
        run = BillingRun.objects.select_for_update().get(pk=run.pk)
        if run.status == BillingRun.Status.CONFIRMED:
            raise ValidationError(_("This billing run was confirmed already."))
        _drop_drafts(BillingRun.objects.filter(pk=run.pk))
        return _draft(run, now=now, progress=progress)


def billing_basis(run: BillingRun) -> dict:
    """What a run's documents are priced from, in figures that change whenever it does: the tickets (every
    change of one, its time entries' included, moves its `updated_at`), the time entries, the after-hours
    rates told, the documents of other runs and credits, the contracts (their levels, lines, quantities, ends:
    every change moves `updated_at`), the projects (their time, milestones, extensions and status: every change
    moves `updated_at`) and the policy file."""
    customer_ids = _customer_ids(run)
    tickets, entries = Ticket.objects.all(), TimeEntry.objects.all()
    if customer_ids:
        tickets, entries = (
            tickets.filter(customer_id__in=customer_ids),
            entries.filter(ticket__customer_id__in=customer_ids),
        )
    ticket_figures = tickets.aggregate(n=Count("pk"), changed=Max("updated_at"))
    told = TicketEvent.objects.filter(kind=TicketEvent.Kind.RATE_TOLD).aggregate(last=Max("pk"))["last"]
    documents = Invoice.objects.aggregate(n=Count("pk"), credited=Count("pk", filter=Q(status=Invoice.Status.CREDITED)))
    contracts = Contract.objects.all()
    if customer_ids:
        contracts = contracts.filter(customer_id__in=customer_ids)
    contracts = contracts.aggregate(n=Count("pk"), changed=Max("updated_at"))
    projects, project_entries = Project.objects.all(), ProjectTimeEntry.objects.all()
    if customer_ids:
        projects = projects.filter(customer_id__in=customer_ids)
        project_entries = project_entries.filter(project__customer_id__in=customer_ids)
    projects = projects.aggregate(n=Count("pk"), changed=Max("updated_at"))
    bundles, debits = PrepaidBundle.objects.all(), BundleDebit.objects.all()
    if customer_ids:
        bundles, debits = (
            bundles.filter(customer_id__in=customer_ids),
            debits.filter(bundle__customer_id__in=customer_ids),
        )
    changed = ticket_figures["changed"]
    return {
        "tickets": ticket_figures["n"],
        "tickets_changed": changed.isoformat() if changed else None,
        **{f"entries_{key}": value for key, value in entries.aggregate(n=Count("pk"), last=Max("pk")).items()},
        "rate_told_last": told,
        **{f"documents_{key}": value for key, value in documents.items()},
        "contracts": contracts["n"],
        "contracts_changed": contracts["changed"].isoformat() if contracts["changed"] else None,
        "projects": projects["n"],
        "projects_changed": projects["changed"].isoformat() if projects["changed"] else None,
        **{
            f"project_entries_{key}": value
            for key, value in project_entries.aggregate(n=Count("pk"), last=Max("pk")).items()
        },
        "bundles_last": bundles.aggregate(last=Max("pk"))["last"],
        "debits_last": debits.aggregate(last=Max("pk"))["last"],
        "policy": _policy_digest(),
    }


def _policy_digest() -> str:
    """The policy file's SHA-256: a changed rate or band makes drafts stale."""
    return hashlib.sha256(Path(current_policy().config.source).read_bytes()).hexdigest()


def _draft(run: BillingRun, *, now: datetime, progress: Callable[[int], None] | None) -> list[CustomerSummary]:
    """Price the run and write its documents as drafts, a chunk of tickets at a time (customers mixed, in
    ticket order), then its fees: the documents of the customers a chunk brings first are made together, before
    their lines, with the figures of these lines; those of the documents more lines came for are set again once
    all are written."""
    vat_percent = current_policy().config.vat_percent
    basis = billing_basis(run)  # before any row is read: a change while pricing makes the drafts stale
    start, until = period_bounds(run.period_start, run.period_end)
    invoices: dict[int, Invoice] = {}
    figures: dict[int, CustomerSummary] = {}

    def write(chunk: list[tuple[int, list[SpecLine]]]) -> None:
        found = [(customer_id, lines, summary_of(customer_id, lines)) for customer_id, lines in chunk if lines]
        new = [_new_draft(run, c, now, vat_percent, summary) for c, _lines, summary in found if c not in invoices]
        for invoice in Invoice.with_drafts.bulk_create(new, batch_size=LINE_BATCH):  # their ids come back
            invoices[invoice.customer_id] = invoice
            figures[invoice.customer_id] = CustomerSummary(invoice.customer_id)
        ticket_rows, other_rows = [], []
        for customer_id, lines, summary in found:
            figures[customer_id].add(summary)
            invoice_id = invoices[customer_id].pk
            for line in lines:
                if line.ticket_id is not None and not _bills_other_thing(line):
                    ticket_rows.append(_ticket_row(invoice_id, line))
                else:
                    other_rows.append(_whole_row(invoice_id, line))
        TicketLine.objects.write(ticket_rows)
        InvoiceLine.objects.write(other_rows)

    plan = run_plan(_customer_ids(run), until)
    for chunk in specification_chunks(plan=plan, start=start, until=until, progress=progress):
        write(chunk)
    write(sorted(_fees(run, _customer_ids(run)).items()))
    # What the bundles would pay, shown with the drafts; nothing is debited before the confirmation.
    paid = pay_lines(list(invoices.values()), today=timezone.localdate(now), run_id=run.pk, now=now, debit=False)
    for customer_id, cents in paid.items():
        figures[customer_id].prepaid_cents = cents
    grown = [invoice for customer_id, invoice in invoices.items() if _set_figures(invoice, figures[customer_id])]
    Invoice.with_drafts.bulk_update(grown, ["subtotal_cents", "vat_cents", "total_cents"], batch_size=DOCUMENT_BATCH)
    run.drafted_from = basis
    run.save(update_fields=["drafted_from"])
    return [figures[customer_id] for customer_id in sorted(figures)]


def _new_draft(run: BillingRun, customer_id: int, now: datetime, vat_percent, first: CustomerSummary) -> Invoice:
    """A customer's draft document in the run (not saved: made with the others of its chunk), with the figures of
    its first lines (`first`)."""
    vat = vat_on(first.subtotal_cents, vat_percent)
    return Invoice(
        run=run,
        customer_id=customer_id,
        status=Invoice.Status.DRAFT,
        issued_at=now,
        subtotal_cents=first.subtotal_cents,
        vat_percent=vat_percent,
        vat_cents=vat,
        total_cents=first.subtotal_cents + vat,
    )


def _set_figures(invoice: Invoice, figures: CustomerSummary) -> bool:
    """A draft's subtotal, VAT and total set to its lines' figures; whether they changed (more lines came after
    its first ones)."""
    if invoice.subtotal_cents == figures.subtotal_cents:
        return False
    invoice.subtotal_cents = figures.subtotal_cents
    invoice.vat_cents = vat_on(invoice.subtotal_cents, invoice.vat_percent)
    invoice.total_cents = invoice.subtotal_cents + invoice.vat_cents
    return True


def _drop_drafts(runs) -> None:
    """Delete the draft documents of `runs` (a queryset), a batch of lines at a time (memory stays small)."""
    run_ids = list(runs.values_list("pk", flat=True))
    lines = InvoiceLine.objects.filter(invoice__run__in=run_ids, invoice__status=Invoice.Status.DRAFT)
    while batch := list(lines.values_list("pk", flat=True)[:LINE_BATCH]):
        InvoiceLine.objects.filter(pk__in=batch).delete()
    Invoice.with_drafts.filter(run__in=run_ids, status=Invoice.Status.DRAFT).delete()
    BillingRun.objects.filter(pk__in=run_ids).update(drafted_from=None)


def _bills_other_thing(line: SpecLine) -> bool:
    """Whether the line bills a contract's period, a bundle's purchase or a project's work (not a ticket's)."""
    return bool(line.contract_line_id or line.bundle_id or line.project_id)


def _ticket_row(invoice_id: int, line: SpecLine) -> dict:
    """A ticket's line as a `TicketLine` row (its values by attname; the columns it leaves out take their
    defaults)."""
    return {
        "invoice_id": invoice_id,
        "ticket_id": line.ticket_id,
        "time_entry_id": line.entry_id,
        "kind": line.kind,
        "billed_minutes": line.billed_minutes,
        "bands": line.bands,
        "hourly_rate": line.hourly_rate,
        "amount_cents": line.amount_cents,
        "free_reason": line.free_reason,
        "late": line.late,
        "corrects_id": line.corrects_id,
        "rate_told": line.rate_told,
        "work_day": line.work_day,
    }


def _whole_row(invoice_id: int, line: SpecLine) -> dict:
    """Any other line as an `InvoiceLine` row, every column: what it bills and what it says."""
    return _ticket_row(invoice_id, line) | {
        "contract_line_id": line.contract_line_id,
        "period_start": line.period_start,
        "period_end": line.period_end,
        "unit_price_cents": line.unit_price_cents,
        "bundle_id": line.bundle_id,
        "text": line.description if _bills_other_thing(line) else "",
        "project_id": line.project_id,
        "project_entry_id": line.project_entry_id,
        "milestone_id": line.milestone_id,
        "claims": False,  # set by the confirmation (`_claim_periods`)
        "prepaid_cents": 0,  # set by the bundles (`pay_lines`)
    }


# What a credit note's line takes over from the line it cancels.
CREDITED_FIELDS = (
    "ticket_id",
    "time_entry_id",
    "kind",
    "billed_minutes",
    "bands",
    "hourly_rate",
    "free_reason",
    "late",
    "rate_told",
    "contract_line_id",
    "period_start",
    "period_end",
    "unit_price_cents",
    "text",
    "bundle_id",
    "project_id",
    "project_entry_id",
    "milestone_id",
    "work_day",
)


def _credit_line(credit: Invoice, line: InvoiceLine) -> InvoiceLine:
    """A line of the credit note `credit` that cancels `line`: its amount negated, referring to it."""
    values = {name: getattr(line, name) for name in CREDITED_FIELDS}
    return InvoiceLine(
        invoice=credit, amount_cents=-line.amount_cents, prepaid_cents=-line.prepaid_cents, corrects=line, **values
    )


def _kept(line: InvoiceLine, facts: WorkFacts | None = None) -> KeptFacts:
    """The facts `line` bills (by default its own, as they stand now), to be kept with it."""
    start, agent, description, minutes = facts or line.facts
    return KeptFacts(line=line, start=start, agent=agent, description=description, minutes=minutes)


def _batches(items: Iterable, size: int) -> Iterator[list]:
    batch = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _close_invoices(run: BillingRun, invoices: list[Invoice], year: int, now: datetime) -> None:
    """The run's drafts (`invoices`, all of them, in customer order) made documents, issued now: each numbered
    when it bills anything, in that order, from a block of the year's numbers taken at once; a specification
    otherwise. The caller holds the year's sequence row locked (`lock_year`)."""
    numbered = [invoice for invoice in invoices if invoice.subtotal_cents != 0]
    if numbered:
        first = take_in_year(InvoiceSequence, year, len(numbered))
        for n, invoice in enumerate(numbered, first):
            invoice.number = _number(year, n)
        Invoice.with_drafts.bulk_update(numbered, ["number"], batch_size=DOCUMENT_BATCH)
    for invoice in invoices:
        invoice.issued_at = now
        invoice.status = Invoice.Status.ISSUED if invoice.subtotal_cents != 0 else Invoice.Status.SPECIFICATION
    Invoice.with_drafts.filter(run=run, status=Invoice.Status.DRAFT).update(
        issued_at=now,
        status=Case(
            When(subtotal_cents=0, then=Value(Invoice.Status.SPECIFICATION.value)),
            default=Value(Invoice.Status.ISSUED.value),
        ),
    )


def invoice_credit(*, invoice: Invoice, actor, reason: str, now: datetime | None = None) -> Invoice:
    """Credit an issued invoice in full: a credit note with the next number (a line for each of its lines,
    negated, referring to it) and the invoice marked credited, which unbills the time entries it billed for
    the first time, so that the next run bills them afresh. Nothing of the invoice itself changes."""
    now = now or timezone.now()
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the invoice is credited; the credit note shows it.")})
    year = timezone.localtime(now).year
    with transaction.atomic():
        lock_year(InvoiceSequence, year)  # the credit note's number, taken in turn with the confirmations
        invoice = Invoice.objects.select_for_update().select_related("run").get(pk=invoice.pk)
        if not invoice.may_be_credited:
            raise ValidationError(_("Only an issued invoice that was not credited yet can be credited."))
        corrected_later = (
            Invoice.objects.filter(lines__corrects__invoice=invoice)
            .exclude(status=Invoice.Status.CREDITED)
            .exclude(pk=invoice.pk)
            .order_by("number")
            .values_list("number", flat=True)
            .distinct()
        )
        if corrected_later:
            raise ValidationError(
                _("Lines of this invoice were corrected on %(numbers)s; credit that first.")
                % {"numbers": ", ".join(n or "?" for n in corrected_later)}
            )
        run = BillingRun.objects.create(
            period_start=invoice.run.period_start,
            period_end=invoice.run.period_end,
            status=BillingRun.Status.CONFIRMED,
            created_by=actor,
            created_at=now,
            confirmed_by=actor,
            confirmed_at=now,
        )
        run.customers.add(invoice.customer_id)
        credit = Invoice.objects.create(
            run=run,
            customer_id=invoice.customer_id,
            number=_next_number(year),
            status=Invoice.Status.ISSUED,
            issued_at=now,
            subtotal_cents=-invoice.subtotal_cents,
            vat_percent=invoice.vat_percent,
            vat_cents=-invoice.vat_cents,
            total_cents=-invoice.total_cents,
            credits=invoice,
            credit_reason=reason,
            prepaid_cents=-invoice.prepaid_cents,
            prepaid_vat_cents=-invoice.prepaid_vat_cents,
        )
        # The entries are unbilled from now on, so they may be corrected: both documents keep what they billed.
        for lines in _batches(document_lines(invoice).iterator(chunk_size=LINE_BATCH), LINE_BATCH):
            credit_lines = InvoiceLine.objects.bulk_create([_credit_line(credit, line) for line in lines])
            kept = [_kept(line) for line in lines if not hasattr(line, "kept")]
            kept += [_kept(mirror, line.facts) for mirror, line in zip(credit_lines, lines, strict=True)]
            KeptFacts.objects.bulk_create(kept, batch_size=LINE_BATCH)
        invoice.status = Invoice.Status.CREDITED
        invoice.save(update_fields=["status"])
        event_record(EventType.INVOICE_ISSUED, object_id=credit.pk, now=now)  # a credit note is issued too
        # Its periods, bundles and project items may be billed again.
        invoice.lines.filter(claims=True).update(claims=False)
        refund_debits(invoice, now=now, description=f"Creditnota {credit.number}")
        billed_changed([invoice.customer_id])
    return credit


def invoice_send(*, invoice: Invoice, actor, now: datetime | None = None) -> OutgoingMessage:
    """Mail the invoice (PDF, and UBL for a numbered one) to the customer's billing address: queued in the outbox,
    delivered once committed."""
    now = now or timezone.now()
    customer = invoice.customer
    main = customer.main_contact
    address = customer.billing_email or (main.email if main else "")
    if not address:
        raise ValidationError({"billing_email": _("%(name)s has no billing e-mail address.") % {"name": customer.name}})
    language = main.language if main else "nl"
    subject, body = render_notice("invoice", language, {"invoice": invoice, "customer": customer})
    name = invoice.file_stem
    with transaction.atomic():
        outgoing = OutgoingMessage.objects.create(
            kind=OutgoingMessage.Kind.INVOICE,
            to_address=address,
            to_name=customer.name,
            language=language,
            subject=subject[:300],
            body=body,
            automatic=False,
            created_at=now,
        )
        OutgoingAttachment.objects.create(
            outgoing=outgoing, filename=f"{name}.pdf", content_type="application/pdf", data=invoice_pdf(invoice)
        )
        if invoice.number:
            OutgoingAttachment.objects.create(
                outgoing=outgoing, filename=f"{name}.xml", content_type="application/xml", data=invoice_ubl(invoice)
            )
        invoice.mailings.add(outgoing)
    return outgoing


def ticket_count(run: BillingRun) -> int:
    """How many tickets a run looks at (the progress bar's 100 %)."""
    _start, until = period_bounds(run.period_start, run.period_end)
    return len(candidate_tickets(_customer_ids(run), until))


def preview_summary(specs: list[CustomerSpecification] | list[CustomerSummary], vat_percent) -> list[dict]:
    """Per customer, what the preview page lists (kept on the run; the lines are shown on request)."""
    summary = []
    for spec in specs:
        subtotal, vat = spec.subtotal_cents, spec.vat_cents(vat_percent)
        summary.append(
            {
                "customer_id": spec.customer_id,
                "lines": spec.line_count,
                "free": spec.free,
                "late": spec.late,
                "corrections": spec.corrections,
                "subtotal": subtotal,
                "vat": vat,
                "total": subtotal + vat,
                "prepaid": spec.prepaid_cents if isinstance(spec, CustomerSummary) else 0,
            }
        )
    return summary


def billing_customer_preview(run: BillingRun, customer: Customer) -> CustomerSpecification | None:
    """The lines one customer would get now (for the preview page's detail)."""
    ids = _customer_ids(run)
    if ids is not None and customer.pk not in ids:
        return None
    return next(iter(_specifications(run, [customer.pk])), None)
