"""The worker runs the SLA watch from the database task queue, as in production."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from servicedesk.runtime.schedule import Periodic, enqueue_due
from servicedesk.tickets import services
from servicedesk.tickets.models import AgentNotification, TicketEvent
from tests import factories
from tests.helpers import database_url

pytestmark = pytest.mark.django_db(transaction=True)


def overdue_ticket():
    contact = factories.contact(factories.customer(), "Anja", main=True)
    return services.ticket_create(
        reporter=contact,
        subject="Server plat",
        body="",
        channel="email",
        support_type="unmanaged",
        priority="direct",
        # Two weeks back: past its deadline whatever day the test runs (two days back is not, on a Sunday).
        now=timezone.now() - timedelta(days=14),
    )


def test_worker_once_runs_the_sla_watch(settings):
    agent = factories.agent()
    ticket = overdue_ticket()
    call_command("worker", "--once")
    assert ticket.events.filter(kind=TicketEvent.Kind.BREACHED).count() == 1
    assert AgentNotification.objects.filter(user=agent, ticket=ticket, kind="breached").exists()
    assert DBTaskResult.objects.get(task_path__endswith="sla_watch_task").status == "SUCCESSFUL"
    call_command("worker", "--once")
    assert ticket.events.filter(kind=TicketEvent.Kind.BREACHED).count() == 1  # once


def test_periodic_tasks_are_not_piled_up():
    schedule = [Periodic("servicedesk.tickets.tasks.sla_watch_task", 60)]
    last: dict[str, float] = {}
    assert enqueue_due(schedule, last, 1000.0) == [schedule[0].task_path]
    assert enqueue_due(schedule, last, 1030.0) == []  # not yet time
    assert enqueue_due(schedule, last, 1061.0) == []  # time, but one is still waiting
    assert DBTaskResult.objects.count() == 1


def test_worker_process_flags_breaches_and_stops_on_sigterm(tmp_path):
    """The real command as its own process, against the test database."""
    ticket = overdue_ticket()
    env = {**os.environ, "SERVICEDESK_VAR_DIR": str(tmp_path), "DATABASE_URL": database_url()}
    command = [str(Path(sys.executable).with_name("servicedesk")), "worker", "--interval", "0.2"]
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not ticket.events.filter(kind=TicketEvent.Kind.BREACHED).exists():
            time.sleep(0.2)
        assert ticket.events.filter(kind=TicketEvent.Kind.BREACHED).count() == 1
    finally:
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=30)
    assert process.returncode == 0, output


def test_every_periodic_task_is_a_task_and_quotes_expire_on_schedule():
    from django.utils.module_loading import import_string

    from servicedesk.runtime.schedule import periodic_tasks

    paths = [periodic.task_path for periodic in periodic_tasks()]
    for path in paths:
        assert callable(import_string(path).enqueue), path
    assert "servicedesk.projects.tasks.quotes_expire_task" in paths
