"""Mail the intake could not turn into a result: quarantined with its reason, for agents to retry."""

from __future__ import annotations

from django.contrib import messages
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from servicedesk.desk.access import agent_required
from servicedesk.mail.models import InboundMail
from servicedesk.mail.pipeline import mail_process
from servicedesk.tickets.attachments import attachment_path
from servicedesk.tickets.models import Attachment


@agent_required
def attachment(request, attachment_id: int):
    """An attachment, always as a download, never rendered by the browser."""
    item = Attachment.objects.filter(pk=attachment_id).first()
    if item is None:
        raise Http404
    path = attachment_path(item.stored_name)
    if not path.exists():
        raise Http404
    response = FileResponse(
        path.open("rb"), as_attachment=True, filename=item.original_name, content_type=item.content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


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
