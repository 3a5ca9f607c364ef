"""Step 2 of intake: raw bytes in, a plain value out (sender, subject, text, threading, automatic-ness)."""

from __future__ import annotations

import email
import email.parser
import re
from dataclasses import dataclass, field, fields, is_dataclass, replace
from email.message import Message

from servicedesk.mail import headers
from servicedesk.mail.bounce import Bounce, report_bounce, text_bounce
from servicedesk.mail.mime import (
    MAX_PARTS,
    POLICY,
    attachment_name,
    first_header_lines,
    html_to_text,
    leaves,
    part_bytes,
    text_content,
    too_complex,
)

__all__ = ["POLICY", "Bounce", "ParsedAttachment", "ParsedMail", "parse_mail"]

_TAG = re.compile(r"\[#(\d{1,12})\]")
_FORWARD_SUBJECT = re.compile(r"^\s*(fw|fwd|tr|doorst|wg|rv)\s*:", re.IGNORECASE)
# Auto-reply subjects of programs that set no header at all (old Exchange, Outlook rules).
_AUTO_SUBJECT = re.compile(
    r"^\s*(automatisch antwoord|automatic reply|out of office( autoreply)?|autoreply|auto-reply|"
    r"abwesenheitsnotiz|réponse automatique)\s*:",
    re.IGNORECASE,
)
MAX_VERDICTS = 50  # Authentication-Results fields kept, topmost first (our own server's is at the top)
# Headers by which autoresponders mark their mail besides RFC 3834's Auto-Submitted.
AUTO_HEADERS = ("X-Autoreply", "X-Autorespond", "X-Mail-Autoreply", "X-AutoReply-From", "X-FC-MachineGenerated")


@dataclass(frozen=True)
class ParsedAttachment:
    name: str
    content_type: str
    data: bytes
    content_id: str = ""  # its Content-ID without <>: the HTML may show it as `cid:`


@dataclass(frozen=True)
class ParsedMail:
    message_id: str
    from_address: str  # '' when the From field is ambiguous (see headers.sender): then nobody's
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
    auto_markers: tuple[str, ...] = ()  # other signs of an autoresponder ("Header: value", or the subject)
    authentication_results: tuple[str, ...] = ()  # the topmost Authentication-Results fields, as they came
    from_shown: str = ""  # the From field as it came
    cc: tuple[tuple[str, str], ...] = ()  # (name, address) of each unambiguous address in Cc

    @property
    def sender(self) -> str:
        """Who sent it, as agents see it: the address, or the From field as it came when that is ambiguous."""
        return self.from_address or self.from_shown

    @property
    def ticket_tags(self) -> list[int]:
        """Ticket numbers tagged in the subject as [#123]."""
        return [int(n) for n in _TAG.findall(self.subject)]

    @property
    def is_forward(self) -> bool:
        return bool(_FORWARD_SUBJECT.match(self.subject))

    @property
    def is_automatic(self) -> bool:
        """Mail no notice may answer: auto-replies, bounces, lists, bulk (RFC 3834, RFC 2369)."""
        return bool(self.automatic_signs)

    @property
    def automatic_signs(self) -> tuple[str, ...]:
        """What shows the mail is automatic, as agents read it: each header (or the subject) with its value."""
        signs = []
        if self.auto_submitted.lower() not in ("", "no"):
            signs.append(f"Auto-Submitted: {self.auto_submitted}")
        if self.precedence.lower() in ("bulk", "junk", "list", "auto_reply", "auto-reply"):
            signs.append(f"Precedence: {self.precedence}")
        if self.list_id:
            signs.append(f"List-Id: {self.list_id}")
        if self.return_path is not None and self.return_path.strip() in ("<>", ""):
            signs.append("Return-Path: <>")
        if self.from_address.split("@", 1)[0].lower() in ("mailer-daemon", "postmaster"):
            signs.append(f"From: {self.from_address}")
        if self.content_type == "multipart/report":
            signs.append("Content-Type: multipart/report")
        signs.extend(self.auto_markers)
        return tuple(signs)


def _ids(value: str) -> tuple[str, ...]:
    return tuple(re.findall(r"<[^<>\s]+>", value))


def _auto_markers(message: Message, subject: str) -> tuple[str, ...]:
    """Other signs of an autoresponder, each as agents read it: the header with its value, or the subject."""
    markers = [f"{name}: {value}" for name in AUTO_HEADERS if (value := headers.field(message, name))]
    x_precedence = headers.field(message, "X-Precedence")
    if x_precedence.lower() in ("auto_reply", "auto-reply", "bulk", "junk"):
        markers.append(f"X-Precedence: {x_precedence}")
    message_class = headers.field(message, "X-POST-MessageClass")
    if "autoresponder" in message_class.lower():
        markers.append(f"X-POST-MessageClass: {message_class}")
    delivered_to = headers.field(message, "Delivered-To")
    if "autoresponder" in delivered_to.lower():
        markers.append(f"Delivered-To: {delivered_to}")
    if _AUTO_SUBJECT.match(subject):
        markers.append(f"Subject: {subject}")
    return tuple(markers)


