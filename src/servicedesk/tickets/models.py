"""Tickets, messages, time entries, refused reports, agents' notifications and the audit trail."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from servicedesk.core.labels import agent_name
from servicedesk.policy import Channel, EntryKind, Priority, SupportType


def _choices(enum) -> list[tuple[str, str]]:
    return [(member.value, member.value) for member in enum]


SUPPORT_TYPE_CHOICES = _choices(SupportType)
PRIORITY_CHOICES = _choices(Priority)
CHANNEL_CHOICES = _choices(Channel)
ENTRY_KIND_CHOICES = [(EntryKind.WORK.value, _("Work")), (EntryKind.TRAVEL.value, _("Travel"))]


#: Open tickets without a recorded response (the condition of the SLA indexes and queues).
UNANSWERED = Q(responded_at=None) & ~Q(status="closed")


class Ticket(models.Model):
    """A report from a customer's contact; its number is its primary key."""

    class Status(models.TextChoices):
        NEW = "new", _("New")
        OPEN = "open", _("Open")
        WAITING = "waiting", _("Waiting for customer")
        CLOSED = "closed", _("Closed")

    # No index of their own: ticket_customer_due and ticket_reporter lead with them (one index less per insert).
    customer = models.ForeignKey("customers.Customer", on_delete=models.PROTECT, related_name="tickets", db_index=False)
    reporter = models.ForeignKey("customers.Contact", on_delete=models.PROTECT, related_name="tickets", db_index=False)
    subject = models.CharField(_("subject"), max_length=300)
    proposed_support_type = models.CharField(max_length=20, choices=SUPPORT_TYPE_CHOICES)
    support_type = models.CharField(max_length=20, choices=SUPPORT_TYPE_CHOICES)
    support_type_confirmed = models.BooleanField(default=False)
    requested_priority = models.CharField(max_length=20, choices=PRIORITY_CHOICES)
    priority = models.CharField(max_length=20, choices=PRIORITY_CHOICES)  # effective
    channel = models.CharField(max_length=20, choices=CHANNEL_CHOICES)
    critical = models.BooleanField(default=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.NEW)
    matrix_item = models.ForeignKey(
        "customers.ServiceMatrixItem", null=True, blank=True, on_delete=models.SET_NULL, related_name="tickets"
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="assigned_tickets"
    )
    reported_at = models.DateTimeField()
    response_due = models.DateTimeField()
    due_soon_at = models.DateTimeField()  # 75 % of the response time used
    best_effort = models.BooleanField(default=False)
    responded_at = models.DateTimeField(null=True, blank=True)
    response_met = models.BooleanField(null=True)
    diagnosis = models.TextField(blank=True)
    due_soon_flagged_at = models.DateTimeField(null=True, blank=True)
    breached_flagged_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["response_due", "id"]
        indexes = [
            # Queues: open tickets by deadline, keyset-paginated on (response_due, id).
            models.Index(fields=["response_due", "id"], name="ticket_open_due", condition=~Q(status="closed")),
            # The "all" queue (desk and API): every ticket by deadline.
            models.Index(fields=["response_due", "id"], name="ticket_due"),
            models.Index(
                fields=["assignee", "response_due", "id"], name="ticket_assignee_due", condition=~Q(status="closed")
            ),
            # The unassigned queue: PostgreSQL reads `assignee IS NULL` in the index above as a filter, not as an
            # equality, so it sorted every unassigned ticket for a page; this one is in the page's order.
            models.Index(
                fields=["response_due", "id"],
                name="ticket_unassigned_due",
                condition=~Q(status="closed") & Q(assignee__isnull=True),
            ),
            models.Index(fields=["customer", "response_due", "id"], name="ticket_customer_due"),
            models.Index(fields=["status", "response_due", "id"], name="ticket_status_due"),
            # Open tickets still waiting for their response: the due-soon and breached queues.
            models.Index(fields=["response_due", "id"], name="ticket_unanswered_due", condition=UNANSWERED),
            # The SLA watch: what it has not flagged yet.
            models.Index(
                fields=["due_soon_at"], name="ticket_sla_due_soon", condition=UNANSWERED & Q(due_soon_flagged_at=None)
            ),
            models.Index(
                fields=["response_due"], name="ticket_sla_breach", condition=UNANSWERED & Q(breached_flagged_at=None)
            ),
            models.Index(fields=["reporter", "reported_at"], name="ticket_reporter"),
            # The portal's list of an organisation's open tickets, newest first, keyset-paginated.
            models.Index(
                fields=["customer", "reported_at", "id"], name="ticket_customer_open", condition=~Q(status="closed")
            ),
            # Reports: the tickets reported, and those closed, in a period.
            models.Index(fields=["reported_at"], name="ticket_reported"),
            models.Index(fields=["closed_at"], name="ticket_closed", condition=Q(closed_at__isnull=False)),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.subject}"

    @property
    def number(self) -> int:
        return self.pk

    @property
    def is_open(self) -> bool:
        return self.status != self.Status.CLOSED


