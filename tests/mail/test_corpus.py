"""Real-world mail, as Outlook, Gmail, Apple Mail, Thunderbird, mail servers and autoresponders write it.

The files in corpus/ are kept as they come over the wire (CRLF line endings). Mails that answer one of our
own mails carry the placeholder Message-ID below; the end-to-end tests rewrite it to a signed one of ours.
Hostile mails (huge headers, deep nesting, many parts) are generated here instead of committed.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from servicedesk.mail.identity import our_message_id
from servicedesk.mail.intake import mail_receive
from servicedesk.mail.models import InboundMail
from servicedesk.mail.parse import ParsedMail, parse_mail
from servicedesk.mail.quoting import fold
from servicedesk.outbox.models import OutgoingMessage
from servicedesk.tickets import services
from servicedesk.tickets.attachments import display_name
from servicedesk.tickets.models import Attachment, RefusedReport, Ticket, TicketEvent
from tests import factories

CORPUS = Path(__file__).parent / "corpus"
PLACEHOLDER = b"<PLACEHOLDER-OUR-MESSAGE-ID@servicedesk.localhost>"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# What goes wrong when bytes are decoded in the wrong charset, or encodings are left in place.
MOJIBAKE = re.compile(
    r"Ã.|â€|Â|[\x80-\x9f]|\ufffd|=\?[\w.-]+\?[qb]\?|&(?:[a-z]{2,8}|#\d{2,6}|#x[0-9a-f]{2,6});", re.IGNORECASE
)


def load(name: str) -> bytes:
    return (CORPUS / name).read_bytes()


@dataclass(frozen=True)
class Expect:
    sender: str
    name: str
    subject: str
    says: tuple[str, ...]  # sentences the text must hold, exactly (non-ASCII included)
    new: tuple[str, ...] = ()  # in fold(text).new: what the writer wrote now
    history: tuple[str, ...] = ()  # in fold(text).rest and not in .new: quoted history and signature
    attachments: tuple[tuple[str, str], ...] = ()  # (name, content type), in the order of the mail
    automatic: bool = False
    replacement_characters: bool = False  # U+FFFD is expected (an unknown charset)
    bounce: dict[str, str] | None = None


EXPECTED: dict[str, Expect] = {
    "outlook-nl-reply-windows-1252.eml": Expect(
        sender="piet@korrel.example",
        name="Piet Jansen",
        subject="RE: [#1042] Uw melding is ontvangen: Factuur januari klopt niet",
        says=("er staat “maandelijks € 1.250,00” op, maar wij hebben een kwartaalcontract van € 3.000,00.",),
        new=("Kunnen jullie een creditnota sturen?", "Piet Jansen"),
        history=("Verzonden: maandag 12 januari 2026 09:14", "Wij hebben uw melding ontvangen"),
    ),
    "outlook-nl-forward-windows-1252.eml": Expect(
        sender="anja@korrel.example",
        name="Anja de Vries",
        subject="FW: Gepland onderhoud glasvezelaansluiting Molenstraat 12",
        says=(
            "Zie onderstaande melding van onze provider.",
            "Het maandbedrag van € 49,95 blijft ongewijzigd; de ‘storingsvergoeding’ geldt niet",
        ),
        # A forward: the forwarded text is what matters, it must stay visible.
        new=("Zie onderstaande melding van onze provider.", "voeren wij onderhoud uit aan de glasvezelaansluiting"),
    ),
    "outlook-en-reply-underscore-separator.eml": Expect(
        sender="m.visser@hofstede-advocaten.example",
        name="Visser, Mark",
        subject="Re: [#1043] Your report has been received: VPN drops",
        says=("The VPN still drops every 20 minutes since yesterday’s update.", "“Connection reset by peer”"),
        new=("Could someone call me this afternoon?",),
        history=("________________________________", "Sent: Monday, January 12, 2026 9:14 AM", "We have received"),
    ),
    "gmail-nl-reply.eml": Expect(
        sender="anja@korrel.example",
        name="Anja de Vries",
        subject="Re: [#1044] Uw melding is ontvangen: Kassa start niet op",
        says=("Kunnen jullie vóór 12:00 iemand sturen?",),
        new=("Na de herstart van vanochtend start de kassa weer niet op.",),
        history=("Op ma 12 jan 2026 om 09:14 schreef Servicedesk", "> Wij hebben uw melding ontvangen"),
    ),
    "gmail-en-reply.eml": Expect(
        sender="s.bakker@zorggroep-eikenhof.example",
        name="Sarah Bakker",
        subject="Re: [#1045] Your report has been received: Printer 2nd floor",
        says=("Thanks – the printer on the 2nd floor prints again, but the scanner still says “Network error 0x61”",),
        new=("the scanner still says",),
        history=("Servicedesk <servicedesk@qiqq.example> wrote:", "> We have received your report"),
    ),
    "gmail-forward-with-attachment.eml": Expect(
        sender="anja@korrel.example",
        name="Anja de Vries",
        subject="Fwd: Onderhoud glasvezel & pinautomaat",
        says=("Kunnen jullie de pinautomaat na het onderhoud controleren?",),
        new=("---------- Forwarded message ---------", "Uw pinautomaat kan in die tijd geen betalingen verwerken."),
        attachments=(("Onderhoudsplanning Q1 – geëxporteerd.xlsx", XLSX),),
    ),
    "apple-iphone-reply-format-flowed.eml": Expect(
        sender="anja@korrel.example",
        name="Anja de Vries",
        subject="Re: [#1044] Uw melding is ontvangen: Kassa start niet op",
        says=("Het werkt weer!", "Ook de bonprinter doet het weer."),
        new=("Het werkt weer!",),
        history=("Verzonden vanaf mijn iPhone", "> Wij hebben uw melding ontvangen"),
    ),
    "apple-mail-inline-image.eml": Expect(
        sender="s.bakker@zorggroep-eikenhof.example",
        name="Sarah Bakker",
        subject="Foutmelding bij inloggen op het ECD",
        says=("de melding „Sessie verlopen” (zie schermafbeelding). Collega’s op afdeling Berkenhof",),
        new=("Collega’s op afdeling Berkenhof hebben hetzelfde.",),
        attachments=(("Schermafbeelding 2026-01-12 om 10.41.23.png", "image/png"),),
    ),
    "samsung-base64-text.eml": Expect(
        sender="kees@korrel.example",
        name="Kees Mulder",
        subject="Wachtwoord kassasysteem kwijt",
        says=("Kunnen jullie het resetten? Mijn gebruikersnaam is „kees.mulder”.",),
        new=("Ik ben mijn wachtwoord voor het kassasysteem kwijt.",),
        history=("Verzonden vanaf mijn Galaxy",),
    ),
    "thunderbird-iso-8859-1-encoded-headers.eml": Expect(
        sender="renee.hoen@hofstede-advocaten.example",
        name="Renée Hoën",
        subject="Geëxporteerde overzichten tonen verkeerde tekens bij «Crème brûlée»",
        says=("tonen de geëxporteerde overzichten verkeerde tekens", "collega Noël", "vóór de maandafsluiting"),
        new=("Kunnen jullie dit vóór de maandafsluiting oplossen?",),
        history=("Hofstede Advocaten", "Keizersgracht 1"),
    ),
    "windows-live-mail-windows-1252.eml": Expect(
        sender="j.hofstede@hofstede-advocaten.example",
        name="Jan Hofstede",
        subject="Akkoord offerte laptops",
        says=("De offerte van € 2.450,– voor de nieuwe laptops is akkoord.", "de ‘zakelijke’ garantie van 3 jaar…"),
        new=("Levering liefst vóór 1 februari.",),
    ),
    "mislabelled-iso-8859-1-with-euro.eml": Expect(
        sender="kees@korrel.example",
        name="Kees Mulder",
        subject="Bedrag back-up abonnement",
        # Labelled ISO-8859-1, written in windows-1252 (as browsers and mail clients read such a label).
        says=("volgens de factuur € 89,95 per maand, maar in het contract staat “€ 79,95”.",),
        new=("Welk bedrag klopt?",),
    ),
    "unknown-charset.eml": Expect(
        sender="renee.hoen@hofstede-advocaten.example",
        name="Renee Hoen",
        subject="Printer kantoor 3",
        says=("De printer op kantoor 3 drukt alleen lege pagina's af.",),
        new=("drukt alleen lege pagina's af",),
        attachments=(("original-x-unknown-42.txt", "text/plain"),),
        replacement_characters=True,
    ),
    "thunderbird-nested-attachments.eml": Expect(
        sender="j.hofstede@hofstede-advocaten.example",
        name="Jan Hofstede",
        subject="Offerte 2026, begroting en omzet december",
        says=("Het totaalbedrag is € 18.750,00 excl. btw.", "Graag jullie reactie vóór vrijdag."),
        new=("Bijgaand de offerte voor 2026",),
        attachments=(
            ("logo.png", "image/png"),
            ("offerte 2026 – €.pdf", "application/pdf"),
            ("begroting 2026.xlsx", XLSX),
            ("omzet-december.csv", "text/csv"),
        ),
    ),
    "outlook-calendar-invite.eml": Expect(
        sender="m.visser@hofstede-advocaten.example",
        name="Visser, Mark",
        subject="Overleg migratie Microsoft 365",
        says=("Zullen we de migratie naar Microsoft 365 op locatie bespreken?",),
        new=("planning voor het weekend van 24 januari",),
        attachments=(("invite.ics", "text/calendar"),),
    ),
    "dsn-postfix-user-unknown.eml": Expect(
        sender="mailer-daemon@mail.qiqq.example",
        name="Mail Delivery System",  # the old style: the name as a comment after the address
        subject="Undelivered Mail Returned to Sender",
        says=("I'm sorry to have to inform you that your message could not",),
        attachments=(("delivery-status.txt", "message/delivery-status"), ("attached-mail.eml", "message/rfc822")),
        automatic=True,
        bounce={
            "recipient": "piet.jansen@korrel.example",
            "action": "failed",
            "status": "5.1.1",
            "diagnostic": "550 5.1.1 <piet.jansen@korrel.example>: Recipient address rejected: "
            "User unknown in virtual mailbox table",
        },
    ),
    "dsn-exchange-mailbox-full.eml": Expect(
        sender="microsoftexchange329e71ec88ae4615bbc36ab6ce41109e@zorggroep-eikenhof.example",
        name="Microsoft Outlook",
        subject="Undeliverable: [#1045] Uw melding is ontvangen: Printer 2e verdieping",
        says=("Sarah's mailbox is full.",),
        attachments=(
            ("delivery-status.txt", "message/delivery-status"),
            ("original-headers.txt", "text/rfc822-headers"),
        ),
        automatic=True,
        bounce={
            "recipient": "s.bakker@zorggroep-eikenhof.example",
            "action": "failed",
            "status": "5.2.2",
            "diagnostic": "554 5.2.2 mailbox full; "
            "STOREDRV.Deliver.Exception:QuotaExceededException.MapiExceptionShutoffQuotaExceeded",
        },
    ),
    "dsn-exim-plain-text.eml": Expect(
        sender="mailer-daemon@mx.hostingpartner.example",
        name="Mail Delivery System",
        subject="Mail delivery failed: returning message to sender",
        says=("mailbox is full: retry timeout exceeded",),
        automatic=True,
    ),
    "ooo-outlook-auto-replied.eml": Expect(
        sender="piet@korrel.example",
        name="Piet Jansen",
        subject="Automatisch antwoord: [#1042] Uw melding is ontvangen: Factuur januari klopt niet",
        says=("Ik ben afwezig tot en met maandag 19 januari",),
        automatic=True,
    ),
    "ooo-afwezig-precedence-bulk.eml": Expect(
        sender="kees@korrel.example",
        name="Kees Mulder",
        subject="Afwezig: Re: [#1046] Uw melding is ontvangen: Wachtwoord kassasysteem kwijt",
        says=("Ik ben afwezig van 12 t/m 16 januari.",),
        automatic=True,
    ),
    "ooo-cpanel-precedence-auto-reply.eml": Expect(
        # cPanel's autoresponder: "Precedence: auto_reply" and "X-Autorespond", no Auto-Submitted.
        sender="s.bakker@zorggroep-eikenhof.example",
        name="",
        subject="Afwezig (was: [#1045] Uw melding is ontvangen: Printer 2e verdieping)",
        says=("Ik ben met vakantie tot en met 23 januari.",),
        automatic=True,
    ),
    "scanner-no-message-id.eml": Expect(
        sender="scanner@korrel.example",
        name="Scanner Kantoor",
        subject="Gescand document van KM-C258",
        says=("de storingsmelding van de koelcel",),
        new=("de storingsmelding van de koelcel",),
        attachments=(("SKM_C25826011211030.pdf", "application/pdf"),),
    ),
    "thunderbird-forward-as-attachment.eml": Expect(
        sender="anja@korrel.example",
        name="Anja de Vries",
        subject="Fwd: Uw pakket kon niet worden bezorgd",
        says=("Is dit phishing? Ik heb niet op de link geklikt.",),
        new=("Is dit phishing?",),
        attachments=(("Uw pakket kon niet worden bezorgd.eml", "message/rfc822"),),
    ),
    "webform-html-only.eml": Expect(
        sender="anja@korrel.example",
        name="Anja de Vries",
        subject="Webshop: betaalpagina geeft foutmelding",
        says=("Webshop café-bestellingen", "Klanten zien “Transactie geweigerd” & de bestelling blijft hangen."),
        new=("De betaalpagina van de webshop geeft een foutmelding",),
    ),
}

REPLIES = [name for name, e in EXPECTED.items() if e.history and ("Re:" in e.subject or "RE:" in e.subject)]
NAMES = sorted(EXPECTED)


def parsed(name: str) -> ParsedMail:
    return parse_mail(load(name))


def squash(text: str) -> str:
    """Text with all whitespace made single spaces, so sentences can be compared across soft line breaks."""
    return " ".join(text.split())


# --- the corpus itself -----------------------------------------------------------------------------------


def test_every_corpus_file_has_expectations():
    assert sorted(p.name for p in CORPUS.glob("*.eml")) == NAMES


@pytest.mark.parametrize("name", NAMES)
def test_corpus_files_have_crlf_line_endings_as_on_the_wire(name):
    raw = load(name)
    assert raw.count(b"\n") == raw.count(b"\r\n") > 0
    assert b"\r\n\r\n" in raw  # headers, then a body


# --- parsing: table-driven -------------------------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_sender_and_subject(name):
    mail, expect = parsed(name), EXPECTED[name]
    assert (mail.from_address, mail.from_name, mail.subject) == (expect.sender, expect.name, expect.subject)


@pytest.mark.parametrize("name", NAMES)
def test_text_holds_the_key_sentences_with_their_own_characters(name):
    text, expect = parsed(name).text, EXPECTED[name]
    for sentence in expect.says:
        assert sentence in text


@pytest.mark.parametrize("name", NAMES)
def test_no_mojibake(name):
    mail, expect = parsed(name), EXPECTED[name]
    shown = [mail.subject, mail.from_name, *(a.name for a in mail.attachments)]
    if not expect.replacement_characters:
        shown.append(mail.text)
    for value in shown:
        assert not MOJIBAKE.search(value), f"{MOJIBAKE.search(value).group()!r} in {value[:200]!r}"


@pytest.mark.parametrize("name", NAMES)
def test_attachments_are_kept_as_the_sender_named_them(name):
    mail, expect = parsed(name), EXPECTED[name]
    assert [(a.name, a.content_type) for a in mail.attachments] == list(expect.attachments)
    assert all(a.data for a in mail.attachments)


@pytest.mark.parametrize("name", NAMES)
def test_automatic_mail_is_recognised(name):
    assert parsed(name).is_automatic is EXPECTED[name].automatic


@pytest.mark.parametrize("name", NAMES)
def test_bounce_fields(name):
    mail, expect = parsed(name), EXPECTED[name]
    if expect.bounce is None:
        assert mail.bounce is None
        return
    assert mail.bounce is not None
    assert mail.bounce.original_ids == (PLACEHOLDER.decode(),)
    found = {key: getattr(mail.bounce, key) for key in expect.bounce}
    assert found == expect.bounce


@pytest.mark.parametrize("name", NAMES)
def test_fold_shows_what_is_new_and_folds_the_history(name):
    expect = EXPECTED[name]
    mail = parsed(name)
    text = mail.text
    folded = fold(text, forward=mail.is_forward)  # the ticket page knows from the subject (Message.forwarded)
    for sentence in expect.new:
        assert sentence in folded.new
    for quoted in expect.history:
        assert quoted not in folded.new
        assert quoted in folded.rest
    if not expect.history and not expect.automatic:
        assert (folded.new, folded.rest) == (text, ""), "nothing to fold, yet something was folded"


# --- parsing: what matters about particular mails ---------------------------------------------------------


def test_windows_1252_outlook_html_is_decoded_too():
    mail = parsed("outlook-nl-reply-windows-1252.eml")
    assert "“maandelijks € 1.250,00”" in mail.html
    assert "<b>Van:</b>" in mail.html


def test_gmail_reply_keeps_the_gmail_quote_in_its_html():
    html = parsed("gmail-nl-reply.eml").html
    assert 'class="gmail_quote' in html and "vóór 12:00" in html


def test_the_inline_image_is_kept_and_the_html_refers_to_it():
    mail = parsed("apple-mail-inline-image.eml")
    (image,) = mail.attachments
    assert image.data.startswith(b"\x89PNG\r\n\x1a\n")
    assert 'src="cid:A1B2C3D4-E5F6-4A7B-8C9D-0E1F2A3B4C5D@home"' in mail.html


def test_nested_attachments_keep_their_bytes():
    mail = parsed("thunderbird-nested-attachments.eml")
    by_name = {a.name: a.data for a in mail.attachments}
    assert by_name["offerte 2026 – €.pdf"].startswith(b"%PDF-1.7") and by_name["offerte 2026 – €.pdf"].endswith(
        b"%%EOF\n"
    )
    assert by_name["begroting 2026.xlsx"].startswith(b"PK\x03\x04")
    csv = by_name["omzet-december.csv"]
    assert csv.decode("utf-8") == (
        "datum;omschrijving;bedrag\r\n2025-12-01;Brood & banket;€ 12.345,67\r\n2025-12-02;Taart “Noël”;€ 890,10\r\n"
    )
    assert "cid:part1.Hk3Lm9Qz.Xw2Rt7Yp@hofstede-advocaten.example" in mail.html
    assert "€ 18.750,00" in mail.html


def test_the_calendar_invite_is_kept_as_text_calendar():
    (invite,) = parsed("outlook-calendar-invite.eml").attachments
    assert invite.content_type == "text/calendar"
    assert invite.data.startswith(b"BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\n")
    assert b"SUMMARY;LANGUAGE=nl-NL:Overleg migratie Microsoft 365" in invite.data
    assert invite.data.rstrip().endswith(b"END:VCALENDAR")


def test_an_unknown_charset_shows_what_can_be_read_and_keeps_the_part_as_it_came():
    raw = load("unknown-charset.eml")
    mail = parse_mail(raw)
    assert "Groet, Ren\ufffde" in mail.text
    (original,) = mail.attachments
    assert original.data == raw.split(b"\r\n\r\n", 1)[1]


def test_an_attached_mail_is_kept_whole_as_it_was_sent():
    raw = load("thunderbird-forward-as-attachment.eml")
    start = raw.index(b"Return-Path: <bounce-8812@pakket-bezorging.example>")
    end = raw.index(b"\r\n--------------fW7gH9jK1lZ3xC5vB7nM9qA2--")
    (attached,) = parse_mail(raw).attachments
    assert attached.data == raw[start:end]


def test_format_flowed_paragraphs_are_joined():
    """RFC 3676: a line ending in a space continues on the next line (Apple Mail, Thunderbird)."""
    text = parsed("apple-iphone-reply-format-flowed.eml").text
    assert (
        "De kassa start sinds de nieuwe voeding zonder problemen op, dank jullie wel voor de snelle hulp vanochtend."
        in text
    )


def test_a_gmail_attribution_wrapped_inside_the_address_is_folded_whole():
    folded = fold(parsed("gmail-nl-reply.eml").text)
    assert folded.new.rstrip().endswith("Anja")
    assert folded.rest.lstrip().startswith("Op ma 12 jan 2026 om 09:14 schreef Servicedesk <")


# --- hostile mail, generated ------------------------------------------------------------------------------

HEAD = (
    "From: Anja de Vries <anja@korrel.example>\r\nTo: servicedesk@qiqq.example\r\n"
    "Subject: {subject}\r\nMessage-ID: <{id}@korrel.example>\r\nMIME-Version: 1.0\r\n"
)


def deep_nesting(levels: int = 2000, boundary: str = "b", lines: int = 1, subject: str = "Diep genest") -> bytes:
    parts = [HEAD.format(subject=subject, id=f"deep{levels}.{len(boundary)}.{lines}")]
    for level in range(levels):
        parts.append(f'Content-Type: multipart/mixed; boundary="{boundary}{level}"\r\n\r\n--{boundary}{level}\r\n')
    parts.append("Content-Type: text/plain\r\n\r\n" + "Helemaal onderin.\r\n" * lines)
    parts.extend(f"--{boundary}{level}--\r\n" for level in reversed(range(levels)))
    return "".join(parts).encode()


def long_boundaries() -> bytes:
    """As deep as allowed, each boundary 10,000 characters: the parser took 13 s for it before the bound."""
    return deep_nesting(100, boundary="b" * 10_000, subject="Lange grenzen")


def deep_and_long() -> bytes:
    """As deep as allowed around 300,000 lines, each of which the parser tries against every boundary: 13 s."""
    return deep_nesting(100, lines=300_000, subject="Diep en lang")


def many_parts(parts: int = 10_000, newline: str = "\r\n") -> bytes:
    head = HEAD.format(subject="Heel veel delen", id=f"parts{parts}{len(newline)}")
    head += 'Content-Type: multipart/mixed; boundary="p"\r\n\r\n'
    part = "--p\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment\r\n\r\nx\r\n"
    return (head + part * parts + "--p--\r\n").replace("\r\n", newline).encode()


def huge_headers(size: int = 1024 * 1024) -> bytes:
    received, n = [], 0
    while sum(map(len, received)) < size:
        received.append(
            f"Received: from relay{n}.example (relay{n}.example [192.0.2.{n % 250}])\r\n"
            f"\tby mx{n}.example (Postfix) with ESMTPS id 4Ft{n:09d}; Mon, 12 Jan 2026 09:00:00 +0100\r\n"
            f"X-Spam-Report-{n}: score=0.1 tests=BAYES_00,DKIM_SIGNED,DKIM_VALID relay{n}\r\n"
        )
        n += 1
    word = "=?utf-8?q?Printer_piept_=E2=82=AC_?="
    subject = " ".join([word] * (size // len(word)))  # one line of a megabyte of encoded words
    head = HEAD.format(subject=subject, id="huge")
    return ("".join(received) + head + "Content-Type: text/plain; charset=utf-8\r\n\r\nDe printer piept.\r\n").encode()


def test_generated_hostile_mails_are_what_they_say():
    assert len(deep_nesting()) < 200_000 and deep_nesting().count(b"boundary=") == 2000
    assert long_boundaries().count(b'boundary="' + b"b" * 10_000) == 100
    assert deep_and_long().count(b"boundary=") == 100 and deep_and_long().count(b"onderin.\r\n") == 300_000
    assert many_parts().count(b"\r\n--p\r\n") == 10_000
    huge = huge_headers()
    head = huge.split(b"\r\n\r\n", 1)[0]
    assert len(head) > 2 * 1024 * 1024 and max(len(line) for line in head.split(b"\r\n")) > 1024 * 1024


HOSTILE = [
    pytest.param(deep_nesting, "Diep genest", id="2000-levels-deep"),
    pytest.param(many_parts, "Heel veel delen", id="10000-parts"),
    # Python's parser also ends a line at a bare CR; a count of "--" at line starts must do the same.
    pytest.param(lambda: many_parts(30_000, newline="\r"), "Heel veel delen", id="30000-parts-bare-cr-line-ends"),
    pytest.param(long_boundaries, "Lange grenzen", id="100-boundaries-of-10000-characters"),
    pytest.param(deep_and_long, "Diep en lang", id="100-levels-around-300000-lines"),
]


@pytest.mark.parametrize(("make", "subject"), HOSTILE)
def test_hostile_structure_is_read_as_headers_only_and_kept_whole(make, subject):
    raw = make()
    started = time.monotonic()
    mail = parse_mail(raw)
    elapsed = time.monotonic() - started
    assert mail.too_complex
    assert [(a.name, a.content_type, a.data) for a in mail.attachments] == [("original.eml", "message/rfc822", raw)]
    assert (mail.from_address, mail.subject) == ("anja@korrel.example", subject)
    assert elapsed < 5


def test_huge_headers_are_parsed_in_bounded_time():
    raw = huge_headers()
    started = time.monotonic()
    mail = parse_mail(raw)
    assert time.monotonic() - started < 5
    assert mail.from_address == "anja@korrel.example" and mail.message_id == "<huge@korrel.example>"
    assert mail.subject.startswith("Printer piept € Printer piept €") and len(mail.subject) <= 300
    assert mail.text == "De printer piept."


# --- end to end: through mail_receive --------------------------------------------------------------------

SENDERS = {
    "Bakkerij De Korrel": [
        ("Anja de Vries", "anja@korrel.example"),
        ("Piet Jansen", "piet@korrel.example"),
        ("Piet Jansen (oud adres)", "piet.jansen@korrel.example"),
        ("Kees Mulder", "kees@korrel.example"),
        ("Scanner Kantoor", "scanner@korrel.example"),
    ],
    "Hofstede Advocaten": [
        ("Mark Visser", "m.visser@hofstede-advocaten.example"),
        ("Jan Hofstede", "j.hofstede@hofstede-advocaten.example"),
        ("Renée Hoën", "renee.hoen@hofstede-advocaten.example"),
    ],
    "Zorggroep Eikenhof": [("Sarah Bakker", "s.bakker@zorggroep-eikenhof.example")],
}


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def contacts(media):
    """Every corpus sender is an authorised contact of their customer."""
    found = {}
    for customer_name, people in SENDERS.items():
        customer = factories.customer(customer_name)
        for index, (name, email) in enumerate(people):
            found[email] = factories.contact(customer, name, main=index == 0, email=email, may_report=True)
    return found


def acknowledged_ticket(contact, subject: str = "Melding") -> tuple[Ticket, OutgoingMessage]:
    """A ticket as mail opens it, with the acknowledgement we sent for it."""
    ticket = services.ticket_create(reporter=contact, subject=subject, body="Eerste melding.", channel="email")
    return ticket, OutgoingMessage.objects.get(ticket=ticket, kind=OutgoingMessage.Kind.ACKNOWLEDGEMENT)


def answering(name: str, ticket: Ticket, outgoing: OutgoingMessage, *, refers: bool = True) -> bytes:
    """The corpus mail as an answer to (or a bounce of) our outgoing message."""
    raw = load(name)
    assert (PLACEHOLDER in raw) is refers
    return raw.replace(PLACEHOLDER, our_message_id(ticket.pk, outgoing.pk).encode())


e2e = pytest.mark.django_db(transaction=True)


@e2e
@pytest.mark.parametrize("name", REPLIES)
def test_a_reply_threads_onto_the_ticket_whose_acknowledgement_it_answers(contacts, name):
    expect = EXPECTED[name]
    ticket, acknowledgement = acknowledged_ticket(contacts[expect.sender])
    mail, created = mail_receive(answering(name, ticket, acknowledgement), via="pipe")
    assert created and mail.status == InboundMail.Status.PROCESSED, mail.reason
    assert mail.ticket == ticket and Ticket.objects.count() == 1
    reply = ticket.messages.order_by("id").last()
    assert reply.author_contact == contacts[expect.sender]
    assert all(sentence in reply.body for sentence in expect.says)


@e2e
@pytest.mark.parametrize(
    ("name", "recipient", "status"),
    [
        ("dsn-postfix-user-unknown.eml", "piet.jansen@korrel.example", "5.1.1"),
        ("dsn-exchange-mailbox-full.eml", "s.bakker@zorggroep-eikenhof.example", "5.2.2"),
    ],
)
def test_a_dsn_is_linked_to_the_ticket_and_marks_the_outgoing_message_bounced(contacts, name, recipient, status):
    ticket, acknowledgement = acknowledged_ticket(contacts[recipient])
    messages, outgoing = ticket.messages.count(), OutgoingMessage.objects.count()
    mail, _ = mail_receive(answering(name, ticket, acknowledgement), via="pipe")
    assert mail.status == InboundMail.Status.BOUNCE and mail.ticket == ticket
    acknowledgement.refresh_from_db()
    assert acknowledgement.status == OutgoingMessage.Status.BOUNCED
    assert status in acknowledgement.last_error and recipient in acknowledgement.last_error
    event = TicketEvent.objects.get(ticket=ticket, kind=TicketEvent.Kind.BOUNCED)
    assert status in event.reason
    assert ticket.messages.count() == messages and OutgoingMessage.objects.count() == outgoing  # never answered


@e2e
def test_a_dsn_about_a_forged_message_id_is_not_linked(contacts):
    ticket, acknowledgement = acknowledged_ticket(contacts["piet.jansen@korrel.example"])
    forged = f"<sd.{ticket.pk}.{acknowledgement.pk}.{'0' * 16}@servicedesk.localhost>".encode()
    mail, _ = mail_receive(load("dsn-postfix-user-unknown.eml").replace(PLACEHOLDER, forged), via="pipe")
    assert mail.status == InboundMail.Status.AUTOMATIC and mail.ticket is None
    acknowledgement.refresh_from_db()
    assert acknowledgement.status == OutgoingMessage.Status.QUEUED
    assert not TicketEvent.objects.filter(kind=TicketEvent.Kind.BOUNCED).exists()


@e2e
@pytest.mark.parametrize(
    "name", ["ooo-outlook-auto-replied.eml", "ooo-afwezig-precedence-bulk.eml", "ooo-cpanel-precedence-auto-reply.eml"]
)
def test_an_out_of_office_creates_no_ticket_and_queues_no_mail(contacts, name):
    ticket, acknowledgement = acknowledged_ticket(contacts[EXPECTED[name].sender])
    tickets, messages, outgoing = Ticket.objects.count(), ticket.messages.count(), OutgoingMessage.objects.count()
    refers = name != "ooo-cpanel-precedence-auto-reply.eml"  # cPanel's autoresponder names no message
    mail, _ = mail_receive(answering(name, ticket, acknowledgement, refers=refers), via="pipe")
    assert mail.status == InboundMail.Status.AUTOMATIC, mail.status
    assert Ticket.objects.count() == tickets and ticket.messages.count() == messages
    assert OutgoingMessage.objects.count() == outgoing


@e2e
def test_a_mail_without_message_id_is_stored_once_even_when_delivered_twice(contacts):
    raw = load("scanner-no-message-id.eml")
    first, created = mail_receive(raw, via="pipe")
    again, created_again = mail_receive(raw, via="imap")
    assert (created, created_again) == (True, False) and again.pk == first.pk
    assert first.message_id == "" and first.dedupe_key.startswith("sha256:")
    assert InboundMail.objects.count() == 1 and Ticket.objects.count() == 1
    assert OutgoingMessage.objects.filter(kind=OutgoingMessage.Kind.ACKNOWLEDGEMENT).count() == 1
    (pdf,) = Attachment.objects.filter(message__ticket=first.ticket)
    assert (pdf.original_name, pdf.content_type) == ("SKM_C25826011211030.pdf", "application/pdf")


@e2e
def test_the_inline_image_and_the_html_that_shows_it_are_kept(contacts):
    mail, _ = mail_receive(load("apple-mail-inline-image.eml"), via="pipe")
    message = mail.ticket.messages.order_by("id").first()
    assert 'src="cid:A1B2C3D4-E5F6-4A7B-8C9D-0E1F2A3B4C5D@home"' in message.body_html
    (image,) = message.attachments.all()
    assert (image.original_name, image.content_type) == ("Schermafbeelding 2026-01-12 om 10.41.23.png", "image/png")


@e2e
def test_nested_attachments_are_stored_with_their_names(contacts, media):
    mail, _ = mail_receive(load("thunderbird-nested-attachments.eml"), via="pipe")
    kept = list(Attachment.objects.filter(message__ticket=mail.ticket).order_by("id"))
    assert [(a.original_name, a.content_type) for a in kept] == list(
        EXPECTED["thunderbird-nested-attachments.eml"].attachments
    )
    assert sum(1 for p in Path(media).rglob("*") if p.is_file()) == 4


@e2e
def test_the_acknowledgement_repeats_the_subject_as_it_was_written(contacts):
    """A plain-text mail: the subject "Onderhoud glasvezel & pinautomaat" must not become "&amp;"."""
    mail, _ = mail_receive(load("gmail-forward-with-attachment.eml"), via="pipe")
    acknowledgement = OutgoingMessage.objects.get(ticket=mail.ticket, kind=OutgoingMessage.Kind.ACKNOWLEDGEMENT)
    assert acknowledgement.subject == (
        f"[#{mail.ticket.pk}] Uw melding is ontvangen: Fwd: Onderhoud glasvezel & pinautomaat"
    )


@e2e
@pytest.mark.parametrize("name", NAMES)
def test_every_corpus_mail_goes_through_intake_without_quarantine(contacts, name):
    raw = load(name)
    mail, created = mail_receive(raw, via="pipe")
    assert created
    assert mail.status != InboundMail.Status.QUARANTINED, mail.reason
    expect = EXPECTED[name]
    assert mail.sender == expect.sender and mail.subject == expect.subject
    if expect.automatic:
        assert mail.status == InboundMail.Status.AUTOMATIC and not Ticket.objects.exists()
        return
    assert mail.status == InboundMail.Status.PROCESSED and mail.ticket is not None
    message = mail.ticket.messages.order_by("id").last()
    kept = [(a.original_name, a.content_type) for a in message.attachments.all()]
    assert kept == [(display_name(n), t) for n, t in expect.attachments]


@e2e
@pytest.mark.parametrize(("make", "subject"), HOSTILE)
def test_hostile_mail_becomes_a_ticket_with_the_whole_mail_attached_within_a_bound(contacts, make, subject):
    raw = make()
    started = time.monotonic()
    mail, _ = mail_receive(raw, via="pipe")
    elapsed = time.monotonic() - started
    assert mail.status == InboundMail.Status.PROCESSED, mail.reason
    assert mail.ticket.subject == subject
    (original,) = Attachment.objects.filter(message__ticket=mail.ticket)
    assert (original.original_name, original.content_type, original.size) == (
        "original.eml",
        "message/rfc822",
        len(raw),
    )
    assert elapsed < 5


@e2e
def test_a_mail_with_a_megabyte_of_headers_and_subject_becomes_a_ticket_within_a_bound(contacts):
    raw = huge_headers()
    started = time.monotonic()
    mail, _ = mail_receive(raw, via="pipe")
    assert time.monotonic() - started < 5
    assert mail.status == InboundMail.Status.PROCESSED, mail.reason
    assert mail.ticket.subject.startswith("Printer piept €") and len(mail.ticket.subject) <= 300
    assert "De printer piept." in mail.ticket.messages.get().body


@e2e
def test_a_long_subject_does_not_quarantine_the_mail(contacts):
    """Subjects of 270 to 300 characters happen (forward chains, monitoring alerts); the ticket keeps them and
    the acknowledgement repeats them after "[#n] Uw melding is ontvangen: "."""
    subject = "FW: RE: FW: " + ", ".join(f"Storing kassa filiaal {n}" for n in range(1, 12))
    assert 270 < len(subject) <= 300
    raw = load("gmail-forward-with-attachment.eml").replace(
        b"Subject: Fwd: Onderhoud glasvezel & pinautomaat\r\n", f"Subject: {subject}\r\n".encode()
    )
    mail, _ = mail_receive(raw, via="pipe")
    assert mail.status == InboundMail.Status.PROCESSED, mail.reason
    assert mail.ticket.subject == subject
    assert OutgoingMessage.objects.filter(ticket=mail.ticket, kind=OutgoingMessage.Kind.ACKNOWLEDGEMENT).exists()


@e2e
@pytest.mark.parametrize(
    ("name", "recipient", "status"),
    [
        ("dsn-postfix-user-unknown.eml", "piet.jansen@korrel.example", "5.1.1"),
        ("dsn-exchange-mailbox-full.eml", "s.bakker@zorggroep-eikenhof.example", "5.2.2"),
    ],
)
def test_with_dmarc_checked_a_dsn_is_still_linked_not_held(contacts, settings, name, recipient, status):
    """A bounce comes from MAILER-DAEMON with an empty Return-Path: no DMARC verdict can vouch for it, and none
    has to (issue 25 item 9)."""
    settings.SERVICEDESK_AUTHSERV_ID = "mx.qiqq.example"
    ticket, acknowledgement = acknowledged_ticket(contacts[recipient])
    mail, _ = mail_receive(answering(name, ticket, acknowledgement), via="pipe")
    assert mail.status == InboundMail.Status.BOUNCE and mail.ticket == ticket
    acknowledgement.refresh_from_db()
    assert acknowledgement.status == OutgoingMessage.Status.BOUNCED


@e2e
def test_with_dmarc_checked_a_plain_mailer_daemon_bounce_is_automatic_mail(contacts, settings):
    settings.SERVICEDESK_AUTHSERV_ID = "mx.qiqq.example"
    bounce = (
        b"From: Mail Delivery System <MAILER-DAEMON@mx.korrel.example>\r\n"
        b"To: servicedesk@qiqq.example\r\nSubject: Undelivered Mail Returned to Sender\r\n"
        b"Message-ID: <b1@mx.korrel.example>\r\n\r\nYour message could not be delivered to someone@else.example.\r\n"
    )
    tickets = Ticket.objects.count()
    mail, _ = mail_receive(bounce, via="pipe")
    assert mail.status == InboundMail.Status.AUTOMATIC and Ticket.objects.count() == tickets
    assert not RefusedReport.objects.filter(sender__icontains="mailer-daemon").exists()
