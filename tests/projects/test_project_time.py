"""Time on a project, as on a ticket: booked (on one of its tasks), priced at the project's rate for time and
materials or recorded only for a fixed price, corrected by a new entry that replaces the old; the hour budget
watched (80 %, 100 %, once each), extensions proposed and approved once by who may; milestones reached once."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from servicedesk.projects import services, time_services
from servicedesk.projects.event_text import event_sentence
from servicedesk.projects.models import BudgetExtension, BudgetWarning, ProjectEvent, ProjectTimeEntry
from servicedesk.projects.pricing import budget_state, current_entries, project_price
from tests import factories

pytestmark = pytest.mark.django_db
AMS = ZoneInfo("Europe/Amsterdam")
NOW = datetime(2026, 12, 7, 9, 0, tzinfo=AMS)  # a Monday
LATER = NOW + timedelta(days=1)
TM, FIXED = "time_and_materials", "fixed_price"


@pytest.fixture
def tm(customer, agent, main_contact):
    """Ten hours' budget at €95 an hour."""
    return factories.accepted_project(
        customer, agent, main_contact, billing_mode=TM, phases=[("Mailboxen", 600, None)], now=NOW
    )


@pytest.fixture
def fixed(customer, agent, main_contact):
    """€950 (10 hours at €95) in two phases; the first a milestone of 40 %, the second a milestone of its lines."""
    return factories.accepted_project(
        customer,
        agent,
        main_contact,
        billing_mode=FIXED,
        phases=[("Inventarisatie", 360, Decimal("40")), ("Rapport", 240, 0)],
        name="Inventarisatie",
        now=NOW,
    )


def _book(project, agent, hour: int, minutes: int, **extra):
    start = datetime(2026, 12, 7, hour, 0, tzinfo=AMS)
    return time_services.project_time_add(
        project=project, agent=agent, start=start, minutes=minutes, now=NOW + timedelta(hours=12), **extra
    )


def _sentences(project, since: int) -> list[str]:
    with translation.override("nl"):
        return [event_sentence(e) for e in project.events.order_by("at", "id")][since:]


def test_time_on_a_task_of_a_time_and_materials_project_is_priced_at_its_rate(tm, agent):
    task = tm.phases.get().tasks.get()
    entry = _book(tm, agent, 10, 50, task=task, description="Mailboxen verhuisd")
    entries = current_entries(tm)
    price = project_price(tm, entries)
    assert entries == [entry] and entry.task == task
    assert [(line.billed_minutes, line.amount_cents) for line in price.lines] == [(60, 9500)]
    assert _sentences(tm, -1) == ["Tijd geregistreerd: work 2026-12-07 10:00 50 min (Mailboxen)."]


def test_time_on_a_fixed_price_project_is_recorded_not_priced(fixed, agent):
    _book(fixed, agent, 10, 90)
    assert project_price(fixed, current_entries(fixed)) is None
    assert [e.minutes for e in current_entries(fixed)] == [90]


def test_a_task_of_another_project_or_customer_is_refused_and_nothing_written(tm, agent, other_customer, main_contact):
    other = services.project_create(customer=other_customer, name="Elders", kind="other", actor=agent)
    phase = services.phase_add(project=other, name="Fase", actor=agent)
    foreign = services.task_add(project=other, phase=phase, title="Niet van jou", actor=agent)
    events = ProjectEvent.objects.count()
    with pytest.raises(ValidationError) as refused:
        _book(tm, agent, 10, 30, task=foreign)
    assert "task" in refused.value.message_dict
    assert "ander project" in refused.value.message_dict["task"][0]
    assert (ProjectTimeEntry.objects.count(), ProjectEvent.objects.count()) == (0, events)


def test_bad_time_is_refused_naming_the_field(tm, agent):
    with pytest.raises(ValidationError) as refused:
        _book(tm, agent, 10, 0)
    assert set(refused.value.message_dict) == {"minutes"}
    assert not ProjectTimeEntry.objects.exists()


def test_a_correction_is_a_new_entry_replacing_the_old_which_is_kept(tm, agent):
    old = _book(tm, agent, 10, 50)
    new = time_services.project_time_correct(
        entry=old,
        actor=agent,
        reason="Was korter",
        kind="work",
        start=old.start,
        minutes=20,
        description="",
        now=NOW + timedelta(hours=13),
    )
    old.refresh_from_db()
    assert (old.minutes, new.minutes, new.corrects) == (50, 20, old)
    assert current_entries(tm) == [new]
    assert _sentences(tm, -1) == [
        "Tijdregistratie gecorrigeerd van work 2026-12-07 10:00 50 min in work 2026-12-07 10:00 20 min."
    ]
    with pytest.raises(ValidationError, match="al gecorrigeerd"):
        time_services.project_time_correct(
            entry=old,
            actor=agent,
            reason="Nog eens",
            kind="work",
            start=old.start,
            minutes=10,
            description="",
            now=LATER,
        )
    with pytest.raises(ValidationError) as refused:
        time_services.project_time_correct(
            entry=new, actor=agent, reason=" ", kind="work", start=old.start, minutes=10, description="", now=LATER
        )
    assert set(refused.value.message_dict) == {"reason"}
    assert ProjectTimeEntry.objects.count() == 2


