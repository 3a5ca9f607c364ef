"""The monthly service reports as the worker made them: the PDF kept as it was sent."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ServiceReport(models.Model):
    """A customer's service report of one month (made once, on the first working day after it), and its mailing."""

    customer = models.ForeignKey("customers.Customer", on_delete=models.PROTECT, related_name="service_reports")
    month = models.DateField(_("month"))  # the first day of the month reported on
    language = models.CharField(max_length=5, default="nl")
    # The bytes in the database, as an outgoing attachment's: made and kept in one transaction, no file left behind
    # by a run that rolled back (a report is some 50 kB, twelve a year per customer).
    pdf = models.BinaryField()
    created_at = models.DateTimeField()
    mailed_at = models.DateTimeField(null=True, blank=True)  # queued in the outbox for the main contact
    mailing = models.ForeignKey(
        "outbox.OutgoingMessage", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-month", "customer_id"]
        constraints = [
            # One report per customer and month, however many runs or workers try.
            models.UniqueConstraint("customer", "month", name="service_report_once_a_month"),
        ]
        verbose_name = _("service report")
        verbose_name_plural = _("service reports")

    def __str__(self) -> str:
        return f"{self.customer_id} {self.month:%Y-%m}"

    @property
    def filename(self) -> str:
        return f"servicerapport-{self.month:%Y-%m}.pdf"


# -- the summary the ticket services keep current (see reports/summary.py) ---------------------------------------


class TicketFigures(models.Model):
    """What one ticket counts as in the reports, kept in the transaction of each change to it (through the signal
    `tickets.signals.ticket_figures_changed`): its SLA facts in a narrow row (the reports scan a year of these, not a
    year of tickets), the local days it was reported and closed, which the daily counts hold it under, and its
    office time to response (computed once, when it is answered, instead of at every read)."""

    ticket = models.OneToOneField(
        "tickets.Ticket", primary_key=True, on_delete=models.CASCADE, related_name="report_figures"
    )
    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE, related_name="+", db_index=False)
    reported_at = models.DateTimeField()
    reported_on = models.DateField()  # local day
    reported_month = models.IntegerField()  # local year * 100 + month: grouped without a date function per row
    closed_on = models.DateField(null=True)  # local day of its (last) closing
    channel = models.CharField(max_length=30)
    support_type = models.CharField(max_length=20)
    priority = models.CharField(max_length=20)
    best_effort = models.BooleanField()
    responded = models.BooleanField()
    response_met = models.BooleanField(null=True)
    response_due = models.DateTimeField()
    breached = models.BooleanField()  # the watch flagged the deadline as passed
    # Office time from report to response; None when unanswered or best effort (the SLA distribution leaves those out).
    office_seconds = models.FloatField(null=True)

    class Meta:
        indexes = [
            models.Index(fields=["reported_at"], name="ticket_figures_reported"),
            models.Index(fields=["customer", "reported_at"], name="ticket_figures_customer"),
            models.Index(
                fields=["reported_at", "reported_month", "office_seconds"],
                name="ticket_figures_answered",
                condition=models.Q(office_seconds__isnull=False),
            ),
            # The unanswered tickets, of which the SLA report counts the overdue ones at each read.
            models.Index(
                fields=["reported_at"],
                name="ticket_figures_unanswered",
                condition=models.Q(responded=False, best_effort=False),
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.ticket_id} {self.reported_on}"


class DailyTickets(models.Model):
    """Tickets reported and closed on a local day, per channel and support type: what the workload report adds up
    (open at a day's end = reported up to then minus closed up to then). Kept with `TicketFigures`."""

    day = models.DateField()
    channel = models.CharField(max_length=30)
    support_type = models.CharField(max_length=20)
    opened = models.IntegerField(default=0)
    closed = models.IntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint("day", "channel", "support_type", name="daily_tickets_once")]

    def __str__(self) -> str:
        return f"{self.day} {self.channel} {self.support_type}: +{self.opened} -{self.closed}"


