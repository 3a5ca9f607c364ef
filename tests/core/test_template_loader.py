"""Templates kept per language with their constant text folded render exactly as Django renders them."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.template import Context, Engine
from django.template.backends.django import get_installed_libraries
from django.template.base import TextNode
from django.templatetags.i18n import TranslateNode
from django.templatetags.static import StaticNode
from django.test import override_settings
from django.utils import translation

import servicedesk

SAMPLES = {
    "plain.html": '{% load i18n %}<a href="{% url \'portal:tickets\' %}">{% translate "My tickets" %}</a>'
    "{% translate \"Sign out\" as out %}[{{ out }}] {% url 'portal:ticket' number %}"
    '{% translate "Search" context "verb" %} {% translate word %}',
    "nested.html": "{% load i18n %}{% if yes %}{% for x in xs %}{% translate 'Search' %}{% endfor %}"
    "{% else %}{% translate 'Filter' %}{% endif %}"
    '{% language "en" %}{% translate "My tickets" %}{% endlanguage %}'
    '{% autoescape off %}{% translate "Status" %}{% endautoescape %}',
    "child.html": '{% extends "nested.html" %}',
    "percent.html": '{% load i18n %}{% translate "100% sure <b>" %}',
    "static.html": "{% load static %}<link href=\"{% static 'core/desk.css' %}\">{% static 'a b&c.js' %}"
    "{% static name %}{% static 'core/desk.css' as css %}[{{ css }}]",
}


def engines(templates: dict[str, str] | None = None) -> tuple[Engine, Engine]:
    """Django's cached loader and ours, over the same templates (these, or the apps')."""
    inner = (
        [("django.template.loaders.locmem.Loader", templates)]
        if templates
        else ["django.template.loaders.app_directories.Loader"]
    )
    libraries = dict(get_installed_libraries())
    plain = Engine(loaders=[("django.template.loaders.cached.Loader", inner)], libraries=libraries)
    ours = Engine(loaders=[("servicedesk.core.template_loader.Loader", inner)], libraries=libraries)
    return plain, ours


@pytest.mark.parametrize("language", ["nl", "en"])
@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_folded_templates_render_what_django_renders(name, language):
    plain, ours = engines(SAMPLES)
    context = {"number": 42, "word": "Status", "yes": True, "xs": [1, 2], "name": "x.js"}
    with translation.override(language):
        expected = plain.get_template(name).render(Context(context))
        assert ours.get_template(name).render(Context(context)) == expected
        context["yes"] = False
        assert ours.get_template(name).render(Context(context)) == plain.get_template(name).render(Context(context))
    assert expected  # something was rendered


def test_each_language_has_its_own_copy_with_the_constants_folded():
    _, ours = engines(SAMPLES)
    with translation.override("nl"):
        dutch = ours.get_template("plain.html")
        assert dutch.render(Context({"number": 7})).startswith('<a href="/portal/">Mijn tickets</a>[Afmelden]')
    with translation.override("en"):
        english = ours.get_template("plain.html")
        assert english.render(Context({"number": 7})).startswith('<a href="/portal/">My tickets</a>[Sign out]')
    assert dutch is not english
    kinds = [type(node).__name__ for node in dutch.nodelist]
    # Folded: the literal translation and the URL without arguments. Kept: `as`, `context`, a variable, arguments.
    assert kinds.count("TranslateNode") == 3 and kinds.count("URLNode") == 1
    assert any(isinstance(n, TextNode) and n.s == "Mijn tickets" for n in dutch.nodelist)
    with translation.override("nl"):
        assert "/portal/tickets/7/" in dutch.render(Context({"number": 7}))
        assert "/portal/tickets/8/" in dutch.render(Context({"number": 8}))


def test_static_urls_of_literal_paths_are_folded_and_the_rest_kept():
    _, ours = engines(SAMPLES)
    template = ours.get_template("static.html")
    kinds = [type(node).__name__ for node in template.nodelist]
    assert kinds.count("StaticNode") == 2  # a variable path and `as` are kept
    rendered = '<link href="/static/core/desk.css">/static/a%20b%26c.js/static/x.js[/static/core/desk.css]'
    assert template.render(Context({"name": "x.js"})) == rendered


def test_a_kept_template_finds_its_nodes_of_a_type_once_and_as_django_finds_them():
    from django.template.loader_tags import BlockNode

    plain, ours = engines()
    with translation.override("nl"):
        theirs, kept = plain.get_template("portal/base.html"), ours.get_template("portal/base.html")
    blocks = kept.nodelist.get_nodes_by_type(BlockNode)
    assert [b.name for b in blocks] == [b.name for b in theirs.nodelist.get_nodes_by_type(BlockNode)]
    assert {"title", "content"} <= {b.name for b in blocks}
    blocks.clear()  # the caller's own list: what the template keeps is untouched
    assert kept.nodelist.get_nodes_by_type(BlockNode) and kept.nodelist._by_type[BlockNode]
    assert kept.nodelist.contains_nontext == theirs.nodelist.contains_nontext


def test_the_other_language_inside_a_template_is_not_folded():
    _, ours = engines(SAMPLES)
    with translation.override("nl"):
        page = ours.get_template("child.html").render(Context({"yes": True, "xs": [1]}))
    assert "My tickets" in page and "Zoeken" in page


def the_apps_templates() -> list[str]:
    root = Path(servicedesk.__file__).parent
    return sorted(
        str(path.relative_to(folder))
        for folder in root.glob("*/templates")
        for path in folder.rglob("*")
        if path.is_file() and path.suffix in (".html", ".txt")
    )


@override_settings(ROOT_URLCONF="servicedesk.urls")
def test_every_template_of_the_apps_renders_as_before_in_both_languages():
    """With an empty context (where a template can render without one): the same text from both loaders."""
    compared = 0
    for language in ("nl", "en"):
        plain, ours = engines()
        with translation.override(language):
            for name in the_apps_templates():
                try:
                    expected = plain.get_template(name).render(Context({}))
                except Exception:  # it needs a context of its own: not comparable this way
                    continue
                assert ours.get_template(name).render(Context({})) == expected, name
                compared += 1
    assert compared >= 40  # most of them: the comparison is not empty
    _, ours = engines()
    with translation.override("nl"):
        base = ours.get_template("portal/base.html")
    assert not base.nodelist.get_nodes_by_type(TranslateNode)  # every one of them folded
    assert not base.nodelist.get_nodes_by_type(StaticNode)
