"""Notices rendered before their ticket is written (mail intake renders them outside its transaction): once
queued they read exactly as if rendered then, the number filled in, in every language and kind."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from servicedesk.outbox.models import OutgoingMessage
from servicedesk.outbox.services import NUMBER, notices_queue, notices_render_ahead
from servicedesk.tickets import services
from tests import factories

pytestmark = pytest.mark.django_db
AMS = ZoneInfo("Europe/Amsterdam")


@pytest.mark.parametrize("language", ["nl", "en"])
@pytest.mark.parametrize(
    ("priority", "when", "kinds"),
    [
        ("standard", datetime(2026, 12, 2, 10, 15, tzinfo=AMS), ["acknowledgement"]),
        ("direct", datetime(2026, 12, 5, 23, 40, tzinfo=AMS), ["priority_lowered", "acknowledgement"]),  # Saturday
    ],
)
def test_a_notice_rendered_ahead_reads_as_one_rendered_when_queued(language, priority, when, kinds):
    customer = factories.customer()
    reporter = factories.contact(customer, "Piet Jansen", may_report=True, language=language)

    def opened(ahead: bool) -> list[OutgoingMessage]:
        new = services.new_ticket(
            reporter=reporter,
            subject="Printer piept ‘weer’",
            body="Sinds vanochtend.",
            channel="email",
            priority=priority,
            now=when,
        )
        if ahead:
            new.notices = notices_render_ahead(new.notices)
            assert all(n.rendered is not None and n.ticket.pk is None for n in new.notices)
        services.tickets_open([new], now=when)
        return list(OutgoingMessage.objects.filter(ticket=new.ticket).order_by("id"))

    plain, ahead = opened(False), opened(True)
    assert [m.kind for m in ahead] == [m.kind for m in plain] == kinds
    for before, after in zip(plain, ahead, strict=True):
        assert after.subject == before.subject.replace(f"#{before.ticket_id}", f"#{after.ticket_id}")
        assert after.body == before.body.replace(f"#{before.ticket_id}", f"#{after.ticket_id}")
        assert f"[#{after.ticket_id}]" in after.subject and NUMBER not in after.subject + after.body
        assert after.language == language


def test_notices_of_a_written_ticket_or_without_an_address_are_left_to_render_when_queued():
    customer = factories.customer()
    reporter = factories.contact(customer, "Piet Jansen", may_report=True)
    silent = factories.contact(customer, "Zonder Adres", may_report=True, email="")
    new = services.new_ticket(reporter=reporter, subject="Scherm", body="", channel="email", now=datetime.now(AMS))
    services.tickets_open([new], now=datetime.now(AMS))
    quiet = services.new_ticket(reporter=silent, subject="Stil", body="", channel="email", now=datetime.now(AMS))
    for notice in notices_render_ahead(new.notices + quiet.notices):
        assert notice.rendered is None
    assert notices_queue(quiet.notices) == [None]
