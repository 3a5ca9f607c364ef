"""Fills the database with load data: customers and agents first, then tickets in batches, one transaction each."""

from __future__ import annotations

import random
import time
from collections import Counter
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from servicedesk.customers.models import Contact, ContactPhone, Customer, ServiceMatrixItem
from servicedesk.demo.load.pipeline import ahead
from servicedesk.demo.load.progress import LoadProgress
from servicedesk.demo.load.projects import generate_projects, project_entries_for
from servicedesk.demo.load.tickets import DAY, ENTRIES_PER_TICKET, TicketRows
from servicedesk.demo.load.world import build_world
from servicedesk.demo.load.writer import Writer
from servicedesk.projects.models import Project, ProjectTimeEntry
from servicedesk.tickets.models import Message, Ticket, TicketEvent, TimeEntry

YEARS = 3  # tickets are spread over this many years before now
AGENTS = 20
LABELS = {"tickets": "tickets", "messages": "messages", "entries": "time entries", "events": "ticket events"}


@dataclass
class GenerateResult:
    rows: Counter  # rows inserted, by what they are
    seconds: float

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())


def customers_for(tickets: int) -> int:
    """A realistic number of customers for this many tickets."""
    return tickets // 2000 + 10


def generate(
    *, tickets: int, batch_size: int, seed: int, out, terminal: bool, entries_per_ticket: float = ENTRIES_PER_TICKET
) -> GenerateResult:
    """Insert `tickets` tickets with their messages, time entries and events, plus customers and agents."""
    began = time.perf_counter()
    rnd = random.Random(seed)
    writer = Writer()
    now = int(timezone.now().timestamp())
    start = now - YEARS * 365 * DAY
    rows: Counter = Counter()
    writer.start()
    try:
        with transaction.atomic():
            writer.begin_batch()
            world = build_world(
                writer=writer, rnd=rnd, customers=customers_for(tickets), agents=AGENTS, created=start - 30 * DAY
            )
        rows.update(world.rows)
        factory = TicketRows(
            world=world,
            rnd=rnd,
            timestamp=writer.timestamp,
            start=start,
            now=now,
            total=tickets,
            entries_per_ticket=entries_per_ticket,
        )
        batches = ahead(
            factory.batch(first, min(batch_size, tickets - first)) for first in range(0, tickets, batch_size)
        )
        with LoadProgress(total=tickets, out=out, terminal=terminal) as progress:
            for batch in batches:
                with transaction.atomic():
                    writer.begin_batch()
                    for name in ("tickets", "messages", "entries", "events"):
                        writer.insert(factory.tables[name], getattr(batch, name))
                        rows[LABELS[name]] += len(getattr(batch, name))
                progress.advance(len(batch.tickets), batch.rows)
        with transaction.atomic():
            writer.begin_batch()
            rows.update(
                generate_projects(
                    writer=writer, world=world, rnd=rnd, start=start, now=now, entries=project_entries_for(tickets)
                )
            )
    finally:
        writer.finish(
            [
                Customer,
                Contact,
                ContactPhone,
                ServiceMatrixItem,
                get_user_model(),
                Ticket,
                Message,
                TimeEntry,
                TicketEvent,
                Project,
                ProjectTimeEntry,
            ]
        )
    return GenerateResult(rows=rows, seconds=time.perf_counter() - began)
