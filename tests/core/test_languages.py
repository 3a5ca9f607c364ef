"""The header's language switch offers the site's other languages, named in their own language."""

from __future__ import annotations

import pytest
from django.template import Context, Template
from django.test import override_settings
from django.utils import translation

from servicedesk.core.templatetags.languages import other_languages


@pytest.mark.parametrize(("active", "others"), [("nl", (("en", "English"),)), ("en", (("nl", "Nederlands"),))])
def test_the_other_languages_of_the_active_one(active, others):
    with translation.override(active):
        assert other_languages() == others


def test_with_translation_off_every_language_is_offered():
    with translation.override(None):
        assert other_languages() == (("nl", "Nederlands"), ("en", "English"))


@override_settings(LANGUAGES=[("nl", "Nederlands"), ("en", "English"), ("de", "Deutsch")])
def test_in_the_settings_order_as_the_settings_change():
    with translation.override("en"):
        assert other_languages() == (("nl", "Nederlands"), ("de", "Deutsch"))


def test_the_tag_in_a_template():
    template = Template(
        "{% load languages %}{% other_languages as ls %}{% for code, name in ls %}{{ code }}={{ name }};{% endfor %}"
    )
    with translation.override("nl"):
        assert template.render(Context()) == "en=English;"
