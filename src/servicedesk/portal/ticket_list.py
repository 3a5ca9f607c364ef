"""The portal's ticket list as HTML: its rows and filter options are made here in one pass, not cell by
cell through template tags and filters (the list is the portal's most requested page)."""

from __future__ import annotations

from html import escape

from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from servicedesk.core.policy import current_policy
from servicedesk.core.templatetags.policy_labels import (
    euro,
    priority_label,
    short_local_format,
    support_type_label,
)
from servicedesk.policy import Priority, SupportType
from servicedesk.tickets.models import Ticket


def rows_html(rows: list[dict], *, with_reporter: bool) -> SafeString:
    """The table rows of `selectors.ticket_list` rows; a reporter column when the contact sees colleagues'."""
    ticket_url = reverse("portal:ticket", args=[0])[: -len("0/")]
    statuses = {value: escape(str(label)) for value, label in Ticket.Status.choices}
    free, not_yet, best_effort = (escape(_(text)) for text in ("free of charge", "not yet", "best effort"))
    policy = current_policy()
    labels: dict[tuple[str, str], tuple[str, str, str]] = {}
    local_short = short_local_format()
    out = []
    for row in rows:
        key = (row["support_type"], row["priority"])
        known = labels.get(key)
        if known is None:
            rate = policy.hourly_rate(SupportType(key[0]), Priority(key[1]))
            known = labels[key] = (
                escape(support_type_label(key[0])),
                escape(priority_label(key[1])),
                free if rate is None else escape(euro(rate)),
            )
        support_type, priority, rate = known
        link = f'<a href="{ticket_url}{row["id"]}/">'
        reporter = f"<td>{escape(row['reporter_name'] or '')}</td>" if with_reporter else ""
        due = local_short(row["response_due"])  # digits and a weekday's name: nothing to escape
        if row["best_effort"]:
            due += f' <span class="small muted">{best_effort}</span>'
        responded = local_short(row["responded_at"]) if row["responded_at"] else f'<span class="muted">{not_yet}</span>'
        out.append(
            f"<tr><td>{link}{row['id']}</a></td><td>{link}{escape(row['subject'])}</a></td>{reporter}"
            f"<td>{statuses.get(row['status'], escape(row['status']))}</td><td>{support_type}</td><td>{priority}</td>"
            f'<td class="num">{free if row["critical"] else rate}</td><td>{due}</td><td>{responded}</td></tr>\n'
        )
    return mark_safe("".join(out))  # every value above is escaped


def options_html(choices, selected: str) -> SafeString:
    """<option>s of a filter, `selected` marked."""
    options = []
    for value, label in choices:
        mark = " selected" if value == selected else ""
        options.append(f'<option value="{escape(str(value))}"{mark}>{escape(str(label))}</option>')
    return mark_safe("".join(options))  # escaped above
