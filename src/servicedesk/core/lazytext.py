"""Lazily translated texts resolved once per language: pages show the same labels many times.

Resolving a lazy translation goes through Django's proxy machinery each time it is rendered; on
a busy desk page that was a sixth of the page's time. The cache holds the lazy object itself, so
an id is never reused for another text.
"""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import get_language

_resolved: dict[tuple[int, str | None], tuple[Promise, str]] = {}


def text(value) -> str:
    """The text of a label in the active language (plain strings pass through)."""
    if not isinstance(value, Promise):
        return value
    key = (id(value), get_language())
    entry = _resolved.get(key)
    if entry is None or entry[0] is not value:
        entry = _resolved[key] = (value, str(value))
    return entry[1]
