"""Signals the ticket services send, explicitly and inside their transaction, when what a ticket counts as in the
figures changes (reported, classified, responded to, closed or reopened).

Why a signal and not a call: the reports keep summary rows of tickets, and the reports app reads tickets; were the
services to call into reports, imports would run both ways. The signal is declared here, at the bottom, and sent by
name from each service that changes such a fact (grep `ticket_figures_changed`), never by `post_save`: a bulk write
sends it too. Receivers run in the sender's transaction, so a summary row commits or rolls back with the change."""

from __future__ import annotations

from django.dispatch import Signal

#: Sent with `ticket_ids`: the tickets whose reported or closed moment, channel, support type, priority, customer,
#: best-effort flag or response changed (or that are new).
ticket_figures_changed = Signal()


def figures_changed(ticket_ids) -> None:
    """Tell the receivers (the reports' summary) which tickets to count again."""
    ids = sorted({int(pk) for pk in ticket_ids})
    if ids:
        ticket_figures_changed.send(sender=None, ticket_ids=ids)


#: Sent with `ticket_ids` and `time`: the tickets whose time entries were added or corrected (`time=True`), or
#: whose classification (what their work is priced by) changed.
ticket_work_changed = Signal()


def work_changed(ticket_ids, *, time: bool) -> None:
    """Tell the receivers (the reports' priced work and unbilled time) which tickets to price again."""
    ids = sorted({int(pk) for pk in ticket_ids})
    if ids:
        ticket_work_changed.send(sender=None, ticket_ids=ids, time=time)
