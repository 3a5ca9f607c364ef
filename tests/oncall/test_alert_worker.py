"""The alert flow as it runs in production: `servicedesk worker` as its own process, its clock set by
libfaketime (Debian's `faketime`) to moments of an after-hours night, sends the alert, repeats it every
ten minutes, escalates after thirty, and stops once the engineer acknowledged it in the desk."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from servicedesk.oncall.alerts import alert_raise
from servicedesk.oncall.models import Alert, Shift
from servicedesk.tickets import services
from tests import factories
from tests.helpers import database_url, mails_written

pytestmark = pytest.mark.django_db(transaction=True)
AMS = ZoneInfo("Europe/Amsterdam")
NIGHT = datetime(2026, 11, 28, 2, 0, tzinfo=AMS)


def test_the_worker_repeats_escalates_and_stops_after_acknowledgement(client, hook, tmp_path):
    faketime = shutil.which("faketime")
    assert faketime, "Debian's faketime is needed (make system-deps installs it)"
    url, received = hook
    joost, fatima = factories.agent("joost"), factories.agent("fatima")
    Shift.objects.create(
        agent=joost, phone="+31611111111", starts_at=NIGHT - timedelta(hours=8), ends_at=NIGHT + timedelta(hours=8)
    )
    Shift.objects.create(
        agent=fatima, phone="+31622222222", starts_at=NIGHT - timedelta(hours=4), ends_at=NIGHT + timedelta(hours=12)
    )
    contact = factories.contact(factories.customer("Bakkerij De Korrel"), "Anja", main=True)
    ticket = services.ticket_create(
        reporter=contact, subject="Kassa plat", body="", channel="phone_after_hours", priority="direct", now=NIGHT
    )
    alert_raise(ticket=ticket, now=NIGHT)

    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "SERVICEDESK_VAR_DIR": str(tmp_path),
        "SERVICEDESK_ONCALL_WEBHOOK_URL": url,
        "SERVICEDESK_PHONE_SECRET": "s3",
        "TZ": "UTC",
        "DONT_FAKE_MONOTONIC": "1",
    }
    env.pop("EMAIL_HOST", None)
    worker = [str(Path(sys.executable).with_name("servicedesk")), "worker", "--once", "--no-imap"]

    def worker_at(minutes: float) -> list[tuple[str, int, int]]:
        """Run the worker once with its clock at NIGHT + `minutes`; what it sent: (agent, level, send)."""
        moment = (NIGHT + timedelta(minutes=minutes)).astimezone(UTC).strftime("@%Y-%m-%d %H:%M:%S")
        before = len(received)
        done = subprocess.run([faketime, "-f", moment, *worker], env=env, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stdout + done.stderr
        payloads = [json.loads(body) for body, _signature in received[before:]]
        return sorted((p["agent"], p["level"], p["send"]) for p in payloads)

    assert worker_at(0.5) == [("joost", 0, 1)]  # the first alert, sent by the worker
    assert worker_at(9.5) == []  # not yet ten minutes
    assert worker_at(10.5) == [("joost", 0, 2)]
    assert worker_at(11) == []  # once per ten minutes (each run takes a second or so of its clock)
    assert worker_at(21) == [("joost", 0, 3)]
    assert worker_at(32) == [("fatima", 1, 1), ("joost", 0, 4)]  # the next one in the rota, and still joost
    mails = mails_written(tmp_path / "sent-mail")
    assert sum(f"[SPOED #{ticket.pk}]" in mail for mail in mails) == 5
    assert sum("To: fatima@desk.example" in mail for mail in mails) == 1

    alert = Alert.objects.get(agent=fatima)
    client.force_login(fatima)
    response = client.post(f"/desk/alerts/{alert.pk}/acknowledge/", {"diagnosis": "Voeding kassa defect."})
    assert response.status_code == 302
    assert worker_at(43) == [] and worker_at(60) == []  # acknowledged: silence, for both of them
    ticket.refresh_from_db()
    assert ticket.diagnosis == "Voeding kassa defect." and ticket.assignee == fatima
