"""HTML mail is shown sanitised: no script, no handlers, no javascript: links, remote images only on request."""

from __future__ import annotations

import pytest

from servicedesk.mail.html import sanitise_html
from servicedesk.mail.pipeline import mail_process
from servicedesk.mail.store import mail_store
from tests import factories

pytestmark = pytest.mark.django_db

HOSTILE = (
    '<p onclick="steal()">Hallo <b>desk</b></p><script>steal()</script>'
    '<a href="javascript:steal()">klik</a><a href="https://korrel.example/info">info</a>'
    '<img src="https://tracker.example/pixel.gif" onerror="steal()">'
)


def test_sanitise_removes_everything_that_runs():
    clean = sanitise_html(HOSTILE)
    assert "<b>desk</b>" in clean and 'href="https://korrel.example/info"' in clean
    for bad in ("script", "onclick", "onerror", "javascript:", "steal", "tracker.example"):
        assert bad not in clean
    assert 'src="https://tracker.example/pixel.gif"' in sanitise_html(HOSTILE, images=True)


def test_the_desk_shows_html_mail_safely(client):
    factories.contact(factories.customer(), "Anja", main=True, email="anja@korrel.example")
    raw = (
        b"From: anja@korrel.example\r\nSubject: HTML\r\nMessage-ID: <h1@korrel.example>\r\nMIME-Version: 1.0\r\n"
        b"Content-Type: text/html; charset=utf-8\r\n\r\n" + HOSTILE.encode()
    )
    stored, _ = mail_store(raw, via="pipe")
    ticket = mail_process(stored).ticket
    client.force_login(factories.agent())
    page = client.get(f"/desk/tickets/{ticket.pk}/").content.decode()
    assert "<b>desk</b>" in page
    assert "steal()" not in page and "tracker.example" not in page
    with_images = client.get(f"/desk/tickets/{ticket.pk}/", {"images": "1"}).content.decode()
    assert 'src="https://tracker.example/pixel.gif"' in with_images and "steal()" not in with_images


GMAIL_REPLY = (
    '<div dir="ltr">Hij doet het <b>weer</b> niet.</div><br><div class="gmail_quote"><div dir="ltr">'
    "On Tue, 24 Nov 2026 at 10:12, Servicedesk &lt;desk@qiqq.example&gt; wrote:<br></div>"
    "<blockquote>Wij hebben uw melding ontvangen.</blockquote></div>"
)
OUTLOOK_REPLY = (
    "<p>Graag vandaag nog.</p><div><div style='border:none'><p><b>Van:</b> Servicedesk &lt;desk@qiqq.example&gt;"
    "<br><b>Verzonden:</b> dinsdag 24 november 2026 10:12<br><b>Aan:</b> Anja</p></div></div><p>Oude tekst</p>"
)


@pytest.mark.parametrize(
    ("html", "new", "rest"),
    [
        (GMAIL_REPLY, "Hij doet het <b>weer</b> niet.", "Wij hebben uw melding ontvangen."),
        (OUTLOOK_REPLY, "Graag vandaag nog.", "Oude tekst"),
        ("<p>Ik zie:</p><blockquote>citaat</blockquote>", "Ik zie:", "citaat"),
        ("<p>Zie onder</p><p>-----Original Message-----<br>From: x</p>", "Zie onder", "Original Message"),
        ("<blockquote>alleen een citaat</blockquote>", "alleen een citaat", ""),  # nothing above: not folded
        ("<p>---------- Forwarded message ---------</p><blockquote>fout</blockquote>", "fout", ""),  # a forward
        ("<p>Van: de leverancier hoorde ik dit.</p>", "Van: de leverancier", ""),  # no Sent: after it
    ],
    ids=["gmail", "outlook-nl", "blockquote", "original-message", "only-quote", "forward", "van-in-text"],
)
def test_html_quoted_history_is_folded(html, new, rest):
    from servicedesk.mail.quoting import fold_html

    folded = fold_html(sanitise_html(html))
    assert new in folded.new
    if rest:
        assert rest in folded.rest and rest not in folded.new
    else:
        assert folded.rest == ""


def test_a_cut_inside_hostile_html_leaves_nothing_that_runs():
    from servicedesk.mail.quoting import fold_html

    hostile = "<p>Nieuw</p><blockquote><a href='javascript:x()'>a</a><img src=x onerror=x()></blockquote>"
    folded = fold_html(sanitise_html(hostile, images=True))
    for side in (folded.new, folded.rest):
        assert "javascript:" not in side and "onerror" not in side


def test_the_ticket_page_folds_the_quote_of_an_html_reply(client):
    factories.contact(factories.customer(), "Anja", main=True, email="anja@korrel.example")
    raw = (
        b"From: anja@korrel.example\r\nSubject: Re: printer\r\nMessage-ID: <h2@korrel.example>\r\nMIME-Version: 1.0"
        b"\r\nContent-Type: text/html; charset=utf-8\r\n\r\n" + GMAIL_REPLY.encode()
    )
    ticket = mail_process(mail_store(raw, via="pipe")[0]).ticket
    client.force_login(factories.agent())
    page = client.get(f"/desk/tickets/{ticket.pk}/").content.decode()
    new_at = page.index("Hij doet het <b>weer</b> niet.")
    details_at = page.index('<details class="quoted">')
    assert new_at < details_at < page.index("Wij hebben uw melding ontvangen.")
    assert "Toon handtekening en geciteerde tekst" in page
