"""Another system answering every mail without marking it automatic cannot flood the desk: past a cap of new
tickets per sender in a window, mails are added to that sender's latest ticket and the agents are told once
(issue 25 item 29)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from servicedesk.mail.models import InboundMail
from servicedesk.mail.pipeline import mail_process, mails_process
from servicedesk.mail.store import mail_store
from servicedesk.tickets.models import AgentNotification, Message, Ticket, TicketEvent
from tests import factories
from tests.helpers import mail

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def cap(settings):
    settings.SERVICEDESK_MAIL_TICKETS_PER_SENDER = 5
    settings.SERVICEDESK_MAIL_WINDOW_MINUTES = 10


def looping(n: int, start: int = 0) -> list[bytes]:
    return [
        mail("anja@korrel.example", f"We received your message {i}", f"Ticket {i} ontvangen.")
        for i in range(start, start + n)
    ]


def test_thirty_mails_one_at_a_time_open_five_tickets(anja):
    agents = [factories.agent("anouk"), factories.agent("bert")]
    results = [mail_process(mail_store(raw, via="pipe")[0]) for raw in looping(30)]
    tickets = list(Ticket.objects.order_by("id"))
    assert len(tickets) == 5
    latest = tickets[-1]
    assert all(r.status == InboundMail.Status.PROCESSED for r in results)
    assert [r.ticket for r in results[5:]] == [latest] * 25
    assert latest.messages.filter(kind=Message.Kind.INCOMING).count() == 26
    assert "Ticket 29 ontvangen." in latest.messages.order_by("id").last().body
    loop = TicketEvent.objects.get(kind=TicketEvent.Kind.MAIL_LOOP)
    assert loop.ticket == latest and loop.new_value == "anja@korrel.example"
    told = AgentNotification.objects.filter(kind=TicketEvent.Kind.MAIL_LOOP)
    assert {n.user for n in told} == set(agents) and len(told) == 2 and {n.ticket for n in told} == {latest}


def test_a_batch_stored_together_is_capped_too(anja):
    factories.agent("anouk")
    for raw in looping(12):
        mail_store(raw, via="lmtp")
    mails_process(list(InboundMail.objects.filter(status=InboundMail.Status.STORED).order_by("id")))
    assert Ticket.objects.count() == 5
    assert Ticket.objects.order_by("id").last().messages.count() == 8
    assert AgentNotification.objects.filter(kind=TicketEvent.Kind.MAIL_LOOP).count() == 1


def test_the_assignee_alone_is_told_and_only_once(anja):
    anouk, bert = factories.agent("anouk"), factories.agent("bert")
    for raw in looping(5):
        mail_process(mail_store(raw, via="pipe")[0])
    latest = Ticket.objects.order_by("id").last()
    latest.assignee = bert
    latest.save(update_fields=["assignee"])
    for raw in looping(10, start=5):
        mail_process(mail_store(raw, via="pipe")[0])
    assert [(n.user, n.ticket) for n in AgentNotification.objects.filter(kind="mail_loop")] == [(bert, latest)]
    assert not AgentNotification.objects.filter(user=anouk).exists()


def test_after_the_window_a_new_ticket_may_be_opened_again(anja):
    past = timezone.now() - timedelta(minutes=11)
    for raw in looping(5):
        stored, _ = mail_store(raw, via="pipe")
        mail_process(stored, now=past)
    mail_process(mail_store(looping(1, start=5)[0], via="pipe")[0])
    assert Ticket.objects.count() == 6
    assert not TicketEvent.objects.filter(kind=TicketEvent.Kind.MAIL_LOOP).exists()


def test_the_loop_reads_as_a_sentence_to_agents(client, anja):
    client.force_login(factories.agent("anouk"))
    for raw in looping(6):
        mail_process(mail_store(raw, via="pipe")[0])
    latest = Ticket.objects.order_by("id").last()
    page = client.get(f"/desk/tickets/{latest.pk}/").content.decode()
    assert "stuurde meer nieuwe tickets dan een mens zou doen" in page
