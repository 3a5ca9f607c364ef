"""Folding for display: what a mail's writer wrote now, apart from the signature and quoted history below it.

Nothing is removed: the message keeps its whole text; pages show the new text and fold the rest.
Recognised: Gmail/Apple/Thunderbird attributions ("On … wrote:", "Op … schreef …:", "Am … schrieb …:"),
Outlook's header block ("From:/Van:" followed by "Sent:/Verzonden:/Date:/Datum:"), its
"-----Original Message-----" and underscore separators, trailing ">" quotes, the "-- " signature
delimiter and mobile signatures ("Sent from my iPhone", "Verzonden vanaf mijn iPhone").
A forwarded message is not folded: there the forwarded text is what matters.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_ATTRIBUTION = re.compile(
    r"^\s*(on\s.{4,200}\swrote|op\s.{4,200}\s(schreef|heeft)\b.{0,80}|am\s.{4,200}\sschrieb.{0,80}"
    r"|le\s.{4,200}\sa écrit)\s*:\s*$",
    re.IGNORECASE,
)
_ORIGINAL = re.compile(
    r"^\s*-{2,}\s*(original message|oorspronkelijk bericht|originele bericht|ursprüngliche nachricht)\s*-{2,}\s*$",
    re.IGNORECASE,
)
_HEADER_FROM = re.compile(r"^\s*\*?(from|van|von)\s*:\*?\s+\S", re.IGNORECASE)
_HEADER_NEXT = re.compile(
    r"^\s*\*?(sent|verzonden|date|datum|gesendet|to|aan|an|subject|onderwerp|betreff)\s*:", re.IGNORECASE
)
_UNDERSCORES = re.compile(r"^\s*_{20,}\s*$")
_SIGNATURE = re.compile(r"^-- ?$")
_MOBILE = re.compile(
    r"^\s*(sent from my|verzonden (vanaf|met) mijn|verstuurd (vanaf|met) mijn|get outlook for)\b.{0,60}$",
    re.IGNORECASE,
)
_FORWARD = re.compile(
    r"^\s*(-{2,}\s*(forwarded message|doorgestuurd bericht)\s*-{2,}|begin forwarded message:|"
    r"begin doorgestuurd bericht:)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Folded:
    new: str  # what the writer wrote now
    rest: str  # signature and quoted history ('' when there is none)


def _is_attribution(line: str) -> bool:
    """ "On <date> <who> wrote:": a real attribution names a date or time and usually an address; a sentence
    like "On Monday our supplier wrote:" does neither."""
    if not _ATTRIBUTION.match(line):
        return False
    return bool(re.search(r"\d", line)) and bool(re.search(r"@|<|\d{1,2}[:.]\d{2}", line))


def _quote_start(lines: list[str]) -> int | None:
    for index, line in enumerate(lines):
        if _FORWARD.match(line):
            return None
        joined = line if index + 1 >= len(lines) else f"{line} {lines[index + 1]}"
        if _is_attribution(line) or (_is_attribution(joined) and not line.strip().endswith(".")):
            return index
        if _ORIGINAL.match(line):
            return index
        if _UNDERSCORES.match(line) and any(_HEADER_FROM.match(n) for n in lines[index + 1 : index + 3]):
            return index
        if _HEADER_FROM.match(line) and any(_HEADER_NEXT.match(n) for n in lines[index + 1 : index + 4]):
            return index
    # A trailing block of ">" lines (blank lines allowed inside): a bottom-posted quote.
    end = len(lines)
    start = None
    for index in range(end - 1, -1, -1):
        stripped = lines[index].strip()
        if stripped.startswith(">"):
            start = index
        elif stripped and start is not None:
            break
        elif stripped:
            return None
    return start


def _signature_start(lines: list[str]) -> int | None:
    for index, line in enumerate(lines):
        if _SIGNATURE.match(line.rstrip("\r")) or _MOBILE.match(line):
            return index
    return None


def fold(text: str, *, forward: bool = False) -> Folded:
    """Split a message's text into what is new and what may be folded away; never loses a character.
    A forward (by its subject: Outlook writes the same header block for both) is not folded."""
    if forward:
        return Folded(text, "")
    lines = text.split("\n")
    cut = _quote_start(lines)
    head = lines if cut is None else lines[:cut]
    signature = _signature_start(head)
    if signature is not None:
        cut = signature
    if cut is None:
        return Folded(text, "")
    new = "\n".join(lines[:cut]).rstrip()
    if not new.strip():  # nothing above the quote (a top-quoted forward, say): show everything
        return Folded(text, "")
    return Folded(new, "\n".join(lines[cut:]).strip("\n"))


_HTML_QUOTE_STARTS = (
    re.compile(r"<blockquote\b", re.IGNORECASE),
    re.compile(r"-{2,}\s*(original message|oorspronkelijk bericht)\s*-{2,}", re.IGNORECASE),
    # Gmail/Apple attribution, possibly split by tags: "On … wrote:" / "Op … schreef …:"
    re.compile(
        r"\b(on|op|am)\s(?=[^<>]{0,200}\d)[^<>]{4,200}?(\swrote|\sschreef|\sschrieb)[^<>]{0,80}:", re.IGNORECASE
    ),
    # Outlook's header block: "Van:" / "From:" then, within a few tags, "Verzonden:" / "Sent:"
    re.compile(
        r"(<(p|div)\b[^>]*>\s*)?(<[^>]+>\s*)*(van|from|von)\s*:\s*(<[^>]+>\s*)*[^<]{1,300}"
        r"(<[^>]+>\s*){0,8}(verzonden|sent|gesendet|datum|date)\s*:",
        re.IGNORECASE,
    ),
)
_TAGS = re.compile(r"<[^>]*>")


def fold_html(html: str, *, forward: bool = False) -> Folded:
    """The same for sanitised HTML: cut before the quoted history; each side is made whole again (nh3
    closes what the cut left open). Nothing to fold, or nothing above the quote: everything is `new`."""
    import nh3

    if forward:
        return Folded(html, "")
    cuts = [m.start() for pattern in _HTML_QUOTE_STARTS if (m := pattern.search(html))]
    forward = re.search(r"forwarded message|doorgestuurd bericht|begin forwarded", html, re.IGNORECASE)
    if not cuts or (forward and forward.start() < min(cuts)):
        return Folded(html, "")
    cut = min(cuts)
    new = html[:cut]
    if not _TAGS.sub("", new).replace("&nbsp;", " ").strip():
        return Folded(html, "")
    tags = nh3.ALLOWED_TAGS
    return Folded(
        nh3.clean(new, tags=tags, url_schemes={"http", "https", "mailto", "cid"}),
        nh3.clean(html[cut:], tags=tags, url_schemes={"http", "https", "mailto", "cid"}),
    )
