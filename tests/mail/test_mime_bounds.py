"""The hostile-mail check counts what the old regular expressions counted, faster (mail/mime.py)."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from servicedesk.mail.mime import MAX_CONTAINERS, MAX_PARTS, delimiter_count, too_complex

# The check as it was written first: case-insensitive patterns over the bytes as they came.
DELIMITER = re.compile(rb"(?:\A|\r\n|\n|\r)--")
BOUNDARY = re.compile(rb"boundary\s*\*?\s*=", re.IGNORECASE)
CONTAINER = re.compile(rb"content-type:\s*(?:multipart|message)/", re.IGNORECASE)

PIECES = [
    b"\r\n",
    b"\n",
    b"\r",
    b"-",
    b"--",
    b" ",
    b"\t",
    b"*",
    b"=",
    b"/",
    b":",
    b"x",
    b"\xc3\xa9",
    b"boundary",
    b"BOUNDARY",
    b"Boundary",
    b"content-type",
    b"Content-Type",
    b"multipart",
    b"MESSAGE",
]


def old_counts(raw: bytes) -> tuple[int, int]:
    return max(len(BOUNDARY.findall(raw)), len(CONTAINER.findall(raw))), sum(1 for _ in DELIMITER.finditer(raw))


@settings(max_examples=2000)
@given(st.lists(st.sampled_from(PIECES), max_size=60).map(b"".join))
def test_the_counts_are_those_of_the_regular_expressions(raw):
    containers, delimiters = old_counts(raw)
    assert delimiter_count(raw) == delimiters
    lowered = raw.lower()
    assert (
        max(
            len(re.findall(rb"boundary\s*\*?\s*=", lowered)),
            len(re.findall(rb"content-type:\s*(?:multipart|message)/", lowered)),
        )
        == containers
    )


def test_the_limits_are_where_they_were():
    part = b"--b\r\nContent-Type: text/plain\r\n\r\nx\r\n"
    assert too_complex(part * (MAX_PARTS * 2)) == ""
    assert too_complex(part * (MAX_PARTS * 2 + 1)).startswith("about 1000 parts")
    nested = b"Content-Type: Multipart/Mixed; BOUNDARY=x\r\n"
    assert too_complex(nested * MAX_CONTAINERS) == ""
    assert too_complex(nested * (MAX_CONTAINERS + 1)) == f"{MAX_CONTAINERS + 1} multipart containers (more than 100)"
