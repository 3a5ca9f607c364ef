"""The policy engine: POLICY.md as pure Python (no Django), plain values in and out."""

from servicedesk.policy.config import PolicyConfig, PolicyFileError, Problem, default_policy_path, read_policy_file
from servicedesk.policy.engine import Band, Policy, ResponseDeadline, load_policy
from servicedesk.policy.pricing import BandShare, PricedLine, TicketPrice, TicketWork, TimeEntry
from servicedesk.policy.timeline import OutsideCalendar
from servicedesk.policy.vocabulary import Channel, EntryKind, FreeReason, LineKind, Priority, SupportType

__all__ = [
    "Band",
    "BandShare",
    "Channel",
    "EntryKind",
    "FreeReason",
    "LineKind",
    "OutsideCalendar",
    "Policy",
    "PolicyConfig",
    "PolicyFileError",
    "PricedLine",
    "Priority",
    "Problem",
    "ResponseDeadline",
    "SupportType",
    "TicketPrice",
    "TicketWork",
    "TimeEntry",
    "default_policy_path",
    "load_policy",
    "read_policy_file",
]
