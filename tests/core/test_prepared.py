"""Queries compiled once (core/prepared.py) give what the queryset gives, for every value, on both databases."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from servicedesk.core.prepared import PLACEHOLDERS, PreparedInsert, PreparedQuery, constants_written_in
from servicedesk.core.together import native_placeholders
from servicedesk.customers.models import Contact
from servicedesk.portal.auth import ContactBackend
from servicedesk.tickets import services as tickets_services
from tests import factories

pytestmark = pytest.mark.django_db


def with_contact(pk):
    return get_user_model()._default_manager.select_related("contact__customer").filter(pk=pk).order_by()


def same_user(prepared, orm) -> None:
    assert prepared is not None and orm is not None
    user_fields = [f.attname for f in get_user_model()._meta.concrete_fields]
    assert [getattr(prepared, f) for f in user_fields] == [getattr(orm, f) for f in user_fields]
    try:
        expected = orm.contact
    except Contact.DoesNotExist:
        with pytest.raises(Contact.DoesNotExist):
            _ = prepared.contact
        return
    contact = prepared.contact  # cached with the user: no query
    contact_fields = [f.attname for f in Contact._meta.concrete_fields]
    assert [getattr(contact, f) for f in contact_fields] == [getattr(expected, f) for f in contact_fields]
    customer_fields = [f.attname for f in type(expected.customer)._meta.concrete_fields]
    assert [getattr(contact.customer, f) for f in customer_fields] == [
        getattr(expected.customer, f) for f in customer_fields
    ]


@pytest.fixture
def people():
    customer = factories.customer()
    anja = factories.contact(customer, "Anja de Vries", main=True, email="anja@korrel.example")
    return {"contact": factories.portal_user(anja), "agent": factories.agent("marloes")}


def test_the_prepared_query_gives_what_the_queryset_gives(people):
    prepared = PreparedQuery(with_contact)
    for user in people.values():
        same_user(prepared.first(user.pk), with_contact(user.pk).first())
    assert prepared.first(999_999) is None


def test_after_the_first_run_it_is_one_statement_with_everything_cached(people):
    prepared = PreparedQuery(with_contact)
    prepared.first(people["agent"].pk)  # built here
    with CaptureQueriesContext(connection) as queries:
        user = prepared.first(people["contact"].pk)
        assert user.contact.customer.name == "Bakkerij De Korrel"
    assert len(queries) == 1


def test_a_query_without_its_value_once_among_the_parameters_is_refused():
    prepared = PreparedQuery(lambda pk: get_user_model().objects.filter(pk=1))  # the value left out
    with pytest.raises(ValueError, match="once"):
        prepared.first(1)


@pytest.mark.parametrize(
    ("who", "expected"),
    [("contact", "anja@korrel.example"), ("agent", "marloes"), ("inactive", None), ("nobody", None), ("garbage", None)],
)
def test_the_portal_backend_finds_the_signed_in_user_as_before(people, who, expected):
    if who == "inactive":
        people["contact"].is_active = False
        people["contact"].save(update_fields=["is_active"])
    session_value = {"nobody": "999999", "garbage": "not-a-number"}.get(who) or str(
        people["contact" if who == "inactive" else who].pk
    )
    user = ContactBackend().get_user(session_value)
    assert (user.email if who == "contact" else user.get_username() if user else None) == expected
    if user is not None:
        same_user(user, with_contact(user.pk).first())


def test_all_gives_every_instance_in_the_querysets_order():
    from servicedesk.customers.services import matrix_item_add

    mine, theirs = factories.customer(), factories.customer("Ander BV")
    actor = factories.agent("joost")
    for name in ("Werkplekbeheer", "Back-up", "Netwerk en wifi", "Telefonie"):
        matrix_item_add(customer=mine, name=name, actor=actor)
    matrix_item_add(customer=theirs, name="Back-up", actor=actor)
    mine.matrix_items.filter(name="Telefonie").update(active=False)

    def active(customer_id):
        return mine.matrix_items.model.objects.filter(customer_id=customer_id, active=True).order_by("name", "id")

    prepared = PreparedQuery(active)
    for customer in (mine, theirs, mine):
        found = prepared.all(customer.pk)
        expected = list(active(customer.pk))
        assert [(i.pk, i.name, i.active, i.customer_id) for i in found] == [
            (i.pk, i.name, i.active, i.customer_id) for i in expected
        ]
    assert [i.name for i in prepared.all(mine.pk)] == ["Back-up", "Netwerk en wifi", "Werkplekbeheer"]
    assert prepared.all(999_999) == []


def test_only_instances_and_values_dicts_are_prepared():
    prepared = PreparedQuery(lambda pk: get_user_model().objects.filter(pk=pk).values_list("username"))
    with pytest.raises(ValueError, match="instances or"):
        prepared.all(1)
    with pytest.raises(ValueError, match="1 to 3"):
        PreparedQuery(lambda: get_user_model().objects.all(), values=0)
    with pytest.raises(TypeError, match="takes 1 value"):
        PreparedQuery(with_contact).first(1, 2)


@pytest.mark.parametrize("name", ["marloes", "o'brien", "100%", "", "MARLOES", "marloes "])
def test_a_text_value_is_bound_each_run(people, name):
    prepared = PreparedQuery(lambda pk, name: get_user_model().objects.filter(pk=pk, username=name).order_by(), texts=1)
    agent = people["agent"]
    agent.username = name
    agent.save(update_fields=["username"])
    for asked in (name, "someone else", name):
        found = prepared.first(agent.pk, asked)
        assert (found.pk if found else None) == (agent.pk if asked == name else None)
    with pytest.raises(ValueError, match="at most 2 texts"):
        PreparedQuery(lambda pk, a, b, c: get_user_model().objects.all(), texts=3)


# -- PreparedInsert -----------------------------------------------------------------------------------------------


def stored(model, pk) -> dict:
    """A row as the database keeps it, column by column."""
    return model.objects.filter(pk=pk).values(*[f.attname for f in model._meta.concrete_fields]).get()


def test_a_prepared_insert_stores_what_bulk_create_stores(people):
    """The same tickets, messages and events written both ways: every column equal but the keys; the keys set on
    the objects, the parent's key taken into a child assigned before the parent was saved."""
    from servicedesk.tickets.models import Message, Ticket, TicketEvent
    from servicedesk.tickets.services import new_ticket

    anja = Contact.objects.get(user=people["contact"])
    now = datetime(2026, 11, 30, 22, 15, tzinfo=ZoneInfo("Europe/Amsterdam"))  # evening: a deadline next day
    insert = {model: PreparedInsert(model) for model in (Ticket, Message, TicketEvent)}
    made = {}
    for how in ("orm", "prepared"):
        rows = [
            new_ticket(
                reporter=anja,
                subject=f"Scherm {n} flikkert",
                body="Sinds vanochtend.\nÉén scherm.",
                channel="portal",
                priority="direct" if n else "standard",
                now=now,
            )
            for n in range(3)
        ]
        for model, objs in (
            (Ticket, [r.ticket for r in rows]),
            (Message, [r.message for r in rows]),
            (TicketEvent, [e for r in rows for e in r.events]),
        ):
            if how == "orm":
                model.objects.bulk_create(objs)
            else:
                written = insert[model].create(objs)
                assert len(written) == len(objs) and all(a is b for a, b in zip(written, objs, strict=True))
            assert all(o.pk is not None and not o._state.adding and o._state.db == "default" for o in objs)
        made[how] = rows
    for orm, prepared in zip(made["orm"], made["prepared"], strict=True):
        assert prepared.message.ticket_id == prepared.ticket.pk
        for model, a, b in (
            (Ticket, orm.ticket, prepared.ticket),
            (Message, orm.message, prepared.message),
            (TicketEvent, orm.events[0], prepared.events[0]),
        ):
            expected, found = stored(model, a.pk), stored(model, b.pk)
            for key in ("id", "ticket_id"):
                expected.pop(key, None), found.pop(key, None)
            assert found == expected


