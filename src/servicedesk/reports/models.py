"""The monthly service reports as the worker made them: the PDF kept as it was sent."""

from __future__ import annotations

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
