"""Time, budget and milestones on the desk's project page: booked with the ticket's form and its live price,
a crafted task id refused by name, corrected on a page of its own, an extension proposed, a milestone marked
reached, the list filtered to projects over budget."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from servicedesk.billing.services import billing_run_confirm, billing_run_create
from servicedesk.projects import services, time_services
from servicedesk.projects.models import BudgetExtension, ProjectEvent, ProjectTimeEntry
from tests import factories

pytestmark = pytest.mark.django_db


def _start(hour: int = 10) -> str:
    """A Friday in office hours, in the past."""
    return f"2026-12-04T{hour:02d}:00"


@pytest.fixture
def tm(customer, agent, main_contact):
    return factories.accepted_project(
        customer, agent, main_contact, billing_mode="time_and_materials", phases=[("Mailboxen", 120, None)]
    )


@pytest.fixture
def fixed(customer, agent, main_contact):
    return factories.accepted_project(
        customer,
        agent,
        main_contact,
        billing_mode="fixed_price",
        phases=[("Inventarisatie", 600, Decimal("25"))],
        name="Inventarisatie",
    )


def test_time_booked_on_a_task_through_the_page_with_a_live_price(desk, tm):
    task = tm.phases.get().tasks.get()
    form = {"kind": "work", "start": _start(), "minutes": "50", "description": "Verhuisd", "task": task.pk}
    preview = desk.post(reverse("desk:project_time_preview", args=[tm.pk]), form).content.decode()
    assert "€\xa095,00" in preview and "Projecttotaal" in preview and "60" in preview
    response = desk.post(reverse("desk:project_time_add", args=[tm.pk]), {**form, "submission": "t-1"})
    assert response.status_code == 302
    again = desk.post(reverse("desk:project_time_add", args=[tm.pk]), {**form, "submission": "t-1"})
    assert again.status_code == 302 and ProjectTimeEntry.objects.get().task == task  # once per submission
    page = desk.get(reverse("desk:project", args=[tm.pk])).content.decode()
    assert 'id="time-total">€\xa095,00' in page and 'id="budget-hours">1 / 2 h (50%)' in page


def test_a_crafted_task_id_of_another_customers_project_is_refused_by_name(desk, tm, agent):
    other = services.project_create(
        customer=factories.customer("Garage Dijkstra"), name="Elders", kind="other", actor=agent
    )
    phase = services.phase_add(project=other, name="Fase", actor=agent)
    foreign = services.task_add(project=other, phase=phase, title="Niet van jou", actor=agent)
    events = ProjectEvent.objects.count()
    form = {"kind": "work", "start": _start(), "minutes": "30", "task": foreign.pk}
    response = desk.post(reverse("desk:project_time_add", args=[tm.pk]), form)
    assert response.status_code == 400
    assert "Deze taak hoort bij een ander project" in response.content.decode()
    missing = desk.post(reverse("desk:project_time_add", args=[tm.pk]), {**form, "task": 999_999})
    assert missing.status_code == 400 and "Deze taak bestaat niet" in missing.content.decode()
    assert (ProjectTimeEntry.objects.count(), ProjectEvent.objects.count()) == (0, events)


def test_fixed_price_time_is_previewed_as_recorded_not_billed(desk, fixed):
    form = {"kind": "work", "start": _start(), "minutes": "50"}
    preview = desk.post(reverse("desk:project_time_preview", args=[fixed.pk]), form).content.decode()
    assert "Geregistreerd, niet gefactureerd" in preview and "€" not in preview


def test_a_correction_through_its_page_replaces_the_entry(desk, tm, agent):
    entry = time_services.project_time_add(
        project=tm, agent=agent, start=timezone.now() - timedelta(hours=2), minutes=50
    )
    url = reverse("desk:project_time_correct", args=[tm.pk, entry.pk])
    assert desk.get(url).status_code == 200
    form = {"kind": "work", "start": _start(11), "minutes": "20", "description": "", "reason": "Korter"}
    assert desk.post(url, form).status_code == 302
    assert desk.post(url, form).status_code == 404  # replaced: only its latest version can be corrected
    assert list(ProjectTimeEntry.objects.order_by("id").values_list("minutes", "corrects")) == [
        (50, None),
        (20, entry.pk),
    ]


def test_an_extension_proposed_and_a_milestone_reached_from_the_page(desk, tm, fixed):
    response = desk.post(
        reverse("desk:project_extension_propose", args=[tm.pk]), {"hours": "1.5", "reason": "Meer mailboxen"}
    )
    assert response.status_code == 302
    assert BudgetExtension.objects.get().minutes == 90
    refused = desk.post(reverse("desk:project_extension_propose", args=[tm.pk]), {"hours": "0"})
    assert refused.status_code == 400 and BudgetExtension.objects.count() == 1
    phase = fixed.phases.get()
    url = reverse("desk:project_milestone_reach", args=[fixed.pk, phase.pk])
    assert desk.post(url).status_code == 302
    phase.refresh_from_db()
    assert phase.share_cents == 23750  # 25 % of 10 h at €95
    desk.post(url)
    page = desk.get(reverse("desk:project", args=[fixed.pk])).content.decode()
    assert "al als bereikt gemarkeerd" in page and "wacht op de volgende factuurrun" in page
    other_phase = tm.phases.get()
    assert desk.post(reverse("desk:project_milestone_reach", args=[fixed.pk, other_phase.pk])).status_code == 404


def test_the_list_filters_projects_over_budget(desk, tm, fixed, agent):
    time_services.project_time_add(project=tm, agent=agent, start=timezone.now() - timedelta(hours=4), minutes=180)
    page = desk.get(reverse("desk:projects"), {"over_budget": "on"}).content.decode()
    assert tm.name in page and fixed.name not in page
    assert "3 / 2" in page
    everything = desk.get(reverse("desk:projects")).content.decode()
    assert tm.name in everything and fixed.name in everything


def test_the_lead_reads_budget_warnings_among_the_notifications(desk, tm, agent):
    time_services.project_time_add(project=tm, agent=agent, start=timezone.now() - timedelta(hours=4), minutes=120)
    page = desk.get(reverse("desk:notifications")).content.decode()
    assert "80% van het urenbudget gebruikt" in page and "100% van het urenbudget gebruikt" in page
    assert desk.post(reverse("desk:notifications_read")).status_code == 302
    assert not tm.budget_warnings.filter(read_at=None).exists()


def test_a_billed_milestone_shows_its_invoice(desk, fixed, agent):
    phase = fixed.phases.get()
    time_services.milestone_reach(project=fixed, phase=phase, actor=agent)
    today = timezone.localdate()
    run = billing_run_create(actor=agent, period_start=today.replace(day=1), period_end=today)
    (invoice,) = billing_run_confirm(run, actor=agent)
    page = desk.get(reverse("desk:project", args=[fixed.pk])).content.decode()
    assert f"gefactureerd op factuur {invoice.number}" in page
    assert page.count("wacht op de volgende factuurrun") == 1  # the trail's sentence of when it was reached
