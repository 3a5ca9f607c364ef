"""The phone system's webhook for calls: signed requests in, what the phone should do next out (JSON).

Contract (README: "The urgent line"): POST JSON {"call_id", "caller", "choice", "language"?} with headers
X-Servicedesk-Timestamp (Unix seconds) and X-Servicedesk-Signature (hex HMAC-SHA256 of "<timestamp>.<body>"
with the shared secret). Refused: a bad signature, a timestamp more than 5 minutes off, a request seen
before. Answer: {"action": "menu" | "transfer" | "hangup", "say": text, "language": "nl" | "en",
"transfer_to": E.164 (transfer), "menu": {"1": "urgent"} (menu), "ticket": number (urgent ticket)}.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import JsonResponse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from servicedesk.core.labels import euro
from servicedesk.core.policy import current_policy
from servicedesk.customers.selectors import contacts_for_phone
from servicedesk.oncall.alerts import alert_raise
from servicedesk.oncall.models import CallNonce
from servicedesk.policy import Channel, Priority, SupportType
from servicedesk.tickets import services
from servicedesk.tickets.models import RefusedReport, TicketEvent
from servicedesk.tickets.pricing import after_hours_rate, hourly_rate

MAX_AGE = 300  # seconds a signed request stays valid
URGENT = "urgent"


def _now():
    """The business clock (tests move it; the signature's freshness uses the real time)."""
    return timezone.now()


def _verified(request) -> str | None:
    """Why the request is refused, or None when it is signed, fresh and new."""
    secret = settings.SERVICEDESK_PHONE_SECRET
    if not secret:
        return "the phone webhook has no secret configured"
    stamp = request.headers.get("X-Servicedesk-Timestamp", "")
    signature = request.headers.get("X-Servicedesk-Signature", "")
    if not stamp.isdigit() or abs(time.time() - int(stamp)) > MAX_AGE:
        return "timestamp missing or too old"
    expected = hmac.new(secret.encode(), stamp.encode() + b"." + request.body, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, signature):
        return "bad signature"
    now = timezone.now()
    try:
        with transaction.atomic():
            CallNonce.objects.create(signature=signature, seen_at=now)
    except IntegrityError:
        return "request replayed"
    CallNonce.objects.filter(seen_at__lt=now - timedelta(seconds=2 * MAX_AGE)).delete()
    return None


def _rate_now(ticket, now) -> str:
    """What work on the new ticket costs per hour at this moment (its rate, raised by the time band)."""
    after_hours = after_hours_rate(ticket, now)
    rate = after_hours.hourly_rate if after_hours is not None else hourly_rate(ticket)
    return euro(rate).replace("\u00a0", " ")


@csrf_exempt
@require_POST
def phone_call(request):
    problem = _verified(request)
    if problem is not None:
        return JsonResponse({"error": problem}, status=403)
    try:
        call = json.loads(request.body)
        caller = str(call.get("caller", ""))
        choice = str(call.get("choice", ""))
        language = call.get("language") if call.get("language") in ("nl", "en") else "nl"
    except (ValueError, AttributeError):
        return JsonResponse({"error": "body: not a JSON object with caller and choice"}, status=400)
    now = _now()
    policy = current_policy()
    contacts = contacts_for_phone(caller)
    contact = contacts[0] if len(contacts) == 1 else None
    language = contact.language if contact else language
    with translation.override(language):
        if policy.is_office_time(now):
            return JsonResponse(
                {
                    "action": "transfer",
                    "transfer_to": settings.SERVICEDESK_DESK_PHONE,
                    "say": _("You are being connected to the service desk."),
                    "language": language,
                }
            )
        if choice != URGENT:
            return JsonResponse(
                {
                    "action": "menu",
                    "menu": {"1": URGENT},
                    "say": _(
                        "You are calling outside office hours. For an urgent report, press 1. For anything else, "
                        "call us on working days between 9 and 5, or report through the portal or by e-mail."
                    ),
                    "language": language,
                }
            )
        if contact is None or not (contact.may_report and contact.may_raise_priority):
            services.report_refuse(
                channel=Channel.PHONE_AFTER_HOURS,
                sender=caller,
                contact=contact,
                reason=RefusedReport.Reason.NOT_AUTHORISED if contact else RefusedReport.Reason.UNKNOWN_SENDER,
                subject=_("Urgent call outside office hours"),
                notify=False,
                now=now,
            )
            return JsonResponse(
                {
                    "action": "hangup",
                    "say": _(
                        "Urgent reports outside office hours can only be made by persons your organisation has "
                        "authorised for them. Please report on working days between 9 and 5, through the portal "
                        "or by e-mail."
                    ),
                    "language": language,
                }
            )
        ticket = services.ticket_create(
            reporter=contact,
            subject=_("Urgent call outside office hours"),
            body=_("Called from %(number)s at %(time)s.")
            % {"number": caller, "time": timezone.localtime(now).strftime("%d-%m-%Y %H:%M")},
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
            return JsonResponse(
                {
                    "action": "hangup",
                    "say": told
                    + " "
                    + _("Your urgent report %(number)d is recorded; an engineer will call you back.")
                    % {"number": ticket.pk},
                    "ticket": ticket.pk,
                    "language": language,
                }
            )
        return JsonResponse(
            {
                "action": "transfer",
                "transfer_to": alert.phone,
                "say": told
                + " "
                + _("Your urgent report %(number)d is recorded. You are being connected to the engineer on call.")
                % {"number": ticket.pk},
                "ticket": ticket.pk,
                "language": language,
            }
        )
