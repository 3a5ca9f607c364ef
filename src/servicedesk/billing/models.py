"""Billing runs, the specification (and invoice) per customer they produce, and its lines."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from operator import itemgetter
from typing import NamedTuple

from django.conf import settings
from django.db import connections, models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from servicedesk.policy import LineKind

# A contract's fee for one of its periods (POLICY.md §9): not a ticket's line, so not one of the engine's kinds.
RECURRING_FEE = "recurring_fee"
# A prepaid bundle's purchase (strippenkaart), billed once in the run after it was sold.
BUNDLE_PURCHASE = "bundle_purchase"
# A fixed-price project's milestone share, and the rest of its price on completion (POLICY.md §10).
MILESTONE = "milestone"
PROJECT_REST = "project_rest"
LINE_KINDS = [
    (LineKind.WORK.value, _("Work")),
    (LineKind.TRAVEL.value, _("Travel")),
    (LineKind.PHONE_SURCHARGE.value, _("Phone surcharge")),
    (RECURRING_FEE, _("Recurring fee")),
    (BUNDLE_PURCHASE, _("Prepaid hours bought")),
    (MILESTONE, _("Milestone")),
    (PROJECT_REST, _("Rest of the fixed price")),
]
# The kinds of line bundles pay (a fee or a bundle's purchase is never paid from a bundle).
PAID_KINDS = (LineKind.WORK.value, LineKind.TRAVEL.value, LineKind.PHONE_SURCHARGE.value)


class InvoiceSequence(models.Model):
    """The last invoice number of a year; taken under a lock, so numbers have no gaps."""

    year = models.PositiveIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"


class BillingRun(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        CONFIRMED = "confirmed", _("Confirmed")

    period_start = models.DateField(_("from"))
    period_end = models.DateField(_("to (inclusive)"))
    customers = models.ManyToManyField("customers.Customer", blank=True, verbose_name=_("customers"))
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)
    # Work in the background: the preview's summary per customer, and what is running or went wrong.
    preview = models.JSONField(null=True, blank=True)
    working = models.CharField(max_length=12, blank=True)  # "", "previewing", "confirming"
    error = models.TextField(blank=True)
    # What the run's draft documents were priced from (`services.billing_basis`); None: it has none. A
    # confirmation numbers the drafts when nothing they depend on changed since, and prices afresh otherwise.
    drafted_from = models.JSONField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        permissions = [("manage_billing", "Can preview and confirm billing runs")]

    def __str__(self) -> str:
        return f"{self.period_start} to {self.period_end} ({self.status})"


class DocumentManager(models.Manager):
    """The documents: invoices, credit notes and specifications, without the drafts of runs not confirmed."""

    def get_queryset(self):
        return super().get_queryset().exclude(status=Invoice.Status.DRAFT)


class Invoice(models.Model):
    """A customer's specification in a run; with a number when it bills anything (an invoice). Written as a
    draft by the run's preview (billing nothing, shown nowhere) and made a document by its confirmation."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        ISSUED = "issued", _("Issued")
        SPECIFICATION = "specification", _("Specification only (nothing to pay)")
        CREDITED = "credited", _("Credited")

    run = models.ForeignKey(BillingRun, on_delete=models.PROTECT, related_name="invoices")
    customer = models.ForeignKey("customers.Customer", on_delete=models.PROTECT, related_name="invoices")
    number = models.CharField(max_length=20, unique=True, null=True, blank=True)  # e.g. 2026-00042
    status = models.CharField(max_length=15, choices=Status.choices)
    issued_at = models.DateTimeField()
    subtotal_cents = models.BigIntegerField()
    vat_percent = models.DecimalField(max_digits=5, decimal_places=2)
    vat_cents = models.BigIntegerField()
    total_cents = models.BigIntegerField()
    mailings = models.ManyToManyField("outbox.OutgoingMessage", blank=True, related_name="+")  # as sent
    # A credit note: the invoice it credits in full, and why.
    credits = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="credit_note", verbose_name=_("credits")
    )
    credit_reason = models.TextField(_("reason for the credit"), blank=True)
    # What the customer's prepaid bundles paid of the lines (their list price is in the subtotal), and the VAT
    # on it, paid with the bundle's purchase: deducted from what is to be paid (UBL's PrepaidAmount).
    prepaid_cents = models.BigIntegerField(default=0)
    prepaid_vat_cents = models.BigIntegerField(default=0)

    with_drafts = models.Manager()
    objects = DocumentManager()

    class Meta:
        default_manager_name = "objects"
        ordering = ["-issued_at", "-id"]
        constraints = [models.UniqueConstraint("run", "customer", name="invoice_once_per_run")]

    def __str__(self) -> str:
        return self.number or f"specification {self.pk}"

    @property
    def may_be_credited(self) -> bool:
        """An issued invoice that bills something and was not credited yet (a credit note is negative)."""
        return self.status == self.Status.ISSUED and self.total_cents > 0

    @property
    def payable_cents(self) -> int:
        """What is left to pay: the total less what bundles paid, VAT included."""
        return self.total_cents - self.prepaid_cents - self.prepaid_vat_cents

    @property
    def file_stem(self) -> str:
        """The name its files are saved under: the invoice number, or the specification's id."""
        return self.number or f"specificatie-{self.pk}"


