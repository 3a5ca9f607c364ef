"""The LMTP listener through a real socket: 250 after commit, no duplicates, 4xx without a database, 5xx too big."""

from __future__ import annotations

import os
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
from tests.mail.test_pipe_intake import mail
from tests.tickets.test_worker import database_url

pytestmark = pytest.mark.django_db(transaction=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


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
        process.terminate()
        process.wait(timeout=30)


def deliver(port: int, raw: bytes) -> None:
    with smtplib.LMTP("127.0.0.1", port) as client:
        client.sendmail("bounce@korrel.example", ["servicedesk@qiqq.example"], raw)


def test_delivered_mail_is_a_ticket_once(lmtp):
    anja = factories.contact(factories.customer(), "Anja", main=True, email="anja@korrel.example")
    port = lmtp()
    raw = mail("anja@korrel.example", "Via LMTP", Message_ID="<l1@korrel.example>")
    deliver(port, raw)
    deliver(port, raw)  # the MTA retried after a lost reply
    ticket = Ticket.objects.get()
    assert (ticket.reporter, ticket.subject) == (anja, "Via LMTP")
    assert InboundMail.objects.get().via == "lmtp"


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
    assert sorted(Ticket.objects.values_list("subject", flat=True)) == sorted(f"Melding {n}" for n in range(24))
    assert InboundMail.objects.count() == 24
