"""Lazy labels resolved once per language still follow the active language."""

from django.utils import translation

from servicedesk.core import labels
from servicedesk.core.lazytext import text
from servicedesk.policy import Priority


def test_text_follows_the_language():
    with translation.override("nl"):
        assert text(labels.PRIORITIES[Priority.STANDARD]) == "Standaard"
    with translation.override("en"):
        assert text(labels.PRIORITIES[Priority.STANDARD]) == "Standard"
    with translation.override("nl"):
        assert text(labels.PRIORITIES[Priority.STANDARD]) == "Standaard"
    assert text("plain") == "plain"