def _text_of(message: Message, raw: bytes) -> tuple[str, str, tuple[ParsedAttachment, ...]]:
    """The best text body (plain preferred, else what the HTML says), the HTML, and the attachments."""
    plain, html, attachments = [], [], []
    for count, (part, parent, index) in enumerate(leaves(message)):
        if count >= MAX_PARTS:
            break
        disposition = part.get_content_disposition()
        kind = part.get_content_type()
        # Every part that is not the message's own text is kept: files, inline images, invites, mails.
        if part.get_filename() or disposition == "attachment" or kind not in ("text/plain", "text/html"):
            content_id = headers.field(part, "Content-ID").strip().strip("<>").strip()
            attachments.append(
                ParsedAttachment(attachment_name(part, kind), kind, part_bytes(part, parent, index, raw), content_id)
            )
            continue
        content, unknown = text_content(part)
        if unknown:  # shown as well as it can be, and kept as it came
            charset = part.get_content_charset() or "unknown"
            extension = "txt" if kind == "text/plain" else "html"
            data = part.get_payload(decode=True) or b""
            attachments.append(ParsedAttachment(f"original-{charset}.{extension}"[:100], kind, data))
        (plain if kind == "text/plain" else html).append(content)
    html_text = "\n".join(html)
    if plain:
        return "\n".join(plain).strip(), html_text, tuple(attachments)
    return "\n\n".join(html_to_text(h) for h in html).strip(), html_text, tuple(attachments)


def parse_mail(raw: bytes) -> ParsedMail:
    complex_reason = too_complex(raw)
    if complex_reason:  # its headers only (in bounded time too); the whole mail is attached as it came
        message = email.parser.BytesHeaderParser(policy=POLICY).parsebytes(first_header_lines(raw))
    else:
        message = email.message_from_bytes(raw, policy=POLICY)
    from_name, from_address, from_shown = headers.sender(message)
    subject = headers.field(message, "Subject")[:300]
    if complex_reason:
        text, html, bounce = (
            f"(This mail is too complex to show: {complex_reason}. It is attached as it came.)",
            "",
            None,
        )
        attachments: tuple[ParsedAttachment, ...] = (ParsedAttachment("original.eml", "message/rfc822", raw),)
    else:
        text, html, attachments = _text_of(message, raw)
        bounce = report_bounce(message, raw)
    return_path = headers.raw_field(message, "Return-Path")
    parsed = ParsedMail(
        message_id=headers.field(message, "Message-ID"),
        from_address=from_address.strip().lower(),
        from_name=from_name.strip(),
        from_shown=from_shown.strip(),
        cc=headers.copied(message),
        subject=subject,
        text=text,
        in_reply_to=_ids(headers.field(message, "In-Reply-To")),
        references=_ids(headers.field(message, "References")),
        auto_submitted=headers.field(message, "Auto-Submitted"),
        precedence=headers.field(message, "Precedence"),
        list_id=headers.field(message, "List-Id"),
        return_path=None if return_path is None else headers.text(return_path),
        content_type=message.get_content_type(),
        attachments=attachments,
        html=html,
        bounce=bounce,
        too_complex=complex_reason,
        auto_markers=_auto_markers(message, subject),
        authentication_results=tuple(map(str, (message.get_all("Authentication-Results") or [])[:MAX_VERDICTS])),
    )
    if parsed.bounce is None and parsed.is_automatic and not complex_reason:
        # A bounce without report structure still names our mail: link it all the same.
        bounced = text_bounce(text)
        if bounced is not None:
            parsed = ParsedMail(**{**parsed.__dict__, "bounce": bounced})
    return _without_nul(parsed)


def _without_nul(value):
    """A parsed mail (its text fields, attachment names, bounce report) with NUL characters, which an encoded
    word (=00) or a broken charset can give, as U+FFFD: PostgreSQL stores no NUL in text, and the mail would be
    quarantined instead of becoming a ticket. What holds none is given back as it is."""
    if isinstance(value, str):
        return value.replace("\x00", "\ufffd") if "\x00" in value else value
    if isinstance(value, tuple):
        cleaned = tuple(map(_without_nul, value))
        return value if all(a is b for a, b in zip(cleaned, value, strict=True)) else cleaned
    if is_dataclass(value):
        changes = {}
        for name in (f.name for f in fields(value)):
            item = getattr(value, name)
            if (cleaned := _without_nul(item)) is not item:
                changes[name] = cleaned
        return replace(value, **changes) if changes else value
    return value  # bytes (attachment data), None, numbers
