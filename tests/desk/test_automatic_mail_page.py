"""Agents see automatic mail and bounces on a desk page, each with the headers that showed what it is, read the
mail as it came, and accept a genuine report found among it (issue 25 item 12)."""

from __future__ import annotations

import pytest

from servicedesk.mail.identity import our_message_id
from servicedesk.mail.models import InboundMail
from servicedesk.mail.pipeline import mail_process
from servicedesk.mail.store import mail_store
from servicedesk.outbox.models import OutgoingMessage
from servicedesk.tickets import services
from servicedesk.tickets.models import Ticket
from tests import factories
from tests.helpers import mail

pytestmark = pytest.mark.django_db


def processed(raw: bytes) -> InboundMail:
    stored, _ = mail_store(raw, via="pipe")
    return mail_process(stored)


@pytest.mark.parametrize(
    ("headers", "reason"),
    [
        ("Auto-Submitted: auto-replied\n", "Auto-Submitted: auto-replied"),
        ("Precedence: bulk\n", "Precedence: bulk"),
        ("List-Id: Nieuws <nieuws.korrel.example>\n", "List-Id: Nieuws <nieuws.korrel.example>"),
        ("X-Autoreply: yes\n", "X-Autoreply: yes"),
        ("Return-Path: <>\n", "Return-Path: <>"),
    ],
)
def test_the_reason_is_the_header_that_showed_it(desk, anja, headers, reason):
    kept = processed(headers.encode() + mail("anja@korrel.example", "Nieuwsbrief november"))
    assert kept.status == InboundMail.Status.AUTOMATIC
    assert kept.reason == reason
    assert not Ticket.objects.exists()
    page = desk.get("/desk/mail/automatic/").content.decode()
    assert "Nieuwsbrief november" in page
    assert reason.replace("<", "&lt;").replace(">", "&gt;") in page


def test_an_auto_reply_subject_is_shown_as_the_reason():
    kept = processed(mail("anja@korrel.example", "Automatisch antwoord: Printer"))
    assert kept.reason == "Subject: Automatisch antwoord: Printer"


def test_bounces_are_listed_apart_and_link_their_ticket(desk, anja):
    auto = processed(b"Precedence: bulk\n" + mail("anja@korrel.example", "Nieuwsbrief"))
    ticket = services.ticket_create(reporter=anja, subject="Printer", body="Piept.", channel="email")
    acknowledgement = OutgoingMessage.objects.get(ticket=ticket)
    ours = our_message_id(ticket.pk, acknowledgement.pk)
    text = f"This message was created automatically by mail delivery software.\n\nanja@korrel.example\n{ours}\n"
    bounce = processed(b"Return-Path: <>\n" + mail("MAILER-DAEMON@mx.korrel.example", "Mail delivery failed", text))
    assert bounce.status == InboundMail.Status.BOUNCE and bounce.ticket == ticket
    both = desk.get("/desk/mail/automatic/").content.decode()
    assert f"/desk/mail/{auto.pk}/" in both and f"/desk/mail/{bounce.pk}/" in both
    only_bounces = desk.get("/desk/mail/automatic/?kind=bounce").content.decode()
    assert f"/desk/mail/{bounce.pk}/" in only_bounces and f"/desk/mail/{auto.pk}/" not in only_bounces
    assert f'href="/desk/tickets/{ticket.pk}/"' in only_bounces
    only_automatic = desk.get("/desk/mail/automatic/?kind=automatic").content.decode()
    assert f"/desk/mail/{auto.pk}/" in only_automatic and f"/desk/mail/{bounce.pk}/" not in only_automatic


def test_a_genuine_report_among_automatic_mail_is_read_and_accepted(desk, anja):
    kept = processed(b"Precedence: bulk\n" + mail("anja@korrel.example", "Kassa start niet", "De kassa is stuk."))
    page = desk.get(f"/desk/mail/{kept.pk}/").content.decode()
    assert "De kassa is stuk." in page
    assert "Precedence: bulk" in page
    assert f'<option value="{anja.pk}" selected>' in page
    response = desk.post(f"/desk/mail/{kept.pk}/accept/", {"contact": anja.pk})
    ticket = Ticket.objects.get()
    assert response.url == f"/desk/tickets/{ticket.pk}/"
    assert ticket.reporter == anja and ticket.subject == "Kassa start niet"
    kept.refresh_from_db()
    assert kept.status == InboundMail.Status.PROCESSED and kept.ticket == ticket


def test_the_pages_are_for_agents_only(client, anja):
    kept = processed(b"Precedence: bulk\n" + mail("anja@korrel.example", "Nieuwsbrief"))
    for url in ("/desk/mail/automatic/", f"/desk/mail/{kept.pk}/"):
        assert client.get(url).status_code == 302
    client.force_login(factories.agent("anouk"))
    assert client.get("/desk/mail/999999/").status_code == 404
