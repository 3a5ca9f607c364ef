"""The parser's boundary lines recognised without a compiled expression per boundary: the same answers as the
expression `email.feedparser` compiles, for any boundary and line; other patterns still compiled by `re`."""

from __future__ import annotations

import re
from email import feedparser

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from servicedesk.mail import boundaries
from servicedesk.mail.parse import parse_mail

GROUPS = ("sep", "end", "ws", "linesep")


def pattern_of(separator: str) -> str:
    """The pattern as email.feedparser builds it (feedparser.py, _parsegen)."""
    return "(?P<sep>" + re.escape(separator) + r")(?P<end>--)?(?P<ws>[ \t]*)(?P<linesep>\r\n|\r|\n)?$"


def answers(matcher, line: str):
    found = matcher.match(line)
    return None if found is None else (found.group(0), *(found.group(name) for name in GROUPS))


boundary_text = st.text(alphabet=st.sampled_from("ab-_=.+()?*[]\\^$|{} \t\r\n:'/'é0"), min_size=1, max_size=12)
line_tail = st.text(alphabet=st.sampled_from("-- \t\r\nxb=."), max_size=8)


@given(boundary=boundary_text, tail=line_tail, before=st.sampled_from(["", "-", " ", "x"]))
@example(boundary="b", tail="--  \r\n", before="")
@example(boundary="b", tail="\r\n\n", before="")
@example(boundary="b", tail="\r\r\n", before="")
@example(boundary="b", tail="--x", before="")
@example(boundary="b", tail="---\n", before="")
def test_the_matcher_answers_as_the_compiled_expression(boundary, tail, before):
    pattern = pattern_of("--" + boundary)
    matcher = boundaries.compile_pattern(pattern)
    assert isinstance(matcher, boundaries.BoundaryMatcher)
    for line in (before + "--" + boundary + tail, "--" + boundary + tail, "--" + boundary):
        assert answers(matcher, line) == answers(re.compile(pattern), line), repr(line)


@pytest.mark.parametrize(
    ("pattern", "flags"),
    [
        (r"(?P<sep>--b)(?P<end>--)?$", 0),  # another pattern
        (pattern_of("--b"), re.IGNORECASE),  # flags
        (boundaries.PREFIX + "--b" + boundaries.SUFFIX, 0),  # not escaped as the parser escapes
        (b"--b", 0),
    ],
)
def test_other_patterns_are_compiled_by_re(pattern, flags):
    assert isinstance(boundaries.compile_pattern(pattern, flags), re.Pattern)


def test_the_parser_uses_the_matcher_and_parses_as_before():
    boundaries.install()
    boundaries.install()  # idempotent
    assert isinstance(feedparser.re, boundaries._ReForFeedparser)
    assert feedparser.re.escape("a.b") == re.escape("a.b")  # the rest of `re` as it is
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
