"""Small multipart forms read in one pass (core/multipart.py, core/request.py) give exactly what Django's parser
gives: compared on generated forms, on forms mutated byte by byte, and at Django's limits."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.core.handlers.wsgi import WSGIRequest
from django.http.multipartparser import MultiPartParserError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from servicedesk.core import multipart
from servicedesk.core.request import SMALL_FORM, Request, WSGIHandler

BOUNDARY = "----formboundaryQ7x9"


def encode(fields, boundary: str = BOUNDARY) -> bytes:
    """As a browser posts a form: (name, value, how) where how is "field", "no file" (a file input with no file
    chosen) or "typed" (a field part with a Content-Type line)."""
    parts = []
    for name, value, how in fields:
        head = f'Content-Disposition: form-data; name="{name}"'
        if how == "no file":
            head += '; filename=""\r\nContent-Type: application/octet-stream'
        elif how == "typed":
            head += "\r\nContent-Type: text/plain; charset=UTF-8"
        parts.append(f"--{boundary}\r\n{head}\r\n\r\n".encode() + value.encode() + b"\r\n")
    return b"".join(parts) + f"--{boundary}--\r\n".encode()


def environ(body: bytes, content_type: str | None = None, length: int | None = None) -> dict:
    return {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": "/portal/tickets/new/",
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "wsgi.url_scheme": "http",
        "CONTENT_TYPE": content_type or f"multipart/form-data; boundary={BOUNDARY}",
        "CONTENT_LENGTH": str(len(body) if length is None else length),
        "wsgi.input": io.BytesIO(body),
    }


def parsed(request_class, body: bytes, **kwargs):
    """What POST and FILES hold, or the error the parsing raised."""
    request = request_class(environ(body, **kwargs))
    try:
        post, files = request.POST, request.FILES
    except (MultiPartParserError, RequestDataTooBig, TooManyFieldsSent) as error:
        return type(error).__name__
    return (
        post._mutable,
        post.encoding,
        list(post.lists()),
        [(name, [(f.name, f.read()) for f in found]) for name, found in files.lists()],
    )


@pytest.fixture
def read_in_one_pass(monkeypatch):
    """Counts the bodies `form_fields` read (not None)."""
    read = []
    real = multipart.form_fields

    def form_fields(body, boundary):
        found = real(body, boundary)
        read.append(found is not None)
        return found

    monkeypatch.setattr("servicedesk.core.request.form_fields", form_fields)
    return read


NAMES = st.text(
    alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.[]:", min_size=1, max_size=20
)
VALUES = st.text(
    alphabet=st.one_of(st.characters(codec="utf-8", exclude_categories=["Cs"]), st.sampled_from(["\r", "\n", "-"])),
    max_size=80,
)
FIELDS = st.lists(st.tuples(NAMES, VALUES, st.sampled_from(["field", "no file", "typed"])), min_size=1, max_size=8)


@settings(max_examples=300, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(fields=FIELDS)
def test_browser_forms_are_read_in_one_pass_as_djangos_parser_reads_them(fields, read_in_one_pass):
    read_in_one_pass.clear()
    body = encode(fields)
    ours = parsed(Request, body)
    assert ours == parsed(WSGIRequest, body)
    if all(BOUNDARY not in value for _name, value, _how in fields):
        assert read_in_one_pass == [True]
        assert ours[2] == [
            (name, [v for n, v, _h in fields if n == name]) for name in dict.fromkeys(f[0] for f in fields)
        ]


TOKENS = [
    b"\r",
    b"\n",
    b"\r\n",
    b"\r\n\r\n",
    b"-",
    b"--",
    b'"',
    b";",
    b" ",
    b"=",
    b"*",
    b"%",
    b"\\",
    b"\xc3\xa9",
    b"\xff",
    BOUNDARY.encode(),
    b"--" + BOUNDARY.encode(),
    b'; filename="a.txt"',
    b'; filename=""',
    b"; name*=UTF-8''%C3%A9",
    b"Content-Transfer-Encoding: base64\r\n",
    b"Content-Type: text/plain\r\n",
    b"Content-Disposition: form-data; name=",
    b"CONTENT-DISPOSITION",
    b"aGVsbG8=",
]


@settings(max_examples=500, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    fields=FIELDS,
    edits=st.lists(st.tuples(st.floats(0, 1), st.integers(0, 3), st.sampled_from(TOKENS)), min_size=1, max_size=4),
)
def test_bodies_changed_anywhere_are_read_as_djangos_parser_reads_them(fields, edits, read_in_one_pass):
    """Whatever a body holds, POST and FILES (or the error) are Django's: `form_fields` reads it the same, or
    declines and Django's parser reads it."""
    body = encode(fields)
    for where, cut, token in edits:
        at = int(where * len(body))
        body = body[:at] + token + body[at + cut :]
    assert parsed(Request, body) == parsed(WSGIRequest, body)


