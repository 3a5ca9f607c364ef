"""Engine answers as the JSON shapes of the what-if CLI contract."""

from __future__ import annotations

from servicedesk.policy import ResponseDeadline, TicketPrice
from servicedesk.policy.config import format_amount


def deadline_json(deadline: ResponseDeadline) -> dict:
    return {
        "support_type": deadline.support_type.value,
        "priority": deadline.priority.value,
        "reported": deadline.reported.isoformat(),
        "response_due": deadline.response_due.isoformat(),
        "best_effort": deadline.best_effort,
    }


def price_json(price: TicketPrice, time_zone) -> dict:
    return {
        "total": format_amount(price.total_cents),
        "currency": price.currency,
        "free_reason": price.free_reason.value if price.free_reason else None,
        "lines": [
            {
                "kind": line.kind.value,
                "start": _local_iso(line.start, time_zone),
                "minutes": line.minutes,
                "billed_minutes": line.billed_minutes,
                "amount": format_amount(line.amount_cents),
            }
            for line in price.lines
        ],
    }


def _local_iso(instant, time_zone) -> str | None:
    if instant is None:
        return None
    if instant.tzinfo is not time_zone:
        instant = instant.astimezone(time_zone)
    return instant.isoformat()
