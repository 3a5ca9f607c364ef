"""The Cc of a reporter's mail is kept on the ticket: its contacts are copied on the acknowledgement and the
replies (through a real SMTP listener); other addresses are shown, never mailed (issue 25 item 13)."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.test import Client

from servicedesk.mail.pipeline import mail_process
from servicedesk.mail.store import mail_store
from servicedesk.tickets import services
from tests import factories
from tests.helpers import mail, portal_signed_in

pytestmark = pytest.mark.django_db(transaction=True)
CC = '"Piet Jansen" <Piet@Korrel.example>, kees@elders.example, "Oud" <oud@korrel.example>, servicedesk@localhost'


@pytest.fixture
def piet(korrel):
    return factories.contact(korrel, "Piet Jansen", email="piet@korrel.example", may_report=False)


@pytest.fixture
def oud(korrel):
    old = factories.contact(korrel, "Oud", email="oud@korrel.example")
    old.active = False  # left the company
    old.save(update_fields=["active"])
    return old


@pytest.fixture
def stranger():  # a contact of another customer: never copied on this customer's mail
    return factories.contact(factories.customer("Elders"), "Kees", email="kees@elders.example")


def reported(**headers):
    stored, _ = mail_store(mail("anja@korrel.example", "Kassa", "De kassa is stuk.", **headers), via="pipe")
    return mail_process(stored).ticket


def test_the_cc_is_kept_and_its_contacts_get_the_acknowledgement_and_replies(smtp, anja, piet, oud, stranger):
    ticket = reported(Cc=CC)
    copies = {c.address.lower(): c.contact for c in ticket.copies.all()}
    assert copies == {"piet@korrel.example": piet, "kees@elders.example": None, "oud@korrel.example": None}
    services.ticket_reply(ticket=ticket, actor=factories.agent(), body="De kassa doet het weer.")
    call_command("worker", "--once")
    sent = {m["Subject"]: (recipients, m) for recipients, m in smtp.messages}
    assert len(sent) == 2
    for recipients, message in sent.values():
        assert sorted(recipients) == ["anja@korrel.example", "piet@korrel.example"]
        assert message["To"] == "Anja <anja@korrel.example>"
        assert message["Cc"] == "Piet Jansen <piet@korrel.example>"


def test_the_copies_are_shown_to_agents_and_the_customer(anja, piet, stranger):
    ticket = reported(Cc=CC)
    agent = factories.agent("anouk")
    desk = Client()
    desk.force_login(agent)
    for client, url in ((desk, f"/desk/tickets/{ticket.pk}/"), (portal_signed_in(Client(), anja, agent), None)):
        page = client.get(url or f"/portal/tickets/{ticket.pk}/").content.decode()
        assert "In kopie (Cc)" in page and "piet@korrel.example" in page.lower()
        assert "kees@elders.example" in page and "krijgt geen mail van de servicedesk" in page


def test_a_mail_without_cc_copies_nobody(smtp, anja, piet):
    ticket = reported()
    assert not ticket.copies.exists()
    call_command("worker", "--once")
    ((recipients, message),) = smtp.messages
    assert recipients == ["anja@korrel.example"] and message["Cc"] is None


def test_an_ambiguous_cc_address_is_left_out(anja, piet):
    ticket = reported(Cc='"piet@korrel.example" <aanvaller@kwaad.example>, a@b@korrel.example')
    assert [c.address for c in ticket.copies.all()] == []
