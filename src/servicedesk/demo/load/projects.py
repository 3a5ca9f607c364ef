"""Load data of projects: a time-and-materials project per customer, in progress, with its time entries; most
within a generous budget, every tenth with a budget its time passes (that work awaits approval in a run)."""

from __future__ import annotations

import random
from collections import Counter

from servicedesk.demo.load.tickets import DAY
from servicedesk.demo.load.world import World
from servicedesk.demo.load.writer import Table, Writer
from servicedesk.projects.models import Project, ProjectTimeEntry

PROJECT_COLUMNS = (
    "id",
    "customer_id",
    "name",
    "kind",
    "description",
    "lead_id",
    "status",
    "billing_mode",
    "hourly_rate_cents",
    "budget_minutes",
    "created_at",
    "updated_at",
)
ENTRY_COLUMNS = ("id", "project_id", "agent_id", "kind", "start", "minutes", "description", "created_at", "reason")
WORK = ("Mailboxen verhuisd", "Werkplekken ingericht", "Overleg met de klant", "Documentatie bijgewerkt")


def project_entries_for(tickets: int) -> int:
    """As many project entries as bench/billing.py wants among the tickets' entries: 100,000 per 530,000 tickets."""
    return tickets * 100_000 // 530_000


def generate_projects(
    *, writer: Writer, world: World, rnd: random.Random, start: int, now: int, entries: int
) -> Counter:
    """Insert a project per customer and `entries` time entries spread over them and over the period."""
    projects, times = Table(Project, PROJECT_COLUMNS), Table(ProjectTimeEntry, ENTRY_COLUMNS)
    first_project, first_entry = projects.next_id(), times.next_id()
    ts = writer.timestamp
    rows = []
    for n, org in enumerate(world.customers):
        budget = 60 * 60 if n % 10 == 0 else 1_000_000 * 60
        rows.append(
            (
                first_project + n,
                org.id,
                f"Migratie {n + 1}",
                "migration",
                "",
                rnd.choice(world.agents),
                "in_progress",
                "time_and_materials",
                9500,
                budget,
                ts(start),
                ts(start),
            )
        )
    writer.insert(projects, rows)
    days = max(1, (now - start) // DAY - 1)
    entry_rows = []
    for i in range(entries):
        # From 8:00 to 15:00 UTC on a day of the period: office hours mostly, some evenings and weekends.
        at = start + rnd.randrange(days) * DAY + 8 * 3600 + rnd.randrange(7 * 60) * 60
        minutes = rnd.choice((15, 30, 45, 60, 90, 120, 240))
        kind = "travel" if rnd.random() < 0.05 else "work"
        row = (first_entry + i, first_project + rnd.randrange(len(rows)), rnd.choice(world.agents), kind)
        entry_rows.append((*row, ts(at), minutes, rnd.choice(WORK), ts(at + minutes * 60), ""))
        if len(entry_rows) == 10_000:
            writer.insert(times, entry_rows)
            entry_rows = []
    writer.insert(times, entry_rows)
    return Counter({"projects": len(rows), "project time entries": entries})
