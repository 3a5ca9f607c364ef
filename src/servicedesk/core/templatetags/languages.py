"""The language switch of the page headers: the site's other languages, worked out once per active language."""

import functools

from django import template
from django.conf import settings
from django.utils.translation import get_language, get_language_info

register = template.Library()


@register.simple_tag
def other_languages() -> tuple[tuple[str, str], ...]:
    """(code, name in that language) of each language of the site but the active one, in the settings' order:
    what `get_available_languages` with `get_language_info_list` gave the header on every render."""
    return _others(get_language(), tuple(code for code, _name in settings.LANGUAGES))


@functools.cache
def _others(active: str | None, codes: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    return tuple((code, get_language_info(code)["name_local"]) for code in codes if code != active)