def test_the_lead_is_told_at_80_and_100_percent_once_each(tm, agent):
    _book(tm, agent, 9, 420)  # 7 of 10 hours
    assert not BudgetWarning.objects.exists()
    _book(tm, agent, 16, 60)  # 8 h: into the evening band, but the budget counts hours
    assert list(BudgetWarning.objects.values_list("share", "user")) == [("4/5", agent.pk)]
    _book(tm, agent, 13, 60)  # 9 h: told already
    assert BudgetWarning.objects.count() == 1
    _book(tm, agent, 14, 120)  # 11 h: past the budget
    assert sorted(BudgetWarning.objects.values_list("share", flat=True)) == ["1", "4/5"]
    _book(tm, agent, 8, 15)
    assert BudgetWarning.objects.count() == 2
    sentences = [s for s in _sentences(tm, 0) if "budget gebruikt" in s]
    assert sentences == [
        "80 % van het urenbudget gebruikt; projectleider anouk ingelicht.",
        "100 % van het urenbudget gebruikt; projectleider anouk ingelicht.",
    ]


def test_time_past_the_budget_awaits_an_approved_extension(tm, agent, main_contact):
    _book(tm, agent, 9, 540)  # 9 h
    _book(tm, agent, 13, 180)  # 12 h: 2 past the budget
    state = lambda: budget_state(  # noqa: E731
        tm,
        current_entries(tm),
        project_price(tm, current_entries(tm)),
        extension_minutes=time_services.approved_extension_minutes(tm),
    )
    assert (state().used_minutes, state().awaiting_minutes, state().budget_cents) == (720, 120, 95000)
    extension = time_services.extension_propose(
        project=tm, minutes=180, actor=agent, reason="Extra mailboxen", now=NOW + timedelta(hours=20)
    )
    assert state().awaiting_minutes == 120  # proposed is not approved
    time_services.extension_decide(
        extension=extension, contact=main_contact, approve=True, address="192.0.2.9", now=NOW + timedelta(days=1)
    )
    extension.refresh_from_db()
    assert (extension.status, extension.decided_by, extension.decided_from) == ("approved", main_contact, "192.0.2.9")
    assert state().awaiting_minutes == 0
    assert _sentences(tm, -1) == ["Uitbreiding met 3 uur goedgekeurd door Anja de Vries (vanaf adres 192.0.2.9)."]


def test_an_extension_is_decided_once_and_only_by_who_may(tm, agent, customer, main_contact, other_customer):
    extension = time_services.extension_propose(project=tm, minutes=120, actor=agent)
    with pytest.raises(ValidationError, match="wacht al"):
        time_services.extension_propose(project=tm, minutes=60, actor=agent)
    may_not = factories.contact(customer, "Piet Zonder Recht")
    stranger = factories.contact(other_customer, "Vreemde", main=True)
    events = ProjectEvent.objects.count()
    for contact, message in ((may_not, "mag geen uitbreidingen"), (stranger, "andere organisatie")):
        with pytest.raises(ValidationError, match=message):
            time_services.extension_decide(extension=extension, contact=contact, approve=True, address=None)
    extension.refresh_from_db()
    assert (extension.status, extension.decided_by, ProjectEvent.objects.count()) == ("proposed", None, events)
    time_services.extension_decide(extension=extension, contact=main_contact, approve=False, address=None)
    with pytest.raises(ValidationError, match="al besloten"):
        time_services.extension_decide(extension=extension, contact=main_contact, approve=True, address=None)
    assert BudgetExtension.objects.get().status == "declined"


def test_only_a_time_and_materials_project_is_extended(fixed, agent):
    with pytest.raises(ValidationError, match="nacalculatieproject"):
        time_services.extension_propose(project=fixed, minutes=60, actor=agent)
    for minutes in (0, -60):
        with pytest.raises(ValidationError) as refused:
            time_services.extension_propose(project=fixed, minutes=minutes, actor=agent)
        assert set(refused.value.message_dict) == {"hours"}


def test_a_milestone_is_reached_once_with_its_share_of_the_fixed_price(fixed, agent):
    first, second = fixed.phases.order_by("position")
    reached = time_services.milestone_reach(project=fixed, phase=first, actor=agent, now=NOW)
    assert (reached.share_cents, reached.reached_by) == (38000, agent)  # 40 % of €950
    assert _sentences(fixed, -1) == ["Mijlpaal Inventarisatie bereikt; €\xa0380,00 wacht op de volgende factuurrun."]
    events = ProjectEvent.objects.count()
    with pytest.raises(ValidationError, match="al als bereikt"):
        time_services.milestone_reach(project=fixed, phase=first, actor=agent)
    assert ProjectEvent.objects.count() == events
    assert time_services.milestone_reach(project=fixed, phase=second, actor=agent).share_cents == 38000  # 4 h


def test_a_milestone_of_another_project_or_a_plain_phase_is_refused(fixed, tm, agent):
    with pytest.raises(ValidationError, match="ander project"):
        time_services.milestone_reach(project=fixed, phase=tm.phases.get(), actor=agent)
    with pytest.raises(ValidationError, match="geen mijlpaal"):
        time_services.milestone_reach(project=tm, phase=tm.phases.get(), actor=agent)
