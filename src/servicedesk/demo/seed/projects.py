"""The demo's projects, made through the services like the rest: for the first customer (whose main contact has a
portal login), a Microsoft 365 migration on time and materials whose quote the main contact accepted and whose
time has passed 80 % of its hour budget (the lead was told), and an inventory of the workplaces at a fixed price
with its first milestone reached and billed by a billing run of the customer's up to that day."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from django.utils import timezone

from servicedesk.billing.services import billing_run_confirm, billing_run_create
from servicedesk.core.policy import current_policy
from servicedesk.customers.models import Customer
from servicedesk.projects import quote_services as quotes
from servicedesk.projects import services, time_services

#: (phase, milestone, ((task, estimate in minutes, done), ...))
MIGRATION = (
    ("Inventarisatie mailboxen en gedeelde mappen", False, (("Mailboxen en groepen tellen", 120, True),)),
    (
        "Migratie naar Exchange Online",
        True,
        (("Tenant inrichten", 240, False), ("Mailboxen verhuizen", 720, False), ("DNS omzetten", 60, False)),
    ),
    ("Nazorg en uitleg aan medewerkers", False, (("Korte training Teams en Outlook", 180, False),)),
)
INVENTORY = (
    ("Opname op locatie", True, (("Werkplekken en printers noteren", 240, True), ("Netwerk in kaart", 120, True))),
    ("Advies", False, (("Rapport met advies schrijven", 240, False),)),
)


def _project(*, customer, name: str, kind: str, description: str, lead, phases, at: datetime):
    project = services.project_create(
        customer=customer, name=name, kind=kind, actor=lead, lead=lead, description=description, now=at
    )
    for position, (phase_name, milestone, tasks) in enumerate(phases, start=1):
        moment = at + timedelta(minutes=position)
        phase = services.phase_add(project=project, name=phase_name, actor=lead, milestone=milestone, now=moment)
        for title, minutes, done in tasks:
            task = services.task_add(
                project=project,
                phase=phase,
                title=title,
                actor=lead,
                assignee=lead,
                estimate_minutes=minutes,
                now=moment,
            )
            if done:
                services.task_set_done(
                    project=project, task=task, done=True, actor=lead, now=moment + timedelta(days=2)
                )
    return project


def seed_projects(users: dict, *, anchor: datetime) -> None:
    customer = Customer.objects.order_by("id").select_related("main_contact").first()
    lead = users["anouk"]
    migration = _project(
        customer=customer,
        name="Migratie naar Microsoft 365",
        kind="migration",
        description="Mail, agenda's en gedeelde mappen van de lokale server naar Microsoft 365.",
        lead=lead,
        phases=MIGRATION,
        at=anchor - timedelta(days=28),
    )
    quote = quotes.quote_create(
        project=migration,
        actor=lead,
        billing_mode="time_and_materials",
        hourly_rate_cents=9500,
        now=anchor - timedelta(days=26),
    )
    quotes.quote_line_add(
        quote=quote,
        actor=lead,
        kind="travel",
        description="Voorrijden, drie bezoeken",
        quantity=Decimal(3),
        unit_price_cents=3250,
        now=anchor - timedelta(days=26),
    )
    quote = quotes.quote_send(quote=quote, actor=lead, now=anchor - timedelta(days=24))
    quotes.quote_accept(
        quote=quote,
        contact=customer.main_contact,
        address="192.0.2.45",
        comment="Akkoord, graag starten na de inventarisatie.",
        now=anchor - timedelta(days=22),
    )
    services.project_set_status(
        project=migration, status="in_progress", actor=lead, reason="Gestart", now=anchor - timedelta(days=22)
    )
    _book_migration(migration, lead, anchor)

    inventory = _project(
        customer=customer,
        name="Inventarisatie werkplekken",
        kind="inventory",
        description="Alle werkplekken, printers en het netwerk in kaart, met een advies voor vervanging.",
        lead=lead,
        phases=INVENTORY,
        at=anchor - timedelta(days=40),
    )
    offer = quotes.quote_create(
        project=inventory,
        actor=lead,
        billing_mode="fixed_price",
        hourly_rate_cents=9500,
        now=anchor - timedelta(days=38),
    )
    offer = quotes.quote_send(quote=offer, actor=lead, now=anchor - timedelta(days=37))
    quotes.quote_accept(
        quote=offer,
        contact=customer.main_contact,
        address="192.0.2.45",
        comment="Akkoord. Graag op een dinsdag of donderdag langskomen.",
        now=anchor - timedelta(days=35),
    )
    services.project_set_status(
        project=inventory, status="in_progress", actor=lead, reason="Opname gepland", now=anchor - timedelta(days=34)
    )
    # The opname is done: its milestone is reached, and a billing run of the customer's up to that day billed its share.
    survey = inventory.phases.get(position=1)
    reached = anchor - timedelta(days=30)
    time_services.milestone_reach(project=inventory, phase=survey, actor=lead, now=reached)
    day = timezone.localtime(reached).date()
    billed = reached + timedelta(days=1)
    run = billing_run_create(
        actor=users["fatima"], period_start=day.replace(day=1), period_end=day, customers=[customer], now=billed
    )
    billing_run_confirm(run, actor=users["fatima"], now=billed)


#: (task, minutes booked in a working day) on the migration: 20 of its 22 budgeted hours, past 80 %.
MIGRATION_TIME = (
    ("Mailboxen en groepen tellen", 150),
    ("Tenant inrichten", 270),
    ("Mailboxen verhuizen", 480),
    ("Mailboxen verhuizen", 240),
    ("DNS omzetten", 60),
)


def _book_migration(project, lead, anchor: datetime) -> None:
    """Work on the migration's tasks on the office days before the anchor, one day each, from 9:00."""
    policy = current_policy()
    tasks = {task.title: task for phase in project.phases.all() for task in phase.tasks.all()}
    day = anchor.astimezone(policy.time_zone).replace(hour=9, minute=0, second=0, microsecond=0) - timedelta(days=21)
    for title, minutes in MIGRATION_TIME:
        while not policy.is_office_time(day) or not policy.is_office_time(day + timedelta(minutes=minutes - 1)):
            day += timedelta(days=1)
        time_services.project_time_add(
            project=project,
            agent=lead,
            task=tasks[title],
            start=day,
            minutes=minutes,
            description=title,
            now=day + timedelta(minutes=minutes),
        )
        day += timedelta(days=1)
