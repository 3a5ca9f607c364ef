"""Customers, contacts with their rights, the service matrix, and the record of changes to them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _


class Customer(models.Model):
    """An organisation the provider supports (klant)."""

    name = models.CharField(_("name"), max_length=200)
    code = models.SlugField(_("code"), max_length=40, unique=True)
    street = models.CharField(_("street and number"), max_length=200, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=20, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    main_contact = models.ForeignKey(
        "Contact", verbose_name=_("main contact"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    notes = models.TextField(_("notes"), blank=True)
    # Billing: where invoices go and what they must carry.
    billing_email = models.EmailField(_("billing e-mail address"), blank=True, default="")
    vat_number = models.CharField(_("VAT number"), max_length=30, blank=True, default="")
    payment_days = models.PositiveIntegerField(_("payment term (days)"), default=14)
    purchase_order = models.CharField(_("purchase order reference"), max_length=100, blank=True, default="")
    mails_service_report = models.BooleanField(_("mail the monthly service report to the main contact"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("customer")
        verbose_name_plural = _("customers")

    def __str__(self) -> str:
        return self.name

    @property
    def address(self) -> str:
        return ", ".join(part for part in (self.street, f"{self.postal_code} {self.city}".strip()) if part)


class Contact(models.Model):
    """A person at a customer, with the rights to report, to raise priority and to approve quotes."""

    class Language(models.TextChoices):
        DUTCH = "nl", "Nederlands"
        ENGLISH = "en", "English"

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="contacts")
    name = models.CharField(_("name"), max_length=200)
    email = models.EmailField(_("e-mail address"), blank=True)
    language = models.CharField(_("language"), max_length=5, choices=Language.choices, default=Language.DUTCH)
    may_report = models.BooleanField(_("may report"), default=False)
    may_raise_priority = models.BooleanField(_("may raise priority"), default=False)
    sees_all_tickets = models.BooleanField(_("sees all organisation tickets"), default=False)
    # Reads, accepts and declines the provider's quotes (offertes) in the portal (POLICY.md §10).
    may_approve_quotes = models.BooleanField(_("may approve quotes"), default=False)
    active = models.BooleanField(_("active"), default=True)
    # The contact's portal account (invited by an agent); agents are users without a contact.
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="contact"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        constraints = [
            # One person per address: incoming mail must map to exactly one contact.
            models.UniqueConstraint(
                Lower("email"),
                name="contact_email_unique",
                condition=~models.Q(email=""),
                violation_error_message=_("Another contact already has this e-mail address."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_main_contact(self) -> bool:
        return self.customer.main_contact_id == self.pk


class ContactPhone(models.Model):
    """A phone number of a contact, kept in E.164 form so callers are found by any notation."""

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="phones")
    number = models.CharField(_("phone number"), max_length=20, db_index=True)
    label = models.CharField(_("label"), max_length=40, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint("contact", "number", name="contact_phone_unique")]

    def __str__(self) -> str:
        return self.number


class ServiceMatrixItem(models.Model):
    """A system or service the provider delivers and manages for a customer (dienstenmatrix)."""

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="matrix_items")
    name = models.CharField(_("service"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("service matrix item")
        verbose_name_plural = _("service matrix")

    def __str__(self) -> str:
        return self.name


class CustomerChange(models.Model):
    """The record of a change to a contact's rights, the main contact or the service matrix."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="changes")
    contact = models.ForeignKey(Contact, null=True, blank=True, on_delete=models.SET_NULL, related_name="changes")
    matrix_item = models.ForeignKey(ServiceMatrixItem, null=True, blank=True, on_delete=models.SET_NULL)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    at = models.DateTimeField()
    field = models.CharField(max_length=60)
    old_value = models.CharField(max_length=300, blank=True)
    new_value = models.CharField(max_length=300, blank=True)
    reason = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["customer", "at"], name="customer_change_at")]
        verbose_name = _("customer change")
        verbose_name_plural = _("customer changes")

    def __str__(self) -> str:
        return f"{self.field}: {self.old_value} → {self.new_value}"
