"""Header fields read back as written: whatever text a mail program encodes, intake reads the same text.

Properties over any text (hypothesis), encoded three ways mail programs do it: by the standard library's
`policy.default` (RFC 2047 encoded words, folded), by the older `email.header.Header` (encoded words in
another charset), and as raw 8-bit UTF-8 (SMTPUTF8 and careless programs). Edges in a table.
"""

from __future__ import annotations

import email.header
import email.policy
import email.utils
from email.message import EmailMessage

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from servicedesk.mail import headers
from servicedesk.mail.parse import parse_mail

# Text a person types: letters of any script, digits, punctuation, spaces; no control characters.
typed = st.text(
    st.characters(blacklist_categories=("Cc", "Cs", "Co", "Cn", "Zl", "Zp"), blacklist_characters="\u0085"),
    min_size=1,
    max_size=120,
).filter(lambda s: s.strip())


def normal(text: str) -> str:
    return " ".join(text.split())


def encoded_by_policy_default(subject: str, name: str, filename: str) -> bytes:
    message = EmailMessage()
    message["From"] = email.headerregistry.Address(display_name=name, addr_spec="piet@korrel.example")
    message["Subject"] = subject
    message["Message-ID"] = "<h1@korrel.example>"
    message.set_content("Zie bijlage.")
    message.add_attachment(b"%PDF-1.4", maintype="application", subtype="pdf", filename=filename)
    return message.as_bytes(policy=email.policy.default.clone(linesep="\r\n"))


def plausible_file_name(name: str) -> bool:
    # The standard library's parameter parser takes "<x>" for a quoted "x" (email.utils.unquote), and a
    # path is never a file name here.
    return "/" not in name and "\\" not in name and not (name.startswith("<") and name.endswith(">"))


def as_rfc_2047_says(raw: bytes, name: str) -> str:
    """A field as the standard library's RFC 2047 decoder reads it (not the parser under test). Blanks between
    two encoded words mean nothing (RFC 2047 6.2): CPython's folding sometimes puts a typed space there, and
    then the mail does not say it."""
    value = email.message_from_bytes(raw, policy=email.policy.compat32)[name]
    if name == "From":
        value = email.utils.getaddresses([value])[0][0]
    return normal(str(email.header.make_header(email.header.decode_header(value))))


def letters(text: str) -> str:
    return "".join(text.split())


def no_address(name: str) -> bool:
    # A display name that reads as another address makes the sender ambiguous (see the table test below).
    return "@" not in name


@settings(max_examples=300, deadline=None)
@given(subject=typed, name=typed.filter(no_address), filename=typed.filter(plausible_file_name))
@example(subject="0", name="0" + "\u0800" * 14 + " \u00a1", filename="0")  # the typed space between two words
def test_what_policy_default_encodes_is_read_back(subject, name, filename):
    raw = encoded_by_policy_default(subject, name, filename)
    parsed = parse_mail(raw)
    assert parsed.subject == as_rfc_2047_says(raw, "Subject")[:300]
    assert letters(parsed.subject) == letters(subject)  # nothing typed is lost or changed, blanks aside
    assert parsed.from_address == "piet@korrel.example"
    assert normal(parsed.from_name) == as_rfc_2047_says(raw, "From")
    assert letters(parsed.from_name) == letters(name)
    assert [normal(a.name) for a in parsed.attachments] == [normal(filename)]


@settings(max_examples=200, deadline=None)
@given(subject=typed, charset=st.sampled_from(["utf-8", "iso-8859-15", "windows-1252", "koi8-r", "shift_jis"]))
def test_encoded_words_in_any_charset_are_read_back(subject, charset):
    try:
        subject.encode(charset)
    except UnicodeEncodeError:
        charset = "utf-8"
    value = email.header.Header(subject, charset=charset, header_name="Subject").encode(linesep="\r\n")
    raw = f"From: piet@korrel.example\r\nSubject: {value}\r\n\r\nHallo\r\n".encode("ascii")
    assert parse_mail(raw).subject == normal(subject)[:300]