class WorkFacts(NamedTuple):
    """The facts of the work a line bills."""

    start: datetime | None
    agent: str  # the agent's user name
    description: str
    minutes: int


class InvoiceLineQuerySet(models.QuerySet):
    def billing(self, time_entry):
        """The line that bills a time entry (an id or an `OuterRef`): its first line on a standing document;
        corrections and credit notes refer to that line."""
        return self.filter(time_entry=time_entry, corrects__isnull=True).exclude(
            invoice__status__in=(Invoice.Status.CREDITED, Invoice.Status.DRAFT)
        )

    def on_documents(self):
        """The lines of documents (a draft's lines bill nothing)."""
        return self.exclude(invoice__status=Invoice.Status.DRAFT)


def _billed_thing(model: str) -> models.ForeignKey:
    """What a line bills, other than its time entry: optional, protected while billed, and without Django's index
    on the column (each has its own, below)."""
    return models.ForeignKey(
        model, null=True, blank=True, on_delete=models.PROTECT, related_name="invoice_lines", db_index=False
    )


class LineWriter(models.Manager):
    def write(self, rows: Sequence[dict]) -> None:
        """Insert `rows`, each a dict of a value for every field of the model (by attname, as `Model(**row)` takes
        them) but the primary key, through Django's cursor: on PostgreSQL by COPY, its bulk load; elsewhere by one
        INSERT statement run for all of them (`executemany`).

        Custom SQL, as Django documents for writes that need no model instance: a run writes a million ticket
        lines and some hundred thousand others (fees, projects), and `bulk_create` builds a model instance for each
        and prepares each value through its field, which costs several times the database's own work. On SQLite
        one short statement, not a VALUES list per batch (no faster there). On PostgreSQL a million single-row
        INSERTs would keep the server busy for most of a run's preview; COPY is its documented way to load many
        rows (psycopg's `Cursor.copy`). The values are plain ints, strings, booleans, Decimals, dates and
        None, which both drivers take as they are."""
        if not rows:
            return
        connection = connections[self.db]
        quote = connection.ops.quote_name
        fields = [field for field in self.model._meta.concrete_fields if not field.primary_key]
        table = quote(self.model._meta.db_table)
        columns = ", ".join(quote(field.column) for field in fields)
        values_of = itemgetter(*(field.attname for field in fields))
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(values_of(row))
            else:
                placeholders = ", ".join(["%s"] * len(fields))
                cursor.executemany(
                    f"INSERT INTO {table} ({columns}) VALUES ({placeholders})", [values_of(row) for row in rows]
                )


