"""Outgoing mail through a real SMTP listener: threading headers, automatic marking, retries."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from servicedesk.mail.delivery import deliver_due
from servicedesk.mail.identity import our_message_id, ticket_of_message_id
from servicedesk.mail.parse import parse_mail
from servicedesk.mail.pipeline import mail_process
from servicedesk.mail.route import route_mail
from servicedesk.mail.store import mail_store
from servicedesk.outbox.leases import RETRY_AFTER
from servicedesk.outbox.models import OutgoingMessage
from servicedesk.tickets import services
from tests import factories
from tests.helpers import mail

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def anja():
    return factories.contact(
        factories.customer("Bakkerij De Korrel"), "Anja de Vries", main=True, email="anja@korrel.example"
    )


def test_acknowledgement_is_sent_after_commit_with_threading_headers(smtp, anja):
    stored, _ = mail_store(mail("anja@korrel.example", "Printer piept", Message_ID="<a1@korrel.example>"), via="pipe")
    ticket = mail_process(stored).ticket
    call_command("worker", "--once")
    ((recipients, sent),) = smtp.messages
    assert recipients == ["anja@korrel.example"]
    assert sent["Subject"] == f"[#{ticket.pk}] Uw melding is ontvangen: Printer piept"
    assert sent["Auto-Submitted"] == "auto-replied"
    assert sent["In-Reply-To"] == "<a1@korrel.example>"
    assert ticket_of_message_id(sent["Message-ID"]) == ticket.pk
    assert OutgoingMessage.objects.get().status == OutgoingMessage.Status.SENT


def test_an_agents_reply_is_not_marked_automatic_and_the_answer_threads_back(smtp, anja):
    ticket = services.ticket_create(reporter=anja, subject="Wachtwoord", body="", channel="phone")
    services.ticket_reply(ticket=ticket, actor=factories.agent(), body="Probeer het nu eens.")
    call_command("worker", "--once")
    reply = next(m for _, m in smtp.messages if "Probeer het nu eens." in m.get_content())
    assert reply["Auto-Submitted"] is None
    answer = mail(
        "anja@korrel.example",
        "Re: Wachtwoord",
        "Gelukt!",
        Message_ID="<a5@korrel.example>",
        In_Reply_To=reply["Message-ID"],
    )
    assert route_mail(parse_mail(answer)).ticket == ticket


def test_a_forged_message_id_does_not_thread(anja):
    ticket = services.ticket_create(reporter=anja, subject="x", body="", channel="email")
    genuine = our_message_id(ticket.pk, 1)
    assert ticket_of_message_id(genuine) == ticket.pk
    assert ticket_of_message_id(f"<sd.{ticket.pk}.1.{'0' * 16}@servicedesk.localhost>") is None
    assert ticket_of_message_id(genuine.replace(f"sd.{ticket.pk}.", f"sd.{ticket.pk + 1}.")) is None


def test_delivery_failures_are_recorded_and_retried_with_backoff(settings, anja):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 1, 2  # nobody listens
    ticket = services.ticket_create(reporter=anja, subject="x", body="", channel="email")
    outgoing = OutgoingMessage.objects.get(ticket=ticket)
    for attempt in range(1, len(RETRY_AFTER) + 2):
        moment = timezone.now() + timedelta(hours=attempt)
        assert deliver_due(clock=lambda moment=moment: moment).failed == 1  # once: then it waits for its backoff
        outgoing.refresh_from_db()
        assert outgoing.attempts == attempt and "ConnectionRefusedError" in outgoing.last_error
        assert outgoing.leased_until is None
        if attempt <= len(RETRY_AFTER):
            assert outgoing.next_attempt_at == moment + RETRY_AFTER[attempt - 1]
            halfway = moment + RETRY_AFTER[attempt - 1] / 2
            assert deliver_due(clock=lambda halfway=halfway: halfway).failed == 0
    assert outgoing.status == OutgoingMessage.Status.FAILED
    assert deliver_due(clock=lambda: timezone.now() + timedelta(days=7)).failed == 0  # given up


def test_automatic_mail_is_capped_per_recipient_and_per_ticket(anja):
    from servicedesk.outbox.services import MAX_AUTOMATIC_PER_RECIPIENT, MAX_AUTOMATIC_PER_TICKET, notice_queue

    ticket = services.ticket_create(reporter=anja, subject="Lus", body="", channel="email")  # 1 acknowledgement
    queued = [
        notice_queue(kind="classification", contact=anja, ticket=ticket, context={"reason": "x"})
        for _ in range(MAX_AUTOMATIC_PER_TICKET + 3)
    ]
    assert sum(q is not None for q in queued) == MAX_AUTOMATIC_PER_TICKET - 1
    for i in range(MAX_AUTOMATIC_PER_RECIPIENT + 3):
        services.ticket_create(reporter=anja, subject=f"Lus {i}", body="", channel="email")
    assert OutgoingMessage.objects.filter(to_address=anja.email, automatic=True).count() == MAX_AUTOMATIC_PER_RECIPIENT
    # an agent's own reply is never capped
    assert notice_queue(kind="reply", contact=anja, ticket=ticket, context={"body": "Hallo"}, automatic=False)
    # a report through the portal or by phone is a person's, not a loop: each gets its acknowledgement
    for channel in ("portal", "phone", "portal"):
        reported = services.ticket_create(reporter=anja, subject=f"Via {channel}", body="", channel=channel)
        assert OutgoingMessage.objects.filter(ticket=reported, kind="acknowledgement").count() == 1
    assert services.ticket_create(reporter=anja, subject="Lus", body="", channel="email").outgoing_messages.count() == 0


def test_plain_text_mail_is_not_html_escaped():
    customer = factories.customer("Jansen & Zn")
    contact = factories.contact(customer, "Jan <de Baas> & Zn", main=True, email="jan@jansen.example")
    ticket = services.ticket_create(reporter=contact, subject='Printer "Kantoor" & co', body="", channel="email")
    ack = OutgoingMessage.objects.get(ticket=ticket, kind="acknowledgement")
    assert "Jan <de Baas> & Zn" in ack.body and 'Printer "Kantoor" & co' in ack.subject
    assert "&amp;" not in ack.body + ack.subject and "&quot;" not in ack.subject and "&lt;" not in ack.body


def test_mail_claimed_by_another_worker_waits_for_its_lease(smtp, anja):
    from servicedesk.outbox.leases import outgoing_claim_due

    ticket = services.ticket_create(reporter=anja, subject="Printer", body="", channel="email")
    now = timezone.now()
    (claimed,) = outgoing_claim_due(now=now, limit=10, lease=timedelta(minutes=2))  # a worker that then died
    assert deliver_due(clock=lambda: now + timedelta(minutes=1)).sent == 0
    assert deliver_due(clock=lambda: now + timedelta(minutes=3)).sent == 1
    ((_, sent),) = smtp.messages
    assert sent["Message-ID"] == our_message_id(ticket.pk, claimed.pk)
    claimed.refresh_from_db()
    assert claimed.status == OutgoingMessage.Status.SENT and claimed.leased_until is None and claimed.attempts == 1


def test_a_stopping_worker_finishes_the_message_in_hand_and_gives_the_rest_back(smtp, anja):
    for n in range(3):
        services.ticket_create(reporter=anja, subject=f"Storing {n}", body="", channel="phone")
    asked = []

    def stopping() -> bool:
        asked.append(1)
        return len(asked) > 2  # once before the batch, once before the first message; then stop

    assert deliver_due(stopping=stopping).sent == 1
    assert len(smtp.messages) == 1
    queued = OutgoingMessage.objects.filter(status=OutgoingMessage.Status.QUEUED)
    assert queued.count() == 2 and not queued.exclude(leased_until=None).exists()  # another worker may take them
    assert deliver_due().sent == 2
