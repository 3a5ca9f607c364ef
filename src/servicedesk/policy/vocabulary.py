"""The words of the policy: support types, priorities, channels and the like."""

from __future__ import annotations

from enum import StrEnum


class SupportType(StrEnum):
    """What kind of support a ticket asks for (soort support)."""

    MANAGED = "managed"  # a fault in something on the customer's service matrix
    UNMANAGED = "unmanaged"  # a fault in anything else
    FUNCTIONAL = "functional"  # accounts, passwords, how-to questions


class Priority(StrEnum):
    """How urgent a ticket is; sets its response time and hourly rate."""

    STANDARD = "standard"
    HIGH = "high"
    DIRECT = "direct"


class Channel(StrEnum):
    """How a ticket came in (aanmelden)."""

    EMAIL = "email"
    PORTAL = "portal"
    PHONE = "phone"
    PHONE_AFTER_HOURS = "phone_after_hours"


class EntryKind(StrEnum):
    """What an agent's time entry records."""

    WORK = "work"
    TRAVEL = "travel"


class LineKind(StrEnum):
    """What a priced line of a ticket is for."""

    WORK = "work"
    TRAVEL = "travel"
    PHONE_SURCHARGE = "phone_surcharge"


class FreeReason(StrEnum):
    """Why nothing on a ticket is billed; the order of the members is the order of precedence."""

    CRITICAL = "critical"
    MANAGED_SERVICE = "managed_service"
    FAIR_USE = "fair_use"


WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
