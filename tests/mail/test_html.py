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