def test_keys_come_back_in_order_across_statements(monkeypatch, people):
    """More rows than one statement takes: several INSERTs, each object given its own row's key."""
    from servicedesk.core import prepared as module
    from servicedesk.tickets.models import TicketEvent

    ticket = tickets_services.ticket_create(
        reporter=Contact.objects.get(user=people["contact"]), subject="Veel", body="", channel="email"
    )
    monkeypatch.setattr(module, "MOST_ROWS", 4)
    insert = PreparedInsert(TicketEvent)
    events = [
        TicketEvent(ticket=ticket, kind=TicketEvent.Kind.NOTED, at=ticket.reported_at, new_value=f"nr {n}")
        for n in range(11)
    ]
    with CaptureQueriesContext(connection) as queries:
        insert.create(events)
    assert [q["sql"].startswith("INSERT") for q in queries] == [True, True, True]  # 4 + 4 + 3
    assert [TicketEvent.objects.get(pk=e.pk).new_value for e in events] == [f"nr {n}" for n in range(11)]
    with CaptureQueriesContext(connection) as queries:
        insert.create([TicketEvent(ticket=ticket, kind=TicketEvent.Kind.NOTED, at=ticket.reported_at)])
    assert len(queries) == 1


def test_several_rows_go_in_one_statement_whose_text_is_the_same_for_any_count(people):
    """PostgreSQL: a parameter (an array) per column, as Django's bulk_create; the same SQL for 2 or 7 rows, so the
    driver converts it once and the server can prepare it. SQLite: a VALUES list per row count. Either way each
    object gets its own row's key and the stored values are the objects' values, NULLs and all."""
    from servicedesk.tickets.models import TicketEvent

    ticket = tickets_services.ticket_create(
        reporter=Contact.objects.get(user=people["contact"]), subject="Veel", body="", channel="email"
    )
    insert = PreparedInsert(TicketEvent)
    statements: list[str] = []

    def record(execute, sql, *args):
        statements.append(sql)
        return execute(sql, *args)

    for count in (2, 7):
        events = [
            TicketEvent(
                ticket=ticket,
                kind=TicketEvent.Kind.NOTED,
                at=ticket.reported_at,
                new_value=f"nr {n} ’ é",
                actor=None if n % 2 else people["agent"],
            )
            for n in range(count)
        ]
        with connection.execute_wrapper(record):
            insert.create(events)
        stored_rows = {e.pk: e for e in TicketEvent.objects.filter(pk__in=[e.pk for e in events])}
        assert [(stored_rows[e.pk].new_value, stored_rows[e.pk].actor_id) for e in events] == [
            (f"nr {n} ’ é", None if n % 2 else people["agent"].pk) for n in range(count)
        ]
    assert len(statements) == 2  # a statement for each call
    if connection.vendor == "postgresql":
        assert statements[0] == statements[1] and "UNNEST(" in statements[0]
    else:
        assert statements[0] != statements[1] and " VALUES " in statements[0]


