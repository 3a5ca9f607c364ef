"""The outbox becoming the delivery queue (outbox 0004): mail queued before, with a delivery task each, is
delivered from the table afterwards, and the tasks whose code is gone are forgotten."""

from __future__ import annotations

import pytest
from django.db import connection
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from servicedesk.mail.delivery import deliver_due
from servicedesk.outbox.models import OutgoingMessage
from tests.helpers import latest_migrations, migrate

pytestmark = pytest.mark.django_db(transaction=True)
BEFORE = [("outbox", "0003_copied_contacts")]
AFTER = [("outbox", "0004_delivery_queue")]


def test_mail_queued_with_a_task_before_is_delivered_from_the_table_after(smtp):
    from servicedesk.tickets.tasks import sla_watch_task

    other = sla_watch_task.enqueue().id
    migrate(BEFORE)
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO outbox_outgoingmessage (kind, to_address, to_name, cc, language, subject, body,"
                " automatic, status, attempts, last_error, created_at) VALUES"
                " ('reply', 'anja@korrel.example', 'Anja', '', 'nl', 'Printer', 'Hij doet het weer.', false,"
                " 'queued', 0, '', %s)",
                [timezone.now()],
            )
        DBTaskResult.objects.filter(pk=other).update(task_path="servicedesk.outbox.tasks.deliver_outgoing")
        migrate(AFTER)
    finally:  # back to the latest migrations: the tests after this one need every table as it is now
        migrate(latest_migrations())
    assert not DBTaskResult.objects.exists()
    assert deliver_due().sent == 1
    ((recipients, sent),) = smtp.messages
    assert recipients == ["anja@korrel.example"] and sent["Subject"] == "Printer"
    assert OutgoingMessage.objects.get().status == OutgoingMessage.Status.SENT
