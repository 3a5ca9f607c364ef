"""The hostile-mail check (mail/mime.py): what it counts before a mail is parsed, and that whatever passes it is
parsed within the bounds (a boundary no longer than allowed, whatever the field looks like)."""

from __future__ import annotations

import email
import re
import time

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from servicedesk.mail.mime import (
    MAX_BOUNDARY_FIELD,
    MAX_CONTAINERS,
    MAX_HEADER_LINES,
    MAX_LINE_WORK,
    MAX_PARTS,
    POLICY,
    delimiter_count,
    first_header_lines,
    header_block,
    line_count,
    too_complex,
)
from servicedesk.mail.parse import parse_mail

# The counts as regular expressions over the bytes as they came (case-insensitive): slower, plainly right.
DELIMITER = re.compile(rb"(?:\A|\r\n|\n|\r)--")
BOUNDARY = re.compile(rb"boundary\s*(?:\*\s*\d+\s*)?\*?\s*=", re.IGNORECASE)
CONTAINER = re.compile(rb"content-type:\s*(?:multipart|message)/", re.IGNORECASE)
LINE = re.compile(rb"\r\n|\n|\r")

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
    b"0",
    b"12",
    b"\xc3\xa9",
    b"boundary",
    b"BOUNDARY",
    b"Boundary",
    b"content-type",
    b"Content-Type",
    b"multipart",
    b"MESSAGE",
]


@settings(max_examples=2000)
@given(st.lists(st.sampled_from(PIECES), max_size=60).map(b"".join))
def test_the_counts_are_those_of_the_regular_expressions(raw):
    assert delimiter_count(raw) == sum(1 for _ in DELIMITER.finditer(raw))
    assert line_count(raw) == len(LINE.findall(raw))
    containers = max(len(BOUNDARY.findall(raw)), len(CONTAINER.findall(raw)))
    if containers > MAX_CONTAINERS:
        assert too_complex(raw) == f"{containers} multipart containers (more than {MAX_CONTAINERS})"


