"""A run writes its tickets' lines as `TicketLine`s: `InvoiceLine`'s table, only the columns a ticket's line uses
(Django's INSERT costs by the value, and a run writes a million of them). The columns it leaves out take their
database defaults; the lines read back through `InvoiceLine` as if written whole. The two models are held
together here, so that a column added to `InvoiceLine` without a default breaks a test, not a billing run."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import connection, models
from django.test.utils import CaptureQueriesContext

from servicedesk.billing.models import BUNDLE_PURCHASE, MILESTONE, RECURRING_FEE, Invoice, InvoiceLine, TicketLine
from servicedesk.billing.services import billing_run_confirm, billing_run_create, billing_run_draft, billing_run_preview
from servicedesk.contracts import services as contracts
from servicedesk.contracts.services import bundle_sell
from servicedesk.projects import time_services
from servicedesk.tickets import services
from tests import factories

AMS = ZoneInfo("Europe/Amsterdam")
NOV = (date(2026, 11, 1), date(2026, 11, 30))
DEC1 = datetime(2026, 12, 1, 9, tzinfo=AMS)
DEC2 = datetime(2026, 12, 2, 9, tzinfo=AMS)
# What a ticket's line is, and the SpecLine attribute each of its columns is written from.
TICKET_LINE = {
    "ticket_id": "ticket_id",
    "time_entry_id": "entry_id",
    "kind": "kind",
    "billed_minutes": "billed_minutes",
    "bands": "bands",
    "hourly_rate": "hourly_rate",
    "amount_cents": "amount_cents",
    "free_reason": "free_reason",
    "late": "late",
    "corrects_id": "corrects_id",
    "rate_told": "rate_told",
    "work_day": "work_day",
}
# What any other line adds: the line it bills and what it says.
OTHER_LINE = {
    "kind": "kind",
    "billed_minutes": "billed_minutes",
    "amount_cents": "amount_cents",
    "late": "late",
    "contract_line_id": "contract_line_id",
    "period_start": "period_start",
    "period_end": "period_end",
    "unit_price_cents": "unit_price_cents",
    "bundle_id": "bundle_id",
    "project_id": "project_id",
    "project_entry_id": "project_entry_id",
    "milestone_id": "milestone_id",
    "work_day": "work_day",
    "text": "description",
}


def at(day: int, hour: int = 10) -> datetime:
    return datetime(2026, 11, day, hour, tzinfo=AMS)


def _concrete(model) -> dict[str, models.Field]:
    return {field.name: field for field in model._meta.concrete_fields}


def test_the_ticket_line_is_invoice_lines_table_and_its_columns():
    """Same table, and each of its fields the column of `InvoiceLine`'s field of that name, of the same type;
    its relations point at the same models and delete or protect nothing (that is `InvoiceLine`'s)."""
    narrow, wide = _concrete(TicketLine), _concrete(InvoiceLine)
    assert TicketLine._meta.db_table == InvoiceLine._meta.db_table
    assert not TicketLine._meta.managed and InvoiceLine._meta.managed
    assert set(narrow) <= set(wide)
    for name, field in narrow.items():
        twin = wide[name]
        assert field.column == twin.column, name
        assert field.db_type(connection) == twin.db_type(connection), name
        assert field.primary_key == twin.primary_key, name
        assert twin.null or not field.null, f"{name}: NULL written into a NOT NULL column"
        if field.is_relation:
            assert field.related_model is twin.related_model, name
            assert field.remote_field.on_delete is models.DO_NOTHING, name
            assert field.remote_field.related_name == "+", name
    # Exactly the columns a ticket's line uses (besides its invoice and id).
    assert set(narrow) == {"id", "invoice"} | {name.removesuffix("_id") for name in TICKET_LINE}


def test_every_column_a_ticket_line_leaves_out_has_a_default_in_the_database():
    """A column `InvoiceLine` gains must be nullable or have a `db_default`, or a run's INSERT of its ticket
    lines fails (NOT NULL): add it to `TicketLine` if a ticket's line uses it."""
    narrow = _concrete(TicketLine)
    left_out = [field for name, field in _concrete(InvoiceLine).items() if name not in narrow]
    assert left_out
    without = [field.name for field in left_out if not (field.null or field.has_db_default())]
    assert without == []
    # And InvoiceLine's own instances keep their Python defaults (its writes are as before).
    line = InvoiceLine()
    assert (line.text, line.claims, line.prepaid_cents) == ("", False, 0)


@pytest.fixture
def agent():
    return factories.agent("anouk")


@pytest.fixture
def worked(agent):
    """A customer (no bundles, contract or project) with office work, travel and a phone call's surcharge, and
    after-hours work whose rate it was told."""
    customer = factories.invoiced_customer("Bakkerij De Korrel")
    reporter = factories.contact(customer, "Anja", main=True)
    email = services.ticket_create(
        reporter=reporter, subject="Mail", body="", channel="email", support_type="functional", now=at(3)
    )
    services.time_entry_add(ticket=email, agent=agent, start=at(3), minutes=50, description="mailbox", now=at(3))
    services.time_entry_add(ticket=email, agent=agent, start=at(3, 11), minutes=30, kind="travel", now=at(3, 12))
    phone = services.ticket_create(
        reporter=reporter, subject="Bel", body="", channel="phone", support_type="functional", now=at(4)
    )
    services.time_entry_add(ticket=phone, agent=agent, start=at(4), minutes=20, now=at(4))
    evening = services.ticket_create(
        reporter=reporter, subject="Avond", body="", channel="email", support_type="unmanaged", now=at(5)
    )
    services.ticket_rate_notice(ticket=evening, actor=agent, planned_start=at(5, 19), now=at(5, 12))
    services.time_entry_add(ticket=evening, agent=agent, start=at(5, 19), minutes=60, now=at(5, 19))
    return customer


@pytest.fixture
def others(agent):
    """Another customer, billed for a contract's fee, a bundle's purchase and a project's time and milestone (and
    its bundle's value paying them where it does)."""
    customer = factories.invoiced_customer("Fietsenmaker Spaak")
    approver = factories.contact(customer, "Piet", main=True)
    contract = contracts.contract_create(
        customer=customer, name="Beheer", billing_period="month", start=NOV[0], actor=agent, now=at(1)
    )
    contracts.line_add(
        contract=contract, actor=agent, quantity=4, unit_price_cents=2500, description="Werkplekbeheer", now=at(1)
    )
    bundle_sell(customer=customer, hours=1, price_cents=6000, actor=agent, bought_on=NOV[0])
    tm = factories.accepted_project(
        customer, agent, approver, billing_mode="time_and_materials", phases=[("Mailboxen", 120, None)], now=at(2)
    )
    time_services.project_time_add(project=tm, agent=agent, start=at(10), minutes=60, now=at(10))
    fixed = factories.accepted_project(
        customer,
        agent,
        approver,
        billing_mode="fixed_price",
        phases=[("Opname", 360, 40), ("Advies", 240, None)],
        name="Inventarisatie",
        now=at(2),
    )
    time_services.milestone_reach(project=fixed, phase=fixed.phases.get(position=1), actor=agent, now=at(20))
    return customer


def _inserted_columns(queries) -> list[tuple[str, ...]]:
    """The column lists of the INSERTs into the lines' table (one run many times is logged as "N times: ..."),
    and of its COPY (PostgreSQL's bulk load)."""
    table = re.escape(connection.ops.quote_name(InvoiceLine._meta.db_table))
    found = []
    for query in queries:
        match = re.match(rf"(?:\d+ times: )?(?:INSERT INTO|COPY) {table} \((.*?)\) ", query["sql"])
        if match:
            found.append(tuple(column.strip().strip('"') for column in match.group(1).split(",")))
    return found


def _as_written(line, names: dict[str, str]) -> tuple:
    return tuple(getattr(line, attribute) for attribute in names.values())


@pytest.mark.django_db
def test_a_runs_ticket_lines_are_written_narrow_and_read_back_whole(agent, worked, others):
    run = billing_run_create(actor=agent, period_start=NOV[0], period_end=NOV[1], now=DEC1)
    expected = {spec.customer_id: spec.lines for spec in billing_run_preview(run)}
    ticket_lines, other_lines = expected[worked.pk], expected[others.pk]
    assert {line.kind for line in ticket_lines} == {"work", "travel", "phone_surcharge"}
    assert any(line.rate_told for line in ticket_lines) and any(line.hourly_rate for line in ticket_lines)
    assert {line.kind for line in other_lines} == {RECURRING_FEE, BUNDLE_PURCHASE, "work", MILESTONE}

    with CaptureQueriesContext(connection) as queries:
        billing_run_draft(run, now=DEC1)
    # The ticket lines' INSERT (on PostgreSQL their COPY) names their columns only; the other lines' every column.
    narrow = tuple(field.column for field in TicketLine._meta.concrete_fields if not field.primary_key)
    whole = tuple(field.column for field in InvoiceLine._meta.concrete_fields if not field.primary_key)
    assert set(_inserted_columns(queries.captured_queries)) == {narrow, whole}
    assert len(narrow) == 13 < len(whole)

    lines = InvoiceLine.objects.filter(invoice__run=run)
    written = lines.filter(invoice__customer=worked).order_by("id")
    # Read through InvoiceLine: the values written, and the defaults of the columns left out.
    assert sorted(written.values_list(*TICKET_LINE), key=repr) == sorted(
        (_as_written(line, TICKET_LINE) for line in ticket_lines), key=repr
    )
    for line in written:
        assert (line.text, line.claims, line.prepaid_cents) == ("", False, 0)
        assert line.contract_line_id is line.bundle_id is line.project_id is line.project_entry_id is None
        assert line.milestone_id is line.period_start is line.period_end is line.unit_price_cents is None
        assert line.ticket_subject and line.facts.minutes
    # The fee, the bundle's purchase and the project's lines are written whole, as before.
    other = lines.filter(invoice__customer=others)
    assert sorted(other.values_list(*OTHER_LINE), key=repr) == sorted(
        (_as_written(line, OTHER_LINE) for line in other_lines), key=repr
    )
    assert all(line.text for line in other) and not other.filter(ticket__isnull=False).exists()

    # The confirmation numbers the drafts as written: the other lines claim what they bill, no ticket line does.
    invoices = billing_run_confirm(run, actor=agent, now=DEC1)
    assert {invoice.customer_id for invoice in invoices} == {worked.pk, others.pk}
    assert not InvoiceLine.objects.filter(ticket__isnull=False, claims=True).exists()
    assert set(other.filter(corrects__isnull=True).values_list("claims", flat=True)) == {True}
    assert InvoiceLine.objects.filter(prepaid_cents__gt=0, ticket__isnull=True).exists()  # the bundle paid


@pytest.mark.django_db
def test_a_correction_is_a_ticket_line_that_refers_to_the_line_it_corrects(agent, worked):
    (invoice,) = billing_run_confirm(
        billing_run_create(actor=agent, period_start=NOV[0], period_end=NOV[1], now=DEC1), actor=agent, now=DEC1
    )
    ticket = invoice.lines.get(kind="phone_surcharge").ticket
    services.ticket_classify(ticket=ticket, actor=agent, reason="spoed", priority="direct", now=DEC2)
    run = billing_run_create(actor=agent, period_start=NOV[0], period_end=NOV[1], now=DEC2)
    (spec,) = billing_run_preview(run)
    assert any(line.corrects_id for line in spec.lines)
    billing_run_draft(run, now=DEC2)
    written = InvoiceLine.objects.filter(invoice__run=run)
    assert sorted(written.values_list(*TICKET_LINE), key=repr) == sorted(
        (_as_written(line, TICKET_LINE) for line in spec.lines), key=repr
    )
    corrections = written.filter(corrects__isnull=False)
    assert corrections and all(line.corrects.invoice == invoice for line in corrections)
    assert set(corrections.values_list("text", "claims", "prepaid_cents")) == {("", False, 0)}


@pytest.mark.django_db
def test_ticket_lines_written_as_rows_are_read_back_whole(agent, worked):
    """`TicketLine.objects.write` inserts every row once, with one statement for all of them (on PostgreSQL a
    COPY); nothing at all for no rows."""
    run = billing_run_create(actor=agent, period_start=NOV[0], period_end=NOV[1], now=DEC1)
    billing_run_draft(run, now=DEC1)
    invoice = Invoice.with_drafts.get(run=run)
    ticket = InvoiceLine.objects.filter(invoice=invoice).values_list("ticket_id", flat=True).first()
    rows = [
        {
            "invoice_id": invoice.pk,
            "ticket_id": ticket,
            "time_entry_id": None,
            "kind": "phone_surcharge",
            "billed_minutes": 0,
            "bands": f"row {n}" + ("\t\\N\n\\" if n % 7 == 0 else ""),  # what COPY's text format escapes
            "hourly_rate": Decimal("95.00") if n % 2 else None,
            "amount_cents": n,
            "free_reason": "fair_use" if n % 3 == 0 else "",
            "late": n % 5 == 0,
            "corrects_id": None,
            "rate_told": (None, True, False)[n % 3],
            "work_day": date(2026, 11, 1 + n % 30),
        }
        for n in range(2500)
    ]
    with CaptureQueriesContext(connection) as queries:
        TicketLine.objects.write(rows)
        TicketLine.objects.write([])
    assert len(queries) == 1 and _inserted_columns(queries.captured_queries) == [
        tuple(field.column for field in TicketLine._meta.concrete_fields if not field.primary_key)
    ]
    written = InvoiceLine.objects.filter(invoice=invoice, bands__startswith="row ").order_by("amount_cents")
    assert list(written.values_list(*(name for name in rows[0]))) == [tuple(row.values()) for row in rows]
    assert set(written.values_list("text", "claims", "prepaid_cents")) == {("", False, 0)}


@pytest.mark.django_db
def test_the_lines_table_indexes_what_a_ticket_line_leaves_out_only_where_set():
    """A ticket's line (a million a run) enters no index of the bundle, project, project entry or milestone: those
    are partial (where set). The unique "billed once" indexes on the same columns stay (billing migration 0009
    drops only the plain ones; Django's AlterField would have dropped these too)."""
    with connection.cursor() as cursor:
        found = connection.introspection.get_constraints(cursor, InvoiceLine._meta.db_table)
    on = {name: tuple(facts["columns"]) for name, facts in found.items() if facts["index"] or facts["unique"]}
    expected = {
        "bundle_id": {"invoice_line_bundle", "invoice_line_bundle_billed_once"},
        "project_id": {"invoice_line_project", "invoice_line_rest_billed_once"},
        "project_entry_id": {"invoice_line_project_entry", "invoice_line_entry_billed_once"},
        "milestone_id": {"invoice_line_milestone", "invoice_line_milestone_billed_once"},
    }
    for column, names in expected.items():
        assert {name for name, columns in on.items() if columns[:1] == (column,)} == names, column
        assert found[f"invoice_line_{column.removesuffix('_id')}"]["unique"] is False, column
    for name in ("bundle", "rest", "entry", "milestone", "period"):
        assert found[f"invoice_line_{name}_billed_once"]["unique"], name
    # A document's lines by (invoice, work_day) only: the bundles read them by day (billing migration 0010).
    assert {name: columns for name, columns in on.items() if columns[:1] == ("invoice_id",)} == {
        "invoice_line_day": ("invoice_id", "work_day")
    }


@pytest.mark.django_db
def test_each_line_is_dated_by_the_local_day_of_its_work(agent):
    """A ticket's work by its entry's start, a phone surcharge by its ticket's report, a project's work by its
    entry's start: each the local day (half past midnight here is the evening before in UTC); what bills no work
    (a fee, a bundle's purchase, a milestone) has no day."""
    customer = factories.invoiced_customer("Bakkerij De Korrel")
    reporter = factories.contact(customer, "Anja", main=True)
    mail = services.ticket_create(
        reporter=reporter, subject="Mail", body="", channel="email", support_type="functional", now=at(9)
    )
    services.time_entry_add(ticket=mail, agent=agent, start=at(10, 0).replace(minute=30), minutes=30, now=at(10))
    phone = services.ticket_create(
        reporter=reporter,
        subject="Bel",
        body="",
        channel="phone",
        support_type="functional",
        now=at(12, 0).replace(minute=15),
    )
    services.time_entry_add(ticket=phone, agent=agent, start=at(13), minutes=20, now=at(13))
    project = factories.accepted_project(
        customer, agent, reporter, billing_mode="time_and_materials", phases=[("Mailboxen", 120, None)], now=at(2)
    )
    time_services.project_time_add(
        project=project, agent=agent, start=at(14, 0).replace(minute=30), minutes=60, now=at(14)
    )
    assert at(10, 0).replace(minute=30).astimezone(UTC).day == 9  # the edge this test is about
    run = billing_run_create(actor=agent, period_start=NOV[0], period_end=NOV[1], now=DEC1)
    billing_run_draft(run, now=DEC1)

    lines = InvoiceLine.objects.filter(invoice__run=run)
    assert set(lines.filter(ticket=mail).values_list("kind", "work_day")) == {("work", date(2026, 11, 10))}
    assert set(lines.filter(ticket=phone).values_list("kind", "work_day")) == {
        ("work", date(2026, 11, 13)),
        ("phone_surcharge", date(2026, 11, 12)),
    }
    assert set(lines.filter(project=project).values_list("kind", "work_day")) == {("work", date(2026, 11, 14))}
    assert not lines.filter(ticket__isnull=True, project_entry__isnull=True, work_day__isnull=False).exists()
