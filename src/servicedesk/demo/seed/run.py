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
from servicedesk.demo.seed.contracts import seed_contracts
from servicedesk.demo.seed.history import History
from servicedesk.demo.seed.people import AgentSpec
from servicedesk.demo.seed.plan import plan_tickets
from servicedesk.demo.seed.projects import seed_projects
from servicedesk.outbox.models import OutgoingMessage
from servicedesk.portal.services import portal_invite
from servicedesk.projects.models import Project, Quote
from servicedesk.tickets.models import Message, RefusedReport, Ticket, TimeEntry

SEED = 20261125  # fixed: the same anchor gives the same demo


@dataclass
class SeedResult:
    accounts: list[tuple[AgentSpec, bool]]  # each demo login and whether it was created now
    counts: dict[str, int]
    portal_logins: list[tuple[str, str, str]]  # (e-mail, password, who) of the contacts who may use the portal


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
        seed_projects(users, anchor=anchor)
        seed_contracts(agent=users["fatima"], start=start, anchor=anchor)
        # The demo has no mail server: the notices of the past count as delivered, a moment after queueing.
        portal_logins = _portal_accounts(users, anchor)
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
        "projects": Project.objects.count(),
        "quotes": Quote.objects.count(),
    }
    return SeedResult(accounts=accounts, counts=counts, portal_logins=portal_logins)


PORTAL_PASSWORD = "demo-portal"


def _portal_accounts(users: dict, at: datetime) -> list[tuple[str, str, str]]:
    """Two contacts get portal accounts: the first customer's main contact (may raise priority) and a contact
    who may only report. Invited through the service; the demo password is then set directly."""
    main = Customer.objects.order_by("id").first().main_contact
    reporter = (
        Contact.objects.filter(may_report=True, may_raise_priority=False, active=True)
        .exclude(email="")
        .order_by("customer_id", "id")
        .first()
    )
    chosen = [c for c in (main, reporter) if c is not None]
    agent = next(iter(users.values()))
    logins = []
    for contact in chosen:
        portal_invite(contact=contact, actor=agent, now=at)
        contact.refresh_from_db()
        contact.user.set_password(PORTAL_PASSWORD)
        contact.user.save(update_fields=["password"])
        who = "main contact, may raise priority" if contact.may_raise_priority else "may report, standard priority"
        logins.append((contact.email, PORTAL_PASSWORD, f"{contact.name}, {contact.customer.name} ({who})"))
    return logins
