"""System checks: bad configuration is found at start-up, with stable ids."""

from __future__ import annotations

from django.core.checks import Error, register

from servicedesk.core.policy import current_policy
from servicedesk.policy import PolicyFileError


@register()
def check_policy_file(app_configs, **kwargs) -> list[Error]:
    """servicedesk.E001: the policy file has a problem (one error per problem)."""
    try:
        current_policy()
    except PolicyFileError as exc:
        return [
            Error(str(problem), hint="Fix the policy file; see the shipped default.toml.", id="servicedesk.E001")
            for problem in exc.problems
        ]
    return []
