"""A worker killed while it delivers mail: another takes the mail up, nothing is lost, and a message sent twice
(the server accepted it, the worker died before recording that) carries the same Message-ID both times."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import defaultdict
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from django.conf import settings
from django_tasks_db.models import DBTaskResult

from servicedesk.mail.identity import our_message_id
from servicedesk.outbox.models import OutgoingMessage
from servicedesk.tickets import services
from tests import factories
from tests.helpers import database_url

pytestmark = pytest.mark.django_db(transaction=True)
REPORTS = 40


class SlowInbox:
    """An SMTP server that takes its time over each message, then keeps it and accepts it."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.messages = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        await asyncio.sleep(self.seconds)
        with self.lock:
            self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"

    def count(self) -> int:
        with self.lock:
            return len(self.messages)


@pytest.fixture
def slow_smtp():
    inbox = SlowInbox(0.3)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    controller.stop()


def wait_for(condition, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"waited {seconds} s for {what}"
        time.sleep(0.05)


def test_mail_survives_killed_workers(slow_smtp, tmp_path):
    inbox, port = slow_smtp
    customer = factories.customer("Bakkerij De Korrel")
    for n in range(REPORTS):
        contact = factories.contact(customer, f"Medewerker {n}", email=f"medewerker{n}@korrel.example", may_report=True)
        services.ticket_create(reporter=contact, subject=f"Storing {n}", body="", channel="email")
    expected = {our_message_id(m.ticket_id, m.pk) for m in OutgoingMessage.objects.all()}
    assert len(expected) == REPORTS

    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "SERVICEDESK_VAR_DIR": str(tmp_path),
        "SECRET_KEY": settings.SECRET_KEY,  # the Message-IDs' signature
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(port),
        "SERVICEDESK_DELIVERY_LEASE": "2",
        "SERVICEDESK_WORKER_LEASE": "2",
    }
    env.pop("EMAIL_BACKEND", None)
    command = [str(Path(sys.executable).with_name("servicedesk")), "worker", "--no-imap", "--interval", "0.2"]

    def start():
        return subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)

    kills = 0
    for arrived in (8, 20):  # killed twice, each time with mail left to send
        worker = start()
        try:
            wait_for(lambda arrived=arrived: inbox.count() >= arrived, 60, f"{arrived} mails")
        finally:
            worker.send_signal(signal.SIGKILL)
            worker.communicate(timeout=30)
        kills += 1
        assert inbox.count() < REPORTS, "the worker was killed after it had sent everything"

    worker = start()
    try:
        wait_for(lambda: not OutgoingMessage.objects.filter(status="queued").exists(), 90, "the outbox to empty")
        # tasks a killed worker left RUNNING (the periodic ones) are run again once its lease has run out
        wait_for(lambda: not DBTaskResult.objects.running().exists(), 30, "no task left running")
    finally:
        worker.send_signal(signal.SIGTERM)
        output, _ = worker.communicate(timeout=60)
    assert worker.returncode == 0, output

    ids_by_mail = defaultdict(set)
    for message in inbox.messages:
        ids_by_mail[message["To"], message["Subject"]].add(message["Message-ID"])
    assert len(ids_by_mail) == REPORTS  # every mail delivered
    assert all(len(ids) == 1 for ids in ids_by_mail.values())  # a duplicate has the first copy's Message-ID
    assert set().union(*ids_by_mail.values()) == expected
    assert len(inbox.messages) - REPORTS <= kills  # at most one duplicate per crash
    assert set(OutgoingMessage.objects.values_list("status", flat=True)) == {"sent"}
    assert not OutgoingMessage.objects.exclude(leased_until=None).exists()
