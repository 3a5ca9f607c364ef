"""Multipart boundary lines recognised without compiling a regular expression for every boundary.

The standard library's mail parser (`email.feedparser`) compiles a regular expression for each multipart it
meets, from the part's boundary: about 130 µs a mail, a tenth of processing one, and never reused (every mail has
its own boundary, so `re`'s cache does not help). `install()` gives the parser a `re` whose `compile` returns,
for exactly that pattern, a matcher that does the same with string operations; every other pattern, and that
pattern if a Python version ever writes it differently, is compiled by `re` as before. The results are the
same: tests/mail/test_boundaries.py checks the matcher against the compiled expression on generated lines.
"""

from __future__ import annotations

import re
from email import feedparser

# The pattern `email.feedparser` builds around re.escape('--' + boundary) (CPython 3.11-3.13).
PREFIX = "(?P<sep>"
SUFFIX = r")(?P<end>--)?(?P<ws>[ \t]*)(?P<linesep>\r\n|\r|\n)?$"
_LINESEPS = ("\r\n", "\r", "\n")  # in the order the expression tries them
_ESCAPED = re.compile(r"\\(.)", re.DOTALL)


class BoundaryLine:
    """What the parser reads of a match: its named groups."""

    __slots__ = ("_groups",)

    def __init__(self, sep: str, end: str | None, ws: str, linesep: str | None):
        self._groups = {"sep": sep, "end": end, "ws": ws, "linesep": linesep}

    def group(self, name: str | int = 0) -> str | None:
        if name == 0:
            return "".join(part for part in self._groups.values() if part)
        return self._groups[name]


class BoundaryMatcher:
    """`re.compile(PREFIX + re.escape(separator) + SUFFIX)`, answering `match` the same way."""

    __slots__ = ("separator",)

    def __init__(self, separator: str):
        self.separator = separator

    def match(self, line: str) -> BoundaryLine | None:
        if not line.startswith(self.separator):
            return None
        rest = line[len(self.separator) :]
        end = None
        if rest.startswith("--"):  # without it, the rest would start with '-', which nothing after may match
            end, rest = "--", rest[2:]
        tail = rest.lstrip(" \t")
        ws = rest[: len(rest) - len(tail)]
        # The optional line end, then `$`: the end of the line, or just before a last '\n'.
        for linesep in _LINESEPS:
            if tail.startswith(linesep) and tail[len(linesep) :] in ("", "\n"):
                return BoundaryLine(self.separator, end, ws, linesep)
        if tail in ("", "\n"):
            return BoundaryLine(self.separator, end, ws, None)
        return None


def compile_pattern(pattern, flags=0):
    """`re.compile`, but a `BoundaryMatcher` for the parser's boundary pattern."""
    if flags == 0 and isinstance(pattern, str) and pattern.startswith(PREFIX) and pattern.endswith(SUFFIX):
        escaped = pattern[len(PREFIX) : len(pattern) - len(SUFFIX)]
        separator = _ESCAPED.sub(r"\1", escaped)
        if re.escape(separator) == escaped:  # exactly what the parser escaped; anything else: re.compile
            return BoundaryMatcher(separator)
    return re.compile(pattern, flags)


class _ReForFeedparser:
    """The `re` module as `email.feedparser` sees it after `install()`: `compile` as above, the rest as `re`."""

    compile = staticmethod(compile_pattern)

    def __getattr__(self, name: str):
        return getattr(re, name)


def install() -> None:
    """Give `email.feedparser` the matcher (once per process; idempotent)."""
    if not isinstance(feedparser.re, _ReForFeedparser):
        feedparser.re = _ReForFeedparser()
