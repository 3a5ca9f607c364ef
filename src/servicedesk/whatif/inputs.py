"""JSON values from the command line turned into policy-engine requests; every error names its field."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from servicedesk.policy import (
    Channel,
    EntryKind,
    Policy,
    PolicyFileError,
    Priority,
    SupportType,
    TicketWork,
    TimeEntry,
)
from servicedesk.policy.config import read_service_levels
from servicedesk.policy.localtime import NonexistentLocalTime, localize
from servicedesk.policy.timeline import FIRST_YEAR, LAST_YEAR


class InputError(ValueError):
    """Bad input; `field` names where, `problem` says what."""

    def __init__(self, field: str, problem: str):
        self.field = field
        self.problem = problem
        super().__init__(f"{field}: {problem}")


@dataclass(frozen=True, slots=True)
class DeadlineRequest:
    support_type: SupportType
    priority: Priority
    reported: datetime
    channel: Channel


_DEADLINE_FIELDS = frozenset({"support_type", "priority", "reported", "channel", "service_levels"})
_PRICE_FIELDS = frozenset({"support_type", "priority", "channel", "critical", "entries", "service_levels"})
_ENTRY_FIELDS = frozenset({"kind", "start", "minutes"})


def _lookup(enum: type) -> dict[str, Any]:
    return {member.value: member for member in enum}


_SUPPORT_TYPES = _lookup(SupportType)
_PRIORITIES = _lookup(Priority)
_CHANNELS = _lookup(Channel)
_ENTRY_KINDS = _lookup(EntryKind)


def choice(value: Any, field: str, choices: dict[str, Any], what: str) -> Any:
    member = choices.get(value) if isinstance(value, str) else None
    if member is None:
        raise InputError(field, f"unknown {what} {json_repr(value)} (expected one of: {', '.join(choices)})")
    return member


def json_repr(value: Any) -> str:
    """A value for an error message, on one line: control characters escaped, long values cut."""
    if isinstance(value, str):
        text = json.dumps(value[:200], ensure_ascii=False)[1:-1]
        return f"'{text}{'…' if len(value) > 200 else ''}'"
    return json.dumps(value)[:200] if value is None or isinstance(value, bool | int | float) else type(value).__name__


def parse_instant(value: Any, field: str, time_zone: ZoneInfo) -> datetime:
    """An ISO 8601 date and time; naive means local time in the policy's time zone.

    A local time in the spring-forward gap does not exist and is refused; a local time
    repeated in autumn means its first occurrence.
    """
    if not isinstance(value, str):
        raise InputError(field, "must be an ISO 8601 date and time as a string, e.g. '2026-11-24T11:00'")
    try:
        parsed = datetime.fromisoformat(value) if len(value) > 10 else None
    except ValueError:
        parsed = None
    if parsed is None:
        raise InputError(field, f"{json_repr(value)} is not an ISO 8601 date and time, e.g. '2026-11-24T11:00'")
    if not FIRST_YEAR <= parsed.year <= LAST_YEAR:
        raise InputError(
            field, f"{json_repr(value)} is outside the years the calendar covers ({FIRST_YEAR}-{LAST_YEAR})"
        )
    if parsed.tzinfo is not None:
        return parsed
    try:
        return localize(parsed, time_zone)
    except NonexistentLocalTime:
        raise InputError(
            field,
            f"{json_repr(value)} does not exist in {time_zone.key}: the clocks skip that hour "
            "(daylight saving time starts)",
        ) from None


def _require(data: dict, key: str, field: str) -> Any:
    if key not in data:
        raise InputError(field, "missing")
    return data[key]


def _known(data: Any, allowed: frozenset[str], where: str) -> dict:
    if not isinstance(data, dict):
        raise InputError(where, "must be a JSON object")
    for key in data:
        if key not in allowed:
            raise InputError(
                f"{where}.{key}" if where != "input" else key, f"unknown field (expected: {', '.join(sorted(allowed))})"
            )
    return data


def deadline_request(data: Any, time_zone: ZoneInfo) -> DeadlineRequest:
    data = _known(data, _DEADLINE_FIELDS, "input")
    channel = data.get("channel", "email")
    return DeadlineRequest(
        support_type=choice(
            _require(data, "support_type", "support_type"), "support_type", _SUPPORT_TYPES, "support type"
        ),
        priority=choice(_require(data, "priority", "priority"), "priority", _PRIORITIES, "priority"),
        reported=parse_instant(_require(data, "reported", "reported"), "reported", time_zone),
        channel=choice(channel, "channel", _CHANNELS, "channel"),
    )


def _entry_problem(entry: Any, where: str, time_zone: ZoneInfo, max_minutes: int) -> None:
    """Raise the InputError that names what is wrong with a time entry."""
    entry = _known(entry, _ENTRY_FIELDS, where)
    choice(_require(entry, "kind", f"{where}.kind"), f"{where}.kind", _ENTRY_KINDS, "kind")
    parse_instant(_require(entry, "start", f"{where}.start"), f"{where}.start", time_zone)
    minutes = _require(entry, "minutes", f"{where}.minutes")
    if type(minutes) is not int:
        raise InputError(f"{where}.minutes", f"must be a whole number of minutes, not {json_repr(minutes)}")
    if minutes <= 0:
        raise InputError(f"{where}.minutes", f"must be more than 0, not {minutes}")
    if minutes > max_minutes:
        raise InputError(f"{where}.minutes", f"{minutes} is more than {max_minutes} minutes in one entry")


def price_request(data: Any, policy: Policy) -> TicketWork:
    data = _known(data, _PRICE_FIELDS, "input")
    support_type = choice(
        _require(data, "support_type", "support_type"), "support_type", _SUPPORT_TYPES, "support type"
    )
    priority = choice(_require(data, "priority", "priority"), "priority", _PRIORITIES, "priority")
    channel = choice(data.get("channel", "email"), "channel", _CHANNELS, "channel")
    critical = data.get("critical", False)
    if not isinstance(critical, bool):
        raise InputError("critical", "must be true or false")
    entries = _require(data, "entries", "entries")
    if not isinstance(entries, list):
        raise InputError("entries", "must be a list of time entries")
    time_zone = policy.time_zone
    max_minutes = policy.config.max_entry_minutes
    parsed = []
    for i, entry in enumerate(entries):
        try:
            if type(entry) is not dict or not entry.keys() <= _ENTRY_FIELDS:
                raise ValueError
            kind = _ENTRY_KINDS[entry["kind"]]
            start = parse_instant(entry["start"], "start", time_zone)
            minutes = entry["minutes"]
            if type(minutes) is not int or not 0 < minutes <= max_minutes:
                raise ValueError
        except (KeyError, TypeError, ValueError):
            # The quick path failed: find and name the problem the slow way.
            _entry_problem(entry, f"entries[{i}]", time_zone, max_minutes)
            raise InputError(f"entries[{i}]", "is not a valid time entry") from None
        parsed.append(TimeEntry(kind, start, minutes))
    return TicketWork(support_type, priority, channel, critical, parsed)


class ContractPolicies:
    """The policy a request is answered under: the policy file's, or with the request's own service levels.

    A batch often repeats one contract's table line after line, so the last one is kept for the next line.
    """

    def __init__(self, policy: Policy):
        self.policy = policy
        self._last: tuple[str, Policy] | None = None

    def for_request(self, data: dict) -> Policy:
        if "service_levels" not in data:
            return self.policy
        table = data["service_levels"]
        key = json.dumps(table, sort_keys=True)
        if self._last is not None and self._last[0] == key:
            return self._last[1]
        try:
            levels = read_service_levels(table, critical_priority=self.policy.config.critical_priority)
        except PolicyFileError as exc:
            problem = exc.problems[0]
            raise InputError(problem.key, problem.message) from None
        chosen = self.policy.with_service_levels(levels)
        self._last = (key, chosen)
        return chosen
