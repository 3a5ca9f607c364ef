"""Taking a parsed mail apart in bounded time: its leaf parts, their bytes as sent, their text as meant."""

from __future__ import annotations

import email.policy
import html as html_lib
import mimetypes
import re
from email.message import Message

from servicedesk.mail.headers import filename

MAX_PARTS = 1_000  # more parts than this: headers only, the whole mail kept as an attachment
MAX_CONTAINERS = 100  # multipart containers (this bounds nesting depth too)
# Characters that may follow `boundary=` in its header field: the boundary (RFC 2046 allows 70) and perhaps
# another parameter. The parser compiles a regular expression from every multipart's boundary, in time that
# grows with its length, so a few very long ones would hold the processor for minutes. Measured to the end of the
# field, folded lines included, so that neither quotes, RFC 2231 pieces nor text after a closing quote hide one.
MAX_BOUNDARY_FIELD = 256
# Lines times (multipart containers + 1): the parser takes a mail line by line and tries each line against the
# boundary of every multipart it is inside, so a great many short lines a hundred levels deep would hold it for
# minutes. A large legitimate mail (50 MB of base64 is 700,000 lines, a few levels deep) stays below.
MAX_LINE_WORK = 4_000_000
# Lines of the header block: the parser reads them all and every field looked up is searched for among them
# (a megabyte of Received lines is 16,000). Of a mail with more, only the first are read.
MAX_HEADER_LINES = 50_000
# Looked for in the mail's bytes lowered (ASCII letters only, as IGNORECASE does for bytes): a pattern that
# starts with a literal is then found by a fast scan, not tried at every byte. RFC 2231 pieces of a boundary
# (boundary*0=, boundary*1*=) count as boundaries too.
_BOUNDARY = re.compile(rb"boundary\s*(?:\*\s*\d+\s*)?\*?\s*=")
# The end of a header field: a line end (CRLF, LF or a bare CR, as the parser reads them) not followed by
# white space, which would continue the field on the next line.
_FIELD_END = re.compile(rb"(?:\r\n|\n|\r(?!\n))(?![ \t])")
# A line end followed by another (an empty line ends the header block): a CRLF is one line end, so every empty
# line holds one of these, and where one is found its first byte ends the last header line.
_EMPTY_LINE = (b"\n\n", b"\n\r", b"\r\r")
_LINE_END = re.compile(rb"\r\n|\n|\r")
_CONTAINER = re.compile(rb"content-type:\s*(?:multipart|message)/")
# Labels mail programs put on windows-1252 text, as browsers read them (WHATWG Encoding).
_READ_AS_1252 = {"iso-8859-1", "iso8859-1", "latin1", "latin-1", "us-ascii", "ascii", "windows-1252", "cp1252"}
_HTML_HIDDEN = re.compile(r"<(script|style|head|title)\b[^>]*>.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
_HTML_BREAK = re.compile(r"<\s*(br|/p|/div|/li|/tr|/h[1-6]|/blockquote|p|div|li|tr|h[1-6])\b[^>]*>", re.IGNORECASE)
_HTML_TAG = re.compile(r"<[^>]+>")


# Mail is parsed with `compat32`: header fields stay as they came, and the few that intake reads are decoded
# by headers.py (policy.default's header grammar, applied to every field asked for, cost more than the rest of
# intake together).
POLICY = email.policy.compat32


def too_complex(raw: bytes) -> str:
    """Why a mail is too complex to take apart in bounded time and memory ('' when it is not). Counted in its
    bytes before it is parsed: only a mail that passes is given to the parser whole; of another only the headers
    are read."""
    lowered = raw.lower()
    boundaries = [match.end() for match in _BOUNDARY.finditer(lowered)]
    containers = max(len(boundaries), len(_CONTAINER.findall(lowered)))
    if containers > MAX_CONTAINERS:
        return f"{containers} multipart containers (more than {MAX_CONTAINERS})"
    if any(boundary_field_too_long(raw, start) for start in boundaries):
        return f"a boundary of more than {MAX_BOUNDARY_FIELD} characters"
    lines = line_count(raw)
    if lines * (containers + 1) > MAX_LINE_WORK:
        levels = f" in {containers} multipart containers" if containers else ""
        return f"{lines} lines{levels} (more than {MAX_LINE_WORK // (containers + 1)})"
    header_lines = line_count(header_block(raw))
    if header_lines > MAX_HEADER_LINES:
        return f"{header_lines} header lines (more than {MAX_HEADER_LINES})"
    delimiters = delimiter_count(raw)
    if delimiters > MAX_PARTS * 2:
        return f"about {delimiters // 2} parts (more than {MAX_PARTS})"
    return ""


def boundary_field_too_long(raw: bytes, start: int) -> bool:
    """Whether more than MAX_BOUNDARY_FIELD characters follow `start` (just after a `boundary=`) in its header
    field. Only so much of the mail is looked at (two more bytes: a line end, and what follows it)."""
    window = raw[start : start + MAX_BOUNDARY_FIELD + 3]
    end = _FIELD_END.search(window)
    return (end.start() if end else len(window)) > MAX_BOUNDARY_FIELD


def header_block(raw: bytes) -> bytes:
    """The header fields of a mail, up to and with the line end before the first empty line (all of it when there
    is none)."""
    ends = [at for at in map(raw.find, _EMPTY_LINE) if at >= 0]
    return raw[: min(ends) + 1] if ends else raw


def first_header_lines(raw: bytes) -> bytes:
    """The header block cut after MAX_HEADER_LINES lines: what is read of a mail too complex to parse whole."""
    head = header_block(raw)
    for count, end in enumerate(_LINE_END.finditer(head), start=1):
        if count == MAX_HEADER_LINES:
            return head[: end.end()]
    return head


def line_count(raw: bytes) -> int:
    """Lines as the parser reads them: ended by CRLF, LF or a bare CR."""
    return raw.count(b"\n") + raw.count(b"\r") - raw.count(b"\r\n")


def delimiter_count(raw: bytes) -> int:
    """How many lines start with `--`: after any line end the parser accepts (CRLF, LF or a bare CR), or at the
    start. CRLF-- holds one LF--, and no -- holds a line end, so the counts do not overlap."""
    return raw.count(b"\n--") + raw.count(b"\r--") + raw.startswith(b"--")


def leaves(message: Message):
    """(part, its multipart parent, its index there) for each leaf in order; an attached message is a leaf."""
    stack: list[tuple[Message, Message | None, int]] = [(message, None, 0)]
    while stack:
        part, parent, index = stack.pop()
        if part.get_content_maintype() == "message" or not part.is_multipart():
            yield part, parent, index
            continue
        payload = part.get_payload()
        if isinstance(payload, list):
            stack.extend((child, part, i) for i, child in reversed(list(enumerate(payload))))


def _raw_body_of_subpart(raw: bytes, boundary: str, index: int) -> bytes | None:
    """The body bytes of the index-th part between a multipart's delimiters, exactly as sent."""
    delimiter = re.compile(rb"(?:\A|\r\n|\n|\r)--" + re.escape(boundary.encode("ascii", "replace")) + rb"(--)?")
    matches = list(delimiter.finditer(raw))
    if index + 1 >= len(matches):
        return None
    start, end = matches[index].end(), matches[index + 1].start()
    segment = raw[start:end]
    segment = segment.split(b"\n", 1)[1] if b"\n" in segment else b""  # the rest of the delimiter line
    head_end = re.search(rb"\r?\n\r?\n", segment)
    if segment.startswith((b"\r\n", b"\n")):  # a part without headers
        return segment.lstrip(b"\r\n")
    return segment[head_end.end() :] if head_end else None


def part_bytes(part: Message, parent: Message | None, index: int, raw: bytes) -> bytes:
    """A leaf's bytes: decoded for files; for an attached message or a report, the bytes as sent."""
    if part.get_content_maintype() == "message" or part.is_multipart():
        encoding = str(part.get("Content-Transfer-Encoding", "")).strip().lower()
        if encoding in ("base64", "quoted-printable"):
            return part.get_payload(decode=True) or b""
        if parent is not None and parent.get_boundary():
            exact = _raw_body_of_subpart(raw, parent.get_boundary(), index)
            if exact is not None:
                return exact
        payload = part.get_payload()
        inner = payload[0] if isinstance(payload, list) and payload else part
        return inner.as_bytes(policy=email.policy.compat32.clone(linesep="\r\n", max_line_length=0))
    return part.get_payload(decode=True) or b""


def attachment_name(part: Message, kind: str) -> str:
    """The name as the sender gave it; a part without one gets a plain name after its type."""
    name = filename(part)
    if name:
        return name
    special = {
        "text/calendar": "invite.ics",
        "message/rfc822": "attached-mail.eml",
        "message/delivery-status": "delivery-status.txt",
        "text/rfc822-headers": "original-headers.txt",
    }
    if kind in special:
        return special[kind]
    extension = mimetypes.guess_extension(kind) or ".bin"
    return f"{kind.split('/', 1)[0]}{extension}"


def _unflow(text: str, delsp: bool) -> str:
    """RFC 3676 format=flowed: a line ending in a space continues on the next (quotes and signature kept)."""
    out: list[str] = []
    carry = ""
    for line in text.split("\n"):
        depth = len(line) - len(line.lstrip(">"))
        body = line[depth:]
        if body.startswith(" "):
            body = body[1:]  # space-stuffing
        flowed = body.endswith(" ") and body != "-- "
        if flowed and delsp:
            body = body[:-1]
        if carry:
            body = carry + body
            carry = ""
        if flowed:
            carry = body
            continue
        out.append(">" * depth + (" " if depth and body else "") + body)
    if carry:
        out.append(carry)
    return "\n".join(out)


def text_content(part: Message) -> tuple[str, bool]:
    """A text part's content as meant, and whether its charset was unknown (then read with replacements)."""
    payload = part.get_payload(decode=True) or b""
    charset = (part.get_content_charset() or "us-ascii").lower()
    unknown = False
    if charset in _READ_AS_1252:
        try:
            content = payload.decode("cp1252")
        except UnicodeDecodeError:
            content = payload.decode("latin-1")
    else:
        try:
            content = payload.decode(charset, "replace")
        except LookupError:
            content = payload.decode("utf-8", "replace")
            unknown = True
    content = content.replace("\r\n", "\n").replace("\r", "\n")
    if part.get_content_type() == "text/plain" and (part.get_param("format") or "").lower() == "flowed":
        content = _unflow(content, (part.get_param("delsp") or "").lower() == "yes")
    return content, unknown


def html_to_text(html: str) -> str:
    """What an HTML body says, as text: hidden parts dropped, blocks on lines of their own, entities read."""
    text = _HTML_HIDDEN.sub(" ", html)
    text = _HTML_BREAK.sub("\n", text)
    text = html_lib.unescape(_HTML_TAG.sub("", text)).replace("\xa0", " ")
    lines = [re.sub(r"[ \t]+", " ", line).strip() for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
