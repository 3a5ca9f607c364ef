"""Signals the billing services send, explicitly and inside their transaction.

A signal and not a call: the reports read billing, so billing may not call the reports. Sent by name (grep
`billed_work_changed`); receivers run in the sender's transaction."""

from __future__ import annotations

from django.dispatch import Signal

#: Sent with `customer_ids`: customers of whom time entries were billed (a run confirmed) or freed (a credit note).
billed_work_changed = Signal()


def billed_changed(customer_ids) -> None:
    ids = sorted({int(pk) for pk in customer_ids})
    if ids:
        billed_work_changed.send(sender=None, customer_ids=ids)
