"""The demo commands: seed_demo builds a consistent, varied history through the services; generate loads in bulk."""

from __future__ import annotations

import io
from collections import Counter
from datetime import datetime, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import transaction
from django.db.models import Count, F
from django.utils import timezone

from servicedesk.customers.models import Contact, ContactPhone, Customer, CustomerChange, ServiceMatrixItem
from servicedesk.outbox.models import OutgoingMessage
from servicedesk.policy import Channel, Priority, SupportType
from servicedesk.projects.models import Project, ProjectTimeEntry
from servicedesk.tickets.models import AgentNotification, Message, RefusedReport, Ticket, TicketEvent, TimeEntry
from servicedesk.tickets.pricing import deadline_for
from servicedesk.tickets.search import search_ticket_ids
from servicedesk.tickets.services import ticket_create

pytestmark = pytest.mark.django_db

MODELS = (
    Customer,
    Contact,
    ContactPhone,
    ServiceMatrixItem,
    CustomerChange,
    Ticket,
    Message,
    TimeEntry,
    TicketEvent,
    RefusedReport,
    AgentNotification,
    OutgoingMessage,
    get_user_model(),
)
# Anchors that stress the fake clock: a holiday week, a Sunday night, the start of a Monday.
ANCHORS = ("2026-12-28T08:30", "2027-05-16T03:00", "2027-03-01T09:05")


@pytest.fixture(autouse=True)
def fast_passwords(request, settings):
    """Argon2 is slow on purpose; only the test about the demo logins needs it."""
    if "argon2" not in request.node.name:
        settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def seed(now: str | None = None) -> str:
    out = io.StringIO()
    options = {"now": now} if now else {}
    call_command("seed_demo", stdout=out, **options)
    return out.getvalue()


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in MODELS}


def assert_deadlines_match_the_engine(tickets) -> None:
    for ticket in tickets:
        deadline = deadline_for(
            support_type=ticket.support_type,
            priority=ticket.priority,
            channel=ticket.channel,
            reported_at=ticket.reported_at,
            critical=ticket.critical,
        )
        assert ticket.response_due == deadline.response.response_due, ticket.pk
        assert ticket.due_soon_at == deadline.due_soon_at, ticket.pk
        assert ticket.best_effort == deadline.response.best_effort, ticket.pk
        assert ticket.priority == deadline.response.priority, ticket.pk


# -- seed_demo ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("anchor", [None, *ANCHORS])
def test_seed_demo_creates_the_promised_data(anchor):
    output = seed(anchor)
    now = timezone.now() if anchor is None else timezone.make_aware(datetime.fromisoformat(anchor))
    assert (Customer.objects.count(), Contact.objects.count(), Ticket.objects.count()) == (6, 25, 80)
    tickets = Ticket.objects.all()
    assert set(tickets.values_list("support_type", flat=True)) == set(SupportType)
    assert set(tickets.values_list("priority", flat=True)) == set(Priority)
    assert set(tickets.values_list("channel", flat=True)) == set(Channel)
    assert set(tickets.values_list("status", flat=True)) == set(Ticket.Status)
    assert tickets.filter(best_effort=True, channel=Channel.PHONE_AFTER_HOURS).exists()
    assert tickets.filter(critical=True).exists()
    assert tickets.filter(response_met=True).exists() and tickets.filter(response_met=False).exists()
    breached = tickets.filter(breached_flagged_at__isnull=False, responded_at__isnull=True).exclude(status="closed")
    assert breached.exists()
    assert tickets.filter(due_soon_flagged_at__isnull=False).exists()
    assert AgentNotification.objects.filter(kind=TicketEvent.Kind.BREACHED).exists()
    lowered = tickets.filter(events__kind=TicketEvent.Kind.PRIORITY_LOWERED)
    assert lowered.exists() and all(t.requested_priority != t.priority for t in lowered)
    refusals = set(RefusedReport.objects.values_list("reason", flat=True))
    assert refusals == set(RefusedReport.Reason)
    assert RefusedReport.objects.filter(accepted_ticket__isnull=False).exists()
    for customer in Customer.objects.select_related("main_contact"):
        assert customer.main_contact.may_report and customer.main_contact.may_raise_priority, customer
        assert customer.matrix_items.count() >= 5
        assert customer.street and customer.postal_code and customer.city
    assert Contact.objects.filter(may_report=False).exists()
    assert Contact.objects.filter(may_report=True, may_raise_priority=False).exists()
    assert Contact.objects.filter(language="en").exists()
    assert all(c.email.endswith(".example") for c in Contact.objects.all())
    assert ContactPhone.objects.filter(number__startswith="+31").count() >= 25
    assert set(Message.objects.values_list("kind", flat=True)) == set(Message.Kind)
    assert set(TimeEntry.objects.values_list("kind", flat=True)) == {"work", "travel"}
    assert TimeEntry.objects.filter(minutes__lte=5).exists()
    assert CustomerChange.objects.filter(field="may_raise_priority", reason__contains="hoofdcontact").exists()
    # The history lies in the six weeks or so before the anchor.
    reported = list(tickets.values_list("reported_at", flat=True))
    assert min(reported) > now - timedelta(days=56) and max(reported) < now
    assert not TicketEvent.objects.filter(at__gt=now).exists()
    assert not Message.objects.filter(created_at__gt=now).exists()
    assert not TimeEntry.objects.filter(start__gt=F("created_at")).exists()
    assert not TimeEntry.objects.filter(created_at__gt=now).exists()
    assert "http://127.0.0.1:8000/desk/" in output and "http://127.0.0.1:8000/admin/" in output


