"""Tickets and time entries as the policy engine sees them: deadlines and prices come only from there.

A ticket is answered and priced under the policy file, with the own service levels (rate card and response times)
of its customer's contract in force on the day it was reported (POLICY.md §9): `ticket_policy`. The engine gets
those levels as plain values; contracts know nothing of tickets, so reading them here draws no circle.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.db.models import OuterRef, QuerySet
from django.db.models.functions import TruncDate
from django.utils import timezone

from servicedesk.contracts.selectors import (
    service_levels_in_force,
    service_levels_of_customer,
    service_levels_table_in_force,
)
from servicedesk.core.policy import current_policy
from servicedesk.policy import (
    Channel,
    EntryKind,
    Policy,
    Priority,
    ResponseDeadline,
    SupportType,
    TicketPrice,
    TicketWork,
    TimeEntry,
    read_service_levels,
)
from servicedesk.tickets.models import Ticket, TicketEvent

DUE_SOON_SHARE = 0.75  # a ticket is "due soon" once 75 % of its response time is used


@dataclass(frozen=True, slots=True)
class Deadline:
    """A ticket's response deadline and the moment it becomes due soon."""

    response: ResponseDeadline
    due_soon_at: datetime


def policy_for(customer_id: int, reported_at: datetime) -> Policy:
    """The policy of a ticket of this customer reported at `reported_at`: the policy file's, with the own service
    levels of the contract in force on that (local) day, if any. One query."""
    policy = current_policy()
    day = timezone.localtime(reported_at, policy.time_zone).date()
    levels = service_levels_in_force(customer_id=customer_id, on=day, critical_priority=policy.config.critical_priority)
    return policy if levels is None else policy.with_service_levels(levels)


def with_contract_levels(tickets: QuerySet[Ticket]) -> QuerySet[Ticket]:
    """The tickets, each with `contract_levels`: the own service levels of its customer's contract in force on the
    (local) day it was reported, as stored, or None; `ticket_policy` then needs no query of its own."""
    day = TruncDate("reported_at", tzinfo=current_policy().time_zone)
    levels = service_levels_table_in_force(customer_id=OuterRef("customer_id"), on=OuterRef("reported_day"))
    return tickets.annotate(reported_day=day, contract_levels=levels)


def ticket_policy(ticket: Ticket) -> Policy:
    """The policy a ticket is answered and priced under (see `policy_for`); read with the ticket when it was loaded
    `with_contract_levels`."""
    if not hasattr(ticket, "contract_levels"):
        return policy_for(ticket.customer_id, ticket.reported_at)
    policy = current_policy()
    if ticket.contract_levels is None:
        return policy
    levels = read_service_levels(ticket.contract_levels, critical_priority=policy.config.critical_priority)
    return policy.with_service_levels(levels)


def customer_policies(customer_id: int) -> Callable[[datetime], Policy]:
    """For many tickets of one customer: their policy by the moment reported, from one query."""
    policy = current_policy()
    contracts = service_levels_of_customer(customer_id=customer_id, critical_priority=policy.config.critical_priority)
    derived = {id(found): policy.with_service_levels(found.levels) for found in contracts}

    def policy_at(reported_at: datetime) -> Policy:
        day = timezone.localtime(reported_at, policy.time_zone).date()
        found = next((c for c in contracts if c.in_force_on(day)), None)
        return policy if found is None else derived[id(found)]

    return policy_at


def _policy_of(ticket) -> Policy:
    """A ticket row's policy; a plain value that is not a Ticket (billing's rows) is priced under the policy
    file's until billing passes the policy it read."""
    return ticket_policy(ticket) if isinstance(ticket, Ticket) else current_policy()


def deadline_for(
    *,
    support_type: str,
    priority: str,
    channel: str,
    reported_at: datetime,
    critical: bool = False,
    policy: Policy | None = None,
) -> Deadline:
    """The response deadline under `policy` (default: the policy file's; a ticket's is `ticket_policy`)."""
    policy = policy or current_policy()
    response = policy.response_deadline(
        support_type=SupportType(support_type),
        priority=Priority(priority),
        reported=reported_at,
        channel=Channel(channel),
        critical=critical,
    )
    if response.best_effort:
        due_soon_at = reported_at + (response.response_due - reported_at) * DUE_SOON_SHARE
    else:
        response_time = policy.response_time(SupportType(support_type), response.priority)
        due_soon_at = policy.add_office_time(reported_at, response_time * DUE_SOON_SHARE)
    return Deadline(response, due_soon_at)


