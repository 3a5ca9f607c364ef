"""The portal's ticket list as HTML: its rows and filter options are made here in one pass, not cell by
cell through template tags and filters (the list is the portal's most requested page).

A row's HTML depends only on the row's values, the language, the time zone and the policy's rates, so each
process keeps the rows it made (up to `ROWS_KEPT`, then it starts again): a list shows mostly the rows it
showed a moment ago, with a new ticket on top. What makes a row (labels, rates, formats looked up once) is kept
per language, time zone and reporter column too, so a new row on top costs only its own making. The filter
options depend only on the language and what is selected; they are kept the same way.
"""

from __future__ import annotations

import functools
from html import escape

from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from servicedesk.core import labels as policy_labels
from servicedesk.core.policy import current_policy
from servicedesk.core.templatetags.policy_labels import (
    euro,
    priority_label,
    short_local_format,
    support_type_label,
)
from servicedesk.policy import Priority, SupportType
from servicedesk.tickets.models import Ticket

ROWS_KEPT = 4096  # rows of HTML kept per process (about 2 MB)

_kept_rows: dict[tuple, str] = {}
_kept_makers: dict[tuple, _RowMaker] = {}  # per language, time zone and reporter column
_kept_for: list = [None, None]  # the policy and the ticket URL the kept rows were made with


def rows_html(rows: list[dict], *, with_reporter: bool) -> SafeString:
    """The table rows of `selectors.ticket_list` rows; a reporter column when the contact sees colleagues'."""
    ticket_url = _ticket_url(get_script_prefix(), get_urlconf())
    policy = current_policy()
    if _kept_for[0] is not policy or _kept_for[1] != ticket_url:  # another policy file: rates may differ
        _kept_rows.clear()
        _kept_makers.clear()
        _kept_for[:] = [policy, ticket_url]
    context = (get_language(), timezone.get_current_timezone_name(), with_reporter)
    out = []
    for row in rows:
        key = (*context, *row.values())
        html = _kept_rows.get(key)
        if html is None:
            make = _kept_makers.get(context)
            if make is None:
                make = _kept_makers[context] = _RowMaker(policy, ticket_url, with_reporter)
            html = make(row)
            if len(_kept_rows) >= ROWS_KEPT:
                _kept_rows.clear()
            _kept_rows[key] = html
        out.append(html)
    return mark_safe("".join(out))  # every value is escaped by _RowMaker


def ticket_path(number: int) -> str:
    """`reverse("portal:ticket", args=[number])`, its start worked out once (a list links every row there)."""
    return f"{_ticket_url(get_script_prefix(), get_urlconf())}{int(number)}/"


@functools.lru_cache(maxsize=16)
def _ticket_url(script_prefix: str, urlconf) -> str:
    """The start of a ticket's URL in the portal (its number and a slash follow), per script prefix and URLconf."""
    return reverse("portal:ticket", args=[0], urlconf=urlconf)[: -len("0/")]


class _RowMaker:
    """Makes rows for one list: the labels and formats it needs are looked up once."""

    def __init__(self, policy, ticket_url: str, with_reporter: bool):
        self.policy, self.ticket_url, self.with_reporter = policy, ticket_url, with_reporter
        self.statuses = {value: escape(str(label)) for value, label in Ticket.Status.choices}
        self.free, self.not_yet, self.best_effort = (
            escape(_(text)) for text in ("free of charge", "not yet", "best effort")
        )
        self.labels: dict[tuple[str, str], tuple[str, str, str]] = {}
        self.local_short = short_local_format()

    def __call__(self, row: dict) -> str:
        key = (row["support_type"], row["priority"])
        known = self.labels.get(key)
        if known is None:
            rate = self.policy.hourly_rate(SupportType(key[0]), Priority(key[1]))
            known = self.labels[key] = (
                escape(support_type_label(key[0])),
                escape(priority_label(key[1])),
                self.free if rate is None else escape(euro(rate)),
            )
        support_type, priority, rate = known
        link = f'<a href="{self.ticket_url}{row["id"]}/">'
        reporter = f"<td>{escape(row['reporter_name'] or '')}</td>" if self.with_reporter else ""
        due = self.local_short(row["response_due"])  # digits and a weekday's name: nothing to escape
        if row["best_effort"]:
            due += f' <span class="small muted">{self.best_effort}</span>'
        responded = (
            self.local_short(row["responded_at"])
            if row["responded_at"]
            else f'<span class="muted">{self.not_yet}</span>'
        )
        status = self.statuses.get(row["status"], escape(row["status"]))
        return (
            f"<tr><td>{link}{row['id']}</a></td><td>{link}{escape(row['subject'])}</a></td>{reporter}"
            f"<td>{status}</td><td>{support_type}</td><td>{priority}</td>"
            f'<td class="num">{self.free if row["critical"] else rate}</td><td>{due}</td><td>{responded}</td></tr>\n'
        )


_kept_filters: dict[tuple, tuple[SafeString, SafeString, SafeString]] = {}


def filter_options(status: str, support_type: str, priority: str) -> tuple[SafeString, SafeString, SafeString]:
    """The <option>s of the list's three filters, `status`, `support_type` and `priority` selected (the latter
    two checked by the caller); kept per language for the statuses there are (others are not kept: any text
    can be asked for)."""
    key = (get_language(), status, support_type, priority)
    known = _kept_filters.get(key)
    if known is None:
        statuses = [("open", _("Not closed")), ("all", _("All")), *Ticket.Status.choices]
        known = (
            options_html(statuses, status),
            options_html([("", _("All")), *policy_labels.SUPPORT_TYPES.items()], support_type),
            options_html([("", _("All")), *policy_labels.PRIORITIES.items()], priority),
        )
        if any(status == value for value, _label in statuses):
            _kept_filters[key] = known
    return known


def options_html(choices, selected: str) -> SafeString:
    """<option>s of a filter, `selected` marked."""
    options = []
    for value, label in choices:
        mark = " selected" if value == selected else ""
        options.append(f'<option value="{escape(str(value))}"{mark}>{escape(str(label))}</option>')
    return mark_safe("".join(options))  # escaped above