def test_a_form_as_the_portal_gets_it_is_read_in_one_pass(read_in_one_pass):
    body = encode(
        [
            ("csrfmiddlewaretoken", "t" * 64, "field"),
            ("about", "item-12", "field"),
            ("priority", "high", "field"),
            ("subject", "Printer op de 2e verdieping", "field"),
            ("body", "Hallo,\r\n\r\nde printer meldt een papierstoring.\r\n--\r\nAnja", "field"),
            ("files", "", "no file"),
        ]
    )
    request = Request(environ(body))
    assert request.POST["body"] == "Hallo,\r\n\r\nde printer meldt een papierstoring.\r\n--\r\nAnja"
    assert request.POST.getlist("files") == [""] and not request.FILES  # as Django gives an empty file input
    assert read_in_one_pass == [True]
    assert not request.POST._mutable
    assert parsed(Request, body) == parsed(WSGIRequest, body)


@pytest.mark.parametrize(
    ("what", "body", "kwargs"),
    [
        ("a chosen file", encode([("a", "1", "field")]).replace(b'name="a"', b'name="a"; filename="a.txt"'), {}),
        ("a preamble", b"hello\r\n" + encode([("a", "1", "field")]), {}),
        ("an epilogue", encode([("a", "1", "field")]) + b"bye\r\n", {}),
        (
            "base64 values",
            encode([("a", "aGVsbG8=", "field")]).replace(b"\r\n\r\n", b"\r\nContent-Transfer-Encoding: base64\r\n\r\n"),
            {},
        ),
        (
            "another charset",
            encode([("a", "é", "field")]),
            {"content_type": f"multipart/form-data; boundary={BOUNDARY}; charset=latin-1"},
        ),
        ("a boundary in a value", encode([("a", f"x--{BOUNDARY}y", "field")]), {}),
        ("an encoded name", encode([("a", "1", "field")]).replace(b'name="a"', b"name*=UTF-8''%C3%A9"), {}),
    ],
)
def test_other_bodies_go_to_djangos_parser(what, body, kwargs, read_in_one_pass):
    assert parsed(Request, body, **kwargs) == parsed(WSGIRequest, body, **kwargs), what
    assert read_in_one_pass in ([], [False]), what
    if what == "a chosen file":
        assert parsed(Request, body)[3] == [("a", [("a.txt", b"1")])]


def test_a_quoted_boundary_is_the_same_boundary(read_in_one_pass):
    body, content_type = encode([("a", "1", "field")]), f'multipart/form-data; boundary="{BOUNDARY}"'
    assert parsed(Request, body, content_type=content_type) == parsed(WSGIRequest, body, content_type=content_type)
    assert read_in_one_pass == [True]


def test_bodies_over_the_small_form_size_or_without_a_length_are_not_read_at_once(read_in_one_pass):
    big = encode([("a", "x" * SMALL_FORM, "field")])
    assert parsed(Request, big) == parsed(WSGIRequest, big)
    small = encode([("a", "1", "field")])
    assert parsed(Request, small, length=0) == parsed(WSGIRequest, small, length=0)
    assert read_in_one_pass == []


def test_djangos_limits_hold(settings, read_in_one_pass):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 3
    fields = [(f"f{n}", "v", "field") for n in range(4)]
    assert parsed(Request, encode(fields)) == parsed(WSGIRequest, encode(fields)) == "TooManyFieldsSent"
    assert parsed(Request, encode(fields[:3]))[2] == [("f0", ["v"]), ("f1", ["v"]), ("f2", ["v"])]
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 1000
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 300
    # Django counts a field's value, its name and 2: 3 fields of 100 pass, 101 do not (their bodies are larger
    # than the limit: Django's parser reads them, as it reads any body over it).
    for size, expected in ((100, None), (101, "RequestDataTooBig")):
        fields = [(f"f{n}", "v" * (size - 4), "field") for n in range(3)]
        ours, theirs = parsed(Request, encode(fields)), parsed(WSGIRequest, encode(fields))
        assert ours == theirs and (theirs == expected if expected else isinstance(theirs, tuple)), (size, theirs)
    # Read at once: the 4 fields (then left to Django's parser for its error) and the 3; not the large bodies.
    assert read_in_one_pass == [True, True]


def test_the_site_serves_requests_of_this_kind():
    from servicedesk import wsgi

    assert isinstance(wsgi.application, WSGIHandler) and wsgi.application.request_class is Request