def reclassified_deadline_for(
    *,
    support_type: str,
    priority: str,
    channel: str,
    reported_at: datetime,
    critical: bool,
    changed_at: datetime,
    old_due: datetime,
    policy: Policy | None = None,
) -> Deadline:
    """The deadline after a reclassification at `changed_at` (POLICY.md §4, the policy's `reclassified_deadline`);
    due soon once 75 % of the time from the report, or from the change when it counts from there, is used."""
    policy = policy or current_policy()
    from_report = deadline_for(
        support_type=support_type,
        priority=priority,
        channel=channel,
        reported_at=reported_at,
        critical=critical,
        policy=policy,
    )
    if from_report.response.response_due > changed_at:
        return from_report
    response = policy.reclassified_deadline(
        support_type=SupportType(support_type),
        priority=Priority(priority),
        reported=reported_at,
        changed=changed_at,
        old_due=old_due,
        channel=Channel(channel),
        critical=critical,
    )
    if response.best_effort:
        due_soon_at = changed_at + (response.response_due - changed_at) * DUE_SOON_SHARE
    else:
        left = policy.office_time_between(changed_at, response.response_due)
        due_soon_at = policy.add_office_time(changed_at, left * DUE_SOON_SHARE)
    return Deadline(response, due_soon_at)


def allowed_priorities(contact, support_type: SupportType, *, policy: Policy | None = None) -> list[Priority]:
    """The priorities a contact may ask for on this support type (raised ones need the right), under `policy`
    (default: that of a ticket the contact reports now)."""
    policy = policy or policy_for(contact.customer_id, timezone.now())
    return [
        p
        for p in policy.offered_priorities(support_type)
        if contact.may_raise_priority or not policy.is_raised(support_type, p)
    ]


def ticket_work(ticket, entries: Iterable) -> TicketWork:
    """The ticket and its time entries (model rows or TimeEntry values) as the engine's input."""
    values = [e if isinstance(e, TimeEntry) else TimeEntry(EntryKind(e.kind), e.start, e.minutes) for e in entries]
    return TicketWork(
        SupportType(ticket.support_type), Priority(ticket.priority), Channel(ticket.channel), ticket.critical, values
    )


def ticket_price(ticket, entries: Iterable | None = None, *, policy: Policy | None = None) -> TicketPrice:
    """The price of a ticket's time entries (default: all of them) under its policy (`ticket_policy`)."""
    if entries is None:
        entries = ticket.time_entries.all()
    return (policy or _policy_of(ticket)).price(ticket_work(ticket, entries))


def hourly_rate(ticket, *, policy: Policy | None = None):
    """The ticket's hourly rate (None when its service level is free), under its policy."""
    if ticket.critical:
        return None
    policy = policy or _policy_of(ticket)
    return policy.hourly_rate(SupportType(ticket.support_type), Priority(ticket.priority))


def office_time_left(ticket, now: datetime) -> timedelta:
    """Office time left until the response deadline (negative once past it)."""
    policy = current_policy()
    if now <= ticket.response_due:
        if ticket.best_effort:
            return ticket.response_due - now
        return policy.office_time_between(now, ticket.response_due)
    return -(now - ticket.response_due)


@dataclass(frozen=True, slots=True)
class AfterHoursRate:
    """What work outside office hours at a moment costs on a ticket: its band and the hourly rate."""

    band: str
    band_label: str
    hourly_rate: Decimal


def after_hours_rate(ticket, instant: datetime, *, policy: Policy | None = None) -> AfterHoursRate | None:
    """The band and rate of work starting at `instant`, or None in office hours or on a free ticket."""
    policy = policy or _policy_of(ticket)
    rate = hourly_rate(ticket, policy=policy)
    band = policy.band_at(instant)
    if rate is None or band.minimum_rate is None:
        return None
    return AfterHoursRate(band.key, band.label, max(rate, band.minimum_rate))


def after_hours_without_notice(ticket, start: datetime, minutes: int) -> AfterHoursRate | None:
    """For work about to be recorded: the after-hours band it falls in when the customer was not told the
    rate before it started (None when it is office time, free, or the customer was told)."""
    step = timedelta(minutes=15)
    policy = _policy_of(ticket)
    moment, end = start, start + timedelta(minutes=max(minutes, 1))
    found = None
    while moment < end and found is None:
        found = after_hours_rate(ticket, moment, policy=policy)
        moment += step
    if found is None:
        found = after_hours_rate(ticket, end - timedelta(minutes=1), policy=policy)
    if found is None:
        return None
    told = TicketEvent.objects.filter(ticket=ticket, kind=TicketEvent.Kind.RATE_TOLD, at__lte=start).exists()
    return None if told else found
