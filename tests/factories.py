"""Test data built through the services, as the application builds it."""

from __future__ import annotations

import itertools

from django.contrib.auth import get_user_model

from servicedesk.customers.services import contact_create, customer_create

_sequence = itertools.count(1)


def agent(username: str | None = None, **extra):
    username = username or f"agent{next(_sequence)}"
    return get_user_model().objects.create_user(
        username, email=f"{username}@desk.example", password="s3cret-pass", is_staff=True, **extra
    )


def biller(username: str = "fatima"):
    """An agent with the billing role."""
    from django.contrib.auth.models import Permission

    user = agent(username)
    user.user_permissions.add(Permission.objects.get(codename="manage_billing"))
    return user


def customer(name: str = "Bakkerij De Korrel", **extra):
    n = next(_sequence)
    return customer_create(name=name, code=extra.pop("code", f"klant-{n}"), **extra)


def invoiced_customer(name: str = "Bakkerij De Korrel"):
    """A customer with what an e-invoice needs: address, VAT number and billing e-mail address."""
    made = customer(name)
    made.street, made.postal_code, made.city = "Dorpsstraat 12", "3581 AB", "Utrecht"
    made.vat_number, made.billing_email = "NL123456789B01", "fin@korrel.example"
    made.save()
    return made


def contact(customer_, name: str | None = None, *, main: bool = False, **extra):
    n = next(_sequence)
    return contact_create(
        customer=customer_,
        name=name or f"Contact {n}",
        email=extra.pop("email", f"contact{n}@klant.example"),
        main_contact=main,
        **extra,
    )


def portal_user(contact_, password: str = "Koffie-Met-Appeltaart-42"):
    """A portal account for the contact (set directly, as an accepted invitation leaves it)."""
    user = get_user_model().objects.create_user(f"contact-{contact_.pk}", email=contact_.email, password=password)
    contact_.user = user
    contact_.save(update_fields=["user"])
    return user


def accepted_project(customer_, lead, approver, *, billing_mode: str, phases, name: str = "Migratie 365", now=None):
    """A project quoted from its phases and accepted by `approver` (a contact who may approve quotes), in progress.
    `phases`: (name, estimate minutes, milestone percentage or None) each; one task of that estimate per phase."""
    from servicedesk.projects import quote_services, services

    project = services.project_create(customer=customer_, name=name, kind="migration", actor=lead, lead=lead, now=now)
    for phase_name, estimate, percentage in phases:
        phase = services.phase_add(
            project=project,
            name=phase_name,
            actor=lead,
            milestone=percentage is not None,
            milestone_percentage=percentage or None,
            now=now,
        )
        services.task_add(
            project=project, phase=phase, title=phase_name, actor=lead, estimate_minutes=estimate, now=now
        )
    quote = quote_services.quote_create(
        project=project, actor=lead, billing_mode=billing_mode, hourly_rate_cents=9500, now=now
    )
    quote = quote_services.quote_send(quote=quote, actor=lead, now=now)
    quote_services.quote_accept(quote=quote, contact=approver, address="192.0.2.7", now=now)
    project.refresh_from_db()
    return services.project_set_status(project=project, status="in_progress", actor=lead, now=now)
