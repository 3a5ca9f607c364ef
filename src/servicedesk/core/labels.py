"""Names of the policy's words as people read them (translated; Dutch by default)."""

from decimal import Decimal

from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from servicedesk.policy import Channel, FreeReason, LineKind, Priority, SupportType

SUPPORT_TYPES = {
    SupportType.MANAGED: _("Technical support on services we deliver"),
    SupportType.UNMANAGED: _("Technical support on other services"),
    SupportType.FUNCTIONAL: _("Functional support"),
}
PRIORITIES = {
    Priority.STANDARD: _("Standard"),
    Priority.HIGH: _("High"),
    Priority.DIRECT: _("Direct"),
}
CHANNELS = {
    Channel.EMAIL: _("E-mail"),
    Channel.PORTAL: _("Customer portal"),
    Channel.PHONE: _("Phone"),
    Channel.PHONE_AFTER_HOURS: _("Phone, urgent line after hours"),
}
FREE_REASONS = {
    FreeReason.CRITICAL: _("Critical incident"),
    # managed + high (POLICY.md §5): support on what the provider itself supplies, part of the service
    FreeReason.MANAGED_SERVICE: _("Included in the services we provide"),
    FreeReason.FAIR_USE: _("Fair use"),
}

SUPPORT_TYPES_SHORT = {
    SupportType.MANAGED: _("Managed"),
    SupportType.UNMANAGED: _("Unmanaged"),
    SupportType.FUNCTIONAL: _("Functional"),
}
QUEUES = {
    "open": _("Open tickets"),
    "unassigned": _("Unassigned"),
    "mine": _("My tickets"),
    "due_soon": _("Due soon"),
    "breached": _("Response time exceeded"),
    "waiting": _("Waiting for customer"),
    "closed": _("Closed"),
    "all": _("All tickets"),
}
BANDS = {"office": _("office hours"), "evening": _("evening"), "night": _("night/Sunday")}
LINE_KINDS = {
    LineKind.WORK: _("Work"),
    LineKind.TRAVEL: _("Travel"),
    LineKind.PHONE_SURCHARGE: _("Phone surcharge"),
    "recurring_fee": _("Recurring fee"),  # billing's RECURRING_FEE: a contract's fee for a period
    "milestone": _("Milestone"),  # billing's MILESTONE: a fixed-price project's milestone share
    "project_rest": _("Rest of the fixed price"),  # billing's PROJECT_REST: the rest on completion
}

BUSINESS_DAY_MINUTES = 8 * 60


def response_time_text(minutes: int) -> str:
    """'3 business days', '1 hour', '90 minutes': a response time as the leaflet says it."""
    if minutes >= BUSINESS_DAY_MINUTES and minutes % BUSINESS_DAY_MINUTES == 0:
        days = minutes // BUSINESS_DAY_MINUTES
        return ngettext("%(n)d business day", "%(n)d business days", days) % {"n": days}
    if minutes % 60 == 0:
        hours = minutes // 60
        return ngettext("%(n)d hour", "%(n)d hours", hours) % {"n": hours}
    return ngettext("%(n)d minute", "%(n)d minutes", minutes) % {"n": minutes}


def euro(value: Decimal | None) -> str:
    """'€ 1.234,50': an amount as people read it, in the active language's number format."""
    if value is None:
        return ""
    return "€\u00a0" + number_format(value, decimal_pos=2, use_l10n=True, force_grouping=True)


def agent_name(user) -> str | None:
    """An agent as pages, trails and the API name them: the full name, else the username; None for nobody."""
    if user is None:
        return None
    return user.get_full_name() or user.get_username()