def test_skipping_conflicts_works_with_a_parameter_per_column():
    """The listener's store: rows whose unique value is taken (or twice in one call) are not written, and the
    written ones are known, in one statement for several rows on both databases."""
    from servicedesk.mail.models import InboundMail

    insert = PreparedInsert(InboundMail, skip_conflicts_on="dedupe_key")
    now = datetime(2026, 12, 2, 9, 0, tzinfo=ZoneInfo("UTC"))

    def mail(key: str) -> InboundMail:
        return InboundMail(dedupe_key=key, sha256=key, raw=key.encode(), size=len(key), via="lmtp", received_at=now)

    first = insert.create([mail("a"), mail("b")])
    assert [m.dedupe_key for m in first] == ["a", "b"] and all(m.pk for m in first)
    second = insert.create([mail("b"), mail("c"), mail("c"), mail("d")])
    assert sorted(m.dedupe_key for m in second) == ["c", "d"]
    assert sorted(InboundMail.objects.values_list("dedupe_key", flat=True)) == ["a", "b", "c", "d"]
    assert {m.dedupe_key: m.pk for m in second} == dict(
        InboundMail.objects.filter(dedupe_key__in=["c", "d"]).values_list("dedupe_key", "pk")
    )


def test_a_model_keyed_by_its_default_gets_that_key():
    from django_tasks_db.models import DBTaskResult

    rows = [
        DBTaskResult(
            args_kwargs={"args": [n], "kwargs": {}},
            task_path="x.y",
            backend_name="default",
            run_after=datetime(2026, 12, 1, tzinfo=ZoneInfo("UTC")),
        )
        for n in range(2)
    ]
    PreparedInsert(DBTaskResult).create(rows)
    assert [DBTaskResult.objects.get(pk=r.pk).args_kwargs["args"] for r in rows] == [[0], [1]]