@settings(max_examples=200, deadline=None)
@given(subject=typed, name=typed.filter(lambda s: not set(s) & set('"\\<>,;:@()[]')))
def test_raw_utf8_fields_are_read_as_utf8(subject, name):
    raw = f'From: "{name}" <piet@korrel.example>\r\nSubject: {subject}\r\n\r\nHallo\r\n'.encode()
    parsed = parse_mail(raw)
    assert parsed.subject == normal(subject)[:300]
    assert normal(parsed.from_name) == normal(name)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ("=?utf-8?q?a?= =?utf-8?q?b?=", "ab"),  # blanks between encoded words are dropped
        ("=?utf-8?q?a?=\r\n =?utf-8?q?b?=", "ab"),  # also across a fold
        ("Re: =?utf-8?q?caf=C3=A9?= bellen", "Re: café bellen"),  # blanks next to plain words stay
        ("=?utf-8?q?abc?=def", "abcdef"),  # glued to a word, as some programs write it
        ("=?UTF-8?B?w6nDqcOp?=", "ééé"),
        ("=?utf-8?b?w6nDqcOp?=", "ééé"),  # base64 without its padding is read all the same
        ("=?utf-8*nl?q?hoi?=", "hoi"),  # an RFC 2231 language in the charset
        ("=?windows-1252?q?=80_100?=", "€ 100"),
        ("=?x-unknown?q?hoi?=", "hoi"),  # a charset nobody knows: read as UTF-8
        ("=?utf-8?q?not closed", "=?utf-8?q?not closed"),  # not an encoded word: kept as written
        ("a\r\n  b\r\n\tc", "a b c"),
        ("", ""),
    ],
)
def test_field_text(value, text):
    assert headers.text(value) == text


def test_raw_windows_1252_bytes_are_read_as_windows_1252():
    raw = b"From: piet@korrel.example\r\nSubject: Prijs \x80 100,- per maand\r\n\r\nHallo\r\n"
    assert parse_mail(raw).subject == "Prijs € 100,- per maand"


def test_a_huge_field_is_read_only_so_far():
    raw = b"From: piet@korrel.example\r\nSubject: " + b"=?utf-8?q?a?= " * 60_000 + b"\r\n\r\nHallo\r\n"
    assert parse_mail(raw).subject == "a" * 300


@pytest.mark.parametrize(
    ("disposition", "name"),
    [
        ('attachment; filename="=?utf-8?q?offerte_f=C3=A9b.pdf?="', "offerte féb.pdf"),  # Outlook, Gmail
        ("attachment; filename*=utf-8''offerte%20f%C3%A9b.pdf", "offerte féb.pdf"),  # RFC 2231
        ("attachment; filename*0*=utf-8''offerte%20f%C3%A9; filename*1=b.pdf", "offerte féb.pdf"),  # continued
        ('attachment; filename="offerte féb.pdf"', "offerte féb.pdf"),  # raw UTF-8
        ("attachment; filename=offerte.pdf", "offerte.pdf"),
    ],
)
def test_attachment_names(disposition, name):
    raw = (
        "From: piet@korrel.example\r\nSubject: x\r\nMIME-Version: 1.0\r\n"
        "Content-Type: multipart/mixed; boundary=BB\r\n\r\n--BB\r\nContent-Type: text/plain\r\n\r\nZie bijlage\r\n"
        f"--BB\r\nContent-Type: application/pdf\r\nContent-Disposition: {disposition}\r\n"
        "Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQ=\r\n--BB--\r\n"
    ).encode()
    (attachment,) = parse_mail(raw).attachments
    assert (attachment.name, attachment.data) == (name, b"%PDF-1.4")


@pytest.mark.parametrize(
    ("field", "address"),
    [
        ("Jan de Vries <jan@acme.example>", "jan@acme.example"),
        ('"Vries, Jan de" <jan@acme.example>', "jan@acme.example"),
        ("jan@acme.example", "jan@acme.example"),
        ("jan@acme.example (Jan)", "jan@acme.example"),
        ('"jan@acme.example" <jan@acme.example>', "jan@acme.example"),
        # ambiguous: never taken for a contact
        ('"jan@acme.example" <attacker@evil.example>', ""),
        ("jan@acme.example <attacker@evil.example>", ""),
        ("a@b@c", ""),
        ("Vries, Jan <jan@acme.example>", ""),
        ("alice@example.org)<bob@example.org>", ""),
        ("alice@example.org, bob@example.org", ""),
        ("", ""),
    ],
)
def test_the_sender_is_one_unambiguous_address_or_nobody(field, address):
    from email.message import Message

    from servicedesk.mail.headers import sender

    message = Message()
    if field:
        message["From"] = field
    _name, found, shown = sender(message)
    assert found == address
    assert shown == field  # shown as it came


def test_an_ambiguous_sender_is_refused_as_unknown_not_matched_to_the_contact(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    from servicedesk.mail.intake import mail_receive
    from servicedesk.tickets.models import RefusedReport, Ticket
    from tests import factories
    from tests.helpers import mail

    factories.contact(factories.customer(), "Jan", main=True, email="jan@acme.example")
    stored, _ = mail_receive(mail('"jan@acme.example" <attacker@evil.example>', "Wachtwoord"), via="pipe")
    assert not Ticket.objects.exists()
    refused = RefusedReport.objects.get()
    assert refused.contact is None and refused.reason == "unknown_sender"
    assert refused.sender == '"jan@acme.example" <attacker@evil.example>' == stored.sender
