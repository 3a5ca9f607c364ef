"""Writes the portal makes: invitations and password resets, tickets and replies with their attachments."""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import nullcontext
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from servicedesk.customers.models import Contact, ServiceMatrixItem
from servicedesk.customers.selectors import contact_for_email
from servicedesk.customers.services import record_change
from servicedesk.outbox.models import OutgoingMessage
from servicedesk.outbox.services import notice_queue
from servicedesk.policy import Channel
from servicedesk.portal.auth import may_use_portal
from servicedesk.tickets import services as ticket_services
from servicedesk.tickets.attachments import attachment_save
from servicedesk.tickets.models import Message, Ticket

MAX_RESETS_PER_HOUR = 3  # reset mails to one contact: the form cannot be used to flood a mailbox


def _link(user) -> str:
    path = reverse(
        "portal:set_password",
        args=[urlsafe_base64_encode(force_bytes(user.pk)), default_token_generator.make_token(user)],
    )
    return f"{settings.SERVICEDESK_BASE_URL}{path}"


def portal_invite(*, contact: Contact, actor, now: datetime | None = None) -> OutgoingMessage:
    """Give a contact who may report a portal account and mail them a link to choose a password."""
    now = now or timezone.now()
    if not (contact.may_report and contact.active):
        raise ValidationError(_("%(name)s may not report, so cannot use the portal.") % {"name": contact.name})
    if not contact.email:
        raise ValidationError({"email": _("%(name)s has no e-mail address.") % {"name": contact.name}})
    with transaction.atomic():
        return _invitation(contact, actor=actor, now=now)


def _invitation(contact: Contact, *, actor, now: datetime) -> OutgoingMessage:
    """The contact's portal account (made when missing, its address kept in step) and the invitation mail with
    a link to choose a password; inside the caller's transaction."""
    contact = Contact.objects.select_for_update(of=("self",)).select_related("user", "customer").get(pk=contact.pk)
    user = contact.user
    if user is None:
        user = get_user_model()(username=f"contact-{contact.pk}", email=contact.email, is_staff=False)
        user.set_unusable_password()
        user.save()
        contact.user = user
        contact.save(update_fields=["user"])
    elif user.email != contact.email:
        user.email = contact.email
        user.save(update_fields=["email"])
    record_change(
        customer=contact.customer, contact=contact, actor=actor, at=now, field="portal", old="", new="invited"
    )
    return notice_queue(
        kind=OutgoingMessage.Kind.INVITATION,
        contact=contact,
        context={"link": _link(user), "days": settings.PASSWORD_RESET_TIMEOUT // 86400},
        automatic=False,
        now=now,
    )


def portal_reset_request(*, email: str, now: datetime | None = None) -> OutgoingMessage | None:
    """Mail a link to choose a password to the contact with this address who may use the portal: a reset link
    to one with an account, the invitation to one who never had one. Says nothing either way to the asker."""
    now = now or timezone.now()
    contact = contact_for_email(email)
    if not may_use_portal(contact) or (contact.user_id is not None and not contact.user.is_active):
        return None
    recent = OutgoingMessage.objects.filter(
        kind__in=(OutgoingMessage.Kind.PASSWORD_RESET, OutgoingMessage.Kind.INVITATION),
        to_address__iexact=contact.email,
        created_at__gte=now - timedelta(hours=1),
    ).count()
    if recent >= MAX_RESETS_PER_HOUR:
        return None
    with transaction.atomic():
        if contact.user_id is None:  # never invited: the same link an invitation sends
            return _invitation(contact, actor=None, now=now)
        return notice_queue(
            kind=OutgoingMessage.Kind.PASSWORD_RESET,
            contact=contact,
            context={"link": _link(contact.user), "days": settings.PASSWORD_RESET_TIMEOUT // 86400},
            automatic=False,
            now=now,
        )


def _keep_files(message: Message, files: Iterable[UploadedFile], now: datetime) -> None:
    for upload in files:
        attachment_save(
            message=message,
            original_name=upload.name or "",
            content_type=upload.content_type or "application/octet-stream",
            data=upload.read(),
            now=now,
        )


def portal_ticket_report(
    *,
    contact: Contact,
    subject: str,
    body: str,
    support_type: str,
    priority: str,
    matrix_item: ServiceMatrixItem | None = None,
    files: Iterable[UploadedFile] = (),
    now: datetime | None = None,
) -> Ticket:
    """A ticket reported in the portal, with its attachments; the same acknowledgement as by e-mail."""
    now = now or timezone.now()
    files = list(files)
    # The ticket's rows are written all or none by themselves (one statement on PostgreSQL); attachments join
    # them in a transaction.
    with transaction.atomic() if files else nullcontext():
        ticket = ticket_services.ticket_create(
            reporter=contact,
            subject=subject,
            body=body,
            channel=Channel.PORTAL,
            support_type=support_type,
            priority=priority,
            matrix_item=matrix_item,
            now=now,
        )
        if files:  # the first message is the report; looked up only when there is something to attach
            _keep_files(ticket.messages.order_by("id").first(), files, now)
    return ticket


def portal_reply(
    *, contact: Contact, ticket: Ticket, body: str, files: Iterable[UploadedFile] = (), now: datetime | None = None
) -> Message:
    """A contact's reply on their ticket, with attachments."""
    now = now or timezone.now()
    files = list(files)
    if not body.strip() and not files:
        raise ValidationError({"body": _("Write a message or add a file.")})
    with transaction.atomic():
        message = ticket_services.ticket_add_message(ticket=ticket, contact=contact, body=body.strip(), now=now)
        _keep_files(message, files, now)
    return message
