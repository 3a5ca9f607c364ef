"""The policy engine as the site uses it: loaded once from settings.SERVICEDESK_POLICY."""

from __future__ import annotations

from functools import lru_cache

from django.conf import settings

from servicedesk.policy import Policy, load_policy


def current_policy() -> Policy:
    """The policy in force; a broken file raises PolicyFileError (system check servicedesk.E001)."""
    return _policy_of(settings.SERVICEDESK_POLICY)


@lru_cache(maxsize=4)
def _policy_of(path: str | None) -> Policy:
    return load_policy(path)
