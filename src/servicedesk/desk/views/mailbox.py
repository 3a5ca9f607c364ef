"""Mail that did not become a ticket: quarantined or held for agents to handle, automatic mail and bounces kept
with the reason, each readable as it came."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from servicedesk.core.downloads import download
from servicedesk.core.numbers import id_from
from servicedesk.customers.models import Contact
from servicedesk.customers.selectors import contact_for_email
from servicedesk.desk.access import agent_required
from servicedesk.mail.accept import ACCEPTABLE, mail_accept
from servicedesk.mail.models import InboundMail
from servicedesk.mail.parse import parse_mail
from servicedesk.mail.pipeline import mail_process
from servicedesk.tickets.attachments import attachment_open
from servicedesk.tickets.models import Attachment


@agent_required
def attachment(request, attachment_id: int):
    """An attachment, always as a download, never rendered by the browser."""
    item = Attachment.objects.filter(pk=attachment_id).first()
    if item is None:
        raise Http404
    return download(attachment_open(item), filename=item.original_name, content_type=item.content_type)


@agent_required
def quarantine(request):
    mails = list(
        InboundMail.objects.filter(
            status__in=[InboundMail.Status.QUARANTINED, InboundMail.Status.STORED, InboundMail.Status.HELD]
        )
        .defer("raw")
        .order_by("-received_at")[:200]
    )
    reporters = _reporters()
    for mail in mails:
        if mail.status == InboundMail.Status.HELD:
            mail.sender_contact, mail.choices = _accept_choices(mail.sender, reporters)
    return render(request, "desk/quarantine.html", {"mails": mails, "active": "quarantine", "tab": "quarantine"})


def _reporters() -> list[Contact]:
    return list(
        Contact.objects.filter(may_report=True, active=True)
        .select_related("customer")
        .order_by("customer__name", "name")
    )


def _accept_choices(sender_address: str, reporters: list[Contact]) -> tuple[Contact | None, list[Contact]]:
    """Whom a mail can be accepted for: the sender's contact (pre-selected) and its colleagues who may report,
    or every contact who may report when the sender is nobody's."""
    sender = contact_for_email(sender_address) if sender_address else None
    return sender, [c for c in reporters if sender is None or c.customer_id == sender.customer_id]


AUTOMATIC_KINDS = {"automatic": [InboundMail.Status.AUTOMATIC], "bounce": [InboundMail.Status.BOUNCE]}
SHOWN = 200


@agent_required
def automatic(request):
    """Auto-replies, lists, bulk mail and bounces: kept without a ticket or a reply, each with the headers that
    showed what it is, so an agent can find a genuine report among them (and accept it)."""
    kind = request.GET.get("kind", "")
    statuses = AUTOMATIC_KINDS.get(kind, [InboundMail.Status.AUTOMATIC, InboundMail.Status.BOUNCE])
    mails = list(InboundMail.objects.filter(status__in=statuses).defer("raw").order_by("-received_at", "-id")[:SHOWN])
    context = {"mails": mails, "kind": kind if kind in AUTOMATIC_KINDS else "", "shown": SHOWN}
    return render(request, "desk/automatic_mail.html", {**context, "active": "quarantine", "tab": "automatic"})


@agent_required
def mail(request, mail_id: int):
    """One received mail as it came: who sent it, its headers that matter, its text and its attachments."""
    item = InboundMail.objects.select_related("ticket", "mailbox").filter(pk=mail_id).first()
    if item is None:
        raise Http404
    parsed = parse_mail(bytes(item.raw))
    sender, choices = _accept_choices(parsed.from_address, _reporters()) if item.status in ACCEPTABLE else (None, [])
    tab = "automatic" if item.status in (InboundMail.Status.AUTOMATIC, InboundMail.Status.BOUNCE) else "quarantine"
    context = {"mail": item, "parsed": parsed, "choices": choices, "sender_contact": sender, "tab": tab}
    return render(request, "desk/mail.html", {**context, "active": "quarantine"})


@agent_required
@require_POST
def accept(request, mail_id: int):
    """Accept a held mail (the agent checked it is genuine) as a ticket for the chosen contact."""
    try:
        mail = InboundMail.objects.defer("raw").get(pk=mail_id)
        contact = Contact.objects.get(pk=id_from(request.POST.get("contact")))
    except (InboundMail.DoesNotExist, Contact.DoesNotExist, ValueError):
        raise Http404 from None
    try:
        ticket = mail_accept(mail=mail, contact=contact, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(reverse("desk:mail", args=[mail.pk]))
    messages.success(request, _("Ticket #%(number)d created.") % {"number": ticket.pk})
    return redirect(reverse("desk:ticket", args=[ticket.pk]))


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
