"""Step 2 of intake: raw bytes in, a plain value out (sender, subject, text, threading, automatic-ness)."""

from __future__ import annotations

import email
import email.parser
import email.policy
import re
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import getaddresses

MAX_PARTS = 1_000  # more parts than this: headers only, the whole mail kept as an attachment
MAX_CONTAINERS = 50  # multipart containers (this bounds nesting depth too)
_DELIMITER = re.compile(rb"^--", re.MULTILINE)
_BOUNDARY = re.compile(rb"boundary\s*=", re.IGNORECASE)
_CONTAINER = re.compile(rb"content-type:\s*(?:multipart|message)/", re.IGNORECASE)
MAX_FIELD = 8192  # characters of one header field that are parsed; the raw bytes keep all of it


class _BoundedPolicy(email.policy.EmailPolicy):
    """policy.default, except that a header field is cut before parsing: parsing a huge field (say a
    Subject of 60,000 encoded words) costs time and memory far beyond its size."""

    def header_fetch_parse(self, name, value):
        if len(value) > MAX_FIELD:
            value = value[:MAX_FIELD]
        return super().header_fetch_parse(name, value)


POLICY = _BoundedPolicy()
_TAG = re.compile(r"\[#(\d{1,12})\]")
_HTML_TAG = re.compile(r"<[^>]+>")
_HTML_HIDDEN = re.compile(r"<(script|style|head)\b[^>]*>.*?</\1\s*>", re.IGNORECASE | re.DOTALL)


@dataclass(frozen=True)
class ParsedAttachment:
    name: str
    content_type: str
    data: bytes


@dataclass(frozen=True)
class Bounce:
    """What a delivery status notification (RFC 3464) says about a mail that could not be delivered."""

    original_ids: tuple[str, ...]  # Message-IDs of the bounced mail
    recipient: str
    action: str
    status: str
    diagnostic: str

    @property
    def summary(self) -> str:
        parts = [self.recipient, self.action, self.status, self.diagnostic]
        return " — ".join(p for p in parts if p)[:1000]


@dataclass(frozen=True)
class ParsedMail:
    message_id: str
    from_address: str
    from_name: str
    subject: str
    text: str
    in_reply_to: tuple[str, ...]
    references: tuple[str, ...]
    auto_submitted: str
    precedence: str
    list_id: str
    return_path: str | None  # None: no Return-Path header at all
    content_type: str
    attachments: tuple[ParsedAttachment, ...] = field(default=())
    html: str = ""
    bounce: Bounce | None = None
    too_complex: str = ""  # why only the headers were read ('' for a normal mail)

    @property
    def ticket_tags(self) -> list[int]:
        """Ticket numbers tagged in the subject as [#123]."""
        return [int(n) for n in _TAG.findall(self.subject)]

    @property
    def is_automatic(self) -> bool:
        """Mail no notice may answer: auto-replies, bounces, lists, bulk (RFC 3834, RFC 2369)."""
        local = self.from_address.split("@", 1)[0].lower()
        return (
            self.auto_submitted.lower() not in ("", "no")
            or self.precedence.lower() in ("bulk", "junk", "list")
            or bool(self.list_id)
            or (self.return_path is not None and self.return_path.strip() in ("<>", ""))
            or local in ("mailer-daemon", "postmaster")
            or self.content_type == "multipart/report"
        )


def _header(message: EmailMessage, name: str) -> str:
    try:
        value = message.get(name)
    except Exception:  # a malformed header is treated as absent (the raw bytes are kept)
        return ""
    return "" if value is None else " ".join(str(value).split())


def _ids(value: str) -> tuple[str, ...]:
    return tuple(re.findall(r"<[^<>\s]+>", value))


def _too_complex(raw: bytes) -> str:
    """Why a mail is too complex to take apart in bounded time and memory ('' when it is not)."""
    containers = max(len(_BOUNDARY.findall(raw)), len(_CONTAINER.findall(raw)))
    if containers > MAX_CONTAINERS:
        return f"{containers} multipart containers (more than {MAX_CONTAINERS})"
    delimiters = sum(1 for _ in _DELIMITER.finditer(raw))
    if delimiters > MAX_PARTS * 2:
        return f"about {delimiters // 2} parts (more than {MAX_PARTS})"
    return ""


def _part_bytes(part: EmailMessage) -> bytes:
    """The decoded bytes of a leaf part; for an attached message, the message as it was sent."""
    if part.is_multipart() or part.get_content_maintype() == "message":
        payload = part.get_payload()
        if isinstance(payload, list):
            return b"".join(p.as_bytes() if hasattr(p, "as_bytes") else bytes(p) for p in payload)
        return part.as_bytes()
    return part.get_payload(decode=True) or b""


def _leaves(message: EmailMessage):
    """The leaf parts in order; an attached message (message/rfc822) is one leaf, kept whole."""
    stack = [message]
    while stack:
        part = stack.pop()
        if part.get_content_maintype() == "message" or not part.is_multipart():
            yield part
            continue
        payload = part.get_payload()
        if isinstance(payload, list):
            stack.extend(reversed(payload))


