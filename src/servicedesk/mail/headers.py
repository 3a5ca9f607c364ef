"""Header fields as their writer meant them: RFC 2047 encoded words and raw 8-bit bytes decoded, in bounded time.

Mail is parsed with the standard library's `compat32` policy, which leaves header fields as they came; the
few fields intake reads are decoded here. (`policy.default` decodes every field it is asked for through its
full header grammar, which cost more than everything else intake does with a mail.)
"""

from __future__ import annotations

import base64
import binascii
import re
from email.message import Message
from email.utils import getaddresses

MAX_FIELD = 8192  # characters of one header field that are read; the raw bytes keep all of it
# An encoded word (RFC 2047); the charset may carry an RFC 2231 language ("utf-8*nl").
_ENCODED_WORD = re.compile(r"=\?([^?\s*]+)(?:\*[^?\s]*)?\?([qQbB])\?([^?\s]*)\?=")


def _has_raw_bytes(value: str | None) -> bool:
    return value is not None and not value.isascii() and any("\udc80" <= c <= "\udcff" for c in value)


def raw_bytes_text(value: str) -> str:
    """A field the parser kept as raw 8-bit bytes (surrogate escapes): UTF-8 when it is, else Windows-1252."""
    data = value.encode("ascii", "surrogateescape")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", "replace")


def _word(charset: str, encoding: str, text: str) -> str:
    try:
        if encoding in "qQ":
            data = binascii.a2b_qp(text.encode("ascii", "replace"), header=True)
        else:
            data = base64.b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        return text
    try:
        return data.decode(charset, "replace")
    except LookupError:  # a charset nobody knows: read as UTF-8, with replacement characters
        return data.decode("utf-8", "replace")


def decode_words(value: str) -> str:
    """`value` with its encoded words decoded; blanks between two encoded words are dropped (RFC 2047 §6.2)."""
    if "=?" not in value:
        return value
    out: list[str] = []
    position, after_word = 0, False
    for match in _ENCODED_WORD.finditer(value):
        between = value[position : match.start()]
        if not (after_word and not between.strip()):
            out.append(between)
        out.append(_word(*match.groups()))
        position, after_word = match.end(), True
    out.append(value[position:])
    return "".join(out)


def text(value: str | None) -> str:
    """A raw field value as one line of text ('' for None)."""
    if not value:
        return ""
    value = value[:MAX_FIELD]
    if _has_raw_bytes(value):
        value = raw_bytes_text(value)
    return " ".join(decode_words(value).split())


def raw_field(message: Message, name: str) -> str | None:
    """The first `name` field as it came (unfolded lines, 8-bit bytes as surrogate escapes), or None."""
    name = name.lower()
    for key, value in message.raw_items():
        if key.lower() == name:
            return str(value)
    return None


def field(message: Message, name: str) -> str:
    """The first `name` field as text ('' when there is none)."""
    return text(raw_field(message, name))


def first_address(message: Message, name: str = "From") -> tuple[str, str]:
    """(display name, address) of the first address in a field; encoded words in the name decoded."""
    value = raw_field(message, name)
    if not value:
        return "", ""
    value = value[:MAX_FIELD]
    if _has_raw_bytes(value):
        value = raw_bytes_text(value)
    addresses = getaddresses([" ".join(value.split())])
    if not addresses:
        return "", ""
    display_name, address = addresses[0]
    return text(display_name), address.strip()


_ADDRESS_LIKE = re.compile(r"[^\s<>@\"]+@[^\s<>@\"]+")


def sender(message: Message) -> tuple[str, str, str]:
    """(display name, address, the field as it came) of the From field; the address is '' when the field is
    ambiguous: not exactly one address with one @ (CVE-2023-27043: Python's `getaddresses` picks one of several
    readings of `a@b@c`, an unquoted comma in a name, or `x@y)<z@w>`), or a display name that reads as another
    address ('"jan@acme.example" <attacker@evil.example>'). An ambiguous sender is never taken for a contact."""
    value = raw_field(message, "From") or ""
    value = value[:MAX_FIELD]
    if _has_raw_bytes(value):
        value = raw_bytes_text(value)
    shown = text(value)
    addresses = [(name, address) for name, address in getaddresses([" ".join(value.split())]) if name or address]
    if len(addresses) != 1:
        return "", "", shown
    name, address = text(addresses[0][0]), addresses[0][1].strip()
    local, at, domain = address.rpartition("@")
    if not (at and local and domain) or "@" in local:
        return "", "", shown
    if any(found.lower() != address.lower() for found in _ADDRESS_LIKE.findall(name)):
        return "", "", shown
    return name, address, shown


MAX_COPIED = 50  # addresses of a Cc field kept; more is a mass mailing, not colleagues copied


def copied(message: Message, name: str = "Cc") -> tuple[tuple[str, str], ...]:
    """(display name, address) of each address in a Cc field that reads one way only (as `sender` checks the
    From field); an ambiguous one is left out: it is shown with the mail as it came, never mailed."""
    value = raw_field(message, name)
    if not value:
        return ()
    value = value[:MAX_FIELD]
    if _has_raw_bytes(value):
        value = raw_bytes_text(value)
    found = []
    for display_name, address in getaddresses([" ".join(value.split())]):
        local, at, domain = address.strip().rpartition("@")
        if not (at and local and domain) or "@" in local or any(c in address for c in ' <>",;'):
            continue
        name_text = text(display_name)
        if any(other.lower() != address.strip().lower() for other in _ADDRESS_LIKE.findall(name_text)):
            continue
        found.append((name_text, address.strip()))
    return tuple(found[:MAX_COPIED])


def filename(part: Message) -> str:
    """The file name a part carries: RFC 2231 parameters, encoded words as Outlook and Gmail write them, or
    raw UTF-8 as some programs send it."""
    fields = ("Content-Disposition", "Content-Type")
    if any(_has_raw_bytes(raw_field(part, name)) for name in fields):
        decoded = Message()  # the same fields, their raw bytes read as text, for the parameter parser
        for name in fields:
            value = raw_field(part, name)
            if value is not None:
                decoded[name] = raw_bytes_text(value) if _has_raw_bytes(value) else value
        part = decoded
    name = part.get_filename()
    return text(name) if name else ""
