"""Mail the intake could not turn into a result: quarantined with its reason, for agents to retry."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from servicedesk.desk.access import agent_required
from servicedesk.mail.models import InboundMail
from servicedesk.mail.pipeline import mail_process


@agent_required
def quarantine(request):
    mails = (
        InboundMail.objects.filter(
            status__in=[InboundMail.Status.QUARANTINED, InboundMail.Status.STORED, InboundMail.Status.HELD]
        )
        .defer("raw")
        .order_by("-received_at")[:200]
    )
    return render(request, "desk/quarantine.html", {"mails": mails, "active": "quarantine"})


@agent_required
@require_POST
def reprocess(request, mail_id: int):
    mail = InboundMail.objects.filter(pk=mail_id).defer("raw").first()
    if mail is None:
        raise Http404
    mail = mail_process(mail)
    if mail.status == InboundMail.Status.QUARANTINED:
        messages.error(request, _("Still quarantined: %(reason)s") % {"reason": mail.reason})
    else:
        messages.success(request, _("Mail processed: %(status)s") % {"status": mail.get_status_display()})
    return redirect(reverse("desk:quarantine"))
