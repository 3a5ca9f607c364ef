"""Folding a mail's text for display: the new text apart from signature and quoted history; nothing is lost."""

from __future__ import annotations

import re

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from servicedesk.mail.quoting import Folded, fold

OLD = "Beste Anja,\n\nWij hebben uw melding ontvangen.\n\nMet vriendelijke groet,\nDe servicedesk"
QUOTED_OLD = "\n".join(f"> {line}".rstrip() for line in OLD.split("\n"))
NEW = "Hallo,\n\nDe printer piept nog steeds, ook na de herstart.\n\nGroet,\nAnja"

# (id, text, the new text, how the folded rest begins)
FOLDED = [
    (
        "gmail-en-attribution",
        f"{NEW}\n\nOn Mon, 12 Jan 2026 at 09:14, Servicedesk <servicedesk@qiqq.example> wrote:\n\n{QUOTED_OLD}",
        NEW,
        "On Mon, 12 Jan 2026 at 09:14",
    ),
    (
        "gmail-en-attribution-wrapped-before-wrote",
        f"{NEW}\n\nOn Mon, 12 Jan 2026 at 09:14, Servicedesk <servicedesk@qiqq.example>\nwrote:\n\n{QUOTED_OLD}",
        NEW,
        "On Mon, 12 Jan 2026 at 09:14",
    ),
    (
        "gmail-nl-attribution",
        f"{NEW}\n\nOp ma 12 jan 2026 om 09:14 schreef Servicedesk <servicedesk@qiqq.example>:\n\n{QUOTED_OLD}",
        NEW,
        "Op ma 12 jan 2026 om 09:14 schreef",
    ),
    (
        "gmail-nl-attribution-wrapped-inside-the-address",
        f"{NEW}\n\nOp ma 12 jan 2026 om 09:14 schreef Servicedesk <\nservicedesk@qiqq.example>:\n\n{QUOTED_OLD}",
        NEW,
        "Op ma 12 jan 2026 om 09:14 schreef Servicedesk <\nservicedesk",
    ),
    (
        "apple-nl-attribution",
        f"{NEW}\n\nOp 12 jan. 2026 om 09:14 heeft Servicedesk <servicedesk@qiqq.example> het volgende geschreven:"
        f"\n\n{QUOTED_OLD}",
        NEW,
        "Op 12 jan. 2026 om 09:14 heeft",
    ),
    (
        "thunderbird-de-attribution",
        f"{NEW}\n\nAm 12.01.26 um 09:14 schrieb Servicedesk:\n{QUOTED_OLD}",
        NEW,
        "Am 12.01.26 um 09:14 schrieb",
    ),
    (
        "gmail-fr-attribution",
        f"{NEW}\n\nLe lun. 12 janv. 2026 à 09:14, Servicedesk <servicedesk@qiqq.example> a écrit :\n\n{QUOTED_OLD}",
        NEW,
        "Le lun. 12 janv. 2026",
    ),
    (
        "outlook-nl-header-block",
        f"{NEW}\n\nVan: Servicedesk <servicedesk@qiqq.example>\nVerzonden: maandag 12 januari 2026 09:14\n"
        f"Aan: Anja de Vries <anja@korrel.example>\nOnderwerp: [#1044] Uw melding is ontvangen\n\n{OLD}",
        NEW,
        "Van: Servicedesk",
    ),
    (
        "outlook-en-header-block",
        f"{NEW}\n\nFrom: Servicedesk <servicedesk@qiqq.example>\nSent: Monday, January 12, 2026 9:14 AM\n"
        f"To: Anja de Vries <anja@korrel.example>\nSubject: [#1044] Your report\n\n{OLD}",
        NEW,
        "From: Servicedesk",
    ),
    (
        "outlook-de-header-block",
        f"{NEW}\n\nVon: Servicedesk <servicedesk@qiqq.example>\nGesendet: Montag, 12. Januar 2026 09:14\n"
        f"An: Anja de Vries\nBetreff: [#1044] Ihre Meldung\n\n{OLD}",
        NEW,
        "Von: Servicedesk",
    ),
    (
        "outlook-header-block-with-bold-markers",
        f"{NEW}\n\n*From:* Servicedesk <servicedesk@qiqq.example>\n*Sent:* Monday, January 12, 2026 9:14 AM\n"
        f"*To:* Anja de Vries\n*Subject:* [#1044] Your report\n\n{OLD}",
        NEW,
        "*From:* Servicedesk",
    ),
    (
        "outlook-en-underscore-separator",
        f"{NEW}\n\n________________________________\nFrom: Servicedesk <servicedesk@qiqq.example>\n"
        f"Sent: Monday, January 12, 2026 9:14 AM\nTo: Anja\nSubject: Your report\n\n{OLD}",
        NEW,
        "________________________________\nFrom:",
    ),
    (
        "outlook-en-original-message",
        f"{NEW}\n\n-----Original Message-----\nFrom: Servicedesk <servicedesk@qiqq.example>\n"
        f"Sent: Monday, January 12, 2026 9:14 AM\n\n{OLD}",
        NEW,
        "-----Original Message-----",
    ),
    (
        "outlook-nl-oorspronkelijk-bericht",
        f"{NEW}\n\n-----Oorspronkelijk bericht-----\nVan: Servicedesk <servicedesk@qiqq.example>\n"
        f"Verzonden: maandag 12 januari 2026 09:14\n\n{OLD}",
        NEW,
        "-----Oorspronkelijk bericht-----",
    ),
    ("bottom-quote-without-attribution", f"{NEW}\n\n{QUOTED_OLD}\n", NEW, "> Beste Anja,"),
    ("signature-delimiter", f"{NEW}\n-- \nAnja de Vries\nBakkerij De Korrel", NEW, "-- \nAnja de Vries"),
    ("signature-delimiter-crlf", "Tekst.\r\n-- \r\nAnja\r\n", "Tekst.", "-- \r\nAnja"),
    ("sent-from-my-iphone", f"{NEW}\n\nSent from my iPhone\n\n{QUOTED_OLD}", NEW, "Sent from my iPhone"),
    ("verzonden-vanaf-mijn-iphone", f"{NEW}\n\nVerzonden vanaf mijn iPhone", NEW, "Verzonden vanaf mijn iPhone"),
    (
        "verstuurd-vanaf-mijn-ipad-above-an-apple-quote",
        f"{NEW}\n\nVerstuurd vanaf mijn iPad\n\n> Op 12 jan. 2026 om 09:14 heeft Servicedesk <s@qiqq.example> het "
        f"volgende geschreven:\n>\n{QUOTED_OLD}",
        NEW,
        "Verstuurd vanaf mijn iPad",
    ),
    (
        "get-outlook-for-ios-above-the-header-block",
        f"{NEW}\n\nGet Outlook for iOS<https://aka.ms/o0ukef>\n________________________________\n"
        f"From: Servicedesk <servicedesk@qiqq.example>\nSent: Monday, January 12, 2026 9:14 AM\n\n{OLD}",
        NEW,
        "Get Outlook for iOS",
    ),
]

