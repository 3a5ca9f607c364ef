"""Step 1 of intake: every mail stored once; a redelivery recognised; the same Message-ID with other bytes kept."""

from __future__ import annotations

import threading

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from servicedesk.mail.models import InboundMail
from servicedesk.mail.store import mails_store


def raw(message_id: str | None, body: str) -> bytes:
    header = f"Message-ID: {message_id}\r\n" if message_id else ""
    return f"From: anja@korrel.example\r\nSubject: Printer\r\n{header}\r\n{body}\r\n".encode()


@pytest.mark.django_db
def test_new_mail_is_one_insert():
    with CaptureQueriesContext(connection) as queries:
        stored = mails_store([raw("<a@x>", "een"), raw("<b@x>", "twee"), raw(None, "drie")], via="lmtp")
    statements = [q["sql"].split()[0] for q in queries if not q["sql"].startswith(("BEGIN", "SAVEPOINT", "RELEASE"))]
    assert statements == ["INSERT"]
    assert [created for _mail, created in stored] == [True, True, True]
    assert [m.pk for m, _ in stored] == list(
        InboundMail.objects.order_by("id").values_list("id", flat=True)
    )  # every key set, in order
    assert [bytes(InboundMail.objects.get(pk=m.pk).raw) for m, _ in stored] == [
        raw("<a@x>", "een"),
        raw("<b@x>", "twee"),
        raw(None, "drie"),
    ]


@pytest.mark.django_db(transaction=True)
def test_two_deliveries_of_one_mail_at_once_store_it_once():
    """An MTA retrying while its first delivery is still being stored: both insert the mail as new (on PostgreSQL
    they wait for each other here; SQLite lets one transaction write at a time). The unique key lets one insert
    it; the other's insert fails, it looks the key up and finds the mail stored."""
    mail = raw("<race@x>", "een")
    both_inserting = threading.Barrier(2, timeout=10)
    results, lookups = [], []

    def deliver() -> None:
        seen = []

        def before_insert(execute, sql, params, many, context):
            if sql.startswith("SELECT") and "mail_inboundmail" in sql:
                seen.append(sql)
            elif sql.startswith("INSERT") and connection.vendor == "postgresql" and not seen:
                both_inserting.wait()
            return execute(sql, params, many, context)

        try:
            with connection.execute_wrapper(before_insert):
                results.append(mails_store([mail], via="lmtp")[0])
            lookups.append(len(seen))
        finally:
            connection.close()

    threads = [threading.Thread(target=deliver) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(created for _mail, created in results) == [False, True]
    assert len({stored.pk for stored, _created in results}) == 1 and InboundMail.objects.count() == 1
    assert sorted(lookups) == [0, 1]  # the one that lost looked, once


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("earlier", "batch", "expected"),
    [
        # (stored before, arriving together, per mail: created?, its row: eN stored before, N the Nth new)
        ([], [("<a@x>", "een"), ("<a@x>", "een")], [(True, 0), (False, 0)]),  # twice in one delivery
        ([("<a@x>", "een")], [("<a@x>", "een"), ("<b@x>", "twee")], [(False, "e0"), (True, 0)]),  # a redelivery
        ([("<a@x>", "een")], [("<a@x>", "ANDERS")], [(True, 0)]),  # the same Message-ID, other bytes: kept too
        ([], [("<a@x>", "een"), ("<a@x>", "ANDERS"), ("<a@x>", "ANDERS")], [(True, 0), (True, 1), (False, 1)]),
        ([(None, "zonder")], [(None, "zonder"), (None, "ander")], [(False, "e0"), (True, 0)]),  # by their hash
    ],
)
def test_what_was_stored_before_or_comes_twice_is_recognised(earlier, batch, expected):
    before = [mails_store([raw(mid, body)], via="pipe")[0][0] for mid, body in earlier]
    stored = mails_store([raw(mid, body) for mid, body in batch], via="lmtp")
    new_rows = list(InboundMail.objects.exclude(pk__in=[m.pk for m in before]).order_by("id"))
    for (mail, created), (want_created, which) in zip(stored, expected, strict=True):
        assert created is want_created
        row = before[int(which[1:])] if isinstance(which, str) else new_rows[which]
        assert mail.pk == row.pk
        assert bytes(InboundMail.objects.get(pk=mail.pk).raw) == raw(*batch[stored.index((mail, created))])
    assert len(new_rows) == sum(created for _mail, created in stored)
    assert InboundMail.objects.count() == len(set(InboundMail.objects.values_list("sha256", flat=True)))


@pytest.mark.django_db
def test_stored_mail_keeps_its_bytes_and_is_compressed_with_lz4_on_postgresql():
    """The raw mail is TOAST-compressed with lz4 on PostgreSQL (migration mail 0004): cheaper for the server while
    the MTA waits for its 250. The bytes come back the same on either database."""
    body = "De printer op de tweede verdieping piept en geeft foutcode E-42.\r\n" * 200  # compressible, > 2 kB
    ((stored, _created),) = mails_store([raw("<lz4@x>", body)], via="lmtp")
    assert bytes(InboundMail.objects.get(pk=stored.pk).raw) == raw("<lz4@x>", body)
    if connection.vendor == "sqlite":
        return  # SQLite compresses nothing: the migration leaves it alone
    assert connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_column_compression(raw) FROM mail_inboundmail WHERE id = %s", [stored.pk])
        assert cursor.fetchone() == ("lz4",)
