"""Projects, their phases and tasks, the tickets linked to them, and their audit trail."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from servicedesk.policy import EntryKind
from servicedesk.tickets.models import ENTRY_KIND_CHOICES


class BillingMode(models.TextChoices):
    """How a project is billed, chosen on its quote (POLICY.md §10)."""

    FIXED_PRICE = "fixed_price", _("Fixed price with milestones")
    TIME_AND_MATERIALS = "time_and_materials", _("Time and materials with an hour budget")


class Project(models.Model):
    """Work a customer orders as a whole (POLICY.md §10): an inventory, a migration, an implementation."""

    class Kind(models.TextChoices):
        INVENTORY = "inventory", _("Inventory")
        MIGRATION = "migration", _("Migration")
        IMPLEMENTATION = "implementation", _("Implementation")
        OTHER = "other", _("Other")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        QUOTED = "quoted", _("Quoted")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        IN_PROGRESS = "in_progress", _("In progress")
        DONE = "done", _("Done")
        CANCELLED = "cancelled", _("Cancelled")

    # No index of its own: project_customer leads with it.
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="projects",
        db_index=False,
    )
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    description = models.TextField(_("description"), blank=True)
    matrix_items = models.ManyToManyField(
        "customers.ServiceMatrixItem", verbose_name=_("services concerned"), blank=True, related_name="projects"
    )
    lead = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("lead agent"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="led_projects",
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    # What the accepted quote agreed (POLICY.md §10): how the project is billed, at what rate, within what budget.
    billing_mode = models.CharField(_("billing mode"), max_length=20, choices=BillingMode.choices, blank=True)
    hourly_rate_cents = models.BigIntegerField(_("hourly rate (cents)"), null=True, blank=True)
    budget_minutes = models.PositiveIntegerField(_("hour budget (minutes)"), null=True, blank=True)
    # Billed minutes of work booked so far, kept with every booking (policy/project_time.py) so that the list can
    # filter the projects over budget without pricing every project's time.
    used_minutes = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["-updated_at", "-id"]
        verbose_name = _("project")
        verbose_name_plural = _("projects")
        indexes = [
            # The projects list, newest change first, filtered by customer, status or lead.
            models.Index(fields=["customer", "updated_at", "id"], name="project_customer"),
            models.Index(fields=["status", "updated_at", "id"], name="project_status"),
            models.Index(fields=["lead", "updated_at", "id"], name="project_lead"),
            models.Index(fields=["updated_at", "id"], name="project_updated"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def budget_hours(self) -> Decimal | None:
        return None if self.budget_minutes is None else Decimal(self.budget_minutes) / 60


class Phase(models.Model):
    """A part of a project that groups tasks, in order; a milestone may later be billed on its own."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="phases", db_index=False)
    position = models.PositiveIntegerField()
    name = models.CharField(_("name"), max_length=200)
    milestone = models.BooleanField(_("milestone"), default=False)
    # For billing by milestones later (POLICY.md §10): an amount or a percentage of the fixed price.
    milestone_amount = models.DecimalField(
        _("milestone amount"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    milestone_percentage = models.DecimalField(
        _("milestone percentage"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    # Marked once by an agent; its share of the fixed price (kept as it was worked out then) waits for billing.
    reached_at = models.DateTimeField(null=True, blank=True)
    reached_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    share_cents = models.BigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["project", "position", "id"]
        verbose_name = _("phase")
        verbose_name_plural = _("phases")
        constraints = [models.UniqueConstraint(fields=["project", "position"], name="phase_position_once")]

    def __str__(self) -> str:
        return self.name


class Task(models.Model):
    """Something to do in a phase, by someone, by a date."""

    phase = models.ForeignKey(Phase, on_delete=models.CASCADE, related_name="tasks")
    title = models.CharField(_("title"), max_length=300)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assignee"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="project_tasks",
        db_index=False,
    )
    due_date = models.DateField(_("due date"), null=True, blank=True)
    estimate_minutes = models.PositiveIntegerField(_("estimate (minutes)"), null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["phase", "id"]
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        indexes = [
            # "My tasks": an agent's open tasks by due date.
            models.Index(fields=["assignee", "due_date", "id"], name="task_open_mine", condition=Q(done_at=None)),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_done(self) -> bool:
        return self.done_at is not None


class ProjectTicket(models.Model):
    """A ticket linked to a project of its customer; kept here so that tickets never need to know of projects."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="ticket_links")
    ticket = models.OneToOneField("tickets.Ticket", on_delete=models.CASCADE, related_name="project_link")
    linked_at = models.DateTimeField()

    class Meta:
        ordering = ["ticket_id"]

    def __str__(self) -> str:
        return f"#{self.ticket_id} in {self.project_id}"


class ProjectEvent(models.Model):
    """One line of a project's audit trail: who changed what, when, from what to what, and why."""

    class Kind(models.TextChoices):
        CREATED = "created", _("Created")
        CHANGED = "changed", _("Changed")
        STATUS = "status", _("Status changed")
        PHASE_ADDED = "phase_added", _("Phase added")
        TASK_ADDED = "task_added", _("Task added")
        TASK_CHANGED = "task_changed", _("Task changed")
        TASK_DONE = "task_done", _("Task done")
        TASK_REOPENED = "task_reopened", _("Task reopened")
        TICKET_LINKED = "ticket_linked", _("Ticket linked")
        TICKET_UNLINKED = "ticket_unlinked", _("Ticket unlinked")
        QUOTE_CREATED = "quote_created", _("Quote drawn up")
        QUOTE_LINE_ADDED = "quote_line_added", _("Quote line added")
        QUOTE_LINE_REMOVED = "quote_line_removed", _("Quote line removed")
        QUOTE_SENT = "quote_sent", _("Quote sent")
        QUOTE_ACCEPTED = "quote_accepted", _("Quote accepted")
        QUOTE_DECLINED = "quote_declined", _("Quote declined")
        QUOTE_SUPERSEDED = "quote_superseded", _("Quote superseded")
        QUOTE_EXPIRED = "quote_expired", _("Quote expired")
        TIME_ADDED = "time_added", _("Time entry added")
        TIME_CORRECTED = "time_corrected", _("Time entry corrected")
        BUDGET_WARNING = "budget_warning", _("Budget warning")
        EXTENSION_PROPOSED = "extension_proposed", _("Extension proposed")
        EXTENSION_APPROVED = "extension_approved", _("Extension approved")
        EXTENSION_DECLINED = "extension_declined", _("Extension declined")
        MILESTONE_REACHED = "milestone_reached", _("Milestone reached")

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="events", db_index=False)
    at = models.DateTimeField()
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    # What the event is about within the project, as it was named then: a phase's name, a task's title, a ticket.
    subject = models.CharField(max_length=300, blank=True)
    field = models.CharField(max_length=40, blank=True)
    old_value = models.CharField(max_length=300, blank=True)
    new_value = models.CharField(max_length=300, blank=True)
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["project", "at"], name="project_event_project")]

    def __str__(self) -> str:
        return f"{self.kind} on project {self.project_id}"


class QuoteSequence(models.Model):
    """The last quote number of a year; taken under a lock, so quote numbers have no gaps (as invoice numbers)."""

    year = models.PositiveIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"


class Quote(models.Model):
    """An offer for a project (offerte): a version of it, with lines, numbered when sent, accepted or declined once
    by a contact who may approve quotes. A new version supersedes the old one; both are kept."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SENT = "sent", _("Sent")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        EXPIRED = "expired", _("Expired")
        SUPERSEDED = "superseded", _("Superseded")

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="quotes", db_index=False)
    version = models.PositiveIntegerField(_("version"))
    number = models.CharField(_("number"), max_length=20, unique=True, null=True, blank=True)  # e.g. Q2026-0007
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    billing_mode = models.CharField(_("billing mode"), max_length=20, choices=BillingMode.choices)
    hourly_rate_cents = models.BigIntegerField(_("hourly rate (cents)"))
    validity_days = models.PositiveIntegerField(_("valid for (days)"))
    vat_percent = models.DecimalField(_("VAT percentage"), max_digits=5, decimal_places=2)
    # Kept with every change of a line (policy/quote.py), so lists and the portal read them without the lines.
    subtotal_cents = models.BigIntegerField(default=0)
    vat_cents = models.BigIntegerField(default=0)
    total_cents = models.BigIntegerField(default=0)
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    sent_at = models.DateTimeField(null=True, blank=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    # The decision, once: who (a contact who may approve quotes), when, from which address, and what they said.
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        "customers.Contact", null=True, blank=True, on_delete=models.PROTECT, related_name="quote_decisions"
    )
    decided_from = models.GenericIPAddressField(null=True, blank=True)
    decision_comment = models.TextField(blank=True)

    class Meta:
        ordering = ["project", "-version"]
        verbose_name = _("quote")
        verbose_name_plural = _("quotes")
        constraints = [models.UniqueConstraint(fields=["project", "version"], name="quote_version_once")]

    def __str__(self) -> str:
        return self.number or f"{self.project_id} v{self.version}"

    @property
    def is_draft(self) -> bool:
        return self.status == self.Status.DRAFT

    def newer_version_id(self) -> int | None:
        """The id of the project's latest version, when it is newer than this one."""
        latest = Quote.objects.filter(project_id=self.project_id, version__gt=self.version).order_by("-version")
        return latest.values_list("pk", flat=True).first()

    def open_on(self, today) -> bool:
        """Sent and still within its validity on `today` (a sent quote past it waits to be marked expired)."""
        return self.status == self.Status.SENT and self.valid_until is not None and today <= self.valid_until

    @property
    def file_stem(self) -> str:
        """The name its PDF is saved under."""
        return f"offerte-{self.number}" if self.number else f"offerte-concept-{self.project_id}-v{self.version}"


class QuoteLine(models.Model):
    """A line of a quote: a phase's estimated hours at the hourly rate, a fixed-price item, or a travel estimate."""

    class Kind(models.TextChoices):
        PHASE_HOURS = "phase_hours", _("Phase hours")
        FIXED = "fixed", _("Fixed-price item")
        TRAVEL = "travel", _("Travel estimate")

    quote = models.ForeignKey(Quote, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveIntegerField()
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    phase = models.ForeignKey(Phase, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    description = models.CharField(_("description"), max_length=300)
    quantity = models.DecimalField(_("quantity"), max_digits=10, decimal_places=2)
    unit_price_cents = models.BigIntegerField(_("unit price (cents)"))
    amount_cents = models.BigIntegerField()

    class Meta:
        ordering = ["quote", "position", "id"]
        verbose_name = _("quote line")
        verbose_name_plural = _("quote lines")

    def __str__(self) -> str:
        return self.description


class ProjectTimeEntry(models.Model):
    """Time an agent spent on a project (and maybe one of its tasks). Never edited: a correction is a new entry
    that replaces the one it corrects, which is kept, so what was billed stays readable (POLICY.md §10)."""

    # No index of its own: `project_time_project` (project, start) serves look-ups by project.
    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="time_entries", db_index=False)
    task = models.ForeignKey(Task, null=True, blank=True, on_delete=models.PROTECT, related_name="time_entries")
    agent = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="project_time_entries")
    kind = models.CharField(max_length=10, choices=ENTRY_KIND_CHOICES, default=EntryKind.WORK.value)
    start = models.DateTimeField()
    minutes = models.PositiveIntegerField()
    description = models.TextField(blank=True)
    created_at = models.DateTimeField()
    # The entry this one replaces; one-to-one, so an entry is corrected once and a later change corrects this one.
    corrects = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="corrected_by"
    )
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["start", "id"]
        indexes = [models.Index(fields=["project", "start"], name="project_time_project")]

    def __str__(self) -> str:
        return f"{self.kind} {self.minutes} min on project {self.project_id}"


class BudgetWarning(models.Model):
    """The lead agent told that a time-and-materials project reached a share of its hour budget; once per share."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="budget_warnings", db_index=False)
    share = models.CharField(max_length=20)  # a fraction as text, "4/5"
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="budget_warnings"
    )
    created_at = models.DateTimeField()
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["project", "share"], name="budget_warning_once")]
        indexes = [models.Index(fields=["user", "created_at"], name="budget_warning_unread", condition=Q(read_at=None))]

    def __str__(self) -> str:
        return f"{self.share} of project {self.project_id}"

    @property
    def percent(self) -> Decimal:
        return Decimal(Fraction(self.share).numerator * 100) / Fraction(self.share).denominator


class BudgetExtension(models.Model):
    """Extra hours for a time-and-materials project: proposed by an agent, approved (or declined) once by a contact
    who may approve quotes. Time past the budget waits for approved extensions."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Awaiting approval")
        APPROVED = "approved", _("Approved")
        DECLINED = "declined", _("Declined")

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="extensions")
    minutes = models.PositiveIntegerField(_("extra hours (minutes)"))
    reason = models.TextField(_("reason"), blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PROPOSED)
    proposed_at = models.DateTimeField()
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        "customers.Contact", null=True, blank=True, on_delete=models.PROTECT, related_name="extension_decisions"
    )
    decided_from = models.GenericIPAddressField(null=True, blank=True)
    decision_comment = models.TextField(blank=True)

    class Meta:
        ordering = ["project", "proposed_at", "id"]

    def __str__(self) -> str:
        return f"{self.minutes} min for project {self.project_id}"

    @property
    def hours(self) -> Decimal:
        return Decimal(self.minutes) / 60