# Text that must be shown whole: inline answers, forwards, nothing above the quote, ordinary prose.
NOT_FOLDED = [
    ("plain-text", NEW),
    (
        "inline-replies",
        "Hoi,\n\n> Werkt de printer weer?\nJa, sinds vanochtend.\n\n> En de scanner?\n"
        "Nee, die geeft nog steeds een foutmelding.\n\nGroet, Piet",
    ),
    ("inline-reply-at-the-top", "> Werkt het?\n> Graag antwoord.\n\nJa hoor, sinds vanochtend."),
    (
        "gmail-en-forward",
        "FYI, see below.\n\n---------- Forwarded message ---------\nFrom: NetLink <storingen@netlink.example>\n"
        "Date: Sun, 11 Jan 2026 at 22:47\nSubject: Outage\nTo: <anja@korrel.example>\n\n\nDear customer,\n"
        "maintenance on Monday.\n\nOn Sun, 11 Jan 2026 at 20:00, Anja <anja@korrel.example> wrote:\n> earlier",
    ),
    (
        "gmail-nl-forward",
        "Ter info.\n\n---------- Doorgestuurd bericht ---------\nVan: NetLink <storingen@netlink.example>\n"
        "Date: zo 11 jan 2026 om 22:47\nSubject: Storing\nTo: <anja@korrel.example>\n\nGeachte klant, onderhoud.",
    ),
    (
        "thunderbird-en-forward",
        "See below.\n\n-------- Forwarded Message --------\nSubject: \tOutage\n"
        "Date: \tSun, 11 Jan 2026 22:47:01 +0100\nFrom: \tNetLink <storingen@netlink.example>\n"
        "To: \tanja@korrel.example\n\nDear customer, maintenance.",
    ),
    (
        "thunderbird-nl-forward",
        "Zie hieronder.\n\n-------- Doorgestuurd bericht --------\nOnderwerp: \tStoring\n"
        "Datum: \tSun, 11 Jan 2026 22:47:01 +0100\nVan: \tNetLink <storingen@netlink.example>\n"
        "Aan: \tanja@korrel.example\n\nGeachte klant, onderhoud.",
    ),
    (
        "apple-en-forward",
        "FYI\n\nBegin forwarded message:\n\nFrom: NetLink <storingen@netlink.example>\nSubject: Outage\n"
        "Date: 11 January 2026 at 22:47:01 CET\nTo: anja@korrel.example\n\nDear customer, maintenance.",
    ),
    (
        "apple-nl-forward",
        "Ter info\n\nBegin doorgestuurd bericht:\n\nVan: NetLink <storingen@netlink.example>\nOnderwerp: Storing\n"
        "Datum: 11 januari 2026 om 22:47:01 CET\nAan: anja@korrel.example\n\nGeachte klant, onderhoud.",
    ),
    (
        "nothing-above-an-attribution",
        f"On Mon, 12 Jan 2026 at 09:14, Servicedesk <s@qiqq.example> wrote:\n{QUOTED_OLD}",
    ),
    (
        "nothing-above-an-outlook-block",
        f"\n\nVan: Servicedesk <servicedesk@qiqq.example>\nVerzonden: maandag 12 januari 2026 09:14\n\n{OLD}",
    ),
    ("nothing-above-a-quote", QUOTED_OLD),
    ("only-a-signature", "-- \nAnja de Vries"),
    # Ordinary sentences that merely look a little like an attribution: the text below them is new.
    (
        "dutch-sentence-with-op-and-heeft",
        "Hallo,\n\nSinds de update van gisteren werkt het kassasysteem niet meer.\n"
        "Op de volgende werkplekken heeft de update gefaald:\n- PC-KASSA-01\n- PC-KANTOOR-02\n\nGroet,\nAnja",
    ),
    (
        "english-sentence-with-on-and-wrote",
        'Hi,\n\nOn Monday our supplier wrote:\n"The server will be replaced on Friday."\n'
        "Can you check whether that is still the plan?\n\nMark",
    ),
]


