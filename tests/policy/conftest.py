"""Fixtures for the policy engine's tests (no database)."""

from __future__ import annotations

import pytest

from servicedesk.policy import Policy, load_policy


@pytest.fixture(scope="session")
def policy() -> Policy:
    return load_policy()
