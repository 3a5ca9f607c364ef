"""IMAP intake against a real Dovecot: fetch, store, process, and only then move; IDLE, polling, faults."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest
from django.db import OperationalError

from servicedesk.mail import imap
from servicedesk.mail.intake import mails_receive
from servicedesk.mail.models import InboundMail, Mailbox
from servicedesk.tickets.models import Message, RefusedReport, Ticket
from tests import factories
from tests.helpers import database_url, mail

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def anja():
    return factories.contact(factories.customer(), "Anja de Vries", main=True, email="anja@korrel.example")


def wait_for(condition, *, seconds: float = 30, what: str = "condition"):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def one_round(mailbox: Mailbox, **kwargs) -> imap.RoundResult:
    client = imap.connect(mailbox)
    try:
        return imap.fetch_round(client, mailbox, **kwargs)
    finally:
        client.logout()


def test_a_round_stores_processes_then_moves(anja, imap_account, mailbox_for):
    mailbox = mailbox_for()
    imap_account.deliver(
        mail("anja@korrel.example", "Printer piept", Message_ID="<i1@korrel.example>"),
        mail("onbekend@elders.example", "Mag ik iets vragen", Message_ID="<i2@elders.example>"),
    )
    result = one_round(mailbox)
    assert (result.received, result.redelivered) == (2, 0)
    ticket = Ticket.objects.get()
    assert (ticket.reporter, ticket.subject, ticket.channel) == (anja, "Printer piept", "email")
    assert RefusedReport.objects.get().sender == "onbekend@elders.example"
    assert set(InboundMail.objects.values_list("via", "mailbox")) == {("imap", mailbox.pk)}
    assert imap_account.uids("INBOX") == []
    moved = imap_account.flags("Verwerkt")
    assert len(moved) == 2
    # Fetched with BODY.PEEK[]: reading them did not mark them as read.
    assert not any(b"\\Seen" in flags for flags in moved.values())
    assert Mailbox.objects.get().last_error == ""


def test_without_processed_folder_mail_stays_flagged_and_is_not_read_twice(anja, imap_account, mailbox_for):
    mailbox = mailbox_for(processed_folder="")
    imap_account.deliver(mail("anja@korrel.example", "Scanner", Message_ID="<f1@korrel.example>"))
    assert one_round(mailbox).received == 1
    (flags,) = imap_account.flags("INBOX").values()
    assert imap.DONE_FLAG in flags
    imap_account.deliver(mail("anja@korrel.example", "Tweede", Message_ID="<f2@korrel.example>"))
    second = one_round(mailbox)
    assert (second.received, second.redelivered) == (1, 0)
    assert Ticket.objects.count() == 2


def test_a_reply_by_imap_lands_on_its_ticket(anja, imap_account, mailbox_for):
    mailbox = mailbox_for()
    imap_account.deliver(mail("anja@korrel.example", "Printer piept", Message_ID="<t1@korrel.example>"))
    one_round(mailbox)
    ticket = Ticket.objects.get()
    imap_account.deliver(
        mail(
            "anja@korrel.example",
            "Re: Printer piept",
            "Hij doet het weer niet.",
            Message_ID="<t2@korrel.example>",
            In_Reply_To="<t1@korrel.example>",
        )
    )
    one_round(mailbox)
    assert Ticket.objects.count() == 1
    assert ticket.messages.count() == 2


def test_crash_after_commit_before_the_move_makes_no_duplicate(anja, imap_account, mailbox_for, monkeypatch):
    mailbox = mailbox_for()
    imap_account.deliver(mail("anja@korrel.example", "Netwerk traag", Message_ID="<c1@korrel.example>"))

    def crash(*args, **kwargs):
        raise ConnectionResetError("worker lost its connection before the move")

    with monkeypatch.context() as patched:
        patched.setattr(imap, "_set_aside", crash)
        with pytest.raises(ConnectionResetError):
            one_round(mailbox)
    assert Ticket.objects.count() == 1
    assert len(imap_account.uids("INBOX")) == 1  # still there: the move never happened
    again = one_round(mailbox)
    assert (again.received, again.redelivered) == (0, 1)
    assert Ticket.objects.count() == 1
    assert InboundMail.objects.count() == 1
    assert imap_account.uids("INBOX") == []


def test_database_gone_mid_batch_leaves_the_rest_in_the_mailbox(anja, imap_account, mailbox_for, monkeypatch):
    mailbox = mailbox_for()
    imap_account.deliver(
        *[mail("anja@korrel.example", f"Melding {n}", Message_ID=f"<d{n}@k.example>") for n in range(5)]
    )
    monkeypatch.setattr(imap, "BATCH", 2)  # rounds of 2, 2 and 1 mails
    calls = []

    def database_goes_away(raws, *, via):
        calls.append(raws)
        if len(calls) > 1:
            raise OperationalError("connection to server was lost")
        return mails_receive(raws, via=via)

    with pytest.raises(OperationalError):
        one_round(mailbox, receive=database_goes_away)
    assert Ticket.objects.count() == 2
    assert len(imap_account.uids("INBOX")) == 3  # the committed two were moved, the rest wait
    assert len(imap_account.uids("Verwerkt")) == 2
    result = one_round(mailbox)  # the database is back
    assert result.received == 3
    assert sorted(Ticket.objects.values_list("subject", flat=True)) == [f"Melding {n}" for n in range(5)]
    assert imap_account.uids("INBOX") == []


def test_too_large_mail_stays_and_is_reported(anja, imap_account, mailbox_for, monkeypatch):
    monkeypatch.setattr(imap, "MAX_SIZE", 5_000)
    mailbox = mailbox_for()
    imap_account.deliver(
        mail("anja@korrel.example", "Groot", "x" * 10_000, Message_ID="<big@k.example>"),
        mail("anja@korrel.example", "Klein", Message_ID="<small@k.example>"),
    )
    result = one_round(mailbox)
    assert (result.received, result.too_large) == (1, 1)
    assert Ticket.objects.get().subject == "Klein"
    assert len(imap_account.uids("INBOX")) == 1
    assert "over 5000 bytes" in Mailbox.objects.get().last_error


def test_reader_backs_off_and_reconnects_when_reconfigured(anja, imap_account, mailbox_for):
    mailbox = mailbox_for(port=1, use_idle=False, poll_seconds=1)
    imap_account.deliver(mail("anja@korrel.example", "Na herstel", Message_ID="<r1@k.example>"))
    reader = imap.MailboxReader(mailbox.pk)
    reader.start()
    try:
        wait_for(lambda: Mailbox.objects.get().last_error, what="the connection error to be recorded")
        assert "Connection refused" in Mailbox.objects.get().last_error or "Errno" in Mailbox.objects.get().last_error
        assert not Ticket.objects.exists()
        Mailbox.objects.filter(pk=mailbox.pk).update(port=imap_account.port)  # fixed in the admin
        wait_for(Ticket.objects.exists, seconds=20, what="the ticket after reconnecting")
        wait_for(lambda: Mailbox.objects.get().last_error == "", what="the error to clear")
    finally:
        reader.stopped.set()
        reader.join(timeout=10)
    assert not reader.is_alive()


def test_polling_when_idle_is_not_used(anja, imap_account, mailbox_for):
    mailbox = mailbox_for(use_idle=False, poll_seconds=1)
    reader = imap.MailboxReader(mailbox.pk)
    reader.start()
    try:
        wait_for(lambda: Mailbox.objects.get().last_checked_at, what="a first round")
        imap_account.deliver(mail("anja@korrel.example", "Gepold", Message_ID="<p1@k.example>"))
        wait_for(Ticket.objects.exists, seconds=10, what="the polled mail")
    finally:
        reader.stopped.set()
        reader.join(timeout=10)


def test_mail_landing_between_a_round_and_idle_is_read_at_once(anja, imap_account, mailbox_for, monkeypatch):
    """Dovecot does not tell an IDLE session of mail that came before IDLE began (only at its check every
    30 s): the reader asks with a NOOP first. The mail is delivered right after the first round."""
    mailbox = mailbox_for(poll_seconds=3600)
    delivered = threading.Event()
    record = imap._record_success

    def round_done_then_mail_arrives(box):
        record(box)
        if not delivered.is_set():
            delivered.set()
            imap_account.deliver(mail("anja@korrel.example", "Net op tijd", Message_ID="<gap@k.example>"))

    monkeypatch.setattr(imap, "_record_success", round_done_then_mail_arrives)
    reader = imap.MailboxReader(mailbox.pk)
    reader.start()
    try:
        wait_for(Ticket.objects.exists, seconds=10, what="the mail that came just before IDLE")
    finally:
        reader.stopped.set()
        reader.join(timeout=10)
    assert Ticket.objects.get().subject == "Net op tijd"


def test_mail_landing_between_the_noop_and_idle_is_read_within_the_resync(anja, imap_account, mailbox_for, monkeypatch):
    """The narrower gap: after the NOOP that asked, before IDLE began. Dovecot would tell of it only at its
    30-second check; the reader leaves IDLE for a NOOP every RESYNC_SECONDS (made 2 here)."""
    mailbox = mailbox_for(poll_seconds=3600)
    delivered = threading.Event()
    asked = imap._arrived_since

    def nothing_yet_then_mail_arrives(client):
        arrived = asked(client)
        if not delivered.is_set() and not arrived:
            delivered.set()
            imap_account.deliver(mail("anja@korrel.example", "In de kier", Message_ID="<crack@k.example>"))
        return arrived

    monkeypatch.setattr(imap, "_arrived_since", nothing_yet_then_mail_arrives)
    monkeypatch.setattr(imap, "RESYNC_SECONDS", 2)
    reader = imap.MailboxReader(mailbox.pk)
    reader.start()
    try:
        wait_for(Ticket.objects.exists, seconds=10, what="the mail that came between the NOOP and IDLE")
    finally:
        reader.stopped.set()
        reader.join(timeout=10)
    assert delivered.is_set() and Ticket.objects.get().subject == "In de kier"


def worker(tmp_path) -> subprocess.Popen:
    """The worker as its own process; what it says goes to a file (a pipe nobody reads would fill up, and the
    worker would wait on its next log line)."""
    env = {**os.environ, "SERVICEDESK_VAR_DIR": str(tmp_path), "DATABASE_URL": database_url()}
    command = [str(Path(sys.executable).with_name("servicedesk")), "worker", "--interval", "0.2"]
    log = tempfile.NamedTemporaryFile(dir=tmp_path, prefix="worker-", suffix=".log", delete=False)  # noqa: SIM115
    process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    process.log_path = log.name
    log.close()
    return process


def stop(process: subprocess.Popen) -> str:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    return Path(process.log_path).read_text(errors="replace")


def test_worker_process_waits_with_idle_and_gets_new_mail_at_once(anja, imap_account, mailbox_for, tmp_path):
    mailbox = mailbox_for(poll_seconds=3600)  # polling would take an hour: only IDLE can bring it in
    process = worker(tmp_path)
    try:
        wait_for(lambda: Mailbox.objects.get(pk=mailbox.pk).last_checked_at, what="the worker's first round")
        time.sleep(0.5)  # the reader is now in IDLE
        imap_account.deliver(mail("anja@korrel.example", "Via IDLE", Message_ID="<idle@k.example>"))
        wait_for(Ticket.objects.exists, seconds=15, what="the mail pushed by IDLE")
        wait_for(lambda: imap_account.uids("INBOX") == [], what="the move after commit")
    except AssertionError as failure:  # what the worker said makes a failure here readable
        raise AssertionError(f"{failure}\n--- worker ---\n{stop(process)}") from None
    finally:
        output = stop(process)
    assert Ticket.objects.get().subject == "Via IDLE", output


@pytest.mark.slow
def test_worker_killed_mid_batch_of_500_then_restarted_takes_every_mail_once(anja, imap_account, mailbox_for, tmp_path):
    mailbox_for()
    raws = [mail("anja@korrel.example", f"Melding {n:03}", Message_ID=f"<k{n}@korrel.example>") for n in range(500)]
    imap_account.deliver(*raws)
    first = worker(tmp_path)
    try:
        wait_for(lambda: InboundMail.objects.count() >= 60, seconds=120, what="the first mails of the batch")
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=30)
    finally:
        stop(first)
    stored_at_kill = InboundMail.objects.count()
    assert stored_at_kill < 500, "the worker finished before it could be killed mid-batch"
    assert len(imap_account.uids("INBOX")) > 0
    second = worker(tmp_path)
    try:
        wait_for(lambda: imap_account.uids("INBOX") == [], seconds=240, what="the rest of the batch")
        wait_for(
            lambda: not InboundMail.objects.filter(status=InboundMail.Status.STORED).exists(),
            what="every stored mail processed",
        )
    except AssertionError as failure:  # what the worker said makes a failure here readable
        raise AssertionError(f"{failure}\n--- worker ---\n{stop(second)[-5000:]}") from None
    finally:
        output = stop(second)
    assert InboundMail.objects.count() == 500, output
    assert Ticket.objects.count() == 500
    assert Message.objects.count() == 500
    subjects = list(Ticket.objects.values_list("subject", flat=True))
    assert sorted(subjects) == [f"Melding {n:03}" for n in range(500)]
    assert len(imap_account.uids("Verwerkt")) == 500


def test_worker_once_reads_each_active_mailbox(anja, imap_account, mailbox_for, tmp_path):
    mailbox_for()
    mailbox_for(name="uit", active=False, port=1)
    imap_account.deliver(mail("anja@korrel.example", "Eenmalig", Message_ID="<o1@k.example>"))
    env = {**os.environ, "SERVICEDESK_VAR_DIR": str(tmp_path), "DATABASE_URL": database_url()}
    result = subprocess.run(
        [str(Path(sys.executable).with_name("servicedesk")), "worker", "--once"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "1 new" in result.stdout
    assert Ticket.objects.get().subject == "Eenmalig"


def test_thread_safe_supervisor_starts_readers_for_active_mailboxes(anja, imap_account, mailbox_for):
    mailbox_for(use_idle=False, poll_seconds=1)
    supervisor = imap.MailboxSupervisor(rescan_seconds=0.2)
    supervisor.start()
    try:
        imap_account.deliver(mail("anja@korrel.example", "Toezicht", Message_ID="<s1@k.example>"))
        wait_for(Ticket.objects.exists, seconds=15, what="the supervised reader's ticket")
    finally:
        supervisor.stop()
        supervisor.join(timeout=10)
        for reader in list(supervisor.readers.values()):
            reader.join(timeout=10)
    assert not any(thread.name.startswith("servicedesk-imap") for thread in threading.enumerate())
