"""Every write to a ticket: one function per business verb, in a transaction, with its audit event.

Notices to customers are queued in the outbox inside the same transaction, so they exist only if the change
commits. The verbs are grouped by what they do to a ticket; callers use them from here.
"""

from servicedesk.tickets.services.conversation import (
    NewMessage,
    messages_add,
    ticket_add_message,
    ticket_note,
    ticket_reply,
)
from servicedesk.tickets.services.reporting import (
    NewTicket,
    ReportRefused,
    new_ticket,
    report_accept,
    report_dismiss,
    report_refuse,
    ticket_create,
    ticket_open,
    tickets_open,
)
from servicedesk.tickets.services.time_entries import time_entry_add, time_entry_correct
from servicedesk.tickets.services.workflow import (
    KEEP,
    ticket_assign,
    ticket_classify,
    ticket_close,
    ticket_mail_bounced,
    ticket_mail_loop,
    ticket_rate_notice,
    ticket_reopen,
    ticket_respond,
    ticket_set_status,
)

__all__ = [
    "KEEP",
    "NewMessage",
    "NewTicket",
    "ReportRefused",
    "messages_add",
    "new_ticket",
    "report_accept",
    "report_dismiss",
    "report_refuse",
    "ticket_add_message",
    "ticket_assign",
    "ticket_classify",
    "ticket_close",
    "ticket_create",
    "ticket_mail_bounced",
    "ticket_mail_loop",
    "ticket_note",
    "ticket_open",
    "ticket_rate_notice",
    "ticket_reopen",
    "ticket_reply",
    "ticket_respond",
    "ticket_set_status",
    "tickets_open",
    "time_entry_add",
    "time_entry_correct",
]