class Message(models.Model):
    """A message on a ticket: from the customer, a public reply, or an internal note."""

    class Kind(models.TextChoices):
        INCOMING = "incoming", _("From the customer")
        REPLY = "reply", _("Reply")
        NOTE = "note", _("Internal note")

    ticket = models.ForeignKey(
        Ticket, on_delete=models.CASCADE, related_name="messages", db_index=False
    )  # message_ticket
    kind = models.CharField(max_length=10, choices=Kind.choices)
    author_user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    author_contact = models.ForeignKey("customers.Contact", null=True, blank=True, on_delete=models.SET_NULL)
    body = models.TextField()
    # Sanitised when stored (mail/html.py); images are removed again when shown unless asked for.
    body_html = models.TextField(blank=True, default="")
    # A forwarded mail: its quoted part is the content, so pages do not fold it (null: not a mail).
    forwarded = models.BooleanField(null=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["ticket", "created_at"], name="message_ticket")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on #{self.ticket_id}"

    @property
    def is_public(self) -> bool:
        return self.kind != self.Kind.NOTE

    @property
    def author_name(self) -> str:
        if self.author_contact_id:
            return self.author_contact.name
        if self.author_user_id:
            return agent_name(self.author_user)
        return ""


class TimeEntryQuerySet(models.QuerySet):
    """Whether entries are billed: a line of a standing invoice bills them (their first line; corrections and
    credit notes refer to that line). Kept nowhere else, so crediting an invoice unbills its work by itself,
    and confirming a run writes its lines and nothing more. Billing builds on tickets: its lines are reached
    through their relation to entries (`invoice_lines`), and billing says which of them bill an entry."""

    def _billing_line(self):
        lines = self.model._meta.get_field("invoice_lines").related_model
        return lines.objects.billing(OuterRef("pk"))

    def with_billed(self):
        """Each entry with `billed` (bool)."""
        return self.annotate(billed=Exists(self._billing_line()))

    def billed(self):
        return self.filter(Exists(self._billing_line()))

    def unbilled(self):
        return self.exclude(Exists(self._billing_line()))


class TimeEntry(models.Model):
    """Time an agent spent on a ticket; priced by the policy engine, locked once billed."""

    # No index of its own: `time_entry_ticket` (ticket, start) serves look-ups by ticket.
    ticket = models.ForeignKey(Ticket, on_delete=models.PROTECT, related_name="time_entries", db_index=False)
    agent = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="time_entries")
    kind = models.CharField(max_length=10, choices=ENTRY_KIND_CHOICES, default=EntryKind.WORK.value)
    start = models.DateTimeField()
    minutes = models.PositiveIntegerField()
    description = models.TextField(blank=True)
    created_at = models.DateTimeField()

    objects = TimeEntryQuerySet.as_manager()

    class Meta:
        ordering = ["start", "id"]
        indexes = [
            models.Index(fields=["ticket", "start"], name="time_entry_ticket"),
            models.Index(fields=["start"], name="time_entry_start"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.minutes} min on #{self.ticket_id}"

    @property
    def is_billed(self) -> bool:
        billed = self.__dict__.get("billed")  # annotated by `with_billed`
        return billed if billed is not None else TimeEntry.objects.billed().filter(pk=self.pk).exists()


class TicketEvent(models.Model):
    """One line of a ticket's audit trail: who changed what, when, from what to what, and why."""

    class Kind(models.TextChoices):
        CREATED = "created", _("Created")
        CLASSIFIED = "classified", _("Classified")
        PRIORITY_LOWERED = "priority_lowered", _("Priority lowered")
        RESPONDED = "responded", _("Response recorded")
        REPLIED = "replied", _("Replied")
        NOTED = "noted", _("Note added")
        ASSIGNED = "assigned", _("Assigned")
        STATUS = "status", _("Status changed")
        TIME_ADDED = "time_added", _("Time entry added")
        TIME_CORRECTED = "time_corrected", _("Time entry corrected")
        DUE_SOON = "due_soon", _("Response due soon")
        BREACHED = "breached", _("Response time exceeded")
        BOUNCED = "bounced", _("Mail bounced")
        ALERTED = "alerted", _("On-call engineer alerted")
        RATE_TOLD = "rate_told", _("After-hours rate told to the customer")
        CUSTOMER_REPLIED = "customer_replied", _("The customer replied")
        MAIL_LOOP = "mail_loop", _("Mail loop suspected")

    ticket = models.ForeignKey(
        Ticket, on_delete=models.CASCADE, related_name="events", db_index=False
    )  # ticket_event_ticket
    at = models.DateTimeField()
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    actor_contact = models.ForeignKey("customers.Contact", null=True, blank=True, on_delete=models.SET_NULL)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    field = models.CharField(max_length=40, blank=True)
    old_value = models.CharField(max_length=300, blank=True)
    new_value = models.CharField(max_length=300, blank=True)
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["ticket", "at"], name="ticket_event_ticket")]

    def __str__(self) -> str:
        return f"{self.kind} on #{self.ticket_id}"

    @property
    def actor_name(self) -> str | None:
        """Who made the change: the contact's name, or the agent's full name (else username); None: the system."""
        if self.actor_contact_id:
            return self.actor_contact.name
        return agent_name(self.actor) if self.actor_id else None


