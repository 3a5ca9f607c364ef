"""The phone system's webhook through real HTTP: signature, replay, office hours, the urgent option, callers
with and without the right, a Saturday and a public holiday; and the Asterisk adapter as a process."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from servicedesk.oncall.models import Alert, Shift
from servicedesk.tickets.models import Message, RefusedReport, Ticket
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)
AMS = ZoneInfo("Europe/Amsterdam")
SECRET = "pbx-shared-secret"
TUESDAY_10 = datetime(2026, 11, 24, 10, 0, tzinfo=AMS)
TUESDAY_NIGHT = datetime(2026, 11, 24, 23, 30, tzinfo=AMS)
SATURDAY = datetime(2026, 11, 28, 14, 0, tzinfo=AMS)
CHRISTMAS = datetime(2026, 12, 25, 10, 0, tzinfo=AMS)  # a Friday, and closed
ADAPTER = Path(__file__).resolve().parents[2] / "contrib" / "asterisk" / "servicedesk-agi.py"


@pytest.fixture(autouse=True)
def secret(settings):
    settings.SERVICEDESK_PHONE_SECRET = SECRET


@pytest.fixture
def clock(monkeypatch):
    def set_to(moment: datetime) -> None:
        monkeypatch.setattr("servicedesk.oncall.webhook._now", lambda: moment)

    return set_to


@pytest.fixture
def anja():
    return factories.contact(factories.customer("Bakkerij De Korrel"), "Anja", main=True, phones=["030-7116193"])


@pytest.fixture
def on_call():
    joost = factories.agent("joost")
    return Shift.objects.create(
        agent=joost,
        phone="+31612345678",
        starts_at=TUESDAY_10 - timedelta(days=30),
        ends_at=TUESDAY_10 + timedelta(days=60),
    )


def signed(body: bytes, *, stamp: int | None = None, secret: str = SECRET) -> dict:
    stamp = int(time.time()) if stamp is None else stamp
    signature = hmac.new(secret.encode(), str(stamp).encode() + b"." + body, hashlib.sha256).hexdigest()
    return {"X-Servicedesk-Timestamp": str(stamp), "X-Servicedesk-Signature": signature}


def call(live_server, caller: str, choice: str = "", *, headers: dict | None = None, body: bytes | None = None):
    body = body if body is not None else json.dumps({"call_id": "c1", "caller": caller, "choice": choice}).encode()
    request = urllib.request.Request(
        f"{live_server.url}/hooks/phone/",
        data=body,
        headers={"Content-Type": "application/json", **(headers if headers is not None else signed(body))},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_unsigned_forged_old_and_replayed_requests_are_refused(live_server, clock, anja):
    clock(SATURDAY)
    body = json.dumps({"call_id": "x", "caller": "0307116193", "choice": "urgent"}).encode()
    assert call(live_server, "", body=body, headers={})[0] == 403
    assert call(live_server, "", body=body, headers=signed(body, secret="wrong"))[0] == 403
    old = call(live_server, "", body=body, headers=signed(body, stamp=int(time.time()) - 3600))
    assert old == (403, {"error": "timestamp missing or too old"})
    headers = signed(body)
    first = call(live_server, "", body=body, headers=headers)
    assert first[0] == 200
    assert call(live_server, "", body=body, headers=headers) == (403, {"error": "request replayed"})
    assert Ticket.objects.count() == 1
    assert call(live_server, "", body=b"[1, 2", headers=signed(b"[1, 2"))[0] == 400


@pytest.mark.parametrize(
    ("what", "headers", "body"),
    [
        ("a superscript digit as timestamp", {"X-Servicedesk-Timestamp": "²", "X-Servicedesk-Signature": "0"}, b"{}"),
        ("400 digits as timestamp", {"X-Servicedesk-Timestamp": "9" * 400, "X-Servicedesk-Signature": "0"}, b"{}"),
        ("a signature that is not ASCII", "non-ascii", b"{}"),
        ("a signed body nested 100,000 levels deep", None, b"[" * 100_000 + b"]" * 100_000),
    ],
)
def test_odd_requests_get_a_clear_refusal_not_a_server_error(live_server, clock, what, headers, body):
    clock(SATURDAY)
    if headers == "non-ascii":
        headers = {**signed(body), "X-Servicedesk-Signature": "é" * 64}
    status, answer = call(live_server, "", body=body, headers=headers if headers is not None else signed(body))
    assert status in (400, 403), what
    assert answer["error"]


def test_in_office_hours_the_call_goes_to_the_desk(live_server, clock, anja, settings):
    clock(TUESDAY_10)
    status, answer = call(live_server, "0307116193", "urgent")
    assert (status, answer["action"], answer["transfer_to"]) == (200, "transfer", settings.SERVICEDESK_DESK_PHONE)
    assert not Ticket.objects.exists()


@pytest.mark.parametrize("moment", [TUESDAY_NIGHT, SATURDAY, CHRISTMAS], ids=["weeknight", "saturday", "holiday"])
def test_after_hours_the_menu_offers_only_the_urgent_option(live_server, clock, anja, moment):
    clock(moment)
    status, answer = call(live_server, "0307116193")
    assert (status, answer["action"], answer["menu"]) == (200, "menu", {"1": "urgent"})
    assert "buiten kantoortijd" in answer["say"] and answer["language"] == "nl"


@pytest.mark.parametrize("moment", [SATURDAY, CHRISTMAS], ids=["saturday", "holiday"])
def test_an_authorised_urgent_caller_gets_a_ticket_the_rate_and_the_engineer(live_server, clock, anja, on_call, moment):
    clock(moment)
    status, answer = call(live_server, "+31 30 711 61 93", "urgent")
    ticket = Ticket.objects.get()
    assert (status, answer["action"], answer["transfer_to"], answer["ticket"]) == (
        200,
        "transfer",
        on_call.phone,
        ticket.pk,
    )
    assert (ticket.channel, ticket.priority, ticket.reporter, ticket.best_effort) == (
        "phone_after_hours",
        "direct",
        anja,
        True,
    )
    assert ticket.response_due == moment + timedelta(hours=1)  # a clock hour, best effort
    assert "125,00 per uur" in answer["say"]
    assert Message.objects.filter(ticket=ticket, kind="note", body__contains="125,00").exists()  # told beforehand
    alert = Alert.objects.get()
    assert (alert.ticket, alert.agent) == (ticket, on_call.agent)


def test_a_caller_without_the_right_to_raise_priority_is_told_and_recorded(live_server, clock, anja):
    bert = factories.contact(anja.customer, "Bert", phones=["06-11112222"], may_report=True)
    clock(SATURDAY)
    status, answer = call(live_server, "0611112222", "urgent")
    assert (status, answer["action"]) == (200, "hangup") and "gemachtigd" in answer["say"]
    assert not Ticket.objects.exists()
    refused = RefusedReport.objects.get()
    assert (refused.contact, refused.channel, refused.reason) == (bert, "phone_after_hours", "not_authorised")


def test_an_unknown_caller_is_recorded_too(live_server, clock):
    clock(SATURDAY)
    status, answer = call(live_server, "0201234567", "urgent")
    assert (status, answer["action"]) == (200, "hangup")
    assert RefusedReport.objects.get().reason == "unknown_sender"


def test_with_nobody_on_call_the_report_is_kept_and_the_caller_told(live_server, clock, anja):
    clock(SATURDAY)
    status, answer = call(live_server, "0307116193", "urgent")
    assert (status, answer["action"]) == (200, "hangup") and "belt u zo snel mogelijk terug" in answer["say"]
    assert Ticket.objects.count() == 1


def run_adapter(live_server, caller: str, choice: str = "") -> str:
    agi_session = (
        f"agi_request: servicedesk-agi.py\nagi_callerid: {caller}\nagi_uniqueid: 1732.{time.time_ns()}\n"
        "agi_language: nl\n\n"
    )
    responses = "200 result=1\n" * 10
    env = {**os.environ, "SERVICEDESK_WEBHOOK": f"{live_server.url}/hooks/phone/", "SERVICEDESK_PHONE_SECRET": SECRET}
    result = subprocess.run(
        [sys.executable, str(ADAPTER), *([choice] if choice else [])],
        input=agi_session + responses,
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_the_asterisk_adapter_speaks_agi(live_server, clock, anja, on_call):
    clock(SATURDAY)
    menu = run_adapter(live_server, "0307116193")
    assert 'SET VARIABLE SD_ACTION "menu"' in menu
    urgent = run_adapter(live_server, "0307116193", "urgent")
    assert 'SET VARIABLE SD_ACTION "transfer"' in urgent
    assert f'SET VARIABLE SD_TRANSFER_TO "{on_call.phone}"' in urgent
    assert f'SET VARIABLE SD_TICKET "{Ticket.objects.get().pk}"' in urgent


def test_the_adapter_falls_back_when_the_desk_is_down():
    agi_session = "agi_callerid: 0307116193\n\n" + "200 result=1\n" * 10
    env = {
        **os.environ,
        "SERVICEDESK_WEBHOOK": "http://127.0.0.1:1/hooks/phone/",
        "SERVICEDESK_PHONE_SECRET": SECRET,
        "SERVICEDESK_FALLBACK_NUMBER": "+31612345678",
    }
    result = subprocess.run(
        [sys.executable, str(ADAPTER), "urgent"], input=agi_session, capture_output=True, text=True, env=env, timeout=60
    )
    assert 'SET VARIABLE SD_ACTION "transfer"' in result.stdout and "+31612345678" in result.stdout
