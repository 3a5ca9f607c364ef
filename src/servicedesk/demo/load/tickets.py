"""Rows for many tickets at once: the ticket, its 3-6 messages, 0-4 time entries and its 'created' event."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from servicedesk.core.policy import current_policy
from servicedesk.demo.load import texts
from servicedesk.demo.load.world import World
from servicedesk.demo.load.writer import Table
from servicedesk.tickets.models import Message, Ticket, TicketEvent, TimeEntry
from servicedesk.tickets.pricing import deadline_for

DAY = 86400
TICKET_COLUMNS = (
    "id",
    "customer_id",
    "reporter_id",
    "subject",
    "proposed_support_type",
    "support_type",
    "support_type_confirmed",
    "requested_priority",
    "priority",
    "channel",
    "critical",
    "status",
    "matrix_item_id",
    "assignee_id",
    "reported_at",
    "response_due",
    "due_soon_at",
    "best_effort",
    "responded_at",
    "response_met",
    "diagnosis",
    "due_soon_flagged_at",
    "breached_flagged_at",
    "closed_at",
    "updated_at",
)
MESSAGE_COLUMNS = ("id", "ticket_id", "kind", "author_user_id", "author_contact_id", "body", "created_at")
ENTRY_COLUMNS = ("id", "ticket_id", "agent_id", "kind", "start", "minutes", "description", "created_at")
EVENT_COLUMNS = (
    "id",
    "ticket_id",
    "at",
    "actor_id",
    "actor_contact_id",
    "kind",
    "field",
    "old_value",
    "new_value",
    "reason",
)
WORK_MINUTES = (10, 15, 15, 20, 25, 30, 30, 45, 60, 60, 90)
LONG_MINUTES = (120, 150, 180, 240)
ENTRY_COUNTS = (0, 1, 1, 1, 2, 2, 2, 3, 3, 4)  # 0-4 time entries, mostly 1-2
ENTRIES_PER_TICKET = sum(ENTRY_COUNTS) / len(ENTRY_COUNTS)  # on a ticket past "new"
LOWEST = {"managed": "high", "unmanaged": "standard", "functional": "standard"}
RAISED = {"managed": ("direct",), "unmanaged": ("high", "direct"), "functional": ("high", "direct")}


@dataclass
class Batch:
    tickets: list[tuple]
    messages: list[tuple]
    entries: list[tuple]
    events: list[tuple]

    @property
    def rows(self) -> int:
        return len(self.tickets) + len(self.messages) + len(self.entries) + len(self.events)


class TicketRows:
    """Makes ticket rows spread evenly over [start, now), in time order, with ids from the given firsts."""

    def __init__(
        self,
        *,
        world: World,
        rnd: random.Random,
        timestamp,
        start: int,
        now: int,
        total: int,
        entries_per_ticket: float = ENTRIES_PER_TICKET,
    ):
        self.world = world
        # The usual spread of entry counts, stretched to the asked mean (a worked ticket's count times the ratio,
        # rounded up with the fraction's chance, so the mean comes out exact); None keeps the random sequence of
        # earlier runs with the same seed.
        self.entry_ratio = None if entries_per_ticket == ENTRIES_PER_TICKET else entries_per_ticket / ENTRIES_PER_TICKET
        self.rnd = rnd
        self.ts = timestamp
        self.start = start
        self.now = now
        self.step = (now - start) / total
        self.policy = current_policy()
        self.tables = {
            "tickets": Table(Ticket, TICKET_COLUMNS),
            "messages": Table(Message, MESSAGE_COLUMNS),
            "entries": Table(TimeEntry, ENTRY_COLUMNS),
            "events": Table(TicketEvent, EVENT_COLUMNS),
        }
        self.ids = {name: table.next_id() for name, table in self.tables.items()}

    def batch(self, first: int, count: int) -> Batch:
        """Rows for the tickets number `first` .. `first + count - 1` of this run."""
        out = Batch([], [], [], [])
        for n in range(first, first + count):
            self._ticket(n, out)
        return out

    def _reported(self, n: int) -> tuple[int, datetime, bool]:
        """When ticket n was reported: mostly office hours (night and weekend reports move to the next workday)."""
        rnd, policy = self.rnd, self.policy
        seconds = int(self.start + (n + rnd.random()) * self.step)
        when = datetime.fromtimestamp(seconds, UTC)
        office = policy.is_office_time(when)
        if not office and rnd.random() < 0.85:
            moved = policy.add_office_time(when, timedelta(minutes=rnd.randrange(480)))
            moved_seconds = int(moved.timestamp())
            if moved_seconds < self.now - 60:
                return moved_seconds, moved, True
        return seconds, when, office

    def _ticket(self, n: int, out: Batch) -> None:
        rnd = self.rnd
        random_ = rnd.random
        ts = self.ts
        now = self.now
        world = self.world
        ticket_id = self.ids["tickets"]
        self.ids["tickets"] += 1

        reported, reported_at, office = self._reported(n)
        org = rnd.choices(world.customers, cum_weights=world.weights)[0]
        reporter = rnd.choice(org.reporters)
        r = random_()
        if office:
            channel = "email" if r < 0.45 else "portal" if r < 0.7 else "phone"
        else:
            channel = "email" if r < 0.55 else "portal" if r < 0.9 else "phone_after_hours"
        r = random_()
        support_type = "managed" if r < 0.4 else "unmanaged" if r < 0.65 else "functional"
        matrix_item = rnd.choice(org.items) if support_type == "managed" and random_() < 0.85 else None
        # What was asked for, and what the ticket got.
        if channel == "phone_after_hours":
            requested = "direct"
        elif channel == "email":
            requested = "standard"
        else:
            r = random_()
            requested = "standard" if r < 0.55 else "high" if r < 0.88 else "direct"
        priority = requested
        if priority in RAISED[support_type] and not reporter.may_raise:
            priority = LOWEST[support_type]  # lowered: the reporter may not raise priority
        elif channel == "email" and random_() < 0.25:
            priority = "high" if random_() < 0.75 else "direct"  # an agent raised it
        critical = random_() < 0.01
        if critical:
            priority = "direct"
        elif support_type == "managed" and priority == "standard":
            priority = "high"
        deadline = deadline_for(
            support_type=support_type, priority=priority, channel=channel, reported_at=reported_at, critical=critical
        )
        due = int(deadline.response.response_due.timestamp())
        due_soon = int(deadline.due_soon_at.timestamp())
        best_effort = deadline.response.best_effort

        # Where the ticket is now: old tickets are closed, recent ones in every state.
        age = now - reported
        r = random_()
        if age > 30 * DAY:
            status = "closed" if r < 0.97 else "waiting" if r < 0.985 else "open"
        elif age > 7 * DAY:
            status = "closed" if r < 0.8 else "waiting" if r < 0.9 else "open" if r < 0.98 else "new"
        else:
            status = "closed" if r < 0.35 else "open" if r < 0.6 else "waiting" if r < 0.75 else "new"
        responded = None
        if status != "new" and random_() < 0.96:
            if random_() < 0.9:
                responded = reported + int((due - reported) * (0.05 + 0.9 * random_()))
            else:
                responded = due + rnd.randrange(600, 2 * DAY)
            responded = max(reported, min(responded, now - 60))
        closed = None
        if status == "closed":
            closed = max(reported, min((responded or reported) + rnd.randrange(1800, 5 * DAY), now - 30))
        watched_until = min(responded or now + 1, closed or now + 1)
        due_soon_flag = due_soon + rnd.randrange(60) if due_soon < watched_until and due_soon <= now else None
        breach_flag = due + rnd.randrange(60) if not best_effort and due < watched_until and due <= now else None
        if breach_flag is not None and due_soon_flag is None:
            due_soon_flag = breach_flag
        agents = world.agents
        assignee = rnd.choice(agents) if (status != "new" and random_() < 0.95) or random_() < 0.4 else None
        phone = channel in ("phone", "phone_after_hours")
        taker = (assignee or rnd.choice(agents)) if phone else None
        proposed = support_type if random_() < 0.9 else "functional"

        # Messages: the report, then replies, customer messages and notes.
        end = closed or min(now - 10, reported + 7 * DAY)
        ids = self.ids
        messages = out.messages
        message_id = ids["messages"]
        name = reporter.name
        messages.append(
            (
                message_id,
                ticket_id,
                "incoming",
                taker,
                reporter.id,
                f"{rnd.choice(texts.BODIES)}\n\nMet vriendelijke groet,\n{name}",
                ts(reported),
            )
        )
        message_id += 1
        count = rnd.randint(3, 6)
        times = sorted(reported + int((end - reported) * random_()) for _ in range(count - 1))
        last = reported
        agent = assignee or rnd.choice(agents)
        for i, at in enumerate(times):
            if status == "new":
                kind = "note" if random_() < 0.5 else "incoming"
            elif status == "waiting" and i == count - 2:
                kind = "reply"
            else:
                r = random_()
                kind = "note" if r < 0.2 else "reply" if (i % 2 == 0) == (r < 0.85) else "incoming"
            if kind == "incoming":
                row = (message_id, ticket_id, kind, None, reporter.id, rnd.choice(texts.ANSWERS), ts(at))
            elif kind == "reply":
                body = (
                    f"Beste {name.split()[0]},\n\n{rnd.choice(texts.REPLIES)}\n\nMet vriendelijke groet,\nServicedesk"
                )
                row = (message_id, ticket_id, kind, agent, None, body, ts(at))
            else:
                row = (message_id, ticket_id, kind, agent, None, rnd.choice(texts.NOTE_TEXTS), ts(at))
            messages.append(row)
            message_id += 1
            last = at
        ids["messages"] = message_id

        # Time entries, from the response on.
        if status != "new":
            entry_id = ids["entries"]
            begin = responded or reported
            count = rnd.choice(ENTRY_COUNTS)
            if self.entry_ratio is not None:
                count = int(count * self.entry_ratio + random_())
            for _ in range(count):
                r = random_()
                if r < 0.15:
                    kind, minutes = "travel", rnd.randint(20, 90)
                    description = f"Reistijd heen en terug naar {org.city}"
                else:
                    kind = "work"
                    minutes = rnd.randint(2, 5) if r < 0.3 else rnd.choice(LONG_MINUTES if r > 0.9 else WORK_MINUTES)
                    description = rnd.choice(texts.WORK)
                latest = max(begin, end - minutes * 60)
                start = begin + int((latest - begin) * random_())
                start -= start % 300
                created = min(start + minutes * 60 + rnd.randrange(60, 1800), now)
                out.entries.append((entry_id, ticket_id, agent, kind, ts(start), minutes, description, ts(created)))
                entry_id += 1
                last = max(last, created)
            ids["entries"] = entry_id

        event_id = ids["events"]
        ids["events"] = event_id + 1
        out.events.append(
            (
                event_id,
                ticket_id,
                ts(reported),
                taker,
                None if phone else reporter.id,
                "created",
                "channel",
                "",
                channel,
                "",
            )
        )
        updated = max(last, responded or 0, closed or 0)
        out.tickets.append(
            (
                ticket_id,
                org.id,
                reporter.id,
                rnd.choice(texts.SUBJECTS),
                proposed,
                support_type,
                status != "new",
                requested,
                priority,
                channel,
                critical,
                status,
                matrix_item,
                assignee,
                ts(reported),
                ts(due),
                ts(due_soon),
                best_effort,
                None if responded is None else ts(responded),
                None if responded is None else responded <= due,
                rnd.choice(texts.DIAGNOSES) if responded else "",
                None if due_soon_flag is None else ts(due_soon_flag),
                None if breach_flag is None else ts(breach_flag),
                None if closed is None else ts(closed),
                ts(updated),
            )
        )
