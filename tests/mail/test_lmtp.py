"""The LMTP listener through a real socket: 250 after the mail is stored, processed right after, no duplicates,
4xx without a database, 5xx too big; mail left stored by a listener that stopped is processed later."""

from __future__ import annotations

import os
import signal
import smtplib
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from servicedesk.mail.models import InboundMail
from servicedesk.tickets.models import Ticket
from tests import factories
from tests.helpers import database_url, mail

pytestmark = pytest.mark.django_db(transaction=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


_listeners: dict[int, subprocess.Popen] = {}


def _listener_of(port: int) -> subprocess.Popen:
    return _listeners[port]


def _child(pid: int, command: str) -> int:
    """The pid of the child of `pid` whose command line holds `command`."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split():
            if command in Path(f"/proc/{child}/cmdline").read_bytes().replace(b"\0", b" ").decode():
                return int(child)
        time.sleep(0.1)
    raise AssertionError(f"no child {command!r} of {pid}")


@pytest.fixture
def lmtp(tmp_path):
    processes = []

    def start(*args, **env):
        port = free_port()
        environment = {
            **os.environ,
            "SERVICEDESK_VAR_DIR": str(tmp_path),
            "DATABASE_URL": database_url(),
            "SERVICEDESK_MAIL_MAX_SIZE": "200000",
            **env,
        }
        process = subprocess.Popen(
            [str(Path(sys.executable).with_name("servicedesk")), "mail", "lmtp", "--port", str(port), *args],
            env=environment,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        processes.append(process)
        _listeners[port] = process
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                return port
            except OSError:
                time.sleep(0.1)
        raise AssertionError(process.stdout.read1().decode())

    yield start
    for process in processes:
        if process.poll() is None:
            process.terminate()
        process.wait(timeout=60)


def deliver(port: int, raw: bytes) -> None:
    with smtplib.LMTP("127.0.0.1", port) as client:
        client.sendmail("bounce@korrel.example", ["servicedesk@qiqq.example"], raw)


def processed(count: int, seconds: float = 30) -> list[InboundMail]:
    """The stored mails once `count` of them are processed (the listener processes right after its 250)."""
    deadline = time.monotonic() + seconds
    while True:
        mails = list(InboundMail.objects.order_by("id"))
        if sum(m.status != InboundMail.Status.STORED for m in mails) >= count:
            return mails
        assert time.monotonic() < deadline, [(m.pk, m.status) for m in mails]
        time.sleep(0.05)


def test_delivered_mail_is_a_ticket_once(lmtp):
    anja = factories.contact(factories.customer(), "Anja", main=True, email="anja@korrel.example")
    port = lmtp()
    raw = mail("anja@korrel.example", "Via LMTP", Message_ID="<l1@korrel.example>")
    deliver(port, raw)
    assert InboundMail.objects.get().via == "lmtp"  # stored before the 250
    deliver(port, raw)  # the MTA retried after a lost reply
    (stored,) = processed(1)
    ticket = Ticket.objects.get()
    assert (ticket.reporter, ticket.subject) == (anja, "Via LMTP")
    assert (stored.status, stored.ticket) == ("processed", ticket)


def _answers(replies, count: int) -> list[bytes]:
    """`count` whole answers (a multi-line one as one), each as its lines joined."""
    answers = []
    for _ in range(count):
        lines = [replies.readline()]
        while lines[-1][3:4] == b"-":
            lines.append(replies.readline())
        answers.append(b"".join(lines))
    return answers


def test_pipelined_commands_are_answered_in_order_as_an_mta_sends_them(lmtp):
    """RFC 2033 asks an LMTP server for PIPELINING and ENHANCEDSTATUSCODES: MAIL, RCPT and DATA arrive in one
    write, as Postfix sends them; the answers come in order, each with an enhanced code, and a pipelined group
    with a bad command is answered without a 250."""
    factories.contact(factories.customer(), "Anja", main=True, email="anja@korrel.example")
    port = lmtp()
    raws = [mail("anja@korrel.example", f"Samen {n}", f"Regel\n.punt aan het begin {n}\n") for n in range(3)]
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock, sock.makefile("rb") as replies:
        assert _answers(replies, 1)[0].startswith(b"220")
        sock.sendall(b"LHLO mta.korrel.example\r\n")
        (greeting,) = _answers(replies, 1)
        assert b"250-PIPELINING\r\n" in greeting and b"250-ENHANCEDSTATUSCODES\r\n" in greeting
        assert greeting.startswith(b"250-") and b" 2.0.0" not in greeting  # LHLO's answer carries no codes
        for raw in raws:
            sock.sendall(
                b"MAIL FROM:<bounce@korrel.example>\r\nRCPT TO:<servicedesk@qiqq.example>\r\n"
                b"RCPT TO:<helpdesk@qiqq.example>\r\nDATA\r\n"
            )
            assert [a[:9] for a in _answers(replies, 4)] == [b"250 2.0.0", b"250 2.0.0", b"250 2.0.0", b"354 End d"]
            stuffed = raw.replace(b"\n", b"\r\n").replace(b"\r\n.", b"\r\n..")
            sock.sendall(stuffed + b".\r\n")
            assert _answers(replies, 2) == [b"250 2.0.0 Stored\r\n"] * 2  # one per recipient
        sock.sendall(b"MAIL FROM:<x@korrel.example>\r\nMAIL FROM:<y@korrel.example>\r\nDATA\r\n")
        assert _answers(replies, 3) == [  # nested MAIL; DATA without RCPT
            b"250 2.0.0 OK\r\n",
            b"503 5.5.1 Error: nested MAIL command\r\n",
            b"503 5.5.1 Error: need RCPT command\r\n",
        ]
        sock.sendall(b"QUIT\r\n")
        assert _answers(replies, 1)[0] == b"221 2.0.0 Bye\r\n"
    mails = processed(3)
    assert len(mails) == 3  # each once, for its two recipients
    texts = dict(Ticket.objects.values_list("subject", "messages__body"))
    assert {subject: texts[subject].strip().splitlines()[-1] for subject in texts} == {
        f"Samen {n}": f".punt aan het begin {n}" for n in range(3)
    }


@pytest.mark.parametrize(
    ("answer", "sent"),
    [
        ("250 OK", "250 2.0.0 OK"),
        ("250 2.0.0 Stored", "250 2.0.0 Stored"),  # ours, already coded
        ("451 4.3.0 Database unavailable", "451 4.3.0 Database unavailable"),
        ("552 Error: Too much mail data", "552 5.3.4 Error: Too much mail data"),
        ("500 Error: bad syntax", "500 5.5.2 Error: bad syntax"),
        ("553 5.1.3 Error: malformed address", "553 5.1.3 Error: malformed address"),
        ("554 Transaction failed", "554 5.0.0 Transaction failed"),
        ("421 Service not available", "421 4.0.0 Service not available"),
        ("221 Bye", "221 2.0.0 Bye"),
        ("220 qiqq.example LMTP", "220 qiqq.example LMTP"),  # the greeting: none
        ("354 End data with <CR><LF>.<CR><LF>", "354 End data with <CR><LF>.<CR><LF>"),  # not a final answer
        ("334 VXNlcm5hbWU6", "334 VXNlcm5hbWU6"),
        ("250", "250 2.0.0"),
        ("25", "25"),
    ],
)
def test_answers_carry_an_enhanced_status_code(answer, sent):
    from servicedesk.mail.lmtp import with_enhanced_code

    assert with_enhanced_code(answer) == sent


def test_too_big_is_refused_permanently(lmtp):
    port = lmtp()
    with pytest.raises(smtplib.SMTPException) as refused:
        deliver(port, mail("anja@korrel.example", "Groot", "x" * 300_000))
    assert "552" in str(refused.value)
    assert not InboundMail.objects.exists()


def test_without_database_the_mta_is_asked_to_retry_and_the_retry_arrives(lmtp):
    factories.contact(factories.customer(), "Anja", main=True, email="anja@korrel.example")
    raw = mail("anja@korrel.example", "Later", Message_ID="<later@korrel.example>")
    port = lmtp(DATABASE_URL="postgres://postgres@127.0.0.1:1/nowhere")
    with pytest.raises(smtplib.SMTPDataError) as retry:
        deliver(port, raw)
    assert retry.value.smtp_code == 451
    assert not InboundMail.objects.exists()
    deliver(lmtp(), raw)  # the database is back: the MTA's retry is stored and processed
    processed(1)
    assert Ticket.objects.get().subject == "Later"


def test_several_listener_processes_share_the_port(lmtp):
    from concurrent.futures import ThreadPoolExecutor

    factories.contact(factories.customer(), "Anja", main=True, email="anja@korrel.example")
    port = lmtp("--processes", "2")
    time.sleep(1)  # both children listening
    children = subprocess.run(
        ["pgrep", "-f", f"mail lmtp --host 127.0.0.1 --port {port} --reuse-port"], capture_output=True, text=True
    ).stdout.split()
    assert len(children) == 2
    raws = [mail("anja@korrel.example", f"Melding {n}", Message_ID=f"<p{n}@korrel.example>") for n in range(24)]
    with ThreadPoolExecutor(4) as pool:
        list(pool.map(lambda raw: deliver(port, raw), raws))
    assert InboundMail.objects.count() == 24  # every one stored before its 250
    processed(24)
    assert sorted(Ticket.objects.values_list("subject", flat=True)) == sorted(f"Melding {n}" for n in range(24))


def test_mail_arriving_together_is_stored_together_and_each_gets_its_own_answer(lmtp):
    from concurrent.futures import ThreadPoolExecutor

    factories.contact(factories.customer(), "Anja", main=True, email="anja@korrel.example")
    port = lmtp()
    raws = [mail("anja@korrel.example", f"Melding {n}", Message_ID=f"<g{n}@korrel.example>") for n in range(60)]
    raws += raws[:10]  # redelivered while the first deliveries are still being stored
    with ThreadPoolExecutor(10) as pool:
        list(pool.map(lambda raw: deliver(port, raw), raws))
    mails = processed(60)
    assert len(mails) == 60 and {m.status for m in mails} == {"processed"}
    assert Ticket.objects.count() == 60
    # Stored in fewer commits than mails: deliveries that were waiting shared one.
    assert len({m.received_at for m in mails}) < 60


def test_mail_a_stopped_listener_left_stored_is_processed_by_the_next_one(lmtp, tmp_path):
    from servicedesk.mail.store import mail_store

    factories.contact(factories.customer(), "Anja", main=True, email="anja@korrel.example")
    left = mail_store(mail("anja@korrel.example", "Achtergebleven", Message_ID="<left@korrel.example>"), via="lmtp")[0]
    assert left.status == "stored"  # as when a listener was killed between its 250 and the processing
    lmtp()
    (mail_,) = processed(1)
    assert mail_.status == "processed" and mail_.ticket.subject == "Achtergebleven"


def test_processor_killed_mid_batch_then_restarted_takes_every_mail_once(lmtp):
    """SIGKILL to the listener's processor while it works through 300 mails: the listener stops (its supervisor
    restarts it); started again, every mail is processed exactly once."""
    from concurrent.futures import ThreadPoolExecutor

    factories.contact(factories.customer(), "Anja", main=True, email="anja@korrel.example")
    port = lmtp()
    listener = _listener_of(port)
    processor = _child(listener.pid, "mail process --follow")
    raws = [mail("anja@korrel.example", f"Melding {n}", Message_ID=f"<k{n}@korrel.example>") for n in range(300)]
    os.kill(processor, signal.SIGSTOP)  # held while the mail comes in, then let go in small steps
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda raw: deliver(port, raw), raws))
    assert InboundMail.objects.count() == 300  # all stored before their 250s
    while InboundMail.objects.exclude(status="stored").count() == 0:
        os.kill(processor, signal.SIGCONT)
        time.sleep(0.02)
        os.kill(processor, signal.SIGSTOP)
    os.kill(processor, signal.SIGKILL)  # somewhere in the batches, maybe in the middle of one
    assert 0 < InboundMail.objects.exclude(status="stored").count() < 300
    assert listener.wait(timeout=30) == 1  # a child ended: the listener stops, for its supervisor to restart
    lmtp()
    mails = processed(300)
    assert {m.status for m in mails} == {"processed"} and all(m.attempts == 1 for m in mails)
    assert sorted(Ticket.objects.values_list("subject", flat=True)) == sorted(f"Melding {n}" for n in range(300))


def test_mail_process_once_processes_what_is_stored(tmp_path):
    from servicedesk.mail.store import mail_store

    factories.contact(factories.customer(), "Anja", main=True, email="anja@korrel.example")
    for n in range(3):
        mail_store(mail("anja@korrel.example", f"Opgeslagen {n}", Message_ID=f"<o{n}@korrel.example>"), via="lmtp")
    environment = {**os.environ, "SERVICEDESK_VAR_DIR": str(tmp_path), "DATABASE_URL": database_url()}
    result = subprocess.run(
        [str(Path(sys.executable).with_name("servicedesk")), "mail", "process"],
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "3 stored mails processed" in result.stdout
    assert Ticket.objects.count() == 3


def test_the_processor_ends_with_its_listener_even_when_the_listener_is_killed(lmtp):
    port = lmtp()
    listener = _listener_of(port)
    processor = _child(listener.pid, "mail process --follow")
    os.kill(listener.pid, signal.SIGKILL)  # no chance to stop its children: the pipe between them closes
    listener.wait(timeout=30)
    deadline = time.monotonic() + 30
    while Path(f"/proc/{processor}").exists() and b"Z" not in _state(processor):
        assert time.monotonic() < deadline, "the processor outlived its listener"
        time.sleep(0.1)


def _state(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/stat").read_bytes().rsplit(b")", 1)[1].split()[0]
    except OSError:
        return b"Z"
