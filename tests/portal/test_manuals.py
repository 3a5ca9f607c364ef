"""Manuals: written in the desk in Markdown, rendered safely, shown only to the customers they are meant for,
searchable, and suggested while a contact types a new ticket's subject."""

from __future__ import annotations

import pytest

from servicedesk.customers.services import matrix_item_add
from servicedesk.manuals.models import Manual
from servicedesk.manuals.render import render_markdown
from servicedesk.manuals.services import manual_save
from tests import factories
from tests.helpers import portal_signed_in as signed_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def agent():
    return factories.agent("anouk")


@pytest.fixture
def korrel():
    customer = factories.customer("Bakkerij De Korrel")
    matrix_item_add(customer=customer, name="Microsoft 365", actor=None)
    return customer


@pytest.fixture
def anja(korrel):
    return factories.contact(korrel, "Anja", main=True, email="anja@korrel.example")


@pytest.fixture
def wit():
    return factories.customer("Tandartspraktijk Wit")


@pytest.fixture
def manuals(agent, korrel, wit):
    def save(title, **kw):
        return manual_save(actor=agent, title=title, body=kw.pop("body", f"Over {title}."), **kw)

    return {
        "everyone": save("Wachtwoord wijzigen", tags="wachtwoord, account"),
        "service": save("Outlook instellen", audience="service", service="microsoft 365", tags="mail"),
        "other_service": save("Firewall poorten", audience="service", service="Firewall"),
        "ours": save("Kassa herstarten", audience="customer", customer=korrel),
        "theirs": save("Röntgen koppelen", audience="customer", customer=wit),
        "draft": save("Nog niet klaar", published=False),
    }


def test_a_contact_sees_exactly_the_manuals_meant_for_them(client, anja, agent, manuals):
    signed_in(client, anja, agent)
    page = client.get("/portal/manuals/").content.decode()
    for visible in ("Wachtwoord wijzigen", "Outlook instellen", "Kassa herstarten"):
        assert visible in page
    for hidden in ("Firewall poorten", "Röntgen koppelen", "Nog niet klaar"):
        assert hidden not in page
    for key in ("other_service", "theirs", "draft"):
        assert client.get(f"/portal/manuals/{manuals[key].pk}/").status_code == 404
    assert client.get(f"/portal/manuals/{manuals['service'].pk}/").status_code == 200


def test_search_and_suggestions(client, anja, agent, manuals):
    signed_in(client, anja, agent)
    found = client.get("/portal/manuals/", {"q": "outlook"}).content.decode()
    assert "Outlook instellen" in found and "Wachtwoord wijzigen" not in found
    assert "Röntgen" not in client.get("/portal/manuals/", {"q": "koppelen"}).content.decode()
    suggested = client.get("/portal/manuals/suggest/", {"subject": "Ik ben mijn wachtwoord kwijt"}).content.decode()
    assert "Wachtwoord wijzigen" in suggested and "Outlook" not in suggested
    assert client.get("/portal/manuals/suggest/", {"subject": "Röntgen"}).content.decode().strip() == ""
    form = client.get("/portal/tickets/new/").content.decode()
    assert 'hx-get="/portal/manuals/suggest/"' in form


def test_markdown_is_rendered_and_whatever_html_it_holds_is_made_safe():
    html = render_markdown(
        "# Stap 1\n\nKlik **Start**.\n\n<script>alert(1)</script>\n\n[link](javascript:alert(1)) "
        '<img src=x onerror="alert(1)">\n\n| a | b |\n|---|---|\n| 1 | 2 |'
    )
    assert "<h1>Stap 1</h1>" in html and "<strong>Start</strong>" in html and "<table>" in html
    for bad in ("<script", "javascript:", "onerror"):
        assert bad not in html


def test_agents_write_manuals_in_the_desk_with_a_preview(client, agent, korrel):
    client.force_login(agent)
    assert "Handleidingen" in client.get("/desk/manuals/").content.decode()
    refused = client.post(
        "/desk/manuals/new/", {"title": "Kassa", "body": "Tekst", "audience": "customer", "customer": ""}
    )
    assert "Kies de klant" in refused.content.decode() and not Manual.objects.exists()
    response = client.post(
        "/desk/manuals/new/",
        {
            "title": "Kassa",
            "body": "Druk op **aan**.",
            "audience": "customer",
            "customer": korrel.pk,
            "published": "on",
        },
    )
    manual = Manual.objects.get()
    assert response.status_code == 302 and (manual.customer, manual.author) == (korrel, agent)
    page = client.get(f"/desk/manuals/{manual.pk}/").content.decode()
    assert "<strong>aan</strong>" in page
    preview = client.post("/desk/manuals/preview/", {"body": "*schuin*<script>x</script>"}).content.decode()
    assert "<em>schuin</em>" in preview and "<script" not in preview
