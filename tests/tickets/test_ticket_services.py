"""Ticket services against a real database: every rule of POLICY.md §1-§7 they carry."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError

from servicedesk.customers.services import contact_set_rights, matrix_item_add
from servicedesk.outbox.models import OutgoingMessage
from servicedesk.tickets import services
from servicedesk.tickets.models import AgentNotification, Message, RefusedReport, Ticket, TicketEvent
from servicedesk.tickets.pricing import ticket_price
from tests import factories
from tests.helpers import local as at

pytestmark = pytest.mark.django_db


@pytest.fixture
def customer():
    return factories.customer()


@pytest.fixture
def main_contact(customer):
    return factories.contact(customer, "Anja de Vries", main=True)


@pytest.fixture
def reporter(customer):
    """A contact who may report but not raise priority."""
    return factories.contact(customer, "Piet Jansen", may_report=True)


@pytest.fixture
def stranger(customer):
    """A contact who may not report."""
    return factories.contact(customer, "Kees Bakker")


@pytest.fixture
def agent():
    return factories.agent("marloes")


def create(reporter, **kwargs):
    values = {
        "subject": "Printer doet het niet",
        "body": "Hij piept.",
        "channel": "email",
        "now": at("2026-11-24 11:00"),
    }
    values.update(kwargs)
    return services.ticket_create(reporter=reporter, **values)


def test_create_sets_the_deadline_from_the_policy_engine(reporter):
    ticket = create(reporter, support_type="functional")
    assert ticket.priority == "standard"
    assert ticket.response_due == at("2026-11-27 11:00")
    assert ticket.due_soon_at == at("2026-11-26 13:00")  # 18 of 24 office hours
    assert not ticket.best_effort
    assert ticket.status == Ticket.Status.NEW
    assert ticket.messages.get().body == "Hij piept."
    assert ticket.events.get().kind == TicketEvent.Kind.CREATED


def test_create_queues_the_acknowledgement(reporter):
    ticket = create(reporter, support_type="unmanaged")
    (ack,) = OutgoingMessage.objects.filter(ticket=ticket)
    assert ack.kind == OutgoingMessage.Kind.ACKNOWLEDGEMENT
    assert ack.to_address == reporter.email
    assert ack.subject == f"[#{ticket.pk}] Uw melding is ontvangen: Printer doet het niet"
    assert f"#{ticket.pk}" in ack.body
    assert "vrijdag 27 november 2026, 11:00" in ack.body
    assert "€\xa065,00" in ack.body


def test_acknowledgement_in_english_for_contacts_who_prefer_it(customer):
    contact = factories.contact(customer, "John Smith", may_report=True, language="en")
    ticket = create(contact, support_type="unmanaged")
    ack = OutgoingMessage.objects.get(ticket=ticket)
    assert ack.subject.endswith("We have received your report: Printer doet het niet")
    assert "Friday 27 November 2026, 11:00" in ack.body


def test_a_contact_who_may_not_report_gets_no_ticket(stranger, agent):
    with pytest.raises(services.ReportRefused) as refused:
        create(stranger, channel="phone", actor=agent)
    assert not Ticket.objects.exists()
    record = RefusedReport.objects.get()
    assert refused.value.refused == record
    assert (record.contact, record.channel, record.reason, record.subject, record.recorded_by) == (
        stranger,
        "phone",
        RefusedReport.Reason.NOT_AUTHORISED,
        "Printer doet het niet",
        agent,
    )
    notice = OutgoingMessage.objects.get()
    assert notice.kind == OutgoingMessage.Kind.REFUSAL and notice.to_address == stranger.email
    assert "Printer" not in notice.body  # no echo of the report


def test_an_inactive_contact_gets_no_ticket(reporter):
    reporter.active = False
    reporter.save()
    with pytest.raises(services.ReportRefused):
        create(reporter)


@pytest.mark.parametrize(
    ("support_type", "requested", "expected"),
    [("unmanaged", "high", "standard"), ("functional", "direct", "standard"), ("managed", "direct", "high")],
)
def test_a_raised_priority_is_lowered_for_a_contact_who_may_not_raise(reporter, support_type, requested, expected):
    ticket = create(reporter, support_type=support_type, priority=requested)
    assert (ticket.requested_priority, ticket.priority) == (requested, expected)
    lowered = ticket.events.get(kind=TicketEvent.Kind.PRIORITY_LOWERED)
    assert (lowered.old_value, lowered.new_value) == (requested, expected)
    assert "Piet Jansen" in lowered.reason
    kinds = set(OutgoingMessage.objects.filter(ticket=ticket).values_list("kind", flat=True))
    assert kinds == {OutgoingMessage.Kind.ACKNOWLEDGEMENT, OutgoingMessage.Kind.PRIORITY_LOWERED}


def test_the_main_contact_may_raise_priority(main_contact):
    ticket = create(main_contact, support_type="unmanaged", priority="direct")
    assert ticket.priority == "direct"
    assert ticket.response_due == at("2026-11-24 12:00")
    assert not ticket.events.filter(kind=TicketEvent.Kind.PRIORITY_LOWERED).exists()


def test_managed_standard_becomes_high_and_a_matrix_item_proposes_managed(main_contact, customer, agent):
    item = matrix_item_add(customer=customer, name="Firewall", actor=agent)
    ticket = create(main_contact, matrix_item=item)
    assert (ticket.proposed_support_type, ticket.support_type, ticket.priority) == ("managed", "managed", "high")
    assert ticket.response_due == at("2026-11-25 11:00")


def test_a_matrix_item_of_another_customer_is_refused(main_contact, agent):
    other = factories.customer("Ander BV")
    item = matrix_item_add(customer=other, name="Back-up", actor=agent)
    with pytest.raises(ValidationError) as error:
        create(main_contact, matrix_item=item)
    assert "matrix_item" in error.value.message_dict


def test_after_hours_urgent_line_is_best_effort(main_contact):
    ticket = create(
        main_contact,
        support_type="unmanaged",
        priority="direct",
        channel="phone_after_hours",
        now=at("2026-11-28 03:00"),
    )
    assert ticket.best_effort
    assert ticket.response_due == at("2026-11-28 04:00")
    assert ticket.due_soon_at == at("2026-11-28 03:45")


def test_classify_recomputes_deadline_and_rate_and_tells_the_reporter(reporter, agent):
    ticket = create(reporter, support_type="functional")
    changes = services.ticket_classify(
        ticket=ticket,
        actor=agent,
        reason="Storing op de server",
        support_type="unmanaged",
        priority="high",
        now=at("2026-11-24 12:00"),
    )
    ticket.refresh_from_db()
    assert [(c.field, c.old, c.new) for c in changes] == [
        ("support_type", "functional", "unmanaged"),
        ("priority", "standard", "high"),
    ]
    assert ticket.support_type_confirmed
    assert ticket.response_due == at("2026-11-25 11:00")
    events = ticket.events.filter(kind=TicketEvent.Kind.CLASSIFIED).order_by("id")
    assert [(e.field, e.actor, e.reason) for e in events] == [
        ("support_type", agent, "Storing op de server"),
        ("priority", agent, "Storing op de server"),
        ("response_due", agent, "Storing op de server"),
    ]
    notice = OutgoingMessage.objects.get(ticket=ticket, kind=OutgoingMessage.Kind.CLASSIFICATION)
    assert "Storing op de server" in notice.body and "€\xa085,00" in notice.body


def test_a_raise_days_after_the_report_never_promises_a_past_deadline(reporter, agent):
    """Ticket #52: raised from standard to high days after its report. High from the report (Tue 19:00) has
    passed; eight office hours from the change (Thu 10:00) end Fri 10:00, before the old deadline (Fri 11:00)."""
    ticket = create(reporter, support_type="functional", now=at("2026-11-24 11:00"))
    assert ticket.response_due == at("2026-11-27 11:00")
    services.ticket_classify(
        ticket=ticket, actor=agent, reason="Toch dringend", priority="high", now=at("2026-11-26 10:00")
    )
    ticket.refresh_from_db()
    assert ticket.response_due == at("2026-11-27 10:00")
    assert ticket.due_soon_at == at("2026-11-26 16:00")  # 75 % of the eight hours from the change
    notice = OutgoingMessage.objects.get(ticket=ticket, kind=OutgoingMessage.Kind.CLASSIFICATION)
    assert "vrijdag 27 november 2026, 10:00" in notice.body
    assert ticket.breached_flagged_at is None


def test_a_miss_before_the_reclassification_stays_a_miss(reporter, agent):
    ticket = create(reporter, support_type="functional", priority="standard", now=at("2026-11-24 11:00"))
    assert ticket.response_due == at("2026-11-27 11:00")
    services.ticket_classify(
        ticket=ticket, actor=agent, reason="Alsnog opgepakt", priority="high", now=at("2026-11-30 09:30")
    )
    ticket.refresh_from_db()
    assert ticket.response_due == at("2026-12-01 09:30")  # from the change: never a moment already past
    assert ticket.breached_flagged_at == at("2026-11-30 09:30")
    assert ticket.events.filter(kind=TicketEvent.Kind.BREACHED).count() == 1
    services.ticket_respond(ticket=ticket, actor=agent, diagnosis="Toner op", now=at("2026-11-30 10:00"))
    ticket.refresh_from_db()
    assert ticket.response_met is False


def test_classify_needs_a_reason(reporter, agent):
    ticket = create(reporter)
    with pytest.raises(ValidationError) as error:
        services.ticket_classify(ticket=ticket, actor=agent, reason=" ", priority="high")
    assert "reason" in error.value.message_dict


def test_classify_critical_makes_it_direct_and_free(reporter, agent):
    ticket = create(reporter, support_type="unmanaged")
    services.ticket_classify(
        ticket=ticket, actor=agent, reason="Hele kantoor plat", critical=True, now=at("2026-11-24 11:30")
    )
    ticket.refresh_from_db()
    assert (ticket.priority, ticket.critical) == ("direct", True)
    assert ticket.response_due == at("2026-11-24 12:00")
    services.time_entry_add(
        ticket=ticket, agent=agent, start=at("2026-11-24 11:30"), minutes=90, now=at("2026-11-24 13:00")
    )
    price = ticket_price(ticket)
    assert (str(price.total), price.free_reason) == ("0.00", "critical")


def test_confirming_the_type_without_change_is_recorded(reporter, agent):
    ticket = create(reporter, support_type="functional")
    assert services.ticket_classify(ticket=ticket, actor=agent, reason="Klopt") == []
    ticket.refresh_from_db()
    assert ticket.support_type_confirmed
    assert ticket.events.filter(kind=TicketEvent.Kind.CLASSIFIED, field="support_type_confirmed").count() == 1
    assert not OutgoingMessage.objects.filter(kind=OutgoingMessage.Kind.CLASSIFICATION).exists()


@pytest.mark.parametrize(
    ("responded", "met"), [("2026-11-27 10:59", True), ("2026-11-27 11:00", True), ("2026-11-27 11:01", False)]
)
def test_respond_records_met_or_missed(reporter, agent, responded, met):
    ticket = create(reporter, support_type="functional")
    services.ticket_respond(ticket=ticket, actor=agent, diagnosis="Toner op", now=at(responded))
    ticket.refresh_from_db()
    assert (ticket.responded_at, ticket.response_met, ticket.status) == (at(responded), met, Ticket.Status.OPEN)
    with pytest.raises(ValidationError):
        services.ticket_respond(ticket=ticket, actor=agent, diagnosis="Nogmaals")


def test_reply_is_public_and_mailed_a_note_is_not(reporter, agent):
    ticket = create(reporter)
    services.ticket_note(ticket=ticket, actor=agent, body="Klant belt vaak")
    services.ticket_reply(ticket=ticket, actor=agent, body="Wilt u de printer herstarten?", wait_for_customer=True)
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.WAITING
    assert list(ticket.messages.values_list("kind", flat=True)) == ["incoming", "note", "reply"]
    reply = OutgoingMessage.objects.get(kind=OutgoingMessage.Kind.REPLY)
    assert "Wilt u de printer herstarten?" in reply.body
    assert not reply.automatic
    assert not OutgoingMessage.objects.filter(body__contains="Klant belt vaak").exists()


def test_a_customer_message_reopens_a_waiting_ticket(reporter, agent):
    ticket = create(reporter)
    services.ticket_reply(ticket=ticket, actor=agent, body="Vraag", wait_for_customer=True)
    services.ticket_add_message(ticket=ticket, contact=reporter, body="Antwoord")
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.OPEN


def test_assign_notifies_the_assignee(reporter, agent):
    colleague = factories.agent("joost")
    ticket = create(reporter)
    services.ticket_assign(ticket=ticket, actor=agent, assignee=colleague)
    assert colleague.notifications.get().kind == TicketEvent.Kind.ASSIGNED
    assert ticket.events.get(kind=TicketEvent.Kind.ASSIGNED).new_value == "joost"
    services.ticket_assign(ticket=ticket, actor=agent, assignee=agent)
    assert not agent.notifications.exists()  # no notice to yourself


def test_a_customer_reply_notifies_the_assignee_once_while_unread(reporter, agent):
    ticket = create(reporter)
    services.ticket_add_message(ticket=ticket, contact=reporter, body="Nog niet toegewezen")
    assert not AgentNotification.objects.exists()  # nobody's ticket yet: the queues show it

    services.ticket_assign(ticket=ticket, actor=agent, assignee=agent)
    services.ticket_add_message(
        ticket=ticket, contact=reporter, body="Hij piept nog steeds", now=at("2026-11-24 12:00")
    )
    services.ticket_add_message(
        ticket=ticket, contact=reporter, body="En nu ook de scanner", now=at("2026-11-24 12:05")
    )
    notice = agent.notifications.get()
    assert (notice.kind, notice.ticket_id, notice.created_at) == (
        TicketEvent.Kind.CUSTOMER_REPLIED,
        ticket.pk,
        at("2026-11-24 12:00"),
    )

    notice.read_at = at("2026-11-24 12:10")
    notice.save()
    services.ticket_add_message(ticket=ticket, contact=reporter, body="Opgelost?", now=at("2026-11-24 13:00"))
    assert agent.notifications.filter(read_at__isnull=True, kind=TicketEvent.Kind.CUSTOMER_REPLIED).count() == 1
    assert agent.notifications.count() == 2


def test_customer_replies_in_one_batch_notify_each_tickets_own_assignee(reporter, agent):
    colleague = factories.agent("joost")
    mine, theirs, nobodys = create(reporter), create(reporter), create(reporter)
    services.ticket_assign(ticket=mine, actor=agent, assignee=agent)
    services.ticket_assign(ticket=theirs, actor=agent, assignee=colleague)
    AgentNotification.objects.all().delete()  # the assignment notices
    services.messages_add(
        [
            services.NewMessage(mine, reporter, "een"),
            services.NewMessage(theirs, reporter, "twee"),
            services.NewMessage(mine, reporter, "drie"),
            services.NewMessage(nobodys, reporter, "vier"),
        ]
    )
    assert sorted(AgentNotification.objects.values_list("user__username", "ticket_id", "kind")) == sorted(
        [
            ("marloes", mine.pk, TicketEvent.Kind.CUSTOMER_REPLIED),
            ("joost", theirs.pk, TicketEvent.Kind.CUSTOMER_REPLIED),
        ]
    )


def test_close_and_reopen(reporter, agent):
    ticket = create(reporter)
    services.ticket_close(ticket=ticket, actor=agent, reason="Opgelost", now=at("2026-11-25 10:00"))
    ticket.refresh_from_db()
    assert (ticket.status, ticket.closed_at) == (Ticket.Status.CLOSED, at("2026-11-25 10:00"))
    with pytest.raises(ValidationError):
        services.ticket_reopen(ticket=ticket, actor=agent, reason="")
    services.ticket_reopen(ticket=ticket, actor=agent, reason="Weer kapot")
    ticket.refresh_from_db()
    assert (ticket.status, ticket.closed_at) == (Ticket.Status.OPEN, None)


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"minutes": 0}, "minutes"),
        ({"minutes": -5}, "minutes"),
        ({"minutes": 24 * 60 + 1}, "minutes"),
        ({"start": at("2026-11-25 12:00")}, "start"),  # in the future
        ({"kind": "lunch"}, "kind"),
    ],
)
def test_time_entry_validation_names_the_field(reporter, agent, values, field):
    ticket = create(reporter)
    entry = {"start": at("2026-11-24 11:00"), "minutes": 30, "kind": "work", **values}
    with pytest.raises(ValidationError) as error:
        services.time_entry_add(ticket=ticket, agent=agent, now=at("2026-11-24 12:00"), **entry)
    assert field in error.value.message_dict
    assert not ticket.time_entries.exists()


def test_time_entries_are_priced_by_the_policy_engine(reporter, agent):
    ticket = create(reporter, support_type="unmanaged")
    services.time_entry_add(
        ticket=ticket, agent=agent, start=at("2026-11-24 16:50"), minutes=20, now=at("2026-11-24 18:00")
    )
    services.time_entry_add(
        ticket=ticket, agent=agent, kind="travel", start=at("2026-11-24 11:00"), minutes=30, now=at("2026-11-24 18:00")
    )
    price = ticket_price(ticket)
    assert [str(line.amount) for line in price.lines] == ["32.50", "39.17"]  # ordered by start
    assert str(price.total) == "71.67"


def test_correcting_a_time_entry_is_audited_and_a_billed_one_is_locked(reporter, agent):
    ticket = create(reporter)
    entry = services.time_entry_add(
        ticket=ticket, agent=agent, start=at("2026-11-24 11:00"), minutes=30, now=at("2026-11-24 12:00")
    )
    services.time_entry_correct(entry=entry, actor=agent, reason="Typfout", minutes=45, now=at("2026-11-24 12:30"))
    corrected = ticket.events.get(kind=TicketEvent.Kind.TIME_CORRECTED)
    assert (corrected.old_value, corrected.new_value, corrected.reason) == (
        "work 2026-11-24 11:00 30 min",
        "work 2026-11-24 11:00 45 min",
        "Typfout",
    )
    from datetime import date

    from servicedesk.billing.services import billing_run_confirm, billing_run_create

    run = billing_run_create(actor=agent, period_start=date(2026, 11, 1), period_end=date(2026, 11, 30))
    billing_run_confirm(run, actor=agent, now=at("2026-12-01 09:00"))  # its line bills the entry
    with pytest.raises(ValidationError):
        services.time_entry_correct(entry=entry, actor=agent, reason="Nog eens", minutes=60)
    entry.refresh_from_db()
    assert entry.minutes == 45


def test_accepting_a_refused_report_after_authorisation(stranger, agent):
    with pytest.raises(services.ReportRefused) as refused:
        create(stranger)
    record = refused.value.refused
    with pytest.raises(ValidationError):
        services.report_accept(refused=record, contact=stranger, actor=agent)
    contact_set_rights(contact=stranger, actor=agent, may_report=True, reason="Lijst van klant")
    stranger.refresh_from_db()
    ticket = services.report_accept(refused=record, contact=stranger, actor=agent)
    record.refresh_from_db()
    assert record.accepted_ticket == ticket and record.handled_by == agent
    assert ticket.subject == "Printer doet het niet"


def test_create_runs_a_fixed_number_of_queries(reporter, django_assert_max_num_queries):
    create(reporter)  # warm caches (content types, policy)
    # 7, and the reports' summary in the same transaction: the ticket read with its figures, the day's row and the
    # month's SLA row made if missing and counted, the figures written; last the look for webhook subscriptions.
    with django_assert_max_num_queries(14):
        create(reporter, subject="Tweede")


def test_messages_are_kept_in_order(reporter, agent):
    ticket = create(reporter)
    for i in range(3):
        services.ticket_note(
            ticket=ticket, actor=agent, body=f"n{i}", now=at("2026-11-24 12:00") + timedelta(minutes=i)
        )
    assert list(Message.objects.filter(ticket=ticket, kind="note").values_list("body", flat=True)) == ["n0", "n1", "n2"]


def test_classify_sets_the_service_concerned(reporter, customer, agent):
    item = matrix_item_add(customer=customer, name="Back-up", actor=agent)
    ticket = create(reporter, support_type="unmanaged")
    changes = services.ticket_classify(
        ticket=ticket, actor=agent, reason="Back-up faalt", support_type="managed", matrix_item=item
    )
    assert ("matrix_item", "", "Back-up") in [(c.field, c.old, c.new) for c in changes]
    ticket.refresh_from_db()
    assert (ticket.matrix_item, ticket.support_type, ticket.priority) == (item, "managed", "high")
    services.ticket_classify(ticket=ticket, actor=agent, reason="Toch iets anders", priority="direct")
    ticket.refresh_from_db()
    assert ticket.matrix_item == item  # left out: kept
    other = matrix_item_add(customer=factories.customer("Ander"), name="Firewall", actor=agent)
    with pytest.raises(ValidationError):
        services.ticket_classify(ticket=ticket, actor=agent, reason="x", matrix_item=other)
