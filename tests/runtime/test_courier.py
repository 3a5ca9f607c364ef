"""The running worker sends mail soon after the change that queued it has committed, without a task per mail."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings

from servicedesk.tickets import services
from tests import factories
from tests.helpers import database_url

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_idle_worker_sends_an_acknowledgement_within_seconds(smtp, tmp_path):
    contact = factories.contact(factories.customer(), "Anja", main=True, email="anja@korrel.example")
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "SERVICEDESK_VAR_DIR": str(tmp_path),
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(settings.EMAIL_PORT),
    }
    env.pop("EMAIL_BACKEND", None)
    command = [str(Path(sys.executable).with_name("servicedesk")), "worker", "--no-imap"]
    worker = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        started = next((line for line in worker.stdout if "servicedesk worker" in line), None)
        assert started, "the worker did not start"  # its threads are running
        time.sleep(1.5)  # idle
        services.ticket_create(reporter=contact, subject="Printer piept", body="", channel="email")
        committed = time.monotonic()
        while not smtp.messages and time.monotonic() - committed < 10:
            time.sleep(0.05)
        took = time.monotonic() - committed
    finally:
        worker.send_signal(signal.SIGTERM)
        output, _ = worker.communicate(timeout=60)
    assert worker.returncode == 0, output
    ((recipients, sent),) = smtp.messages
    assert recipients == ["anja@korrel.example"] and "Printer piept" in sent["Subject"]
    assert took < 3, took