def _text_of(message: EmailMessage) -> tuple[str, str, tuple[ParsedAttachment, ...]]:
    """The best text body (plain preferred, else HTML stripped of tags) and the attachment names."""
    plain, html, attachments = [], [], []
    for count, part in enumerate(_leaves(message)):
        if count >= MAX_PARTS:
            break
        filename = part.get_filename()
        disposition = part.get_content_disposition()
        kind = part.get_content_type()
        # Every part that is not the message's own text is kept: files, inline images, invites, mails.
        if filename or disposition == "attachment" or kind not in ("text/plain", "text/html"):
            attachments.append(ParsedAttachment(filename or "", kind, _part_bytes(part)))
            continue
        try:
            content = part.get_content()
        except (LookupError, UnicodeError, ValueError, AssertionError):
            # An unknown or broken charset: show what can be read, and keep the part as it came.
            payload = part.get_payload(decode=True) or b""
            content = payload.decode("utf-8", "replace")
            charset = part.get_content_charset() or "unknown"
            extension = "txt" if kind == "text/plain" else "html"
            attachments.append(ParsedAttachment(f"original-{charset}.{extension}"[:100], kind, payload))
        (plain if kind == "text/plain" else html).append(content)
    html_text = "\n".join(html)
    if plain:
        return "\n".join(plain).strip(), html_text, tuple(attachments)
    text = "\n".join(_HTML_TAG.sub(" ", _HTML_HIDDEN.sub(" ", h)) for h in html)
    return re.sub(r"[ \t]+", " ", text).strip(), html_text, tuple(attachments)


def _bounce_of(message: EmailMessage) -> Bounce | None:
    """For a delivery status notification: which of our mails bounced, to whom, and why."""
    if message.get_content_type() != "multipart/report":
        return None
    if (message.get_param("report-type") or "").lower() != "delivery-status":
        return None
    fields: dict[str, str] = {}
    original_ids: list[str] = []
    for part in _leaves(message):
        kind = part.get_content_type()
        if kind in ("message/delivery-status", "message/global-delivery-status"):
            text = _part_bytes(part).decode("utf-8", "replace")
            for line in re.split(r"\r?\n(?![ \t])", text):
                name, _, value = line.partition(":")
                key = name.strip().lower()
                if key and key not in fields:
                    fields[key] = " ".join(value.split())
        elif kind in ("message/rfc822", "text/rfc822-headers", "message/global", "message/global-headers"):
            head = _part_bytes(part)
            inner = email.message_from_bytes(head, policy=email.policy.compat32)
            if inner.get_content_type() == "message/rfc822" and inner.get_payload():
                inner = inner.get_payload()[0] if isinstance(inner.get_payload(), list) else inner
            original_ids.extend(_ids(" ".join(str(inner.get("Message-ID", "")).split())))
    recipient = fields.get("final-recipient") or fields.get("original-recipient", "")
    return Bounce(
        original_ids=tuple(dict.fromkeys(original_ids)),
        recipient=recipient.split(";", 1)[-1].strip()[:300],
        action=fields.get("action", "")[:50],
        status=fields.get("status", "")[:50],
        diagnostic=fields.get("diagnostic-code", "").split(";", 1)[-1].strip()[:500],
    )


def parse_mail(raw: bytes) -> ParsedMail:
    too_complex = _too_complex(raw)
    if too_complex:
        message = email.parser.BytesHeaderParser(policy=POLICY).parsebytes(raw)
    else:
        message = email.message_from_bytes(raw, policy=POLICY)
    from_header = _header(message, "From")
    addresses = getaddresses([from_header]) if from_header else []
    from_name, from_address = addresses[0] if addresses else ("", "")
    if too_complex:
        text, html, bounce = f"(This mail is too complex to show: {too_complex}. It is attached as it came.)", "", None
        attachments: tuple[ParsedAttachment, ...] = (ParsedAttachment("original.eml", "message/rfc822", raw),)
    else:
        text, html, attachments = _text_of(message)
        bounce = _bounce_of(message)
    return_path = message.get("Return-Path")
    return ParsedMail(
        message_id=_header(message, "Message-ID"),
        from_address=from_address.strip().lower(),
        from_name=from_name.strip(),
        subject=_header(message, "Subject")[:300],
        text=text,
        in_reply_to=_ids(_header(message, "In-Reply-To")),
        references=_ids(_header(message, "References")),
        auto_submitted=_header(message, "Auto-Submitted"),
        precedence=_header(message, "Precedence"),
        list_id=_header(message, "List-Id"),
        return_path=None if return_path is None else str(return_path),
        content_type=message.get_content_type(),
        attachments=attachments,
        html=html,
        bounce=bounce,
        too_complex=too_complex,
    )
