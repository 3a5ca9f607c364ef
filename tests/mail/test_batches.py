"""Stored mail processed in batches: one transaction, new tickets written a statement per table for all, the
same results as mail by mail; a bad mail quarantined without holding up the others."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from servicedesk.mail import apply, pipeline
from servicedesk.mail.models import InboundMail
from servicedesk.mail.pipeline import mails_process
from servicedesk.mail.store import mail_store
from servicedesk.outbox.models import OutgoingMessage
from servicedesk.outbox.services import MAX_AUTOMATIC_PER_RECIPIENT
from servicedesk.tickets import services
from servicedesk.tickets.models import Message, RefusedReport, Ticket, TicketEvent
from tests import factories
from tests.helpers import mail

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def korrel():
    customer = factories.customer("Bakkerij De Korrel")
    return {
        "anja": factories.contact(customer, "Anja de Vries", main=True, email="anja@korrel.example"),
        "piet": factories.contact(customer, "Piet Jansen", email="piet@korrel.example", may_report=True),
        "kees": factories.contact(customer, "Kees Bos", email="kees@korrel.example", may_report=False),
    }


def stored(*raws: bytes) -> list[InboundMail]:
    return [mail_store(raw, via="lmtp")[0] for raw in raws]


def test_a_mixed_batch_gets_what_each_mail_would_get_alone(korrel):
    earlier = services.ticket_create(reporter=korrel["piet"], subject="Scanner", body="Kapot.", channel="email")
    mails = stored(
        mail("anja@korrel.example", "Printer piept", Message_ID="<n1@korrel.example>"),
        mail("piet@korrel.example", f"Re: [#{earlier.pk}] Scanner", Message_ID="<r1@korrel.example>"),
        # answers the mail just before, itself a reply: that one's result must be written first
        mail("piet@korrel.example", "Nog iets", Message_ID="<r2@korrel.example>", In_Reply_To="<r1@korrel.example>"),
        mail("onbekend@elders.example", "Wie ben ik", Message_ID="<u1@elders.example>"),
        mail("kees@korrel.example", "Mag ik niet", Message_ID="<k1@korrel.example>"),
        mail("anja@korrel.example", "Afwezig", Message_ID="<o1@korrel.example>", Auto_Submitted="auto-replied"),
        # answers the first mail of this very batch: that ticket must exist before this one is routed
        mail("anja@korrel.example", "Aanvulling", Message_ID="<n2@korrel.example>", In_Reply_To="<n1@korrel.example>"),
        mail("piet@korrel.example", "Wifi valt weg", Message_ID="<n3@korrel.example>"),
    )
    results = mails_process(mails)
    assert [m.status for m in results] == [
        "processed",
        "processed",
        "processed",
        "refused",
        "refused",
        "automatic",
        "processed",
        "processed",
    ]
    printer, wifi = Ticket.objects.get(subject="Printer piept"), Ticket.objects.get(subject="Wifi valt weg")
    assert [m.ticket for m in results] == [printer, earlier, earlier, None, None, None, printer, wifi]
    assert printer.pk < wifi.pk  # numbered in the order the mails came
    assert list(printer.messages.values_list("body", flat=True)) == [
        "Hallo,\n\nDe printer piept.",
        "Hallo,\n\nDe printer piept.",
    ]
    assert earlier.messages.count() == 3
    assert RefusedReport.objects.count() == 2
    assert TicketEvent.objects.filter(kind="created").count() == 3  # the earlier ticket, printer, wifi
    acknowledged = set(OutgoingMessage.objects.filter(kind="acknowledgement").values_list("ticket", flat=True))
    assert acknowledged == {earlier.pk, printer.pk, wifi.pk}
    assert all(m.processed_at is not None and m.attempts == 1 for m in InboundMail.objects.all())


def test_new_tickets_of_a_batch_cost_a_statement_per_table_and_one_per_mail_result(korrel):
    def statements(count: int, tag: str) -> int:
        mails = stored(
            *(mail("anja@korrel.example", f"Melding {tag}{i}", Message_ID=f"<{tag}{i}@k>") for i in range(count))
        )
        with CaptureQueriesContext(connection) as queries:
            mails_process(mails)
        assert InboundMail.objects.filter(status="processed", subject__startswith=f"Melding {tag}").count() == count
        return len(queries)

    # Anja is capped at 10 acknowledgements an hour (loop protection); use the same number in both runs. Tickets,
    # messages, events and notices are a statement per table for all; each mail's result is one of its own.
    few = statements(3, "a")
    assert statements(30, "b") - few == 30 - 3


def test_the_hourly_cap_counts_the_mails_of_the_batch_itself(korrel):
    mails = stored(*(mail("anja@korrel.example", f"Melding {i}", Message_ID=f"<c{i}@k>") for i in range(14)))
    mails_process(mails)
    assert Ticket.objects.count() == 14
    assert OutgoingMessage.objects.filter(kind="acknowledgement").count() == MAX_AUTOMATIC_PER_RECIPIENT


def test_a_mail_that_fails_is_quarantined_and_the_rest_of_its_batch_is_processed(korrel, monkeypatch):
    real = apply.keep_attachments

    def fails_for_one(messages, now):
        if any("Kapotte bijlage" in message.ticket.subject for message, _parsed in messages):
            raise OSError("disk full")
        real(messages, now)

    monkeypatch.setattr(apply, "keep_attachments", fails_for_one)
    mails = stored(
        mail("anja@korrel.example", "Eerste", Message_ID="<f1@k>"),
        mail("anja@korrel.example", "Kapotte bijlage", Message_ID="<f2@k>"),
        mail("piet@korrel.example", "Derde", Message_ID="<f3@k>"),
    )
    results = mails_process(mails)
    assert [m.status for m in results] == ["processed", "quarantined", "processed"]
    assert results[1].reason == "OSError: disk full" and results[1].attempts == 1
    assert sorted(Ticket.objects.values_list("subject", flat=True)) == ["Derde", "Eerste"]
    assert Message.objects.count() == 2
    monkeypatch.setattr(apply, "keep_attachments", real)
    assert mails_process([results[1]])[0].status == "processed"


def test_a_mail_that_cannot_be_parsed_is_quarantined_within_its_batch(korrel, monkeypatch):
    real = pipeline.parse_mail

    def parse(raw: bytes):
        if b"Onleesbaar" in raw:
            raise ValueError("no idea what this is")
        return real(raw)

    monkeypatch.setattr(pipeline, "parse_mail", parse)
    results = mails_process(
        stored(
            mail("anja@korrel.example", "Leesbaar", Message_ID="<p1@k>"),
            mail("anja@korrel.example", "Onleesbaar", Message_ID="<p2@k>"),
        )
    )
    assert [(m.status, m.reason) for m in results] == [
        ("processed", ""),
        ("quarantined", "ValueError: no idea what this is"),
    ]


def test_a_mail_processed_meanwhile_is_left_as_it_is(korrel):
    first, second = stored(
        mail("anja@korrel.example", "Een", Message_ID="<d1@k>"),
        mail("anja@korrel.example", "Twee", Message_ID="<d2@k>"),
    )
    mails_process([first])
    results = mails_process([first, second])  # first again: a second worker had it too
    assert [m.status for m in results] == ["processed", "processed"]
    assert Ticket.objects.count() == 2
    assert InboundMail.objects.get(pk=first.pk).attempts == 1


def test_senders_and_threads_are_read_before_the_write_transaction(korrel):
    """On SQLite the batch's transaction holds the database's one write lock, for which the listener's store
    waits: who sent the mails and which tickets they answer are read before it; inside it only the mails are
    locked, the hourly caps counted and the rows written."""
    earlier = services.ticket_create(reporter=korrel["piet"], subject="Scanner", body="Kapot.", channel="email")
    mails = stored(
        mail("anja@korrel.example", "Printer piept", Message_ID="<t1@korrel.example>"),
        mail("piet@korrel.example", f"Re: [#{earlier.pk}] Scanner", Message_ID="<t2@korrel.example>"),
        mail("piet@korrel.example", "Nog iets", Message_ID="<t3@korrel.example>", In_Reply_To="<t2@korrel.example>"),
    )
    seen: list[tuple[bool, str]] = []

    def record(execute, sql, *args):
        seen.append((connection.in_atomic_block, sql))
        return execute(sql, *args)

    with connection.execute_wrapper(record):
        results = mails_process(mails)
    assert [m.ticket_id for m in results][1:] == [earlier.pk, earlier.pk]  # the reply to a reply: threaded
    inside = [sql for atomic, sql in seen if atomic]
    outside = [sql for atomic, sql in seen if not atomic]

    def sender_or_thread_lookup(sql: str) -> bool:
        # the senders (Contact), the earlier mails they answer (by Message-ID, with their tickets)
        return 'FROM "customers_contact"' in sql or ('FROM "mail_inboundmail"' in sql and '"message_id"' in sql)

    # both rounds look up their senders (the reply to a reply waits for the next), the second what it answers
    assert sum(map(sender_or_thread_lookup, outside)) == 3
    assert not any(map(sender_or_thread_lookup, inside)), inside


def test_a_chain_of_replies_in_one_batch_lands_on_one_ticket(korrel):
    """Each mail answers the one before it, all stored before any is processed: every one waits for the round
    that writes what it answers, and all of them end on the first mail's ticket."""
    chain = [mail("anja@korrel.example", "Server traag", Message_ID="<chain0@korrel.example>")]
    chain += [
        mail(
            "anja@korrel.example",
            f"Re: Server traag ({n})",
            Message_ID=f"<chain{n}@korrel.example>",
            In_Reply_To=f"<chain{n - 1}@korrel.example>",
        )
        for n in range(1, 40)
    ]
    results = mails_process(stored(*chain))
    ticket = Ticket.objects.get(subject="Server traag")
    assert [m.status for m in results] == ["processed"] * 40
    assert {m.ticket_id for m in results} == {ticket.pk} and ticket.messages.count() == 40
    assert Ticket.objects.count() == 1


