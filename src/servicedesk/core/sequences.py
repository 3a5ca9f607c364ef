"""Gapless yearly numbers (invoices, quotes): a row per year holding the last number given, taken under a lock.

`model` is any model with a `year` primary key and a `last` counter (an app's own table): a number is drawn only
inside the transaction that uses it, so a refusal or a rollback gives it back and the numbers have no gaps.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import F


def lock_year(model, year: int) -> None:
    """Take the year's numbering lock (first, before the rows the numbering concerns): the holders run one after
    another. On SQLite the UPDATE takes the write lock; on PostgreSQL the row lock does."""
    try:
        with transaction.atomic():
            model.objects.get_or_create(year=year)
    except IntegrityError:  # created at the same moment by another transaction
        pass
    model.objects.filter(year=year).update(last=F("last"))
    list(model.objects.select_for_update().filter(year=year))


def take_in_year(model, year: int, count: int) -> int:
    """A block of `count` consecutive numbers of the year, taken at once; the first of them is returned (the
    next number of the year when `count` is 0, nothing taken). The caller holds the year's row locked
    (`lock_year`), so the block follows the numbers given before it without a gap."""
    if count < 0:
        raise ValueError(f"cannot take {count} numbers")
    if count:
        model.objects.filter(year=year).update(last=F("last") + count)
    return model.objects.get(year=year).last - count + 1


def next_in_year(model, year: int) -> int:
    """The next number of the year; the caller holds the year's row locked (`lock_year`)."""
    return take_in_year(model, year, 1)
