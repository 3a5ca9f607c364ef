"""Manuals (handleidingen): articles agents write in Markdown, shown to the customers they are meant for."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Manual(models.Model):
    class Audience(models.TextChoices):
        EVERYONE = "everyone", _("Every customer")
        SERVICE = "service", _("Customers who have the service")
        CUSTOMER = "customer", _("One customer")

    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text (Markdown)"))
    tags = models.CharField(_("tags"), max_length=300, blank=True, help_text=_("Separated by commas."))
    service = models.CharField(
        _("service"), max_length=200, blank=True, help_text=_("The service (as named in service matrices) it is about.")
    )
    audience = models.CharField(_("visible to"), max_length=10, choices=Audience.choices, default=Audience.EVERYONE)
    customer = models.ForeignKey(
        "customers.Customer", verbose_name=_("customer"), null=True, blank=True, on_delete=models.CASCADE
    )
    published = models.BooleanField(_("published"), default=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["title", "id"]
        verbose_name = _("manual")
        verbose_name_plural = _("manuals")

    def __str__(self) -> str:
        return self.title

    @property
    def tag_list(self) -> list[str]:
        return [t.strip() for t in self.tags.split(",") if t.strip()]