def test_every_demo_ticket_has_the_deadline_the_engine_computes():
    seed()
    assert_deadlines_match_the_engine(Ticket.objects.all())


def test_demo_logins_are_staff_with_argon2_passwords():
    output = seed()
    users = {user.username: user for user in get_user_model().objects.filter(is_staff=True)}
    assert set(users) == {"anouk", "joost", "fatima", "admin"}
    for name, user in users.items():
        assert user.is_staff and user.password.startswith("argon2")
        assert user.check_password(f"demo-{name}")
        assert f"demo-{name}" in output
    assert users["admin"].is_superuser and not users["anouk"].is_superuser


def test_demo_portal_logins_work_for_a_main_contact_and_a_colleague(client):
    output = seed()
    contacts = list(Contact.objects.filter(user__isnull=False).select_related("user"))
    assert len(contacts) == 2
    assert {c.may_raise_priority for c in contacts} == {True, False} and all(c.may_report for c in contacts)
    for contact in contacts:
        assert contact.email in output and "demo-portal" in output
        assert not contact.user.is_staff
        response = client.post("/portal/login/", {"email": contact.email, "password": "demo-portal"})
        assert response.status_code == 302, contact.email
        assert client.get("/portal/").status_code == 200
        client.post("/portal/logout/")


def test_seed_demo_shows_where_the_service_runs(settings):
    settings.SERVICEDESK_BASE_URL = "http://127.0.0.1:8111"  # `make run PORT=8111` sets it
    output = seed("2026-12-28T08:30")
    assert "Service desk: http://127.0.0.1:8111/desk/" in output
    assert "Customer portal: http://127.0.0.1:8111/portal/" in output
    assert ":8000" not in output


def test_seed_demo_says_which_login_has_the_billing_role(client):
    output = seed()
    [line] = [line for line in output.splitlines() if line.strip().startswith("fatima")]
    assert "billing role" in line
    assert not any("billing" in line for line in output.splitlines() if line.strip().startswith(("anouk", "joost")))
    assert client.login(username="fatima", password="demo-fatima")
    assert client.get("/desk/billing/").status_code == 200
    client.logout()
    assert client.login(username="anouk", password="demo-anouk")
    assert client.get("/desk/billing/").status_code in (302, 403, 404)


def test_seed_demo_twice_changes_nothing():
    seed()
    before = counts()
    output = seed()
    assert "already there" in output
    assert counts() == before


def test_seed_demo_keeps_an_existing_account():
    get_user_model().objects.create_user("admin", password="my-own-secret", is_staff=True, is_superuser=True)
    output = seed()
    assert get_user_model().objects.get(username="admin").check_password("my-own-secret")
    assert "unchanged" in output


def test_seed_demo_is_the_same_for_the_same_anchor():
    def snapshot():
        rows = Ticket.objects.order_by("pk").values_list(
            "subject", "reporter__name", "channel", "status", "priority", "reported_at", "responded_at"
        )
        return [tuple(row) for row in rows], Counter(Message.objects.values_list("body", flat=True))

    class Undo(Exception):
        pass

    try:
        with transaction.atomic():
            seed(ANCHORS[0])
            first = snapshot()
            raise Undo
    except Undo:
        pass
    assert not Ticket.objects.exists()
    seed(ANCHORS[0])
    rows, bodies = snapshot()
    assert rows == first[0]
    assert bodies == first[1]


# -- generate ------------------------------------------------------------------------------------------------------


def generate(tickets: int, **options) -> str:
    out = io.StringIO()
    call_command("generate", tickets=tickets, stdout=out, **options)
    return out.getvalue()


