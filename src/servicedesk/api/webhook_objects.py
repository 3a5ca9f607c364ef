"""The objects of webhook events as the API shows them, registered by dotted path with the webhooks app in
`ApiConfig.ready` (the webhooks app must not import the API: it sits below it). Plain values, encoded as the API
encodes its answers (Django's JSON encoder: times to the millisecond)."""

from __future__ import annotations

from servicedesk.api.schemas import InvoiceOut, MessageOut, RefusedReportOut, TicketOut, TimeEntryOut
from servicedesk.billing.models import Invoice
from servicedesk.tickets.models import Message, RefusedReport, Ticket, TimeEntry


def ticket(ticket_id: int) -> dict | None:
    ticket = Ticket.objects.select_related("customer", "reporter", "assignee").filter(pk=ticket_id).first()
    return None if ticket is None else TicketOut.model_validate(ticket).model_dump()


def message(message_id: int) -> dict | None:
    message = (
        Message.objects.select_related("author_contact", "author_user")
        .filter(pk=message_id, kind=Message.Kind.INCOMING)
        .first()
    )
    if message is None:
        return None
    return {"ticket_id": message.ticket_id, **MessageOut.model_validate(message).model_dump()}


def time_entry(entry_id: int) -> dict | None:
    entry = TimeEntry.objects.with_billed().filter(pk=entry_id).first()
    return None if entry is None else TimeEntryOut.from_orm(entry).model_dump()


def invoice(invoice_id: int) -> dict | None:
    invoice = Invoice.objects.filter(pk=invoice_id).first()
    return None if invoice is None else InvoiceOut.from_orm(invoice).model_dump()


def refused_report(report_id: int) -> dict | None:
    report = RefusedReport.objects.filter(pk=report_id).first()
    return None if report is None else RefusedReportOut.from_orm(report).model_dump()
