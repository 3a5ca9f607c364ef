"""A month of tickets with known answers, built through the services with a fake clock (November 2026, Amsterdam).

Every outcome the reports tell apart is among them: in time, late, breached and then answered after a
reclassification, reclassified in time, unanswered and overdue, unanswered and not yet due, best effort from the
after-hours line, free work (managed service, fair use), and a ticket of October the month leaves out.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from servicedesk.customers.services import matrix_item_add
from servicedesk.mail.models import InboundMail
from servicedesk.mail.pipeline import mail_process
from servicedesk.mail.store import mail_store
from servicedesk.tickets import services
from servicedesk.tickets.sla import sla_watch
from tests import factories
from tests.helpers import OUR_AUTHSERV_ID, mail
from tests.helpers import REPORTS_READ_AT as NOW
from tests.helpers import local as at


@dataclass
class Month:
    agent: object
    korrel: object
    smile: object
    tickets: dict


@pytest.fixture
def november(db, settings) -> Month:
    agent = factories.agent("anouk")
    korrel = factories.customer("Bakkerij De Korrel", code="korrel")
    smile = factories.customer("Tandartspraktijk Smile", code="smile")
    anja = factories.contact(korrel, "Anja", main=True, email="anja@korrel.example")
    bert = factories.contact(smile, "Bert", main=True, email="bert@smile.example", phones=["0307116193"])
    firewall = matrix_item_add(customer=korrel, name="Firewall", actor=agent)
    t = {}

    def report(key, contact, when, **kwargs):
        kwargs.setdefault("channel", "email")
        t[key] = services.ticket_create(reporter=contact, subject=key, body="…", now=at(when), **kwargs)
        return t[key]

    def respond(key, when):
        t[key] = services.ticket_respond(ticket=t[key], actor=agent, diagnosis="Gevonden.", now=at(when))

    report("october", anja, "2026-10-20T10:00", support_type="functional")
    respond("october", "2026-10-28T10:00")  # late, and not in November
    # Responded the next day: 8 office hours, in time (due Fri 6 Nov 10:00).
    report("in_time", anja, "2026-11-03T10:00", support_type="functional")
    respond("in_time", "2026-11-04T10:00")
    # Breached, reclassified (the deadline counted anew from the change), answered before the new deadline:
    # still late, the breach stays recorded. 26 office hours.
    report("breached_then_answered", bert, "2026-11-02T09:00", support_type="functional")
    sla_watch(now=at("2026-11-05T10:00"))
    services.ticket_classify(
        ticket=t["breached_then_answered"], actor=agent, reason="Spoed", priority="high", now=at("2026-11-05T10:00")
    )
    respond("breached_then_answered", "2026-11-05T11:00")
    # High, due Mon 17:00, answered Tue 10:00: late, 9 office hours.
    report("late", anja, "2026-11-09T09:00", support_type="unmanaged", priority="high")
    respond("late", "2026-11-10T10:00")
    # On the customer's own managed service: high and free; answered after an hour.
    report("managed", anja, "2026-11-11T14:00", matrix_item=firewall, channel="portal")
    respond("managed", "2026-11-11T15:00")
    services.time_entry_add(ticket=t["managed"], agent=agent, start=at("2026-11-11T15:00"), minutes=30, now=NOW)
    # A question by mail, five minutes of work: fair use; answered after half an hour.
    report("fair_use", anja, "2026-11-12T09:00", support_type="functional")
    respond("fair_use", "2026-11-12T09:30")
    services.time_entry_add(ticket=t["fair_use"], agent=agent, start=at("2026-11-12T09:30"), minutes=5, now=NOW)
    # The urgent line on a Saturday night: best effort, answered within the hour.
    report(
        "best_effort",
        bert,
        "2026-11-14T22:00",
        support_type="unmanaged",
        priority="direct",
        channel="phone_after_hours",
        actor=agent,
    )
    respond("best_effort", "2026-11-14T22:30")
    # Never answered, due Thu 19 Nov: overdue.
    report("overdue", anja, "2026-11-16T10:00", support_type="functional")
    # Reclassified to direct before its deadline passed (due 11:00 from the report), answered in 45 minutes.
    report("reclassified", bert, "2026-11-24T10:00", support_type="functional")
    services.ticket_classify(
        ticket=t["reclassified"],
        actor=agent,
        reason="Storing",
        support_type="unmanaged",
        priority="direct",
        now=at("2026-11-24T10:30"),
    )
    respond("reclassified", "2026-11-24T10:45")
    # Not answered yet, due Wed 2 Dec: waiting, not overdue.
    report("waiting", bert, "2026-11-27T16:00", support_type="functional")
    # Refused: two unknown senders by mail and a contact without the right on the phone in November, one in October.
    for when in ("2026-11-03T08:00", "2026-11-20T23:00", "2026-10-30T12:00"):
        services.report_refuse(channel="email", sender="iemand@elders.example", reason="unknown_sender", now=at(when))
    kees = factories.contact(korrel, "Kees", may_report=False, phones=["0612345678"])
    with pytest.raises(services.ReportRefused):
        services.ticket_create(
            reporter=kees, subject="Printer", body="…", channel="phone", actor=agent, now=at("2026-11-18T11:00")
        )
    # Mail: one held (no dmarc=pass from our server), one quarantined (as a failed step leaves it), in November.
    settings.SERVICEDESK_AUTHSERV_ID = OUR_AUTHSERV_ID
    held, _ = mail_store(mail("anja@korrel.example", "Vals?"), via="pipe", now=at("2026-11-10T09:00"))
    mail_process(held, now=at("2026-11-10T09:00"))
    stuck, _ = mail_store(mail("bert@smile.example", "Kapot"), via="pipe", now=at("2026-11-25T09:00"))
    InboundMail.objects.filter(pk=stuck.pk).update(status=InboundMail.Status.QUARANTINED, reason="test: disk full")
    for key in t:
        t[key].refresh_from_db()
    return Month(agent, korrel, smile, t)
