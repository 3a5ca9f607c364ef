"""The demo's projects, made through the services like the rest: for the first customer (whose main contact has a
portal login), a Microsoft 365 migration with a quote sent and waiting for a decision, and an inventory of the
workplaces whose fixed-price quote the main contact accepted."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from servicedesk.customers.models import Customer
from servicedesk.projects import quote_services as quotes
from servicedesk.projects import services

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
        at=anchor - timedelta(days=14),
    )
    quote = quotes.quote_create(
        project=migration,
        actor=lead,
        billing_mode="time_and_materials",
        hourly_rate_cents=9500,
        now=anchor - timedelta(days=12),
    )
    quotes.quote_line_add(
        quote=quote,
        actor=lead,
        kind="travel",
        description="Voorrijden, drie bezoeken",
        quantity=Decimal(3),
        unit_price_cents=3250,
        now=anchor - timedelta(days=12),
    )
    quotes.quote_send(quote=quote, actor=lead, now=anchor - timedelta(days=10))

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
