"""Engine answers as the JSON shapes of the what-if CLI contract."""

from __future__ import annotations

from servicedesk.policy import ResponseDeadline, TicketPrice


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
        "total": str(price.total),
        "currency": price.currency,
        "free_reason": price.free_reason.value if price.free_reason else None,
        "lines": [
            {
                "kind": line.kind.value,
                "start": line.start.astimezone(time_zone).isoformat() if line.start is not None else None,
                "minutes": line.minutes,
                "billed_minutes": line.billed_minutes,
                "amount": str(line.amount),
            }
            for line in price.lines
        ],
    }