class PricedWork(models.Model):
    """A time entry as the time and money report counts it, priced by the policy engine with all of its ticket's
    entries (fair use looks at the whole ticket): one row per time band of its billed time, the entry's own minutes
    and amount on its first row only (0 on the others), so both sum without counting twice. Kept by the ticket
    services in the transaction of each change (signal `tickets.signals.ticket_work_changed`): the whole ticket
    priced again when an entry is added or corrected or the ticket is classified."""

    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="+")
    entry = models.ForeignKey("tickets.TimeEntry", on_delete=models.CASCADE, related_name="+", db_index=False)
    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE, related_name="+", db_index=False)
    agent = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False)
    support_type = models.CharField(max_length=20)
    kind = models.CharField(max_length=20)
    start = models.DateTimeField()
    free_reason = models.CharField(max_length=20, blank=True)  # "" when billable
    minutes = models.IntegerField()  # the entry's recorded minutes (first row)
    amount_cents = models.BigIntegerField()  # the entry's price before prepaid hours and VAT (first row)
    band = models.CharField(max_length=20, blank=True)  # "" for an entry with no billed time
    band_minutes = models.IntegerField()  # whole minutes of billed time in the band
    band_cents = models.BigIntegerField()  # the entry's price in proportion to the band's share of its billed time

    class Meta:
        indexes = [
            models.Index(fields=["start"], name="priced_work_start"),
            models.Index(fields=["customer", "start"], name="priced_work_customer"),
        ]

    def __str__(self) -> str:
        return f"entry {self.entry_id} {self.band}: {self.band_cents}"


class UnbilledWork(models.Model):
    """A customer's minutes recorded that no invoice bills yet: what the dashboard and the time report show as
    waiting for the next run, counted again for the customer whenever its time entries change (signal
    `tickets.signals.ticket_work_changed` with `time=True`) or a run bills them or a credit note frees them (signal
    `billing.signals.billed_work_changed`), instead of looking for a billing line for every entry at each read."""

    customer = models.OneToOneField("customers.Customer", primary_key=True, on_delete=models.CASCADE, related_name="+")
    minutes = models.BigIntegerField()

    def __str__(self) -> str:
        return f"{self.customer_id}: {self.minutes} min"


class MonthlyWork(models.Model):
    """The priced work of a local month added up four ways: per customer, per agent and kind of entry, per support
    type (entries' minutes and amounts) and per time band (billed minutes and the band's share of the amount), each
    split by free reason. The time and money report reads these for the whole months of its period (the days of a
    month it covers in part come from `PricedWork`): a year is some thousands of rows, not a million. Kept by the
    same signal as `PricedWork`, as differences (`minutes = minutes + n`)."""

    month = models.IntegerField()  # local year * 100 + month of the entries' start
    by = models.CharField(max_length=20)  # customer, agent, support_type or band
    key = models.CharField(max_length=40)  # the customer's or agent's id, the support type, the band ("": none)
    kind = models.CharField(max_length=20, blank=True)  # the kind of entry, on the agent's rows only
    free_reason = models.CharField(max_length=20, blank=True)  # "" when billable
    minutes = models.BigIntegerField(default=0)
    amount_cents = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint("month", "by", "key", "kind", "free_reason", name="monthly_work_once"),
        ]

    def __str__(self) -> str:
        return f"{self.month} {self.by} {self.key}: {self.minutes} min"


#: The counts a `MonthlySla` row holds, in this order wherever they are listed.
SLA_COUNTS = ("tickets", "in_time", "late", "unanswered", "best_effort", "best_effort_in_time")


class MonthlySla(models.Model):
    """The SLA counts of the tickets reported in a local month, per customer, channel, support type and priority:
    what the SLA report reads for the whole months of its period (a year is some thousands of rows, not hundreds of
    thousands; the days of a month it covers in part come from `TicketFigures`). Only counts that do not depend on
    the moment of reading: whether an unanswered ticket is overdue is counted at each read from the unanswered
    tickets' figures. Kept with `TicketFigures`, as differences (`in_time = in_time + n`)."""

    month = models.IntegerField()  # local year * 100 + month reported
    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE, related_name="+", db_index=False)
    channel = models.CharField(max_length=30)
    support_type = models.CharField(max_length=20)
    priority = models.CharField(max_length=20)
    tickets = models.IntegerField(default=0)
    in_time = models.IntegerField(default=0)
    late = models.IntegerField(default=0)
    unanswered = models.IntegerField(default=0)
    best_effort = models.IntegerField(default=0)
    best_effort_in_time = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                "month", "customer", "channel", "support_type", "priority", name="monthly_sla_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.month} {self.customer_id} {self.channel} {self.support_type} {self.priority}: {self.tickets}"
