"""Rows written together (core/together.py): on PostgreSQL a reported ticket is two statements (its keys, then all
its rows in one), outside any transaction; everywhere all of its rows or none of them. Run outside the test's
transaction (transactional_db), as a request runs."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import IntegrityError, NotSupportedError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django_tasks_db.models import DBTaskResult

from servicedesk.core.prepared import PreparedInsert
from servicedesk.core.together import native_placeholders, pending_rows, reserve_keys, rows_together
from servicedesk.mail.models import InboundMail
from servicedesk.outbox.models import OutgoingMessage
from servicedesk.tickets import services
from servicedesk.tickets.models import Message, Ticket, TicketEvent
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)
POSTGRESQL = connection.vendor == "postgresql"
NOW = datetime(2026, 12, 3, 10, 0, tzinfo=ZoneInfo("Europe/Amsterdam"))


@pytest.fixture
def anja():
    return factories.contact(factories.customer(), "Anja de Vries", main=True, email="anja@korrel.example")


def counts() -> dict:
    return {model: model.objects.count() for model in (Ticket, Message, TicketEvent, OutgoingMessage, DBTaskResult)}


def test_a_report_is_all_its_rows_in_one_statement_after_its_keys(anja):
    services.ticket_create(reporter=anja, subject="Eerste", body="", channel="portal", now=NOW)  # sequences known
    DBTaskResult.objects.all().delete()
    before = counts()
    with CaptureQueriesContext(connection) as queries:
        ticket = services.ticket_create(reporter=anja, subject="Printer", body="Vast.", channel="portal", now=NOW)
    assert not connection.in_atomic_block
    after = counts()
    assert {model: after[model] - before[model] for model in after} == dict.fromkeys(after, 1)
    message = Message.objects.get(ticket=ticket)
    event = TicketEvent.objects.get(ticket=ticket)
    outgoing = OutgoingMessage.objects.get(ticket=ticket)
    task = DBTaskResult.objects.get()
    assert message.body == "Vast." and outgoing.subject.startswith(f"[#{ticket.pk}] ")
    assert f"#{ticket.pk}" in outgoing.body and event.kind == TicketEvent.Kind.CREATED
    assert task.args_kwargs == {"args": [outgoing.pk], "kwargs": {}}
    statements = [q["sql"] for q in queries]
    if POSTGRESQL:
        assert len(statements) == 2, statements
        assert statements[0].startswith("SELECT ARRAY[nextval('")
        assert statements[1].startswith("WITH w0 AS (INSERT INTO") and statements[1].count("INSERT INTO") == 5
    else:  # a statement per table, in a transaction
        assert sum(sql.startswith("INSERT") for sql in statements) == 5


def test_several_tickets_get_ascending_numbers_and_their_own_rows(anja):
    """Intake opens many tickets at once: keys are reserved for all, numbered in the order of the list."""
    new = [
        services.new_ticket(reporter=anja, subject=f"Melding {n}", body=f"Tekst {n}", channel="email", now=NOW)
        for n in range(4)
    ]
    with transaction.atomic():
        services.tickets_open(new, now=NOW)
    numbers = [n.ticket.pk for n in new]
    assert numbers == sorted(numbers) and len(set(numbers)) == 4
    for n, item in enumerate(new):
        ticket = Ticket.objects.get(pk=item.ticket.pk)
        assert ticket.subject == f"Melding {n}"
        assert list(ticket.messages.values_list("pk", "body")) == [(item.message.pk, f"Tekst {n}")]
        assert OutgoingMessage.objects.get(ticket=ticket).subject.startswith(f"[#{ticket.pk}] ")


def test_an_error_in_the_block_writes_nothing(anja):
    before = counts()
    item = services.new_ticket(reporter=anja, subject="Printer", body="Vast.", channel="portal", now=NOW)
    with pytest.raises(RuntimeError, match="halfway"), rows_together({Ticket: 1, Message: 1}):
        PreparedInsert(Ticket).create([item.ticket])
        PreparedInsert(Message).create([item.message])
        raise RuntimeError("halfway")
    assert counts() == before


def test_a_row_the_database_refuses_takes_the_others_with_it(anja):
    """A message of a ticket that does not exist: the foreign key is checked at the end, and nothing is kept."""
    before = counts()
    item = services.new_ticket(reporter=anja, subject="Printer", body="Vast.", channel="portal", now=NOW)
    stray = Message(ticket_id=987_654_321, kind=Message.Kind.INCOMING, body="?", created_at=NOW)
    with pytest.raises(IntegrityError), rows_together({Ticket: 1, Message: 2}):
        PreparedInsert(Ticket).create([item.ticket])
        PreparedInsert(Message).create([item.message, stray])
    assert counts() == before


def test_what_cannot_wait_is_written_after_what_came_before(anja):
    """An insert that must know which rows it wrote (conflicts skipped) is not kept: what was kept goes first."""
    item = services.new_ticket(reporter=anja, subject="Printer", body="Vast.", channel="portal", now=NOW)
    mail = InboundMail(dedupe_key="k1", sha256="k1", raw=b"k1", size=2, via="lmtp", received_at=NOW)
    with rows_together({Ticket: 1}):
        PreparedInsert(Ticket).create([item.ticket])
        written = PreparedInsert(InboundMail, skip_conflicts_on="dedupe_key").create([mail])
        assert written == [mail] and mail.pk is not None
        assert Ticket.objects.filter(pk=item.ticket.pk).exists()  # written before the mail
        if POSTGRESQL:
            assert pending_rows("default").statements == []
    assert Ticket.objects.filter(pk=item.ticket.pk).exists() and InboundMail.objects.filter(pk=mail.pk).exists()


def test_rows_without_reserved_keys_are_written_as_they_come(anja):
    item = services.new_ticket(reporter=anja, subject="Printer", body="Vast.", channel="portal", now=NOW)
    with rows_together({Ticket: 1}):  # no keys for the message
        PreparedInsert(Ticket).create([item.ticket])
        PreparedInsert(Message).create([item.message])
        assert item.message.pk is not None and Message.objects.filter(pk=item.message.pk).exists()
    assert Message.objects.get(pk=item.message.pk).ticket_id == item.ticket.pk


def test_a_block_inside_a_block_joins_it(anja):
    first, second = (
        services.new_ticket(reporter=anja, subject=f"Printer {n}", body="Vast.", channel="portal", now=NOW)
        for n in range(2)
    )
    with CaptureQueriesContext(connection) as queries, rows_together({Ticket: 1}):
        PreparedInsert(Ticket).create([first.ticket])
        with rows_together({Ticket: 1}):
            PreparedInsert(Ticket).create([second.ticket])
        # PostgreSQL keeps both for the outer block's statement; elsewhere they are written as they come
        assert Ticket.objects.filter(pk__in=[first.ticket.pk, second.ticket.pk]).count() == (0 if POSTGRESQL else 2)
    assert Ticket.objects.filter(pk__in=[first.ticket.pk, second.ticket.pk]).count() == 2
    assert first.ticket.pk < second.ticket.pk
    if POSTGRESQL:  # two reservations, one existence check, one statement
        assert [q["sql"].split()[0] for q in queries] == ["SELECT", "SELECT", "SELECT", "WITH"]


def test_reserved_keys_are_the_sequences_next_ones_ascending():
    if not POSTGRESQL:  # no sequences to take them from: said, not guessed
        with pytest.raises(NotSupportedError, match="PostgreSQL"):
            reserve_keys({Ticket: 1})
        return
    keys = reserve_keys({Ticket: 3, Message: 0, TicketEvent: 2})
    assert set(keys) == {Ticket, TicketEvent}
    assert keys[Ticket] == sorted(keys[Ticket]) and len(set(keys[Ticket])) == 3
    later = reserve_keys({Ticket: 1})[Ticket][0]
    assert later > max(keys[Ticket])
    with pytest.raises(ValueError, match="not made by the database"):
        reserve_keys({DBTaskResult: 1})


def test_the_keys_query_has_no_parameters_and_is_planned_once_per_connection():
    """Its sequences and counts are written in: PostgreSQL keeps one plan for it (with parameters it planned a
    custom plan on every run, the statistics making that look cheaper)."""
    if not POSTGRESQL:
        return  # nothing reserved elsewhere (the test above checks the refusal)
    for _ in range(8):  # prepared from the fifth run (DATABASE_PREPARE_THRESHOLD)
        reserve_keys({Ticket: 1, TicketEvent: 2})
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT generic_plans, custom_plans, parameter_types FROM pg_prepared_statements "
            "WHERE statement LIKE 'SELECT ARRAY[nextval(%%'"
        )
        plans = cursor.fetchall()
    assert len(plans) == 1, plans
    generic, custom, parameter_types = plans[0]
    assert custom == 0 and generic >= 3 and list(parameter_types) == []


def test_a_sequence_name_is_written_in_as_a_literal():
    from servicedesk.core.together import _keys_query

    sql = _keys_query((('public."it\'s"', 1), ("public.t_id_seq", 3)))
    assert sql == (
        "SELECT ARRAY[nextval('public.\"it''s\"'::regclass)], "
        "ARRAY(SELECT nextval('public.t_id_seq'::regclass) FROM generate_series(1, 3))"
    )


@pytest.mark.parametrize(
    ("django_sql", "native"),
    [
        ("INSERT INTO t (a, b) VALUES (%s, %s)", "INSERT INTO t (a, b) VALUES ($1, $2)"),
        (
            "WITH w0 AS (INSERT INTO t (a) VALUES (%s)) INSERT INTO u (b) VALUES (%s)",
            "WITH w0 AS (INSERT INTO t (a) VALUES ($1)) INSERT INTO u (b) VALUES ($2)",
        ),
        ("SELECT '100%%' || %s", "SELECT '100%' || $1"),
        ("SELECT 1", "SELECT 1"),
    ],
)
def test_djangos_placeholders_become_postgresqls(django_sql, native):
    assert native_placeholders(django_sql) == native


def test_a_percent_sign_that_is_no_placeholder_is_refused():
    with pytest.raises(ValueError, match="no placeholder"):
        native_placeholders("SELECT '5%' || %s")
