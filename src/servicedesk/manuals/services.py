"""Writing manuals: one function, which checks the audience makes sense."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from servicedesk.customers.models import Customer
from servicedesk.manuals.models import Manual


@transaction.atomic
def manual_save(
    *,
    actor,
    title: str,
    body: str,
    audience: str = Manual.Audience.EVERYONE,
    tags: str = "",
    service: str = "",
    customer: Customer | None = None,
    published: bool = True,
    manual: Manual | None = None,
    now: datetime | None = None,
) -> Manual:
    """Create a manual, or change one (`manual`)."""
    now = now or timezone.now()
    problems = {}
    if not title.strip():
        problems["title"] = _("A manual needs a title.")
    if not body.strip():
        problems["body"] = _("A manual needs a text.")
    if audience == Manual.Audience.SERVICE and not service.strip():
        problems["service"] = _("Name the service whose customers may see this manual.")
    if audience == Manual.Audience.CUSTOMER and customer is None:
        problems["customer"] = _("Choose the customer who may see this manual.")
    if problems:
        raise ValidationError(problems)
    manual = manual or Manual(created_at=now, author=actor)
    manual.title = " ".join(title.split())
    manual.body = body
    manual.audience = audience
    manual.tags = ", ".join(t.strip() for t in tags.split(",") if t.strip())
    manual.service = service.strip()
    manual.customer = customer if audience == Manual.Audience.CUSTOMER else None
    manual.published = published
    manual.updated_at = now
    manual.save()
    return manual
