"""`servicedesk seed_demo`: load the demo data set into a new, empty database."""

from __future__ import annotations

import time
from datetime import datetime

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from servicedesk.customers.models import Customer
from servicedesk.demo.seed.run import seed_demo


class Command(BaseCommand):
    help = "Load demo data (a Dutch MSP: 6 customers, 25 contacts, 80 tickets, 3 agents and an admin)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--now",
            help="anchor the history at this instant (ISO 8601, naive means Europe/Amsterdam); default: now",
        )

    def handle(self, *args, **options):
        if Customer.objects.exists():
            self.stdout.write("Demo data is already there (the database has customers); nothing was changed.")
            return
        anchor = _anchor(options["now"])
        began = time.perf_counter()
        result = seed_demo(anchor=anchor)
        seconds = time.perf_counter() - began
        summary = ", ".join(f"{n} {what}" for what, n in result.counts.items())
        self.stdout.write(self.style.SUCCESS(f"Demo data loaded in {seconds:.1f} s: {summary}."))
        self.stdout.write("")
        base = settings.SERVICEDESK_BASE_URL  # where `make run` serves (HOST, PORT), as the mails' links say
        self.stdout.write(f"  Service desk: {base}/desk/")
        self.stdout.write(f"  Admin:        {base}/admin/")
        self.stdout.write("")
        self.stdout.write(f"  {'username':<10} {'password':<14} role")
        for spec, created in result.accounts:
            role = demo_role(spec)
            password = spec.password if created else "(unchanged: account existed)"
            self.stdout.write(f"  {spec.username:<10} {password:<14} {role}")
        self.stdout.write("")
        self.stdout.write(f"  Customer portal: {base}/portal/")
        for email, password, who in result.portal_logins:
            self.stdout.write(f"  {email:<32} {password:<14} {who}")
        self.stdout.write("")
        self.stdout.write("  Demo passwords only: change or remove these accounts before real use.")


def demo_role(spec) -> str:
    """What a demo login may do, as the list of logins says it."""
    if spec.superuser:
        return "superuser (Django admin; billing too)"
    return "agent with the billing role (Facturatie)" if spec.billing else "agent"


def _anchor(text: str | None) -> datetime:
    if not text:
        return timezone.now()
    try:
        value = datetime.fromisoformat(text)
    except ValueError as exc:
        raise CommandError(f"--now: {text!r} is not an ISO 8601 date and time") from exc
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    return value