@pytest.mark.parametrize(("text", "new", "rest"), [pytest.param(*case[1:], id=case[0]) for case in FOLDED])
def test_recognised_quotes_and_signatures_are_folded(text, new, rest):
    folded = fold(text)
    assert folded.new == new
    assert folded.rest.startswith(rest)
    assert "Wij hebben uw melding ontvangen" not in folded.new


@pytest.mark.parametrize("text", [pytest.param(case[1], id=case[0]) for case in NOT_FOLDED])
def test_text_that_is_all_new_is_not_folded(text):
    assert fold(text) == Folded(text, "")


def test_a_forward_below_a_reply_is_still_not_folded():
    """Once a forward starts, nothing below it (not even an attribution) is folded away."""
    text = NOT_FOLDED[3][1]
    assert "wrote:" in text and fold(text).rest == ""


# --- properties --------------------------------------------------------------------------------------------

MARKER_LINES = [
    "On Mon, 12 Jan 2026 at 09:14, Servicedesk <servicedesk@qiqq.example> wrote:",
    "Op ma 12 jan 2026 om 09:14 schreef Servicedesk <",
    "servicedesk@qiqq.example>:",
    "Van: Servicedesk <servicedesk@qiqq.example>",
    "Verzonden: maandag 12 januari 2026 09:14",
    "From: x",
    "Sent: y",
    "________________________________",
    "-----Original Message-----",
    "-- ",
    "--",
    "Sent from my iPhone",
    "Verzonden vanaf mijn iPhone",
    "---------- Forwarded message ---------",
    "> quoted",
    ">",
    "",
    " ",
    "\r",
]
lines_with_markers = st.lists(st.one_of(st.sampled_from(MARKER_LINES), st.text(max_size=80)), max_size=30)


def squash(text: str) -> str:
    return "".join(text.split())


@settings(max_examples=400, deadline=None)
@given(st.one_of(st.text(), lines_with_markers.map("\n".join)))
def test_nothing_is_lost_and_nothing_is_reordered(text):
    folded = fold(text)
    assert squash(folded.new) + squash(folded.rest) == squash(text)
    assert text.startswith(folded.new)
    if not folded.rest:
        assert folded.new == text


# Characters every marker needs: ":" (attributions, header blocks, forwards), "-" and "_" (separators,
# signatures), ">" (quotes). Without them only the mobile signatures could match; those are ruled out below.
plain_characters = st.characters(blacklist_characters=":-_>", blacklist_categories=("Cs",))
MOBILE = re.compile(
    r"sent\s+from\s+my|verzonden\s+(vanaf|met)\s+mijn|verstuurd\s+(vanaf|met)\s+mijn|get\s+outlook", re.I
)


@settings(max_examples=400, deadline=None)
@given(st.lists(st.text(plain_characters, max_size=80), max_size=30).map("\n".join))
def test_text_without_any_marker_is_returned_unchanged(text):
    assume(not MOBILE.search(text))
    assert fold(text) == Folded(text, "")
