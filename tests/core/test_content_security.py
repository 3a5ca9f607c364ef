"""Every HTML page carries a Content-Security-Policy: scripts and styles from our files or with the page's nonce."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from servicedesk.tickets import services
from tests import factories
from tests.helpers import portal_signed_in

pytestmark = pytest.mark.django_db


def nonce_of(response) -> str:
    header = response["Content-Security-Policy"]
    assert "default-src 'self'" in header and "object-src 'none'" in header and "frame-ancestors 'none'" in header
    assert "'unsafe-inline'" not in header and "'unsafe-eval'" not in header
    return re.search(r"script-src 'self' 'nonce-([^']+)'", header)[1]


def inline_tags_have(html: str, nonce: str) -> None:
    """Every inline <script> and <style> of the page carries the nonce (scripts from files need none)."""
    for tag in re.findall(r"<(?:script|style)\b[^>]*>", html):
        assert "src=" in tag or f'nonce="{nonce}"' in tag, tag


def test_desk_pages_have_a_policy_and_their_inline_scripts_its_nonce(client):
    agent = factories.agent("anouk")
    anja = factories.contact(factories.customer(), "Anja", main=True)
    ticket = services.ticket_create(reporter=anja, subject="Printer", body="Hij piept.", channel="email")
    client.force_login(agent)
    seen = set()
    for url in ("/desk/login/", "/desk/", "/desk/queue/open/", f"/desk/tickets/{ticket.pk}/", "/desk/phone/", "/"):
        response = client.get(url, follow=True)
        assert response.status_code == 200, url
        nonce = nonce_of(response)
        inline_tags_have(response.content.decode(), nonce)
        seen.add(nonce)
    assert len(seen) == 6  # a new nonce for every page
    page = client.get(f"/desk/tickets/{ticket.pk}/").content.decode()
    assert re.search(r'<script nonce="[^"]+">\s*// A live countdown', page)


def test_only_a_page_that_asks_for_remote_images_may_load_them(client):
    client.force_login(factories.agent("anouk"))
    anja = factories.contact(factories.customer(), "Anja", main=True)
    ticket = services.ticket_create(reporter=anja, subject="Printer", body="", channel="email")
    plain = client.get(f"/desk/tickets/{ticket.pk}/")["Content-Security-Policy"]
    asked = client.get(f"/desk/tickets/{ticket.pk}/", {"images": "1"})["Content-Security-Policy"]
    assert "img-src 'self' data:;" in plain and "img-src 'self' data: https:;" in asked


def test_portal_and_admin_pages_have_a_policy(client):
    anja = factories.contact(factories.customer(), "Anja", main=True, email="anja@korrel.example")
    for url in ("/portal/login/", "/portal/password/forgot/", "/admin/login/"):
        response = Client().get(url)
        inline_tags_have(response.content.decode(), nonce_of(response))
    portal_signed_in(client, anja, factories.agent("anouk"))
    for url in ("/portal/", "/portal/tickets/new/", "/portal/account/"):
        response = client.get(url)
        assert response.status_code == 200
        inline_tags_have(response.content.decode(), nonce_of(response))


def test_a_download_keeps_its_own_stricter_policy():
    from servicedesk.core.downloads import download

    response = download(b"%PDF", filename="factuur.pdf", content_type="application/pdf")
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
