"""A run reads a customer's lines oldest first, only on the days a bundle with value left pays on, and stops once
none has value left for a later day (billing/bundles.py `pay_lines`): as a property over lines and bundles spread
over years, the same lines paid with the same amounts and the same debits as the policy engine's `debit` of all
the customer's lines."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, time, timedelta
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from servicedesk.billing import bundles as bundles_module
from servicedesk.billing.bundles import PAID_KIND, pay_lines
from servicedesk.billing.models import BillingRun, Invoice, InvoiceLine
from servicedesk.billing.specification import vat_on
from servicedesk.contracts.models import BundleDebit, PrepaidBundle
from servicedesk.contracts.selectors import as_engine_bundle
from servicedesk.policy import prepaid
from servicedesk.policy.periods import add_months
from servicedesk.projects.models import ProjectTimeEntry
from servicedesk.projects.services import project_create
from servicedesk.tickets.models import Ticket, TimeEntry
from tests import factories

pytestmark = pytest.mark.django_db
AMS = ZoneInfo("Europe/Amsterdam")
DAY0 = date(2023, 1, 1)
TODAY = date(2026, 6, 1)  # bundles bought before 2025-06 (valid 12 months) have expired
NOW = datetime(2026, 6, 1, 10, tzinfo=AMS)

# A day: anywhere in four years, or one of two crowded days (so that a day holds more lines than a read asks for).
days = st.one_of(st.integers(0, 4 * 365), st.sampled_from([1230, 1231]))
# A line: (id, what it bills, its day, the minute of that day (midnight's hours included), its amount, free).
# Ids like 9 and 10 on one day: by key ("10" < "9") they are paid in another order than by number.
lines = st.lists(
    st.tuples(
        st.one_of(st.sampled_from([9, 10, 11, 99, 100, 101]), st.integers(1, 1500)),
        st.sampled_from(["work", "travel", "phone_surcharge", "project"]),
        days,
        st.one_of(st.integers(0, 24 * 60 - 1), st.sampled_from([0, 5, 23 * 60 + 55])),
        st.one_of(st.integers(1, 20000), st.sampled_from([0, -6500])),
        st.sampled_from(["", "", "", "", "critical"]),
    ),
    min_size=1,
    max_size=40,
    unique_by=lambda line: line[0],
)
# A bundle: (customer 0 or 1, the day it was bought, months valid, hours, value used before).
bundle_list = st.lists(
    st.tuples(
        st.integers(0, 1),
        st.one_of(days, st.sampled_from([1228, 1230])),
        st.sampled_from([1, 6, 12, 12]),
        st.integers(1, 3),
        st.sampled_from([0, 0, 1000, 6500, 10**6]),
    ),
    max_size=6,
)


def at(day: int, minute: int) -> datetime:
    return datetime.combine(DAY0 + timedelta(days=day), time(minute // 60, minute % 60), tzinfo=AMS)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(line_list=lines, owned=bundle_list, customer_of=st.randoms(), days_read=st.integers(1, 40), stale=st.booleans())
def test_lines_are_paid_as_read_as_the_engine_pays_all_of_them(line_list, owned, customer_of, days_read, stale):
    class Rollback(Exception):
        pass

    with pytest.raises(Rollback), transaction.atomic():
        agent = factories.agent()
        customers = [factories.customer("Bakkerij De Korrel"), factories.customer("Garage Smit")]
        reporters = [factories.contact(customer, main=True) for customer in customers]
        projects = [
            project_create(customer=customer, name=f"Migratie {i}", kind="migration", actor=agent, lead=agent, now=NOW)
            for i, customer in enumerate(customers)
        ]
        run = BillingRun.objects.create(
            period_start=DAY0, period_end=TODAY, created_by=agent, created_at=NOW, status=BillingRun.Status.DRAFT
        )
        invoices = [
            Invoice.with_drafts.create(
                run=run,
                customer=customer,
                status=Invoice.Status.DRAFT,
                issued_at=NOW,
                subtotal_cents=0,
                vat_percent=21,
                vat_cents=0,
                total_cents=0,
            )
            for customer in customers
        ]
        sold = []
        for owner, day, months, hours, used in owned:
            bought_on = DAY0 + timedelta(days=day)
            bundle = PrepaidBundle.objects.create(
                customer=customers[owner],
                hours=hours,
                price_cents=hours * 6000,
                base_rate_cents=6500,
                bought_on=bought_on,
                expires_on=add_months(bought_on, months),
                created_at=NOW,
            )
            if used:
                BundleDebit.objects.create(
                    bundle=bundle,
                    amount_cents=min(used, bundle.value_cents),
                    paid_kind=PAID_KIND,
                    paid_id=0,
                    description="eerder",
                    on=bought_on,
                    created_at=NOW,
                )
            sold.append((owner, bundle, min(used, bundle.value_cents)))
        made, billable, texts = [], [[], []], {}
        for pk, what, day, minute, amount, free in line_list:
            owner = customer_of.randrange(2)
            start = at(day, minute)
            values = {"kind": what, "time_entry": None, "ticket": None, "project": None, "project_entry": None}
            values["work_day"] = start.date()  # as the run dates a line: its work's local day
            if what == "project":
                values |= {
                    "kind": "work",
                    "project": projects[owner],
                    "project_entry": ProjectTimeEntry.objects.create(
                        project=projects[owner], agent=agent, start=start, minutes=30, created_at=NOW
                    ),
                }
                texts[pk] = f"Project {projects[owner].name}"
            else:
                # Reported days before (a surcharge is dated by its report, work by its entry's start).
                reported = start if what == "phone_surcharge" else start - timedelta(days=3, hours=5)
                ticket = Ticket.objects.create(
                    customer=customers[owner],
                    reporter=reporters[owner],
                    subject="Werk",
                    proposed_support_type="functional",
                    support_type="functional",
                    requested_priority="standard",
                    priority="standard",
                    channel="phone",
                    reported_at=reported,
                    response_due=reported,
                    due_soon_at=reported,
                    updated_at=reported,
                )
                values["ticket"] = ticket
                if what != "phone_surcharge":
                    values["time_entry"] = TimeEntry.objects.create(
                        ticket=ticket, agent=agent, kind=what, start=start, minutes=30, created_at=NOW
                    )
                texts[pk] = f"Ticket #{ticket.pk}"
            # A preview's payment of before, to be paid afresh.
            old = max(amount, 0) // 2 if stale else 0
            made.append(
                InvoiceLine(
                    pk=pk,
                    invoice=invoices[owner],
                    billed_minutes=30,
                    amount_cents=amount,
                    free_reason=free,
                    prepaid_cents=old,
                    **values,
                )
            )
            if amount > 0 and not free:
                billable[owner].append(prepaid.BillableLine(str(pk), start.date(), amount))
        InvoiceLine.objects.bulk_create(made)
        # What the engine pays of all the lines, with the bundles not expired by today.
        expected_lines, expected_debits, expected_total = {}, Counter(), {}
        for owner in (0, 1):
            engine = [as_engine_bundle(b, used) for o, b, used in sold if o == owner and b.expires_on > TODAY]
            outcome = prepaid.debit(engine, billable[owner])
            days_of = {line.key: line.on for line in billable[owner]}
            for d in outcome.lines:
                expected_lines[int(d.key)] = d.paid_cents
                for p in d.payments:
                    expected_debits[(int(p.bundle_key), p.cents, int(d.key), days_of[d.key], texts[int(d.key)])] += 1
            expected_total[owner] = sum(d.paid_cents for d in outcome.lines)
        expected = {line.pk: expected_lines.get(line.pk, 0) for line in made}

        for debit in (False, True):  # the preview, then the confirmation
            documents = list(Invoice.with_drafts.filter(pk__in=[i.pk for i in invoices]).order_by("customer_id"))
            with mock.patch.object(bundles_module, "DAYS_READ", days_read):
                paid = pay_lines(documents, today=TODAY, run_id=run.pk, now=NOW, debit=debit)
            assert dict(InvoiceLine.objects.filter(invoice__run=run).values_list("pk", "prepaid_cents")) == expected
            for owner, invoice in enumerate(invoices):
                if expected_total[owner] or any(o == owner and b.expires_on > TODAY for o, b, _ in sold):
                    assert paid[invoice.customer_id] == expected_total[owner]
                invoice.refresh_from_db()
                assert (invoice.prepaid_cents, invoice.prepaid_vat_cents) == (
                    expected_total[owner],
                    vat_on(expected_total[owner], invoice.vat_percent),
                )
            written = BundleDebit.objects.filter(billing_run_id=run.pk)
            assert Counter(written.values_list("bundle_id", "amount_cents", "paid_id", "on", "description")) == (
                expected_debits if debit else Counter()
            )
        raise Rollback
