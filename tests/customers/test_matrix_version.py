"""The service matrix's version, kept by the database, and the matrix a process keeps under it: whatever writes
the matrix, the kept matrix is never what the database no longer says."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from servicedesk.customers import matrix_version
from servicedesk.customers.models import Customer, ServiceMatrixItem
from servicedesk.customers.selectors import active_matrix_items
from servicedesk.customers.services import matrix_item_add, matrix_item_set_active
from tests import factories

pytestmark = pytest.mark.django_db


def version_of(customer: Customer) -> int:
    return Customer.objects.values_list("matrix_version", flat=True).get(pk=customer.pk)


def as_portal_reads(customer: Customer) -> Customer:
    """The customer read afresh, as the portal reads the signed-in contact's on every request."""
    return Customer.objects.get(pk=customer.pk)


def shown(items) -> list[tuple]:
    return [(i.pk, i.customer_id, i.name, i.description, i.active, i.created_at) for i in items]


def fresh(customer: Customer) -> list[tuple]:
    return shown(ServiceMatrixItem.objects.filter(customer=customer, active=True).order_by("name", "id"))


@pytest.fixture
def korrel():
    return factories.customer("Bakkerij De Korrel")


@pytest.fixture
def wit():
    return factories.customer("Tandartspraktijk Wit")


def _add(customer, name="Microsoft 365"):
    return matrix_item_add(customer=customer, name=name, actor=None)


def _deactivate(item):
    matrix_item_set_active(item=item, active=False, actor=None)


def _rename_by_queryset(item):
    ServiceMatrixItem.objects.filter(pk=item.pk).update(name="Back-up")


def _describe_by_sql(item):
    with connection.cursor() as cursor:
        cursor.execute("UPDATE customers_servicematrixitem SET description = %s WHERE id = %s", ["nieuw", item.pk])


def _delete(item):
    item.delete()


@pytest.mark.parametrize(
    "write",
    [_deactivate, _rename_by_queryset, _describe_by_sql, _delete],
    ids=["service function", "queryset update", "SQL by hand", "delete"],
)
def test_every_way_of_writing_the_matrix_raises_its_version(korrel, wit, write):
    item = _add(korrel)
    _add(wit, "Netwerk")
    before, theirs = version_of(korrel), version_of(wit)
    write(item)
    assert version_of(korrel) > before
    assert version_of(wit) == theirs  # another customer's matrix did not change


def test_a_first_item_raises_the_version_and_moving_an_item_raises_both_customers(korrel, wit):
    assert version_of(korrel) == 0  # no item ever
    item = _add(korrel)
    assert version_of(korrel) > 0
    _add(wit, "Netwerk")
    mine, theirs = version_of(korrel), version_of(wit)
    ServiceMatrixItem.objects.filter(pk=item.pk).update(customer=wit)
    assert version_of(korrel) > mine and version_of(wit) > theirs


def test_the_version_grows_even_when_the_clock_does_not(korrel):
    item = _add(korrel)
    with connection.cursor() as cursor:  # a number from the future: the next one is still higher
        cursor.execute("UPDATE customers_customer SET matrix_version = %s WHERE id = %s", [2**62, korrel.pk])
    _deactivate(item)
    assert version_of(korrel) == 2**62 + 1


def test_a_customer_saved_from_an_earlier_copy_keeps_the_higher_version(korrel):
    earlier = Customer.objects.get(pk=korrel.pk)
    _add(korrel)
    now = version_of(korrel)
    earlier.city = "Zwolle"
    earlier.save()  # writes every field, the version it read too
    assert version_of(korrel) == now
    assert Customer.objects.get(pk=korrel.pk).city == "Zwolle"


def test_the_kept_matrix_is_read_once_while_it_stands(korrel):
    _add(korrel)
    _add(korrel, "Back-up")
    active_matrix_items(as_portal_reads(korrel))
    customer = as_portal_reads(korrel)
    with CaptureQueriesContext(connection) as queries:
        items = active_matrix_items(customer)
    assert len(queries) == 0
    assert [i.name for i in items] == ["Back-up", "Microsoft 365"]
    items[0].name = "changed by a caller"  # new instances every time: nothing a caller does is kept
    assert [i.name for i in active_matrix_items(customer)] == ["Back-up", "Microsoft 365"]


def test_a_customer_read_without_its_version_is_always_read_afresh(korrel):
    _add(korrel)
    customer = Customer.objects.defer("matrix_version").get(pk=korrel.pk)
    for _ in range(2):
        with CaptureQueriesContext(connection) as queries:
            assert [i.name for i in active_matrix_items(customer)] == ["Microsoft 365"]
        assert len(queries) == 1


OPERATIONS = st.lists(
    st.tuples(
        st.sampled_from(["add", "deactivate", "activate", "rename", "move", "move back", "delete", "read"]),
        st.integers(min_value=0, max_value=5),
    ),
    min_size=1,
    max_size=25,
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(operations=OPERATIONS)
def test_what_is_kept_is_always_what_the_database_says(korrel, wit, operations):
    """Any sequence of writes to two customers' matrices, read after each as the portal reads: the same as a
    fresh query, for both customers."""
    for n, (operation, pick) in enumerate(operations):
        items = list(ServiceMatrixItem.objects.filter(customer__in=[korrel, wit]).order_by("id"))
        item = items[pick % len(items)] if items else None
        if operation == "add" or item is None:
            _add(korrel if pick % 2 else wit, f"Dienst {n}")
        elif operation in ("deactivate", "activate"):
            ServiceMatrixItem.objects.filter(pk=item.pk).update(active=operation == "activate")
        elif operation == "rename":
            _rename_by_queryset(item)
        elif operation in ("move", "move back"):
            ServiceMatrixItem.objects.filter(pk=item.pk).update(customer=wit if operation == "move" else korrel)
        elif operation == "delete":
            _delete(item)
        for customer in (korrel, wit):
            assert shown(active_matrix_items(as_portal_reads(customer))) == fresh(customer), (n, operation)


def test_migrate_makes_the_triggers_again_when_they_are_gone(korrel):
    """SQLite drops a table's triggers when a migration rebuilds it: every migrate makes them again."""
    item = _add(korrel)
    matrix_version.remove_triggers(connection)
    before = version_of(korrel)
    _rename_by_queryset(item)
    assert version_of(korrel) == before  # gone: nothing raised the version
    call_command("migrate", verbosity=0)
    _deactivate(item)
    assert version_of(korrel) > before
