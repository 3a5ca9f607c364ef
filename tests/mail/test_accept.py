"""Agents accept held mail (checked to be genuine) and refused mail as tickets for a contact they choose."""

from __future__ import annotations

from email.message import EmailMessage

import pytest

from servicedesk.mail.models import InboundMail
from servicedesk.mail.pipeline import mail_process
from servicedesk.mail.store import mail_store
from servicedesk.outbox.models import OutgoingMessage
from servicedesk.tickets.models import RefusedReport, Ticket
from tests import factories
from tests.helpers import mail, verdict

pytestmark = pytest.mark.django_db


def with_attachment(sender: str, subject: str) -> bytes:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = sender, "servicedesk@qiqq.example", subject
    message["Message-ID"] = f"<{subject.replace(' ', '-')}@x.example>"
    message.set_content("Zie de bijlage.")
    message.add_alternative("<p>Zie de <b>bijlage</b>.<script>alert(1)</script></p>", subtype="html")
    message.add_attachment(b"datum;bedrag\n2026-11-01;12,50\n", maintype="text", subtype="csv", filename="omzet.csv")
    return bytes(message)


def processed(raw: bytes) -> InboundMail:
    stored, _ = mail_store(raw, via="pipe")
    return mail_process(stored)


def test_held_mail_is_accepted_for_the_sender_with_its_attachments(desk, anja, settings):
    settings.SERVICEDESK_AUTHSERV_ID = "mx.qiqq.example"
    raw = f"Authentication-Results: {verdict('none')}\n".encode() + with_attachment("anja@korrel.example", "Omzet")
    held = processed(raw)
    assert held.status == "held"
    page = desk.get("/desk/mail/quarantine/").content.decode()
    assert f'action="/desk/mail/{held.pk}/accept/"' in page
    assert f'<option value="{anja.pk}" selected>' in page
    response = desk.post(f"/desk/mail/{held.pk}/accept/", {"contact": anja.pk})
    ticket = Ticket.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/desk/tickets/{ticket.pk}/"
    assert (ticket.reporter, ticket.subject, ticket.channel) == (anja, "Omzet", "email")
    first = ticket.messages.get()
    assert [a.original_name for a in first.attachments.all()] == ["omzet.csv"]
    assert "<b>bijlage</b>" in first.body_html and "script" not in first.body_html
    held.refresh_from_db()
    assert held.status == "processed" and held.ticket == ticket and "anouk" in held.reason
    # the acknowledgement goes to the contact now that the mail is accepted
    assert OutgoingMessage.objects.filter(ticket=ticket, kind="acknowledgement").exists()
    again = desk.post(f"/desk/mail/{held.pk}/accept/", {"contact": anja.pk}, follow=True)
    assert Ticket.objects.count() == 1
    assert "al afgehandeld" in again.content.decode() or "already handled" in again.content.decode()


def test_refused_mail_is_accepted_for_a_chosen_colleague_with_attachments(desk, korrel, anja):
    bert = factories.contact(korrel, "Bert", email="bert@korrel.example", may_report=False)
    refused = processed(with_attachment("bert@korrel.example", "Kassa stuk"))
    assert refused.status == "refused" and refused.refused_report.contact == bert
    response = desk.post(f"/desk/refused/{refused.refused_report.pk}/accept/", {"contact": anja.pk})
    assert response.status_code == 302
    ticket = Ticket.objects.get()
    assert ticket.reporter == anja
    assert [a.original_name for a in ticket.messages.get().attachments.all()] == ["omzet.csv"]
    report = RefusedReport.objects.get()
    assert report.accepted_ticket == ticket
    refused.refresh_from_db()
    assert refused.status == "processed" and refused.ticket == ticket


def test_a_contact_who_may_not_report_cannot_be_chosen(desk, korrel, anja):
    bert = factories.contact(korrel, "Bert", email="bert@korrel.example", may_report=False)
    refused = processed(mail("bert@korrel.example", "Kassa"))
    page = desk.post(f"/desk/refused/{refused.refused_report.pk}/accept/", {"contact": bert.pk}, follow=True)
    assert "Bert" in page.content.decode()
    assert not Ticket.objects.exists()
    refused.refresh_from_db()
    assert refused.status == "refused"


def test_our_control_headers_in_incoming_mail_are_ignored(anja):
    raw = mail(
        "anja@korrel.example",
        "Gewoon een vraag",
        X_Servicedesk_Ticket="1",
        X_Servicedesk_Priority="direct",
        X_Servicedesk_Support_Type="managed",
        Auto_Submitted="no",
    )
    other = factories.contact(factories.customer("Ander"), "Piet", main=True, email="piet@ander.example")
    from servicedesk.tickets import services

    earlier = services.ticket_create(reporter=other, subject="Eerder", body="", channel="email")
    result = processed(raw)
    ticket = result.ticket
    assert ticket != earlier and ticket.reporter == anja
    assert (ticket.priority, ticket.support_type) == ("standard", "functional")  # as any e-mail starts
