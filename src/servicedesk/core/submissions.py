"""Creates from a form happen once per submission: each rendering of a form carries a key of its own, and what
its first POST created is kept under that key, in the same transaction. The same submission again (a double
click, two tabs, a browser retrying after a timeout) gets what the first made, also when both arrive at once."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import TypeVar

from django import forms
from django.apps import apps
from django.db import IntegrityError, models, transaction
from django.utils import timezone

from servicedesk.core.models import Submission

T = TypeVar("T", bound=models.Model)
KEPT = timedelta(days=7)  # long after any retry could come


class RecordedRefusal(Exception):
    """A create refused after recording the attempt (a report from someone who may not report): the record
    stands, though nothing was created."""


def new_key() -> str:
    return uuid.uuid4().hex


class SubmissionField(forms.CharField):
    """A hidden field with a new key each time its form is shown (kept when a form with errors is shown again)."""

    def __init__(self, **kwargs):
        # No id: it has no label, and a page shows several forms that have one.
        widget = forms.HiddenInput(attrs={"id": False})
        super().__init__(widget=widget, max_length=64, required=False, initial=new_key, **kwargs)


def once(scope, key: str | None, create: Callable[[], T]) -> tuple[T, bool]:
    """(what `create()` made, True) the first time a submission is seen; (what it made then, False) when the same
    submission comes again. `scope` (the signed-in user, say) keeps one person's keys apart from another's; no
    key (an old form, a client of its own) creates every time."""
    if not key:
        return create(), True
    scoped = f"{scope}:{key}"[:100]
    refused = None
    try:
        with transaction.atomic():
            made = Submission.objects.filter(key=scoped).first()
            if made is not None:
                return _target(made), False
            try:
                created = create()
            except RecordedRefusal as refusal:  # committed with its record; a retry is refused (and recorded) again
                refused = refusal
            else:
                label = f"{created._meta.label}:{created.pk}"
                Submission.objects.create(key=scoped, created=label, at=timezone.now())
                Submission.objects.filter(at__lt=timezone.now() - KEPT).delete()
    except IntegrityError:  # the same submission at the same moment, committed first: everything here undone
        made = Submission.objects.filter(key=scoped).first()
        if made is None:
            raise  # some other conflict
        return _target(made), False
    if refused is not None:
        raise refused
    return created, True


def _target(made: Submission):
    label, _colon, pk = made.created.rpartition(":")
    return apps.get_model(label).objects.get(pk=pk)
