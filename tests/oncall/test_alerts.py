"""Alerting the on-call engineer: by e-mail and webhook, repeated every 10 minutes until acknowledged,
the next one in the rota after 30; acknowledged in the desk with the diagnosis as the response."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from servicedesk.oncall.alerts import alert_raise
from servicedesk.oncall.models import Alert, Shift
from servicedesk.oncall.rota import gaps, on_call_at
from servicedesk.oncall.sending import AlertNotDelivered, alert_send
from servicedesk.oncall.watch import alerts_watch
from servicedesk.tickets import services
from servicedesk.tickets.models import TicketEvent
from tests import factories

pytestmark = pytest.mark.django_db
AMS = ZoneInfo("Europe/Amsterdam")
NIGHT = datetime(2026, 11, 28, 2, 0, tzinfo=AMS)


@pytest.fixture
def rota():
    joost, fatima = factories.agent("joost"), factories.agent("fatima")
    first = Shift.objects.create(
        agent=joost, phone="+31611111111", starts_at=NIGHT - timedelta(hours=8), ends_at=NIGHT + timedelta(hours=8)
    )
    backup = Shift.objects.create(
        agent=fatima, phone="+31622222222", starts_at=NIGHT - timedelta(hours=4), ends_at=NIGHT + timedelta(hours=12)
    )
    return first, backup


@pytest.fixture
def urgent():
    contact = factories.contact(factories.customer("Bakkerij De Korrel"), "Anja", main=True)
    return services.ticket_create(
        reporter=contact, subject="Kassa plat", body="", channel="phone_after_hours", priority="direct", now=NIGHT
    )


def test_the_rota_says_who_is_on_call_and_where_the_gaps_are(rota):
    first, backup = rota
    assert on_call_at(NIGHT) == [first, backup]
    assert on_call_at(NIGHT + timedelta(hours=10)) == [backup]
    assert gaps(NIGHT, NIGHT + timedelta(days=1)) == [(backup.ends_at, NIGHT + timedelta(days=1))]


def test_repeated_every_ten_minutes_and_escalated_after_thirty(rota, urgent):
    first, backup = rota
    alert = alert_raise(ticket=urgent, now=NIGHT)
    assert (alert.agent, alert.level) == (first.agent, 0)
    assert TicketEvent.objects.filter(ticket=urgent, kind="alerted").exists()
    assert alerts_watch(now=NIGHT + timedelta(minutes=9)) == {"repeated": [], "escalated": []}
    assert alerts_watch(now=NIGHT + timedelta(minutes=10))["repeated"] == [alert.pk]
    assert alerts_watch(now=NIGHT + timedelta(minutes=10)) == {"repeated": [], "escalated": []}  # once per moment
    alerts_watch(now=NIGHT + timedelta(minutes=20))
    result = alerts_watch(now=NIGHT + timedelta(minutes=30))
    escalated = Alert.objects.get(pk=result["escalated"][0])
    assert (escalated.agent, escalated.level) == (backup.agent, 1)
    assert Alert.objects.get(pk=alert.pk).sends == 4
    assert alerts_watch(now=NIGHT + timedelta(minutes=31))["escalated"] == []  # escalated once


def test_each_sending_is_queued_in_the_transaction_that_raises_or_repeats_it(rota, urgent):
    """Its task a row of the same transaction, not an after-commit callback that a dying process would lose."""
    from django.db import transaction
    from django_tasks_db.models import DBTaskResult

    def sends_queued(alert) -> int:
        return DBTaskResult.objects.filter(task_path__endswith="alert_send_task", args_kwargs__args=[alert.pk]).count()

    with transaction.atomic():
        alert = alert_raise(ticket=urgent, now=NIGHT)
        assert sends_queued(alert) == 1
    with transaction.atomic():
        assert alerts_watch(now=NIGHT + timedelta(minutes=10))["repeated"] == [alert.pk]
        assert sends_queued(alert) == 2


def test_each_open_alert_has_its_own_form_and_a_refusal_shows_at_that_alert(client, rota, urgent):
    first, _backup = rota
    contact = urgent.reporter
    other = services.ticket_create(
        reporter=contact, subject="Server weg", body="", channel="phone_after_hours", priority="direct", now=NIGHT
    )
    one, two = alert_raise(ticket=urgent, now=NIGHT), alert_raise(ticket=other, now=NIGHT)
    client.force_login(first.agent)
    page = client.get("/desk/alerts/").content.decode()
    for alert in (one, two):
        assert page.count(f'for="alert-{alert.pk}-diagnosis"') == 1
        assert page.count(f'id="alert-{alert.pk}-diagnosis"') == 1
    refused = client.post(f"/desk/alerts/{two.pk}/acknowledge/", {"diagnosis": "   "})
    assert refused.status_code == 400
    html = refused.content.decode()
    assert html.count("aria-invalid") == 1  # only the refused alert's field
    (field,) = re.findall(rf'<textarea[^>]*id="alert-{two.pk}-diagnosis"[^>]*>', html)
    assert 'aria-invalid="true"' in field
    assert Alert.objects.filter(acknowledged_at__isnull=True).count() == 2


def test_acknowledging_in_the_desk_stops_the_alerts_and_records_the_response(client, rota, urgent):
    first, _backup = rota
    alert = alert_raise(ticket=urgent, now=NIGHT)
    client.force_login(first.agent)
    page = client.get("/desk/alerts/").content.decode()
    assert "Kassa plat" in page and f"/desk/alerts/{alert.pk}/acknowledge/" in page
    refused = client.post(f"/desk/alerts/{alert.pk}/acknowledge/", {"diagnosis": ""}, follow=True)
    assert "diagnose" in refused.content.decode().lower()
    assert Alert.objects.get().acknowledged_at is None
    response = client.post(f"/desk/alerts/{alert.pk}/acknowledge/", {"diagnosis": "Voeding kassa defect, vervangen."})
    assert response["Location"] == f"/desk/tickets/{urgent.pk}/"
    urgent.refresh_from_db()
    assert urgent.diagnosis == "Voeding kassa defect, vervangen." and urgent.responded_at is not None
    assert urgent.assignee == first.agent
    assert alerts_watch(now=NIGHT + timedelta(hours=1)) == {"repeated": [], "escalated": []}


def test_an_alert_goes_out_by_mail_and_by_a_signed_webhook(rota, urgent, smtp, settings, hook):
    url, received = hook
    settings.SERVICEDESK_ONCALL_WEBHOOK_URL = url
    settings.SERVICEDESK_PHONE_SECRET = "s3"
    alert_send(alert_raise(ticket=urgent, now=NIGHT))
    ((recipients, mail),) = smtp.messages
    assert recipients == [rota[0].agent.email] and f"[SPOED #{urgent.pk}]" in mail["Subject"]
    ((body, signature),) = received
    assert hmac.compare_digest(signature, hmac.new(b"s3", body, hashlib.sha256).hexdigest())
    assert json.loads(body)["ticket"] == urgent.pk and json.loads(body)["phone"] == "+31611111111"


def closed_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # nothing listens there once it is closed


def test_each_alert_channel_is_tried_whatever_the_other_did(rota, urgent, smtp, settings, hook):
    url, received = hook
    settings.SERVICEDESK_ONCALL_WEBHOOK_URL, settings.SERVICEDESK_PHONE_SECRET = url, "s3"
    alert = alert_raise(ticket=urgent, now=NIGHT)
    smtp_port, settings.EMAIL_PORT = settings.EMAIL_PORT, closed_port()  # the mail server is down
    alert_send(alert)
    assert len(received) == 1 and smtp.messages == []  # the SMS gateway still got it

    settings.EMAIL_PORT = smtp_port
    settings.SERVICEDESK_ONCALL_WEBHOOK_URL = f"http://127.0.0.1:{closed_port()}/sms"  # the gateway is down
    alert_send(alert)
    assert len(smtp.messages) == 1  # the mail still went out, and that is enough: no failure

    settings.EMAIL_PORT = closed_port()  # both down: the task fails (and the next repeat tries again)
    with pytest.raises(AlertNotDelivered, match=r"mail: .*webhook: "):
        alert_send(alert)


def test_the_rota_page_shows_now_next_and_gaps_and_adds_shifts(client, rota):
    agent = factories.agent("anouk")
    client.force_login(agent)
    page = client.get("/desk/oncall/").content.decode()
    assert 'id="on-call-now"' in page and 'id="rota-gaps"' in page
    response = client.post(
        "/desk/oncall/",
        {"agent": agent.pk, "phone": "06-12345678", "starts_at": "2026-12-01 17:00", "ends_at": "2026-12-02 09:00"},
    )
    assert response.status_code == 302
    shift = Shift.objects.get(agent=agent)
    assert shift.phone == "+31612345678"
    bad = client.post(
        "/desk/oncall/",
        {"agent": agent.pk, "phone": "geen", "starts_at": "2026-12-01 17:00", "ends_at": "2026-12-01 09:00"},
    )
    assert "telefooncentrale" in bad.content.decode() and "na het begin" in bad.content.decode()
