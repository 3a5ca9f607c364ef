"""Small helpers for writing policy tests: moments in local Amsterdam time, entries, policy files."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from pathlib import Path

from servicedesk.policy import (
    Channel,
    EntryKind,
    Policy,
    Priority,
    SupportType,
    TicketPrice,
    TicketWork,
    TimeEntry,
    default_policy_path,
)
from tests.policy.reference import AMS


def at(text: str, *, fold: int = 0) -> datetime:
    """'2026-11-24 11:00' as an aware Europe/Amsterdam datetime."""
    return datetime.fromisoformat(text).replace(tzinfo=AMS, fold=fold)


def work(start: str, minutes: int) -> TimeEntry:
    return TimeEntry(EntryKind.WORK, at(start), minutes)


def travel(start: str, minutes: int) -> TimeEntry:
    return TimeEntry(EntryKind.TRAVEL, at(start), minutes)


def price(
    policy: Policy,
    support_type: str,
    priority: str,
    entries: list[TimeEntry],
    *,
    channel: str = "email",
    critical: bool = False,
) -> TicketPrice:
    return policy.price(TicketWork(SupportType(support_type), Priority(priority), Channel(channel), critical, entries))


def euros(text: str) -> Decimal:
    return Decimal(text)


DEFAULT_TEXT = default_policy_path().read_text()  # the shipped policy file


def write_policy(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "policy.toml"
    path.write_text(text)
    return path


def changed(old: str, new: str) -> str:
    """The shipped policy file with `old` (which it must hold) replaced by `new`."""
    assert old in DEFAULT_TEXT, old
    return DEFAULT_TEXT.replace(old, new, 1)
