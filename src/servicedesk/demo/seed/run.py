"""Builds the whole demo data set in one transaction, anchored at a given "now"."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F

from servicedesk.core.policy import current_policy
from servicedesk.customers.models import Contact, Customer
from servicedesk.demo.seed.accounts import ensure_accounts
from servicedesk.demo.seed.build import DemoBuilder
from servicedesk.demo.seed.clock import DemoClock
from servicedesk.demo.seed.history import History
from servicedesk.demo.seed.people import AgentSpec
from servicedesk.demo.seed.plan import plan_tickets
from servicedesk.outbox.models import OutgoingMessage
from servicedesk.tickets.models import Message, RefusedReport, Ticket, TimeEntry

SEED = 20261125  # fixed: the same anchor gives the same demo


@dataclass
class SeedResult:
    accounts: list[tuple[AgentSpec, bool]]  # each demo login and whether it was created now
    counts: dict[str, int]


def seed_demo(*, anchor: datetime) -> SeedResult:
    """Create the demo customers, contacts, agents and ticket history, everything through the services."""
    rnd = random.Random(SEED)
    clock = DemoClock(current_policy(), anchor, rnd)
    history = History(clock, rnd)
    start = history.setup()
    plans = plan_tickets(rnd)
    for index, plan in enumerate(plans):
        history.ticket(index, plan)
    history.refused_reports()
    steps = history.ordered()
    with transaction.atomic():
        users, accounts = ensure_accounts(joined=start - timedelta(days=1))
        builder = DemoBuilder(users)
        builder.run(steps, until=anchor)
        # The demo has no mail server: the notices of the past count as delivered, a moment after queueing.
        OutgoingMessage.objects.filter(status=OutgoingMessage.Status.QUEUED).update(
            status=OutgoingMessage.Status.SENT, sent_at=F("created_at") + timedelta(seconds=20), attempts=1
        )
    counts = {
        "customers": Customer.objects.count(),
        "contacts": Contact.objects.count(),
        "tickets": Ticket.objects.count(),
        "messages": Message.objects.count(),
        "time entries": TimeEntry.objects.count(),
        "refused reports": RefusedReport.objects.count(),
    }
    return SeedResult(accounts=accounts, counts=counts)
