"""Two confirmations of overlapping runs at once, in two processes: the bundle is debited once, each entry billed
once (the bundles are locked by the first; the second prices afresh and finds nothing left to bill)."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.db.models import Sum

from servicedesk.billing.models import BillingRun, InvoiceLine
from servicedesk.billing.services import billing_run_create, billing_run_draft
from servicedesk.contracts.models import BundleDebit
from servicedesk.contracts.services import bundle_sell
from servicedesk.tickets import services
from servicedesk.tickets.models import TimeEntry
from tests import factories
from tests.helpers import database_url

pytestmark = pytest.mark.django_db(transaction=True)
AMS = ZoneInfo("Europe/Amsterdam")


def test_two_processes_confirming_overlapping_runs_never_debit_a_bundle_twice(tmp_path):
    agent = factories.agent("anouk")
    customer = factories.customer("Bakkerij De Korrel")
    reporter = factories.contact(customer, "Anja", main=True)
    bundle = bundle_sell(customer=customer, hours=2, price_cents=12000, actor=agent, bought_on=date(2026, 11, 1))
    for day in range(3, 8):  # five hours of work; the bundle pays two
        start = datetime(2026, 11, day, 10, tzinfo=AMS)
        ticket = services.ticket_create(
            reporter=reporter, subject=f"Storing {day}", body="", channel="email", support_type="functional", now=start
        )
        services.time_entry_add(
            ticket=ticket, agent=agent, start=start, minutes=60, kind="work", description="werk", now=start
        )
    runs = [
        billing_run_create(actor=agent, period_start=date(2026, 11, 1), period_end=date(2026, 11, 30)),
        billing_run_create(actor=agent, period_start=date(2026, 11, 5), period_end=date(2026, 11, 30)),
    ]
    for run in runs:  # both previewed: each has drafts it would number as they are
        billing_run_draft(run)
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "SERVICEDESK_VAR_DIR": str(tmp_path),
        "SECRET_KEY": settings.SECRET_KEY,
    }
    command = [str(Path(sys.executable).with_name("servicedesk")), "billing", "run", "--confirm", "--user", "anouk"]
    processes = [
        subprocess.Popen(
            [*command, "--run", str(run.pk)], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        for run in runs
    ]
    outputs = [process.communicate(timeout=120)[0] for process in processes]
    assert [process.returncode for process in processes] == [0, 0], outputs
    assert set(BillingRun.objects.values_list("status", flat=True)) == {BillingRun.Status.CONFIRMED}
    assert BundleDebit.objects.filter(bundle=bundle).aggregate(used=Sum("amount_cents"))["used"] == 13000
    assert BundleDebit.objects.count() == 2
    billed = InvoiceLine.objects.on_documents().filter(time_entry__isnull=False)
    assert billed.count() == TimeEntry.objects.count() == 5
    assert InvoiceLine.objects.on_documents().filter(bundle=bundle).count() == 1
    assert sum(billed.values_list("prepaid_cents", flat=True)) == 13000
