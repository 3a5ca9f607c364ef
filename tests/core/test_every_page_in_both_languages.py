"""Every page in Dutch and in English, with no text of the other language on it: what the site says (labels,
messages, the audit trail, amounts and durations) is translated. The test data uses words of neither language,
so whatever reads as Dutch or English came from the site."""

from __future__ import annotations

import re
from html import unescape

import pytest
from django.test import Client

from tests import factories
from tests.helpers import PORTAL_PASSWORD, every_page, world_of_every_page

pytestmark = pytest.mark.django_db


# Words only one of the two languages uses (not names, not words both share: "in", "is", "was", "type").
def words(text: str) -> frozenset[str]:
    return frozenset(text.split())


DUTCH = words(
    """
    de het een van niet voor met geen uw naar bij ook nog maar deze dit wordt zijn wat wie waar en kan mag
    uur dagen klant klanten melding meldingen tijd opslaan annuleren versturen wachtwoord aanmelden afmelden
    prioriteit soort reactie termijn kosteloos storing gesloten wacht toegewezen medewerker facturatie
    handleidingen telefoon werk reistijd tarief totaal kantoortijd avond nacht zondag omschrijving onderwerp
    u ja nee alle dienst diensten
    """
)
# ("of" is Dutch too: it means "or".)
ENGLISH = words(
    """
    the and to for with not your our this that are has have will can may customer customers save cancel send
    password sign priority response free closed waiting assigned agent billing manuals phone time hours
    minutes none yes no all service services subject description total rate work travel office evening night
    sunday
    """
)
FOREIGN = {"nl": ENGLISH, "en": DUTCH}


def visible_words(html: str) -> list[str]:
    """The words a reader sees: no scripts, styles, tags or attributes."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    text = unescape(re.sub(r"<[^>]+>", " ", html))
    return re.findall(r"[^\W\d_]+", text.lower())


def check(client: Client, url: str, language: str) -> list[str]:
    client.cookies["django_language"] = language
    response = client.get(url, follow=True)
    assert response.status_code == 200, (url, response.status_code)
    words = visible_words(response.content.decode())
    return sorted({word for word in words if word in FOREIGN[language]})


@pytest.fixture
def world(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return world_of_every_page()


@pytest.mark.parametrize("language", ["nl", "en"])
def test_every_page_speaks_one_language(client, world, language):
    ids = world["ids"]
    leaks = {}
    for url in every_page.SIGNED_OUT:
        found = check(Client(), url, language)
        if found:
            leaks[url] = found
    world["agent"].is_superuser = True  # the admin's index too
    world["agent"].save()
    client.force_login(world["agent"])
    for url in every_page.DESK:
        found = check(client, url.format(**ids), language)
        if found:
            leaks[url] = found
    portal = Client()
    portal.cookies["django_language"] = language
    assert portal.post("/portal/login/", {"email": "xyla@zyx.example", "password": PORTAL_PASSWORD}).status_code == 302
    for url in every_page.PORTAL:
        found = check(portal, url.format(**ids), language)
        if found:
            leaks[url] = found
    assert leaks == {}, leaks


def test_a_password_too_short_is_refused_in_dutch(client):
    from django.utils import translation

    from servicedesk.portal.services import portal_invite
    from tests.helpers import link_of

    xyla = factories.contact(factories.customer("Zyx Qorp"), "Xyla", main=True, email="xyla@zyx.example")
    outgoing = portal_invite(contact=xyla, actor=factories.agent("qxz"))
    form_url = client.get(link_of(outgoing), follow=True).redirect_chain[-1][0]
    with translation.override("nl"):
        page = client.post(form_url, {"new_password1": "abc", "new_password2": "abc"}).content.decode()
    assert "Dit wachtwoord is te kort" in page and "too short" not in page


@pytest.mark.parametrize(
    ("language", "shown"),
    [
        ("nl", "kantoortijd 15 min à €\xa065,00; avond 15 min à €\xa085,00"),
        ("en", "office hours 15 min at €\xa065.00; evening 15 min at €\xa085.00"),
    ],
)
def test_a_lines_time_per_band_in_each_language(language, shown):
    from django.utils import translation

    from servicedesk.core.templatetags.policy_labels import bands_shown

    with translation.override(language):
        assert bands_shown("kantoortijd 15 min à 65,00; avond 15 min à 85,00") == shown
        assert bands_shown("something else") == "something else"
