"""Whole numbers typed into a URL or a form field, read as what they stand for (an id, a ticket number)."""

from __future__ import annotations

LARGEST_ID = 2**63 - 1  # a BigAutoField's range on every database


def id_from(text: str | None) -> int | None:
    """The id a text gives: ASCII digits only ('²' or a full-width digit is no number), within a database id's
    range (400 digits would not fit any column); None for anything else."""
    text = (text or "").strip()
    if not (text.isascii() and text.isdigit()):
        return None
    number = int(text)
    return number if 0 < number <= LARGEST_ID else None