def test_a_mail_that_cannot_be_routed_is_quarantined_with_its_sender_and_subject(korrel, monkeypatch):
    real = pipeline.route_mail

    def route(parsed, **kwargs):
        if parsed.subject == "Onroutebaar":
            raise LookupError("no route")
        return real(parsed, **kwargs)

    monkeypatch.setattr(pipeline, "route_mail", route)
    results = mails_process(
        stored(
            mail("anja@korrel.example", "Onroutebaar", Message_ID="<q1@k>"),
            mail("piet@korrel.example", "Gewoon", Message_ID="<q2@k>"),
        )
    )
    assert [(m.status, m.reason, m.sender, m.subject) for m in results] == [
        ("quarantined", "LookupError: no route", "anja@korrel.example", "Onroutebaar"),
        ("processed", "", "piet@korrel.example", "Gewoon"),
    ]
    assert InboundMail.objects.get(pk=results[0].pk).sender == "anja@korrel.example"


NUL_MAILS = {
    "subject": b"Subject: =?utf-8?q?Printer=00kapot?=\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nHallo.\r\n",
    "body": b"Subject: Printer kapot\r\nContent-Type: text/plain; charset=utf-8\r\n"
    b"Content-Transfer-Encoding: quoted-printable\r\n\r\nHallo=00daar.\r\n",
    "attachment name": b"Subject: Printer kapot\r\nMIME-Version: 1.0\r\n"
    b'Content-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nZie bijlage.\r\n'
    b"--b\r\nContent-Type: application/pdf\r\n"
    b'Content-Disposition: attachment; filename="=?utf-8?q?scan=00.pdf?="\r\n'
    b"Content-Transfer-Encoding: base64\r\n\r\nJVBERi0=\r\n--b--\r\n",
}


@pytest.mark.parametrize("where", list(NUL_MAILS))
def test_a_mail_with_a_nul_character_becomes_a_ticket_with_a_replacement_character(korrel, where):
    """PostgreSQL stores no NUL in text: such a mail was quarantined there. Its NULs become U+FFFD."""
    head = b"From: anja@korrel.example\r\nTo: servicedesk@qiqq.example\r\nMessage-ID: <nul@k>\r\n"
    [result] = mails_process(stored(head + NUL_MAILS[where]))
    assert (result.status, result.reason) == ("processed", "")
    ticket = Ticket.objects.get(pk=result.ticket_id)
    message = ticket.messages.get()
    texts = [ticket.subject, result.subject, message.body, *message.attachments.values_list("original_name", flat=True)]
    assert not any("\x00" in text for text in texts)
    assert any("\ufffd" in text for text in texts)
