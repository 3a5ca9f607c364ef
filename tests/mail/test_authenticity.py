"""Spoofed authorised senders: with our mail server's authserv-id configured, only dmarc=pass makes a ticket."""

from __future__ import annotations

import pytest

from servicedesk.mail.authenticity import dmarc_problem
from servicedesk.mail.models import InboundMail
from servicedesk.mail.parse import parse_mail
from servicedesk.mail.pipeline import mail_process
from servicedesk.mail.store import mail_store
from servicedesk.outbox.models import OutgoingMessage
from servicedesk.tickets.models import RefusedReport, Ticket
from tests import factories
from tests.helpers import OUR_AUTHSERV_ID, mail, verdict

pytestmark = pytest.mark.django_db

OURS = OUR_AUTHSERV_ID


@pytest.fixture(autouse=True)
def authserv(settings):
    settings.SERVICEDESK_AUTHSERV_ID = OURS


@pytest.fixture
def anja():
    return factories.contact(factories.customer(), "Anja", main=True, email="anja@korrel.example")


@pytest.mark.parametrize(
    ("headers", "problem"),
    [
        ([verdict("pass")], None),
        ([verdict("fail")], "DMARC fail for korrel.example"),
        ([verdict("pass", domain="elders.example")], "DMARC pass for elders.example"),
        ([], f"no Authentication-Results from {OURS}"),
        ([verdict("pass", server="mx.boef.example")], f"no Authentication-Results from {OURS}"),
        # only the topmost header of our server counts; a forged one below it is ignored
        ([verdict("fail"), verdict("pass")], "DMARC fail for korrel.example"),
    ],
    ids=["pass", "fail", "other-domain", "none", "other-server", "topmost-counts"],
)
def test_dmarc_verdicts(headers, problem):
    raw = mail("anja@korrel.example", "x")
    head, body = raw.split(b"\n\n", 1)
    extra = b"".join(f"Authentication-Results: {h}\n".encode() for h in headers)
    parsed = parse_mail(extra + head + b"\n\n" + body)
    assert dmarc_problem(parsed.authentication_results, "anja@korrel.example") == problem


def test_a_spoofed_authorised_sender_is_held_without_ticket_or_notice(anja):
    raw = mail("anja@korrel.example", "Betaal factuur", Message_ID="<s1@boef.example>")
    raw = f"Authentication-Results: {verdict('fail')}\n".encode() + raw
    stored, _ = mail_store(raw, via="pipe")
    held = mail_process(stored)
    assert held.status == InboundMail.Status.HELD and "DMARC fail" in held.reason
    assert not Ticket.objects.exists() and not RefusedReport.objects.exists() and not OutgoingMessage.objects.exists()


def test_an_authenticated_mail_makes_its_ticket(anja):
    raw = f"Authentication-Results: {verdict('pass')}\n".encode() + mail("anja@korrel.example", "Echt")
    stored, _ = mail_store(raw, via="pipe")
    assert mail_process(stored).ticket.subject == "Echt"
