"""The demo's logins: three agents and an administrator, with simple demo passwords."""

from __future__ import annotations

from datetime import datetime

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission

from servicedesk.demo.seed.people import ADMIN, AGENTS, AgentSpec


def ensure_accounts(*, joined: datetime) -> tuple[dict[str, object], list[tuple[AgentSpec, bool]]]:
    """The demo users by username, created where missing; and for each spec whether it was created.

    An existing user keeps its password: the demo never overwrites an account someone made.
    """
    model = get_user_model()
    users, report = {}, []
    for spec in (*AGENTS, ADMIN):
        user = model.objects.filter(username=spec.username).first()
        created = user is None
        if created:
            user = model(
                username=spec.username,
                email=spec.email,
                first_name=spec.first_name,
                last_name=spec.last_name,
                is_staff=True,
                is_superuser=spec.superuser,
                date_joined=joined,
            )
            # Demo passwords are simple on purpose, so they are set directly (no password validators).
            user.set_password(spec.password)
            user.save()
            if spec.billing:
                user.user_permissions.add(Permission.objects.get(codename="manage_billing"))
        users[spec.username] = user
        report.append((spec, created))
    return users, report
