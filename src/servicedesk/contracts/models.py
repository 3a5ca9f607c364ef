"""Contracts (recurring fees, own service levels), their lines with dated quantities, prepaid bundles, what the
bundles paid, and the commercial audit trail of a customer (POLICY.md §9)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Contract(models.Model):
    """What a customer pays for each period, from a start to an optional end; optionally its own service levels."""

    class BillingPeriod(models.TextChoices):
        MONTH = "month", _("Month")
        QUARTER = "quarter", _("Quarter")
        YEAR = "year", _("Year")

    # No index of its own: contract_customer leads with it.
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="contracts",
        db_index=False,
    )
    name = models.CharField(_("name"), max_length=200)
    billing_period = models.CharField(_("billing period"), max_length=10, choices=BillingPeriod.choices)
    start = models.DateField(_("start"))
    end = models.DateField(_("end"), null=True, blank=True)  # the last day in force (included)
    # A table shaped like the policy file's [service_levels], checked by read_service_levels; null: the policy's.
    service_levels = models.JSONField(_("own service levels"), null=True, blank=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["customer", "start", "id"]
        verbose_name = _("contract")
        verbose_name_plural = _("contracts")
        indexes = [models.Index(fields=["customer", "start", "id"], name="contract_customer")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end=None) | models.Q(end__gte=models.F("start")), name="contract_ends_after_start"
            )
        ]

    def __str__(self) -> str:
        return self.name

    def in_force_on(self, day) -> bool:
        return self.start <= day and (self.end is None or day <= self.end)


class ContractLine(models.Model):
    """A recurring fee of a contract: a service-matrix item or a text, at a unit price per billing period."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="lines")
    matrix_item = models.ForeignKey(
        "customers.ServiceMatrixItem",
        verbose_name=_("service"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="contract_lines",
    )
    description = models.CharField(_("description"), max_length=200, blank=True)
    unit_price_cents = models.PositiveIntegerField(_("unit price per period (cents)"))
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["contract", "id"]
        verbose_name = _("contract line")
        verbose_name_plural = _("contract lines")

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        """What the line is for: its text, else its service's name."""
        if self.description:
            return self.description
        return self.matrix_item.name if self.matrix_item_id else ""


class LineQuantity(models.Model):
    """A line's quantity from a day on: a dated history, never edited; a later row on the same day wins."""

    line = models.ForeignKey(ContractLine, on_delete=models.CASCADE, related_name="quantities", db_index=False)
    quantity = models.PositiveIntegerField(_("quantity"))
    effective_from = models.DateField(_("in force from"))
    changed_at = models.DateTimeField()
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["line", "effective_from", "id"]
        indexes = [models.Index(fields=["line", "effective_from", "id"], name="line_quantity_line")]

    def __str__(self) -> str:
        return f"{self.quantity} from {self.effective_from}"


class PrepaidBundle(models.Model):
    """Prepaid hours (strippenkaart): N hours bought for a price, worth N x its base rate, valid for a while."""

    customer = models.ForeignKey(
        "customers.Customer", verbose_name=_("customer"), on_delete=models.PROTECT, related_name="bundles"
    )
    hours = models.PositiveIntegerField(_("hours"))
    price_cents = models.PositiveIntegerField(_("price (cents)"))
    base_rate_cents = models.PositiveIntegerField(_("base rate (cents per hour)"))
    bought_on = models.DateField(_("bought on"))
    expires_on = models.DateField(_("expires on"))  # the first day it pays nothing; what is left then lapses
    sold_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("sold by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["customer", "bought_on", "id"]
        verbose_name = _("prepaid bundle")
        verbose_name_plural = _("prepaid bundles")

    def __str__(self) -> str:
        return f"{self.hours} h ({self.bought_on})"

    @property
    def value_cents(self) -> int:
        return self.hours * self.base_rate_cents


class BundleDebit(models.Model):
    """Part of a billable line paid from a bundle, written by the billing run that confirms it."""

    bundle = models.ForeignKey(PrepaidBundle, on_delete=models.PROTECT, related_name="debits", db_index=False)
    amount_cents = models.IntegerField()
    # What it paid, named without a foreign key (a ticket's time entry, a project entry, a surcharge):
    paid_kind = models.CharField(max_length=40)
    paid_id = models.BigIntegerField()
    description = models.CharField(max_length=300)
    on = models.DateField()  # the day of the work paid
    # The billing run that debited it (billing owns the runs; kept as a plain id so contracts need no billing).
    billing_run_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["bundle", "on", "id"]
        indexes = [models.Index(fields=["bundle", "on", "id"], name="bundle_debit_bundle")]

    def __str__(self) -> str:
        return f"{self.amount_cents} from bundle {self.bundle_id}"


class BundleNotice(models.Model):
    """A notice the customer's main contact was sent about a bundle: running low, used up, expiring; each once."""

    class Kind(models.TextChoices):
        LOW = "low", _("Running low")
        USED_UP = "used_up", _("Used up")
        EXPIRING = "expiring", _("Expiring soon")

    bundle = models.ForeignKey(PrepaidBundle, on_delete=models.CASCADE, related_name="notices", db_index=False)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    sent_at = models.DateTimeField()
    # The mail queued (None: the customer had no main contact with an address; it is not sent later either).
    outgoing = models.ForeignKey(
        "outbox.OutgoingMessage", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["bundle", "sent_at", "id"]
        constraints = [models.UniqueConstraint("bundle", "kind", name="bundle_notice_once")]

    def __str__(self) -> str:
        return f"{self.kind} for bundle {self.bundle_id}"


class ContractEvent(models.Model):
    """One line of a customer's commercial trail: a contract or a bundle, who changed what, when, and why."""

    class Kind(models.TextChoices):
        CREATED = "created", _("Contract created")
        CHANGED = "changed", _("Contract changed")
        ENDED = "ended", _("Contract ended")
        LINE_ADDED = "line_added", _("Line added")
        QUANTITY = "quantity", _("Quantity changed")
        BUNDLE_SOLD = "bundle_sold", _("Bundle sold")
        BUNDLE_NOTICE = "bundle_notice", _("Bundle notice sent")

    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE, related_name="contract_events")
    contract = models.ForeignKey(
        Contract, null=True, blank=True, on_delete=models.CASCADE, related_name="events", db_index=False
    )
    bundle = models.ForeignKey(PrepaidBundle, null=True, blank=True, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField()
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    subject = models.CharField(max_length=300, blank=True)  # a line's label, as it was then
    field = models.CharField(max_length=40, blank=True)
    old_value = models.CharField(max_length=300, blank=True)
    new_value = models.CharField(max_length=300, blank=True)
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["contract", "at"], name="contract_event_contract")]

    def __str__(self) -> str:
        return f"{self.kind} for customer {self.customer_id}"
