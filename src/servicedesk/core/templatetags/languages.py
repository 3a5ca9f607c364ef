"""The language switch of the page headers: the site's other languages, each named in its own language."""

from django import template
from django.conf import settings
from django.utils.translation import get_language, get_language_info

register = template.Library()


@register.simple_tag
def other_languages() -> tuple[tuple[str, str], ...]:
    """(code, name in that language) of each language of the site but the active one, in the settings' order."""
    active = get_language()
    return tuple((code, get_language_info(code)["name_local"]) for code, _name in settings.LANGUAGES if code != active)
