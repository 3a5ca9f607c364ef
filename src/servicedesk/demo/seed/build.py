"""Runs the planned demo history through the services, step by step in time order, with the SLA watch in between."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

from django.db.models import Min, Q

from servicedesk.customers.services import contact_create, contact_set_rights, customer_create, matrix_item_add
from servicedesk.demo.seed.history import Step
from servicedesk.tickets.models import RefusedReport, Ticket
from servicedesk.tickets.services import (
    ReportRefused,
    report_accept,
    report_refuse,
    ticket_add_message,
    ticket_assign,
    ticket_classify,
    ticket_close,
    ticket_create,
    ticket_note,
    ticket_reply,
    ticket_respond,
    time_entry_add,
)
from servicedesk.tickets.sla import sla_watch

WATCH_EVERY = timedelta(minutes=15)  # how often the SLA watch runs during the history
ADMIN = "admin"
# Steps after which a ticket's due-soon or deadline moment may have changed.
DEADLINE_ACTIONS = frozenset({"create", "accept", "classify", "respond", "close", "customer_message"})
_NEVER = datetime.max.replace(tzinfo=UTC)


def _next_flag_moment() -> datetime | None:
    """The earliest due-soon moment or deadline the SLA watch has not flagged yet."""
    waiting = Q(responded_at__isnull=True) & ~Q(status=Ticket.Status.CLOSED)
    moments = Ticket.objects.aggregate(
        due_soon=Min("due_soon_at", filter=waiting & Q(due_soon_flagged_at__isnull=True)),
        breach=Min("response_due", filter=waiting & Q(best_effort=False, breached_flagged_at__isnull=True)),
    )
    found = [m for m in moments.values() if m is not None]
    return min(found) if found else None


def _quarter_on_or_after(moment: datetime) -> datetime:
    step = WATCH_EVERY.total_seconds()
    return datetime.fromtimestamp(math.ceil(moment.timestamp() / step) * step, tz=UTC)


class DemoBuilder:
    """Carries out the steps of the demo history; keeps what the steps refer to by name or index."""

    def __init__(self, users: dict):
        self.users = users
        self.customers: dict[str, object] = {}
        self.contacts: dict[str, object] = {}
        self.items: dict[tuple[str, str], object] = {}
        self.tickets: dict[int, object] = {}
        self.kept_refusals: dict[str, RefusedReport] = {}

    def run(self, steps: list[Step], *, until: datetime) -> None:
        """Every step in order, with the SLA watch run as it would have been: every quarter of an hour.

        The watch only runs at the quarters where it has something to flag; it would find nothing at the others.
        """
        pending = None  # the earliest moment a flag falls due; None when unknown
        for step in steps:
            pending = self._watch_until(step.at, pending)
            getattr(self, f"_{step.action}")(step.at, **step.args)
            if step.action in DEADLINE_ACTIONS:
                pending = None
        self._watch_until(until, pending)
        sla_watch(now=until)

    def _watch_until(self, moment: datetime, pending: datetime | None) -> datetime | None:
        while True:
            if pending is None:
                pending = _next_flag_moment() or _NEVER
            if pending > moment or (tick := _quarter_on_or_after(pending)) > moment:
                return pending
            sla_watch(now=tick)
            pending = None

    def _user(self, username: str | None):
        return None if username is None else self.users[username]

    # -- set-up --------------------------------------------------------------------------------------------

    def _customer(self, at: datetime, *, spec) -> None:
        self.customers[spec.code] = customer_create(
            name=spec.name,
            code=spec.code,
            street=spec.street,
            postal_code=spec.postal_code,
            city=spec.city,
            actor=self.users[ADMIN],
            now=at,
        )

    def _matrix_item(self, at: datetime, *, customer: str, name: str, description: str) -> None:
        self.items[customer, name] = matrix_item_add(
            customer=self.customers[customer], name=name, description=description, actor=self.users[ADMIN], now=at
        )

    def _contact(self, at: datetime, *, customer: str, spec) -> None:
        self.contacts[spec.name] = contact_create(
            customer=self.customers[customer],
            name=spec.name,
            email=spec.email,
            phones=spec.phones,
            language=spec.language,
            may_report=None if spec.main else spec.may_report,
            may_raise_priority=None if spec.main else spec.may_raise_priority,
            main_contact=spec.main,
            actor=self.users[ADMIN],
            now=at,
        )

    def _rights(self, at: datetime, *, contact: str, reason: str, rights: dict) -> None:
        person = self.contacts[contact]
        contact_set_rights(contact=person, actor=self.users["anouk"], reason=reason, now=at, **rights)
        person.refresh_from_db()

    # -- reports that create no ticket ------------------------------------------------------------------------

    def _refused_contact(
        self, at: datetime, *, contact: str, channel: str, subject: str, body: str, agent=None, keep=False
    ) -> None:
        try:
            ticket_create(
                reporter=self.contacts[contact],
                subject=subject,
                body=body,
                channel=channel,
                actor=self._user(agent),
                now=at,
            )
        except ReportRefused as refused:
            if keep:
                self.kept_refusals[contact] = refused.refused
        else:  # pragma: no cover - the people data says who may not report
            raise AssertionError(f"{contact} was expected not to be allowed to report")

    def _refused_unknown(self, at: datetime, *, channel: str, sender: str, subject: str, body: str, agent=None) -> None:
        report_refuse(
            channel=channel,
            sender=sender,
            reason=RefusedReport.Reason.UNKNOWN_SENDER,
            subject=subject,
            body=body,
            recorded_by=self._user(agent),
            now=at,
        )

    # -- tickets -----------------------------------------------------------------------------------------------

    def _create(self, at: datetime, *, ticket: int, plan, agent: str | None, body: str) -> None:
        story = plan.story
        item = self.items[plan.customer.code, story.matrix] if plan.with_matrix_item else None
        self.tickets[ticket] = ticket_create(
            reporter=self.contacts[plan.reporter.name],
            subject=story.subject,
            body=body,
            channel=plan.channel,
            support_type=plan.proposed,
            priority=plan.requested,
            matrix_item=item,
            actor=self._user(agent),
            now=at,
        )

    def _accept(self, at: datetime, *, ticket: int, contact: str, agent: str) -> None:
        self.tickets[ticket] = report_accept(
            refused=self.kept_refusals[contact], contact=self.contacts[contact], actor=self.users[agent], now=at
        )

    def _assign(self, at: datetime, *, ticket: int, agent: str, assignee: str) -> None:
        ticket_assign(ticket=self.tickets[ticket], actor=self.users[agent], assignee=self.users[assignee], now=at)

    def _classify(self, at: datetime, *, ticket: int, agent: str, reason: str, **changes) -> None:
        ticket_classify(ticket=self.tickets[ticket], actor=self.users[agent], reason=reason, now=at, **changes)

    def _note(self, at: datetime, *, ticket: int, agent: str, body: str) -> None:
        ticket_note(ticket=self.tickets[ticket], actor=self.users[agent], body=body, now=at)

    def _respond(self, at: datetime, *, ticket: int, agent: str, diagnosis: str) -> None:
        ticket_respond(ticket=self.tickets[ticket], actor=self.users[agent], diagnosis=diagnosis, now=at)

    def _reply(self, at: datetime, *, ticket: int, agent: str, body: str, wait: bool = False) -> None:
        ticket_reply(ticket=self.tickets[ticket], actor=self.users[agent], body=body, wait_for_customer=wait, now=at)

    def _customer_message(self, at: datetime, *, ticket: int, body: str) -> None:
        current = self.tickets[ticket]
        ticket_add_message(ticket=current, contact=current.reporter, body=body, now=at)

    def _time(
        self, at: datetime, *, ticket: int, agent: str, start: datetime, minutes: int, kind: str, description: str
    ) -> None:
        time_entry_add(
            ticket=self.tickets[ticket],
            agent=self.users[agent],
            start=start,
            minutes=minutes,
            kind=kind,
            description=description,
            now=at,
        )

    def _close(self, at: datetime, *, ticket: int, agent: str, reason: str) -> None:
        ticket_close(ticket=self.tickets[ticket], actor=self.users[agent], reason=reason, now=at)