def test_generate_makes_tickets_with_messages_time_entries_and_events():
    output = generate(300, batch_size=70, seed=7)
    assert Ticket.objects.count() == 300
    per_ticket = Ticket.objects.annotate(
        messages_n=Count("messages", distinct=True),
        entries_n=Count("time_entries", distinct=True),
        events_n=Count("events", distinct=True),
    )
    for ticket in per_ticket:
        assert 3 <= ticket.messages_n <= 6, ticket.pk
        assert 0 <= ticket.entries_n <= 4, ticket.pk
        assert ticket.events_n == 1, ticket.pk
    assert set(TicketEvent.objects.values_list("kind", flat=True)) == {"created"}
    assert Customer.objects.count() == 300 // 2000 + 10
    assert get_user_model().objects.filter(is_staff=True).count() == 20
    assert "rows/s" in output and "100%" in output


def test_generate_stretches_the_time_entries_to_the_asked_mean():
    generate(400, seed=3, entries_per_ticket=6)
    worked = Ticket.objects.exclude(status="new")
    entries = TimeEntry.objects.count()
    # 400 tickets, about 390 worked: the mean lands within a few entries of 6 a worked ticket.
    assert 5.5 * worked.count() <= entries <= 6.5 * worked.count()
    assert not TimeEntry.objects.filter(ticket__status="new").exists()
    assert Ticket.objects.annotate(n=Count("time_entries")).filter(n__gt=4).exists()


def test_generate_refuses_a_mean_out_of_range():
    with pytest.raises(CommandError):
        call_command("generate", "--tickets", "5", "--entries-per-ticket", "-1", stdout=io.StringIO())


def test_generated_rows_refer_to_each_other_correctly():
    generate(300, seed=11)
    tickets = Ticket.objects.select_related("reporter", "matrix_item", "assignee")
    for ticket in tickets:
        assert ticket.reporter.customer_id == ticket.customer_id
        assert ticket.reporter.may_report
        assert ticket.matrix_item is None or ticket.matrix_item.customer_id == ticket.customer_id
        assert ticket.assignee is None or ticket.assignee.is_staff
        assert (ticket.status == "closed") == (ticket.closed_at is not None)
        assert ticket.response_met is None or ticket.response_met == (ticket.responded_at <= ticket.response_due)
    for message in Message.objects.filter(kind="incoming").select_related("ticket"):
        assert message.author_contact_id == message.ticket.reporter_id
    assert not Message.objects.exclude(kind="incoming").filter(author_user__isnull=True).exists()
    assert not TimeEntry.objects.exclude(agent__is_staff=True).exists()
    assert not TimeEntry.objects.filter(ticket__status="new").exists()
    for customer in Customer.objects.all():
        assert customer.main_contact.customer_id == customer.pk
        assert customer.main_contact.may_report and customer.main_contact.may_raise_priority
    kinds = Ticket.objects.values_list("support_type", "priority", "channel", "status")
    assert {k[0] for k in kinds} == set(SupportType)
    assert {k[1] for k in kinds} == set(Priority)
    assert {k[3] for k in kinds} <= set(Ticket.Status)
    reported = Ticket.objects.values_list("reported_at", flat=True)
    assert min(reported) > timezone.now() - timedelta(days=3 * 365 + 1)


def test_generated_deadlines_match_the_engine():
    generate(300, seed=5)
    assert_deadlines_match_the_engine(Ticket.objects.all())


def test_generate_twice_adds_on_top_and_the_services_still_work():
    generate(300, seed=1)
    generate(300, seed=1)
    assert Ticket.objects.count() == 600
    assert Message.objects.values("ticket").distinct().count() == 600
    # Ids given out by generate are past the database's own counters (PostgreSQL sequences).
    reporter = Contact.objects.filter(may_report=True).first()
    ticket = ticket_create(reporter=reporter, subject="Na de load", body="Werkt het nog?", channel="email")
    assert ticket.pk > Ticket.objects.exclude(pk=ticket.pk).order_by("-pk").first().pk


def test_generate_on_top_of_the_demo():
    seed()
    generate(50)
    assert Ticket.objects.count() == 130
    assert Customer.objects.count() == 6 + 10


def test_generated_tickets_are_found_by_the_full_text_search():
    generate(120, batch_size=50)
    # Every first message is signed "Met vriendelijke groet": the search index holds every message.
    assert len(search_ticket_ids("groet")) == 120
    ticket = Ticket.objects.order_by("?").first()
    assert ticket.pk in search_ticket_ids(ticket.subject)


def test_generate_makes_projects_with_time_entries():
    generate(5300, seed=5)  # 1,000 project entries: 100,000 per 530,000 tickets
    projects = Project.objects.all()
    assert projects.count() == Customer.objects.count()
    assert set(projects.values_list("billing_mode", "status")) == {("time_and_materials", "in_progress")}
    assert ProjectTimeEntry.objects.count() == 1000
    assert not ProjectTimeEntry.objects.exclude(agent__is_staff=True).exists()
    assert projects.filter(budget_minutes=60 * 60).exists()  # 60 hours, which some pass: work awaits approval
