"""The SLA figures counted again, one ticket at a time from the rows, the way POLICY.md says them: what the
report's aggregate queries are checked against."""

from __future__ import annotations

from collections import defaultdict

from django.utils import timezone

from servicedesk.core.policy import current_policy


def recount(tickets, group: str, now) -> dict:
    """The SLA figures counted one ticket at a time, from the rows, the way POLICY.md says them."""
    policy = current_policy()
    found = defaultdict(lambda: defaultdict(int))
    durations = defaultdict(list)
    for ticket in tickets:
        if group == "month":
            key = f"{timezone.localtime(ticket.reported_at):%Y-%m}"
        elif group == "customer":
            key = str(ticket.customer_id)
        else:
            key = str(getattr(ticket, group))
        row = found[key]
        row["tickets"] += 1
        if ticket.best_effort:
            row["best_effort"] += 1
            row["best_effort_in_time"] += bool(ticket.responded_at and ticket.response_met)
            continue
        if ticket.responded_at is None:
            row["unanswered"] += 1
            row["overdue"] += ticket.response_due <= now or ticket.breached_flagged_at is not None
        else:
            row["in_time" if ticket.response_met else "late"] += 1
            durations[key].append(policy.office_time_between(ticket.reported_at, ticket.responded_at))
    for key, values in durations.items():
        values.sort()
        n = len(values)
        found[key]["median"] = values[n // 2] if n % 2 else (values[n // 2 - 1] + values[n // 2]) / 2
        found[key]["p90"] = values[-(-9 * n // 10) - 1]
    return found
