"""Monitoring alerts as tickets: a new dedupe key opens a ticket, repeats join it, `resolved` notes it and closes it
when no agent worked on it; at most a number of tickets per customer per window, the rest join a storm ticket."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from servicedesk.api.models import MonitoringAlert
from servicedesk.customers.models import Customer, ServiceMatrixItem
from servicedesk.policy import Channel, SupportType
from servicedesk.tickets import services
from servicedesk.tickets.models import Message, Ticket

WINDOW = timedelta(minutes=10)
SEVERITIES = ("critical", "major", "minor", "warning", "info")


@dataclass(frozen=True)
class AlertOutcome:
    action: str  # opened, appended, storm, resolved, closed, ignored
    alert: MonitoringAlert | None


def alert_receive(
    *,
    customer: Customer,
    dedupe_key: str,
    severity: str,
    summary: str,
    details: str = "",
    matrix_item: ServiceMatrixItem | None = None,
    resolved: bool = False,
    actor,
    now: datetime | None = None,
) -> AlertOutcome:
    """Take one alert of a monitoring tool (see the module); `actor` is the agent whose token sent it."""
    now = now or timezone.now()
    if severity not in SEVERITIES:
        raise ValidationError({"severity": _("Choose one of %(list)s.") % {"list": ", ".join(SEVERITIES)}})
    if matrix_item is not None and matrix_item.customer_id != customer.pk:
        raise ValidationError({"matrix_item": _("That service is not in this customer's service matrix.")})
    with transaction.atomic():
        # One customer's alerts one at a time: the storm count and the dedupe look-up stay true.
        customer = Customer.objects.select_for_update(of=("self",)).select_related("main_contact").get(pk=customer.pk)
        alert = (
            MonitoringAlert.objects.select_related("ticket")
            .filter(customer=customer, dedupe_key=dedupe_key, resolved_at__isnull=True)
            .exclude(ticket__status=Ticket.Status.CLOSED)
            .order_by("-id")
            .first()
        )
        if resolved:
            return _resolve(alert, summary=summary, details=details, actor=actor, now=now)
        if alert is not None:
            _note(alert, _("The alert came again (%(severity)s): %(summary)s"), severity, summary, details, actor, now)
            alert.repeats += 1
            alert.last_at = now
            alert.save(update_fields=["repeats", "notes_written", "last_at"])
            return AlertOutcome("appended", alert)
        fields = {
            "customer": customer,
            "dedupe_key": dedupe_key,
            "matrix_item": matrix_item,
            "severity": severity,
            "summary": summary,
            "received_at": now,
            "last_at": now,
        }
        opened = MonitoringAlert.objects.filter(customer=customer, opened_ticket=True, received_at__gte=now - WINDOW)
        if opened.count() < settings.SERVICEDESK_ALERT_TICKETS_PER_WINDOW:
            ticket = _open(customer, summary, details or summary, severity, matrix_item, actor, now)
            return AlertOutcome("opened", MonitoringAlert.objects.create(ticket=ticket, opened_ticket=True, **fields))
        storm = (
            MonitoringAlert.objects.filter(customer=customer, storm=True, opened_ticket=True)
            .exclude(ticket__status=Ticket.Status.CLOSED)
            .select_related("ticket")
            .order_by("-id")
            .first()
        )
        if storm is None:
            subject = _("Alert storm at %(customer)s") % {"customer": customer.name}
            body = _("%(n)d alerts of this customer opened tickets within 10 minutes; the alerts after them join here.")
            ticket = _open(customer, subject, body % {"n": opened.count()}, severity, None, actor, now)
        else:
            ticket = storm.ticket
        alert = MonitoringAlert(ticket=ticket, opened_ticket=storm is None, storm=True, **fields)
        _note(alert, _("Alert (%(severity)s): %(summary)s"), severity, summary, details, actor, now)
        alert.save()
        return AlertOutcome("storm", alert)


def _open(customer, subject, body, severity, matrix_item, actor, now) -> Ticket:
    reporter = customer.main_contact
    if reporter is None:
        raise ValidationError({"customer": _("This customer has no main contact to report its alerts for.")})
    return services.ticket_create(
        reporter=reporter,
        subject=subject,
        body=body,
        channel=Channel.EMAIL,
        support_type=SupportType.MANAGED if matrix_item is not None else SupportType.UNMANAGED,
        priority=settings.SERVICEDESK_ALERT_PRIORITIES[severity],
        matrix_item=matrix_item,
        actor=actor,
        acknowledge=False,
        now=now,
    )


def _note(alert: MonitoringAlert, template: str, severity: str, summary: str, details: str, actor, now) -> None:
    text = template % {"severity": severity, "summary": summary}
    services.ticket_note(ticket=alert.ticket, actor=actor, body=f"{text}\n\n{details}".strip(), now=now)
    alert.notes_written += 1


def _resolve(alert: MonitoringAlert | None, *, summary: str, details: str, actor, now) -> AlertOutcome:
    if alert is None:
        return AlertOutcome("ignored", None)
    _note(alert, _("The alert is resolved: %(summary)s"), "resolved", summary, details, actor, now)
    alert.resolved_at = alert.last_at = now
    alert.save(update_fields=["notes_written", "resolved_at", "last_at"])
    ticket = alert.ticket
    others_open = MonitoringAlert.objects.filter(ticket=ticket, resolved_at__isnull=True).exists()
    if settings.SERVICEDESK_ALERT_CLOSE_RESOLVED and not others_open and not _worked_on(ticket):
        reason = _("The monitoring alert is resolved and no one worked on the ticket.")
        services.ticket_close(ticket=ticket, actor=actor, reason=reason, now=now)
        return AlertOutcome("closed", alert)
    return AlertOutcome("resolved", alert)


def _worked_on(ticket: Ticket) -> bool:
    """An agent took it, answered, recorded time or wrote a note of their own (beyond the alerts' notes)."""
    ticket = Ticket.objects.get(pk=ticket.pk)
    if ticket.assignee_id is not None or ticket.responded_at is not None or ticket.time_entries.exists():
        return True
    if ticket.messages.filter(kind=Message.Kind.REPLY).exists():
        return True
    intake_notes = MonitoringAlert.objects.filter(ticket=ticket).aggregate(n=Sum("notes_written"))["n"] or 0
    return ticket.messages.filter(kind=Message.Kind.NOTE).count() > intake_notes