class InvoiceLine(models.Model):
    """A line of a document: it bills exactly one thing, a ticket's work, travel or phone surcharge (`ticket`, with
    `time_entry` for work and travel), a contract line's fee for one of its periods (`contract_line` and the
    period), a bundle's purchase (`bundle`) or a project's entry, milestone or rest (`project` and one of
    `project_entry`, `milestone`). Bundles pay work, travel and surcharges (`prepaid_cents`, by
    billing/bundles.py). A run writes its tickets' lines as `TicketLine`s (the same table, fewer columns), the
    others by `InvoiceLine.objects.write` (both `LineWriter`)."""

    # No index of its own: `invoice_line_day` (invoice, work_day) serves look-ups by document.
    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines", db_index=False)
    # No index of its own: `invoice_line_item` (ticket, time_entry) serves look-ups by ticket.
    ticket = _billed_thing("tickets.Ticket")
    # A recurring fee: the contract line and the period it bills. No index of its own: `invoice_line_period`.
    contract_line = _billed_thing("contracts.ContractLine")
    period_start = models.DateField(null=True, blank=True)
    period_end = models.DateField(null=True, blank=True)
    unit_price_cents = models.BigIntegerField(null=True, blank=True)  # a fee's price per whole period, as billed
    # What a line without a time entry bills, as it read when billed (a fee: item, quantities, days; Dutch, as
    # the documents are): the contract may change later, the document keeps saying what it billed.
    # `text`, `claims` and `prepaid_cents` have a database default too: `TicketLine` writes none of them.
    text = models.CharField(max_length=500, blank=True, default="", db_default="")
    # The bundle, project, project entry and milestone are indexed only where set (invoice_line_<name>, like
    # `corrects`): a run writes a million ticket lines, which set none of them, and an index that holds a row
    # costs each INSERT its entry.
    bundle = _billed_thing("contracts.PrepaidBundle")
    # Set while this line is the standing first billing of a contract line's period, a bundle's purchase or a
    # project's entry, milestone or rest (set when its document is confirmed, cleared when it is credited):
    # unique, so none is ever billed twice, whatever runs overlap.
    claims = models.BooleanField(default=False, db_default=False)
    # What the customer's bundles paid of `amount_cents` (the rest is invoiced); the debits say which.
    prepaid_cents = models.BigIntegerField(default=0, db_default=0)
    time_entry = models.ForeignKey(
        "tickets.TimeEntry", null=True, blank=True, on_delete=models.PROTECT, related_name="invoice_lines"
    )
    # A project's line (POLICY.md §10), its text under the project's name: a time-and-materials entry's work or
    # travel (`project_entry`), a fixed price's milestone share (`milestone`) or its rest on completion.
    project = _billed_thing("projects.Project")
    project_entry = _billed_thing("projects.ProjectTimeEntry")
    milestone = _billed_thing("projects.Phase")
    kind = models.CharField(max_length=20, choices=LINE_KINDS)
    # What billing decided. The work's facts (start, agent, description, minutes) are the time entry's, read
    # through `time_entry`: a standing document locks its entries. See `KeptFacts` for the documents that do not.
    billed_minutes = models.IntegerField()
    bands = models.CharField(max_length=300, blank=True)  # e.g. "office 30 min à 65.00; evening 15 min à 85.00"
    hourly_rate = models.DecimalField(max_digits=9, decimal_places=2, null=True, blank=True)
    amount_cents = models.BigIntegerField()
    free_reason = models.CharField(max_length=20, blank=True)
    late = models.BooleanField(default=False)  # work of an earlier period, billed now
    # Indexed only where set (invoice_line_corrects): most lines correct nothing.
    corrects = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="corrections", db_index=False
    )
    # After-hours work: whether the customer was told the rate before it started (None: not after-hours work).
    rate_told = models.BooleanField(null=True, blank=True)
    # The local day of the work a ticket's or project's line bills (its entry's start; a phone surcharge: its
    # ticket's report), by which the customer's bundles pay it (billing/bundles.py reads a customer's lines a few
    # days at a time, by `invoice_line_day`). None for a fee, a bundle's purchase, a milestone or a project's rest.
    work_day = models.DateField(null=True, blank=True)

    objects = LineWriter.from_queryset(InvoiceLineQuerySet)()

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["invoice", "work_day"], name="invoice_line_day"),
            models.Index(fields=["ticket", "time_entry"], name="invoice_line_item"),
            models.Index(fields=["corrects"], name="invoice_line_corrects", condition=Q(corrects__isnull=False)),
            *(
                models.Index(fields=[name], name=f"invoice_line_{name}", condition=Q(**{f"{name}__isnull": False}))
                for name in ("bundle", "project", "project_entry", "milestone")
            ),
            models.Index(
                fields=["contract_line", "period_start"],
                name="invoice_line_period",
                condition=Q(contract_line__isnull=False),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(
                        ticket__isnull=False,
                        contract_line__isnull=True,
                        period_start__isnull=True,
                        bundle__isnull=True,
                        project__isnull=True,
                    )
                    & ~Q(kind__in=(RECURRING_FEE, BUNDLE_PURCHASE, MILESTONE, PROJECT_REST))
                )
                | Q(
                    ticket__isnull=True,
                    time_entry__isnull=True,
                    bundle__isnull=True,
                    project__isnull=True,
                    contract_line__isnull=False,
                    period_start__isnull=False,
                    period_end__isnull=False,
                    kind=RECURRING_FEE,
                )
                | Q(
                    ticket__isnull=True,
                    time_entry__isnull=True,
                    contract_line__isnull=True,
                    period_start__isnull=True,
                    project__isnull=True,
                    bundle__isnull=False,
                    kind=BUNDLE_PURCHASE,
                )
                | Q(
                    ticket__isnull=True,
                    time_entry__isnull=True,
                    contract_line__isnull=True,
                    period_start__isnull=True,
                    bundle__isnull=True,
                    project__isnull=False,
                    kind__in=[LineKind.WORK.value, LineKind.TRAVEL.value, MILESTONE, PROJECT_REST],
                ),
                name="invoice_line_bills_one_thing",
            ),
            # A line a bundle may pay has its day: without one it would be invoiced whole, unnoticed.
            models.CheckConstraint(
                condition=~Q(kind__in=PAID_KINDS, amount_cents__gt=0, free_reason="") | Q(work_day__isnull=False),
                name="invoice_line_paid_work_dated",
            ),
            models.UniqueConstraint(
                fields=["contract_line", "period_start"],
                condition=Q(claims=True),
                name="invoice_line_period_billed_once",
            ),
            models.UniqueConstraint(
                fields=["bundle"], condition=Q(claims=True), name="invoice_line_bundle_billed_once"
            ),
            models.UniqueConstraint(
                fields=["project_entry"], condition=Q(claims=True), name="invoice_line_entry_billed_once"
            ),
            models.UniqueConstraint(
                fields=["milestone"], condition=Q(claims=True), name="invoice_line_milestone_billed_once"
            ),
            models.UniqueConstraint(
                fields=["project"],
                condition=Q(claims=True, kind=PROJECT_REST),
                name="invoice_line_rest_billed_once",
            ),
        ]

    def __str__(self) -> str:
        if self.ticket_id is None:
            return f"{self.kind} {self.period_start}: {self.amount_cents}"
        return f"{self.kind} #{self.ticket_id}: {self.amount_cents}"

    @property
    def ticket_subject(self) -> str:
        return self.ticket.subject if self.ticket_id else ""

    @property
    def is_fee(self) -> bool:
        return self.kind == RECURRING_FEE

    @property
    def facts(self) -> WorkFacts:
        """What the line bills: its kept facts, or its entry as it stands (locked while this line's document
        stands); a line without an entry (the phone surcharge) has only its minutes. Read lines with
        `billing.selectors.document_lines`, which joins what this reads."""
        kept = getattr(self, "kept", None)  # a missing reverse one-to-one raises an AttributeError
        if kept is not None:
            return WorkFacts(kept.start, kept.agent, kept.description, kept.minutes)
        if self.project_entry_id is not None:  # a project's time: its text names the project
            entry = self.project_entry
            return WorkFacts(entry.start, entry.agent.get_username(), self.text, entry.minutes)
        entry = self.time_entry
        if entry is None:  # a phone surcharge (no text), a fee or a milestone (its text)
            return WorkFacts(None, "", self.text, self.billed_minutes)
        return WorkFacts(entry.start, entry.agent.get_username(), entry.description, entry.minutes)

    @property
    def start(self) -> datetime | None:
        return self.facts.start

    @property
    def agent(self) -> str:
        return self.facts.agent

    @property
    def description(self) -> str:
        return self.facts.description

    @property
    def minutes(self) -> int:
        return self.facts.minutes