def test_what_a_prepared_insert_cannot_write_is_refused(people):
    from servicedesk.tickets.models import TicketEvent

    event = TicketEvent.objects.first() or TicketEvent(pk=1)
    with pytest.raises(ValueError, match="new rows only"):
        PreparedInsert(TicketEvent).create([event])
    assert PreparedInsert(TicketEvent).create([]) == []


PH = PLACEHOLDERS[0]


@pytest.mark.parametrize(
    ("sql", "params", "written", "left"),
    [
        ('"a" = %s AND NOT ("s" = %s)', [PH, "closed"], """"a" = %s AND NOT ("s" = 'closed')""", [PH]),
        ("x LIKE '%%a' AND y = %s", ["it's 100%"], "x LIKE '%%a' AND y = 'it''s 100%%'", []),
        ("a = %s AND b = %s AND c - %s", [True, False, -5], "a = TRUE AND b = FALSE AND c - (-5)", []),
        ("a = %s LIMIT %s", [PH, 26], "a = %s LIMIT 26", [PH]),
        ("a = %s AND b = %s", ["back\\slash", "ünïcødé"], "a = 'back\\slash' AND b = 'ünïcødé'", []),
        (  # not constants that are safe to write in: left as parameters
            "a = %s AND b = %s AND c = %s AND d = %s",
            [datetime(2026, 12, 4, tzinfo=ZoneInfo("UTC")), Decimal("1.50"), None, "nul\x00"],
            "a = %s AND b = %s AND c = %s AND d = %s",
            [datetime(2026, 12, 4, tzinfo=ZoneInfo("UTC")), Decimal("1.50"), None, "nul\x00"],
        ),
    ],
)
def test_constants_are_written_in_and_the_values_left_as_parameters(sql, params, written, left):
    assert constants_written_in(sql, params, keep=(PH,)) == (written, left)


def test_parameters_that_do_not_match_the_placeholders_are_refused():
    with pytest.raises(ValueError, match="fewer parameters"):
        constants_written_in("a = %s AND b = %s", [1], keep=())
    with pytest.raises(ValueError, match="more parameters"):
        constants_written_in("a = %s", [1, 2], keep=())


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=20))
def test_a_text_written_in_is_the_same_text_to_the_database(text):
    sql, left = constants_written_in("SELECT %s, %s", [text, PH], keep=(PH,))
    assert left == [PH]
    with connection.cursor() as cursor:
        cursor.execute(sql, left)
        assert cursor.fetchone() == (text, PH)


def test_the_portal_list_can_take_its_partial_index_in_every_plan(people):
    """The first page of a customer's open tickets: `status` not `closed` is written in, so PostgreSQL's plan made
    once for every run of the prepared statement (its generic plan) can read the index of open tickets in date
    order (ticket_customer_open) rather than all the customer's tickets, sorted. (SQLite plans with the values
    bound, and takes the index either way.)"""
    from servicedesk.portal import selectors

    anja = Contact.objects.get(user=people["contact"])
    for n in range(3):
        tickets_services.ticket_create(reporter=anja, subject=f"Melding {n}", body="", channel="portal")
    prepared = selectors._OPEN_PAGE_OF_CUSTOMER
    assert [row["subject"] for row in prepared.all(anja.customer_id)][:3] == [f"Melding {n}" for n in (2, 1, 0)]
    compiled = prepared._compiled["default"]
    assert "'closed'" in compiled.sql and compiled.params == [PH]
    params = [anja.customer_id if value == PH else value for value in compiled.params]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"PREPARE open_page AS {native_placeholders(compiled.sql)}")
            try:
                cursor.execute("SET plan_cache_mode = force_generic_plan")
                cursor.execute("SET enable_seqscan = off")
                values = [str(v) if isinstance(v, int) else "'" + str(v).replace("'", "''") + "'" for v in params]
                cursor.execute(f"EXPLAIN EXECUTE open_page({', '.join(values)})")
                plan = "\n".join(row[0] for row in cursor.fetchall())
            finally:
                cursor.execute("DEALLOCATE open_page")
                cursor.execute("RESET plan_cache_mode")
                cursor.execute("RESET enable_seqscan")
        else:
            cursor.execute(f"EXPLAIN QUERY PLAN {compiled.sql}", params)
            plan = "\n".join(str(row) for row in cursor.fetchall())
    assert "ticket_customer_open" in plan, plan
