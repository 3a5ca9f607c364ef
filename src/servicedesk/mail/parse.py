"""Step 2 of intake: raw bytes in, a plain value out (sender, subject, text, threading, automatic-ness)."""

from __future__ import annotations

import email
import email.policy
import re
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import getaddresses

MAX_PARTS = 10_000
_TAG = re.compile(r"\[#(\d{1,12})\]")
_HTML_TAG = re.compile(r"<[^>]+>")
_HTML_HIDDEN = re.compile(r"<(script|style|head)\b[^>]*>.*?</\1\s*>", re.IGNORECASE | re.DOTALL)


@dataclass(frozen=True)
class ParsedAttachment:
    name: str
    content_type: str
    data: bytes


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


def _text_of(message: EmailMessage) -> tuple[str, str, tuple[ParsedAttachment, ...]]:
    """The best text body (plain preferred, else HTML stripped of tags) and the attachment names."""
    plain, html, attachments = [], [], []
    for count, part in enumerate(message.walk()):
        if count > MAX_PARTS:
            break
        if part.is_multipart():
            continue
        filename = part.get_filename()
        disposition = part.get_content_disposition()
        kind = part.get_content_type()
        # Every part that is not the message's own text is kept: files, inline images, invites.
        if filename or disposition == "attachment" or kind not in ("text/plain", "text/html"):
            data = part.get_payload(decode=True) or b""
            attachments.append(ParsedAttachment(filename or "", kind, data))
            continue
        try:
            content = part.get_content()
        except (LookupError, UnicodeError, ValueError):
            payload = part.get_payload(decode=True) or b""
            content = payload.decode("utf-8", "replace")
        (plain if kind == "text/plain" else html).append(content)
    html_text = "\n".join(html)
    if plain:
        return "\n".join(plain).strip(), html_text, tuple(attachments)
    text = "\n".join(_HTML_TAG.sub(" ", _HTML_HIDDEN.sub(" ", h)) for h in html)
    return re.sub(r"[ \t]+", " ", text).strip(), html_text, tuple(attachments)


def parse_mail(raw: bytes) -> ParsedMail:
    message = email.message_from_bytes(raw, policy=email.policy.default)
    from_header = _header(message, "From")
    addresses = getaddresses([from_header]) if from_header else []
    from_name, from_address = addresses[0] if addresses else ("", "")
    text, html, attachments = _text_of(message)
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
    )