class TicketLine(models.Model):
    """A ticket's line as a billing run writes it: `InvoiceLine`'s table, only the columns a ticket's work,
    travel or phone surcharge uses. A run writes a million of these (`TicketLine.objects.write`), so the
    contract, bundle and project columns are left to their defaults (NULL, or `InvoiceLine`'s `db_default`).
    For writing only: read the lines through `InvoiceLine`. Its fields mirror `InvoiceLine`'s of the same name
    (tests/billing/test_ticket_lines.py holds the two together); its relations delete nothing and protect
    nothing (`DO_NOTHING`: deleting is `InvoiceLine`'s), and have no reverse accessor."""

    invoice = models.ForeignKey(Invoice, on_delete=models.DO_NOTHING, related_name="+")
    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.DO_NOTHING, related_name="+")
    time_entry = models.ForeignKey("tickets.TimeEntry", null=True, on_delete=models.DO_NOTHING, related_name="+")
    kind = models.CharField(max_length=20, choices=LINE_KINDS)
    billed_minutes = models.IntegerField()
    bands = models.CharField(max_length=300, blank=True)
    hourly_rate = models.DecimalField(max_digits=9, decimal_places=2, null=True)
    amount_cents = models.BigIntegerField()
    free_reason = models.CharField(max_length=20, blank=True)
    late = models.BooleanField(default=False)
    corrects = models.ForeignKey(InvoiceLine, null=True, on_delete=models.DO_NOTHING, related_name="+")
    rate_told = models.BooleanField(null=True)
    work_day = models.DateField(null=True)

    objects = LineWriter()

    class Meta:
        managed = False  # the table is InvoiceLine's, and so are its migrations
        db_table = "billing_invoiceline"
        default_permissions = ()  # nobody edits it: the admin and the roles know InvoiceLine

    def __str__(self) -> str:
        return f"{self.kind} #{self.ticket_id}: {self.amount_cents}"


class KeptFacts(models.Model):
    """The facts a line billed, kept once its document no longer locks its time entry: a credited invoice's
    lines and its credit note's. Crediting unbills the entry, which may then be corrected; the documents keep
    saying what they billed."""

    line = models.OneToOneField(InvoiceLine, primary_key=True, on_delete=models.CASCADE, related_name="kept")
    start = models.DateTimeField(null=True, blank=True)
    agent = models.CharField(max_length=150, blank=True)
    description = models.TextField(blank=True)
    minutes = models.IntegerField()

    def __str__(self) -> str:
        return f"line {self.line_id}: {self.minutes} min"
