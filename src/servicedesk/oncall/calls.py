"""Calls on the phone system's line: what the caller hears and what is recorded. In office hours the call goes to
the desk; after hours only the urgent option is offered, and only to contacts who may use it: their call becomes a
direct ticket, with its rate told before any work and the engineer on call alerted; any other urgent call is
recorded as a refused report. Each call is answered in one transaction, its signature recorded against replay."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from servicedesk.core.labels import euro
from servicedesk.core.policy import current_policy
from servicedesk.customers.models import Contact
from servicedesk.customers.selectors import contacts_for_phone
from servicedesk.oncall.alerts import alert_raise
from servicedesk.oncall.models import CallNonce
from servicedesk.policy import Channel, Priority, SupportType
from servicedesk.tickets import services
from servicedesk.tickets.models import RefusedReport, Ticket, TicketEvent
from servicedesk.tickets.pricing import after_hours_rate, hourly_rate

URGENT = "urgent"  # the menu's one option
NONCES_KEPT = timedelta(minutes=10)  # twice as long as a signed request stays valid


class Replayed(Exception):
    """A signed request that was answered before."""


@dataclass(frozen=True)
class Call:
    signature: str  # the request's signature: seen once
    caller: str  # the number on the display
    choice: str  # what the caller pressed in the menu ("" before the menu)
    language: str  # nl or en: the caller's language if unknown


def may_call_urgent(contact: Contact | None) -> bool:
    """The urgent line is for contacts who may report with the pricier priorities."""
    return contact is not None and contact.may_report and contact.may_raise_priority


def phone_call_answer(call: Call, *, now: datetime) -> dict:
    """What the phone system does next, as the webhook's JSON answer (see oncall/webhook.py); raises Replayed."""
    contacts = contacts_for_phone(call.caller)
    contact = contacts[0] if len(contacts) == 1 else None
    language = contact.language if contact else call.language
    with translation.override(language), transaction.atomic():
        _seen(call.signature, now)
        return {**_answer(call, contact, now), "language": language}


def _seen(signature: str, now: datetime) -> None:
    try:
        with transaction.atomic():
            CallNonce.objects.create(signature=signature, seen_at=now)
    except IntegrityError:
        raise Replayed from None
    CallNonce.objects.filter(seen_at__lt=now - NONCES_KEPT).delete()


def _answer(call: Call, contact: Contact | None, now: datetime) -> dict:
    if current_policy().is_office_time(now):
        return {
            "action": "transfer",
            "transfer_to": settings.SERVICEDESK_DESK_PHONE,
            "say": _("You are being connected to the service desk."),
        }
    if call.choice != URGENT:
        return {
            "action": "menu",
            "menu": {"1": URGENT},
            "say": _(
                "You are calling outside office hours. For an urgent report, press 1. For anything else, "
                "call us on working days between 9 and 5, or report through the portal or by e-mail."
            ),
        }
    if not may_call_urgent(contact):
        services.report_refuse(
            channel=Channel.PHONE_AFTER_HOURS,
            sender=call.caller,
            contact=contact,
            reason=RefusedReport.Reason.NOT_AUTHORISED if contact else RefusedReport.Reason.UNKNOWN_SENDER,
            subject=_("Urgent call outside office hours"),
            notify=False,  # they were told on the phone
            now=now,
        )
        return {
            "action": "hangup",
            "say": _(
                "Urgent reports outside office hours can only be made by persons your organisation has "
                "authorised for them. Please report on working days between 9 and 5, through the portal "
                "or by e-mail."
            ),
        }
    ticket = services.ticket_create(
        reporter=contact,
        subject=_("Urgent call outside office hours"),
        body=_("Called from %(number)s at %(time)s.")
        % {"number": call.caller, "time": timezone.localtime(now).strftime("%d-%m-%Y %H:%M")},
        channel=Channel.PHONE_AFTER_HOURS,
        support_type=SupportType.UNMANAGED,
        priority=Priority.DIRECT,
        now=now,
    )
    alert = alert_raise(ticket=ticket, now=now)
    rate = _rate_now(ticket, now)
    told = _("Urgent work outside office hours is charged at %(rate)s per hour.") % {"rate": rate}
    services.ticket_note(
        ticket=ticket, actor=None, body=_("Told on the phone before any work: %(text)s") % {"text": told}, now=now
    )
    TicketEvent.objects.create(
        ticket=ticket, kind=TicketEvent.Kind.RATE_TOLD, at=now, field="after_hours_rate", new_value=f"phone {rate}"
    )
    if alert is None:
        recorded = _("Your urgent report %(number)d is recorded; an engineer will call you back.")
        return {"action": "hangup", "say": f"{told} {recorded % {'number': ticket.pk}}", "ticket": ticket.pk}
    connected = _("Your urgent report %(number)d is recorded. You are being connected to the engineer on call.")
    return {
        "action": "transfer",
        "transfer_to": alert.phone,
        "say": f"{told} {connected % {'number': ticket.pk}}",
        "ticket": ticket.pk,
    }


def _rate_now(ticket: Ticket, now: datetime) -> str:
    """What work on the new ticket costs per hour at this moment (its rate, raised by the time band), as said."""
    after_hours = after_hours_rate(ticket, now)
    rate = after_hours.hourly_rate if after_hours is not None else hourly_rate(ticket)
    return euro(rate).replace("\u00a0", " ")
