"""The policy engine: POLICY.md as pure Python (no Django), plain values in and out."""

from servicedesk.policy.config import (
    PolicyConfig,
    PolicyFileError,
    PrepaidSettings,
    Problem,
    ProjectSettings,
    ServiceLevels,
    default_policy_path,
    read_policy_file,
    read_service_levels,
)
from servicedesk.policy.engine import Band, Policy, ResponseDeadline, load_policy
from servicedesk.policy.periods import BillingPeriod, Period
from servicedesk.policy.prepaid import BillableLine, Bundle, Debits, Notice
from servicedesk.policy.pricing import BandShare, PricedLine, TicketPrice, TicketWork, TimeEntry
from servicedesk.policy.project_time import ProjectPrice, ProjectWork
from servicedesk.policy.recurring import Contract, ContractLine, PeriodFee, QuantityChange
from servicedesk.policy.timeline import OutsideCalendar
from servicedesk.policy.vocabulary import Channel, EntryKind, FreeReason, LineKind, Priority, SupportType

__all__ = [
    "Band",
    "BandShare",
    "BillableLine",
    "BillingPeriod",
    "Bundle",
    "Channel",
    "Contract",
    "ContractLine",
    "Debits",
    "EntryKind",
    "FreeReason",
    "LineKind",
    "Notice",
    "OutsideCalendar",
    "Period",
    "PeriodFee",
    "Policy",
    "PolicyConfig",
    "PolicyFileError",
    "PrepaidSettings",
    "PricedLine",
    "Priority",
    "Problem",
    "ProjectPrice",
    "ProjectSettings",
    "ProjectWork",
    "QuantityChange",
    "ResponseDeadline",
    "ServiceLevels",
    "SupportType",
    "TicketPrice",
    "TicketWork",
    "TimeEntry",
    "default_policy_path",
    "load_policy",
    "read_policy_file",
    "read_service_levels",
]