def test_the_limits_are_where_they_are():
    part = b"--b\r\nContent-Type: text/plain\r\n\r\nx\r\n"
    assert too_complex(part * (MAX_PARTS * 2)) == ""
    assert too_complex(part * (MAX_PARTS * 2 + 1)).startswith("about 1000 parts")
    nested = b"Content-Type: Multipart/Mixed; BOUNDARY=x\r\n"
    assert too_complex(nested * MAX_CONTAINERS) == ""
    assert too_complex(nested * (MAX_CONTAINERS + 1)) == f"{MAX_CONTAINERS + 1} multipart containers (more than 100)"
    text = b"Subject: x\n\n"  # two lines
    assert too_complex(text + b"x\n" * (MAX_LINE_WORK - 2)) == ""
    assert too_complex(text + b"x\n" * (MAX_LINE_WORK - 1)) == f"{MAX_LINE_WORK + 1} lines (more than {MAX_LINE_WORK})"
    deep = nested * 3 + b"\r\n"  # 3 containers and their 4 lines: a quarter of the lines are left
    assert too_complex(deep + b"x\n" * (MAX_LINE_WORK // 4 - 4)) == ""
    too_long = too_complex(deep + b"x\n" * (MAX_LINE_WORK // 4 - 3))
    assert too_long == f"{MAX_LINE_WORK // 4 + 1} lines in 3 multipart containers (more than {MAX_LINE_WORK // 4})"
    fields = b"X-Spam: 1\r\n" * MAX_HEADER_LINES + b"\r\nbody\r\n"
    assert too_complex(fields) == ""
    too_many = too_complex(b"X-Spam: 1\r\n" + fields)
    assert too_many == f"{MAX_HEADER_LINES + 1} header lines (more than {MAX_HEADER_LINES})"


LONG = "x" * MAX_BOUNDARY_FIELD


@pytest.mark.parametrize(
    ("field", "complex_"),
    [
        ('boundary="----=_Part_1_2.3"', False),
        (f"boundary={LONG}", False),
        (f"boundary={LONG}x", True),
        (f'boundary="{LONG[:-2]}"', False),
        (f'boundary="{LONG[:-1]}"', True),
        (f'boundary="{LONG[:100]}\r\n\t{LONG[:200]}"', True),  # folded: the parser keeps both lines
        (f'boundary*0="{LONG[:100]}"; boundary*1="{LONG[:200]}"', True),  # RFC 2231 pieces, joined by the parser
        (f'boundary="abc"{LONG}', True),  # text after the closing quote stays in the value
        (f'BOUNDARY = "b";\r\n {LONG[:100]}; charset=utf-8', False),  # another parameter after it: allowed
    ],
)
def test_a_long_boundary_is_found_however_the_field_is_written(field, complex_):
    raw = f"From: a@b.example\r\nContent-Type: multipart/mixed; {field}\r\nSubject: x\r\n\r\n--b\r\n".encode()
    assert bool(too_complex(raw)) is complex_
    if complex_:  # the parser would have compiled such a boundary (less the quotes counted)
        boundary = email.message_from_bytes(raw, policy=POLICY).get_boundary()
        assert len(boundary) > MAX_BOUNDARY_FIELD - 2


FIELD_PIECES = ["boundary", "=", "*", "0", "1", '"', "\\", ";", " ", "\t", "\r\n ", "\r\n", "\r", "x", "x" * 60]


@settings(max_examples=500)
@given(st.lists(st.sampled_from(FIELD_PIECES), max_size=40).map("".join))
@example('boundary="' + "x" * 300 + '"')
@example('boundary*0="' + "x" * 200 + '"; boundary*1*=' + "x" * 200)
def test_what_passes_is_parsed_with_no_longer_boundary(parameters):
    """Whatever the parameters of a Content-Type field, the parser of a mail that passes the check compiles no
    boundary longer than the bound."""
    raw = f"From: a@b.example\r\nContent-Type: multipart/mixed; {parameters}\r\n\r\n--b\r\n".encode()
    if too_complex(raw):
        return
    boundary = email.message_from_bytes(raw, policy=POLICY).get_boundary() or ""
    assert len(boundary) <= MAX_BOUNDARY_FIELD


@pytest.mark.parametrize(
    ("raw", "head"),
    [
        (b"A: b\r\nC: d\r\n\r\nbody\r\n\r\n", b"A: b\r\nC: d\r\n"),
        (b"A: b\nC: d\n\nbody", b"A: b\nC: d\n"),
        (b"A: b\rC: d\r\rbody", b"A: b\rC: d\r"),
        (b"A: b\r\n\nbody", b"A: b\r\n"),
        (b"A: b\n\r\nbody", b"A: b\n"),
        (b"A: b\r\n", b"A: b\r\n"),  # no body at all
    ],
)
def test_the_header_block_ends_at_the_first_empty_line_whatever_the_line_ends(raw, head):
    assert header_block(raw) == head
    assert email.message_from_bytes(raw, policy=POLICY).keys() == email.message_from_bytes(head, policy=POLICY).keys()


def test_of_a_header_flood_only_the_first_lines_are_read():
    raw = b"From: a@b.example\r\n" + b"X-Spam: 1\r\n" * (MAX_HEADER_LINES * 2) + b"Subject: laat\r\n\r\nbody\r\n"
    head = first_header_lines(raw)
    assert head.count(b"\r\n") == MAX_HEADER_LINES and head.startswith(b"From: a@b.example\r\n")
    started = time.monotonic()
    parsed = parse_mail(raw)
    assert time.monotonic() - started < 5
    assert parsed.too_complex and parsed.from_address == "a@b.example" and parsed.subject == ""


def test_boundaries_with_the_characters_of_regular_expressions_are_parsed_as_written():
    raw = (
        b"From: anja@korrel.example\r\nSubject: Bijlage\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/mixed; boundary="(b*)?"\r\n\r\n'
        b"preamble\r\n--(b*)?\r\nContent-Type: multipart/alternative; boundary=inner\r\n\r\n"
        b"--inner\r\nContent-Type: text/plain\r\n\r\nDe printer piept.\r\n"
        b"--inner  \r\nContent-Type: text/html\r\n\r\n<p>De printer piept.</p>\r\n--inner--\r\n"
        b'--(b*)?\r\nContent-Type: text/plain; name="log.txt"\r\nContent-Disposition: attachment; filename="log.txt"'
        b"\r\n\r\n--(b*)?x is no boundary\r\nregel 2\r\n--(b*)?--\r\nepilogue\r\n"
    )
    parsed = parse_mail(raw)
    assert parsed.text.strip() == "De printer piept."
    assert "<p>De printer piept.</p>" in parsed.html
    ((name, data),) = [(a.name, a.data) for a in parsed.attachments]
    assert (name, data) == ("log.txt", b"--(b*)?x is no boundary\r\nregel 2")
