"""What a contact sees before sending a ticket: per priority they may use, response time, deadline and rate."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from servicedesk.customers.models import Contact
from servicedesk.policy import Channel, Policy, Priority, SupportType
from servicedesk.tickets.pricing import allowed_priorities, policy_for


@dataclass(frozen=True)
class PriorityTerms:
    priority: Priority  # as asked for
    effective: Priority  # as it will be (managed + standard becomes high)
    response_time: timedelta  # office time
    response_due: datetime
    rate: Decimal | None  # None: free of charge
    raised: bool


@dataclass(frozen=True)
class ReportTerms:
    support_type: SupportType
    options: list[PriorityTerms]
    office_hours_now: bool
    not_allowed: list[Priority]  # raised priorities this contact may not use


def report_terms(
    contact: Contact, support_type: SupportType, now: datetime, *, policy: Policy | None = None
) -> ReportTerms:
    """The terms under the policy of a ticket reported now: the contract's service levels, if any."""
    policy = policy or policy_for(contact.customer_id, now)
    allowed = allowed_priorities(contact, support_type, policy=policy)
    options = []
    for priority in allowed:
        effective = policy.effective_priority(support_type, priority)
        deadline = policy.response_deadline(
            support_type=support_type, priority=effective, reported=now, channel=Channel.PORTAL
        )
        options.append(
            PriorityTerms(
                priority=priority,
                effective=effective,
                response_time=policy.response_time(support_type, effective),
                response_due=deadline.response_due,
                rate=policy.hourly_rate(support_type, effective),
                raised=policy.is_raised(support_type, priority),
            )
        )
    not_allowed = [p for p in policy.offered_priorities(support_type) if p not in allowed]
    return ReportTerms(support_type, options, policy.is_office_time(now), not_allowed)