class TicketCc(models.Model):
    """An address copied (Cc) on the mail that reported the ticket. Copied on the acknowledgement and the replies
    when it is a contact of the ticket's customer; any other address is shown to agents, never mailed."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="copies")
    name = models.CharField(_("name"), max_length=200, blank=True)
    address = models.CharField(_("address"), max_length=300)
    contact = models.ForeignKey("customers.Contact", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    added_at = models.DateTimeField()

    class Meta:
        ordering = ["id"]
        verbose_name = _("copied address")
        verbose_name_plural = _("copied addresses")
        constraints = [models.UniqueConstraint(fields=["ticket", "address"], name="ticket_cc_once")]

    def __str__(self) -> str:
        return self.address


class RefusedReport(models.Model):
    """A report that created no ticket because its sender may not report; kept for agents to review."""

    class Reason(models.TextChoices):
        UNKNOWN_SENDER = "unknown_sender", _("Unknown sender")
        NOT_AUTHORISED = "not_authorised", _("Not authorised to report")

    channel = models.CharField(max_length=20, choices=CHANNEL_CHOICES)
    reason = models.CharField(max_length=20, choices=Reason.choices)
    customer = models.ForeignKey("customers.Customer", null=True, blank=True, on_delete=models.SET_NULL)
    contact = models.ForeignKey("customers.Contact", null=True, blank=True, on_delete=models.SET_NULL)
    sender = models.CharField(_("sender"), max_length=300)  # e-mail address, phone number or name
    subject = models.CharField(max_length=300, blank=True)
    body = models.TextField(blank=True)
    received_at = models.DateTimeField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    accepted_ticket = models.ForeignKey(Ticket, null=True, blank=True, on_delete=models.SET_NULL)
    # Dismissed: nothing to do (spam, a wrong number, handled otherwise); why is kept.
    dismissed_reason = models.CharField(_("why dismissed"), max_length=500, blank=True)
    handled_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    handled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("refused report")
        verbose_name_plural = _("refused reports")

    def __str__(self) -> str:
        return f"{self.sender}: {self.subject}"


class AgentNotification(models.Model):
    """Something an agent should know about a ticket (due soon, breached, assigned, the customer replied)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20, choices=TicketEvent.Kind.choices)
    created_at = models.DateTimeField()
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["user", "created_at"], name="notification_unread", condition=Q(read_at__isnull=True))
        ]

    def __str__(self) -> str:
        return f"{self.kind} on #{self.ticket_id} for {self.user_id}"


class Attachment(models.Model):
    """A file that came with a message: kept whatever its type, stored under a generated name."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="attachments")
    original_name = models.CharField(max_length=255)  # shown to people, never used as a path
    stored_name = models.CharField(max_length=64, unique=True)
    content_type = models.CharField(max_length=200)
    size = models.PositiveBigIntegerField()
    # The part's Content-ID in its mail (without <>): the mail's HTML shows it inline as `cid:` (pictures Outlook
    # and Apple Mail put in a reply).
    content_id = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.original_name
