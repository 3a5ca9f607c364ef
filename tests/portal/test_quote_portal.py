"""Projects and quotes in the portal: the organisation's projects with their progress; a quote read, downloaded,
and accepted or declined by a contact who may approve quotes (recording the address); read-only for the others;
another organisation's project, quote or PDF a 404."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from servicedesk.customers.services import contact_set_rights
from servicedesk.projects import quote_services, services, tasks, time_services
from servicedesk.projects.models import Project, Quote
from tests import factories
from tests.helpers import portal_signed_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def agent():
    return factories.agent("anouk")


@pytest.fixture
def customer():
    return factories.customer("Bakkerij De Korrel")


@pytest.fixture
def anja(customer):
    return factories.contact(customer, "Anja de Vries", main=True, email="anja@korrel.example")


@pytest.fixture
def project(customer, agent, anja):
    project = services.project_create(customer=customer, name="Migratie naar 365", kind="migration", actor=agent)
    phase = services.phase_add(project=project, name="Mailboxen", actor=agent, milestone=True)
    services.task_add(project=project, phase=phase, title="Tellen", actor=agent, estimate_minutes=120)
    done = services.task_add(project=project, phase=phase, title="Verhuizen", actor=agent, estimate_minutes=480)
    services.task_set_done(project=project, task=done, done=True, actor=agent)
    return project


@pytest.fixture
def sent(project, agent):
    quote = quote_services.quote_create(
        project=project, actor=agent, billing_mode="time_and_materials", hourly_rate_cents=9500
    )
    return quote_services.quote_send(quote=quote, actor=agent)


def test_the_projects_page_shows_progress_and_the_quotes_sent(client, anja, agent, project, sent):
    portal = portal_signed_in(client, anja, agent)
    page = portal.get(reverse("portal:projects")).content.decode()
    assert "Migratie naar 365" in page and "Mailboxen" in page and "1 van 2" in page and "mijlpaal" in page
    assert "1 van 2 taken afgerond" in page
    assert f"Offerte {sent.number} (versie 1)" in page and "Geoffreerd" in page


def test_a_draft_is_not_shown_nor_opened(client, anja, agent, project):
    draft = quote_services.quote_create(project=project, actor=agent, billing_mode="fixed_price", hourly_rate_cents=1)
    portal = portal_signed_in(client, anja, agent)
    assert "Offerte" not in portal.get(reverse("portal:projects")).content.decode()
    assert portal.get(reverse("portal:quote", args=[draft.pk])).status_code == 404
    assert portal.get(reverse("portal:quote_file", args=[draft.pk])).status_code == 404


def test_accepting_records_the_address_and_is_final(client, anja, agent, project, sent):
    portal = portal_signed_in(client, anja, agent)
    page = portal.get(reverse("portal:quote", args=[sent.pk])).content.decode()
    assert "De offerte accepteren" in page and "€\xa01.149,50" in page
    pdf = portal.get(reverse("portal:quote_file", args=[sent.pk]))
    assert pdf.content.startswith(b"%PDF")
    response = portal.post(
        reverse("portal:quote_decide", args=[sent.pk]),
        {"decision": "accept", "comment": "Akkoord."},
        REMOTE_ADDR="198.51.100.23",
    )
    assert response.status_code == 302
    sent.refresh_from_db()
    assert (sent.status, sent.decided_by, sent.decided_from, sent.decision_comment) == (
        "accepted",
        anja,
        "198.51.100.23",
        "Akkoord.",
    )
    assert Project.objects.get(pk=project.pk).status == "accepted"
    anja.refresh_from_db()
    assert project.events.get(kind="quote_accepted").actor == anja.user is not None
    again = portal.post(reverse("portal:quote_decide", args=[sent.pk]), {"decision": "decline"})
    assert again.status_code == 400 and "al geaccepteerd" in again.content.decode()
    page = portal.get(reverse("portal:quote", args=[sent.pk])).content.decode()
    assert "Geaccepteerd door Anja de Vries" in page and "De offerte accepteren" not in page


def test_declining_with_a_comment(client, anja, agent, project, sent):
    portal = portal_signed_in(client, anja, agent)
    portal.post(reverse("portal:quote_decide", args=[sent.pk]), {"decision": "decline", "comment": "Te duur."})
    sent.refresh_from_db()
    assert (sent.status, sent.decision_comment) == ("declined", "Te duur.")
    assert Project.objects.get(pk=project.pk).status == "declined"


def test_past_its_validity_the_refusal_is_shown(client, anja, agent, project, sent):
    Quote.objects.filter(pk=sent.pk).update(valid_until=timezone.localdate() - timedelta(days=1))
    portal = portal_signed_in(client, anja, agent)
    page = portal.get(reverse("portal:quote", args=[sent.pk])).content.decode()
    assert "vraag ons om een nieuwe versie" in page and "De offerte accepteren" not in page
    response = portal.post(reverse("portal:quote_decide", args=[sent.pk]), {"decision": "accept"})
    assert response.status_code == 400 and "kan niet meer worden geaccepteerd" in response.content.decode()
    assert Quote.objects.get(pk=sent.pk).status == "sent"
    assert tasks.quotes_expire_task.call() == {"expired": 1}  # the worker's hourly task marks it
    assert Quote.objects.get(pk=sent.pk).status == "expired"


def test_a_contact_without_the_right_reads_but_cannot_decide(client, customer, agent, project, sent):
    bert = factories.contact(customer, "Bert", email="bert@korrel.example", may_report=True)
    from servicedesk.customers.services import contact_set_rights

    contact_set_rights(contact=bert, actor=agent, sees_all_tickets=True)
    portal = portal_signed_in(client, bert, agent)
    page = portal.get(reverse("portal:quote", args=[sent.pk])).content.decode()
    assert "Alleen een contactpersoon die offertes mag goedkeuren" in page and "De offerte accepteren" not in page
    response = portal.post(reverse("portal:quote_decide", args=[sent.pk]), {"decision": "accept"})
    assert response.status_code == 400
    assert Quote.objects.get(pk=sent.pk).status == "sent"


def test_a_contact_who_sees_only_their_own_tickets_has_no_projects(client, customer, agent, project, sent):
    carla = factories.contact(customer, "Carla", email="carla@korrel.example", may_report=True)
    portal = portal_signed_in(client, carla, agent)
    assert "Projecten" not in portal.get(reverse("portal:tickets")).content.decode()
    for url in (reverse("portal:projects"), reverse("portal:quote", args=[sent.pk])):
        assert portal.get(url).status_code == 404


def test_another_organisations_quote_and_pdf_are_a_404(agent, sent):
    other = factories.customer("Garage Dijkstra")
    olga = factories.contact(other, "Olga", main=True, email="olga@dijkstra.example")
    portal = portal_signed_in(Client(), olga, agent)
    assert "Migratie" not in portal.get(reverse("portal:projects")).content.decode()
    assert portal.get(reverse("portal:quote", args=[sent.pk])).status_code == 404
    assert portal.get(reverse("portal:quote_file", args=[sent.pk])).status_code == 404
    assert portal.post(reverse("portal:quote_decide", args=[sent.pk]), {"decision": "accept"}).status_code == 404
    assert Quote.objects.get(pk=sent.pk).status == "sent"


@pytest.mark.parametrize("size", [1, 5])
def test_the_projects_page_in_a_fixed_number_of_queries(client, anja, agent, customer, size, django_assert_num_queries):
    for i in range(size):
        project = services.project_create(customer=customer, name=f"P{i}", kind="other", actor=agent)
        services.phase_add(project=project, name="Fase", actor=agent)
        quote = quote_services.quote_create(
            project=project, actor=agent, billing_mode="fixed_price", hourly_rate_cents=1
        )
        quote_services.quote_line_add(
            quote=quote, actor=agent, kind="fixed", description="X", quantity=1, unit_price_cents=1
        )
        quote_services.quote_send(quote=quote, actor=agent)
        tm = factories.accepted_project(
            customer, agent, anja, billing_mode="time_and_materials", phases=[("Werk", 60, None)], name=f"TM{i}"
        )
        start = timezone.now() - timedelta(days=3)
        time_services.project_time_add(project=tm, agent=agent, start=start, minutes=90)
        time_services.extension_propose(project=tm, minutes=60, actor=agent)
    portal = portal_signed_in(client, anja, agent)
    portal.get(reverse("portal:projects"))
    # The session; the user with its contact; projects, phases, quotes, time as it stands, extensions.
    with django_assert_num_queries(7):
        assert portal.get(reverse("portal:projects")).status_code == 200


def test_a_superseded_quote_points_to_the_version_that_replaces_it(client, anja, agent, sent):
    second = quote_services.quote_new_version(quote=sent, actor=agent)
    portal = portal_signed_in(client, anja, agent)
    page = portal.get(reverse("portal:quote", args=[sent.pk])).content.decode()
    assert "wij sturen haar u toe" in page and "De offerte accepteren" not in page
    second = quote_services.quote_send(quote=second, actor=agent)
    page = portal.get(reverse("portal:quote", args=[sent.pk])).content.decode()
    assert f'<a href="/portal/quotes/{second.pk}/">offerte {second.number}</a>' in page


@pytest.fixture
def over_budget(customer, agent, anja):
    """Two hours' budget and three booked: one hour past it, waiting; an extension of two hours proposed."""
    project = factories.accepted_project(
        customer, agent, anja, billing_mode="time_and_materials", phases=[("Mailboxen", 120, None)]
    )
    start = timezone.now() - timedelta(days=3)
    time_services.project_time_add(project=project, agent=agent, start=start.replace(hour=10), minutes=180)
    return time_services.extension_propose(project=project, minutes=120, actor=agent, reason="Twintig mailboxen meer")


def test_an_approver_approves_an_extension_with_the_address_recorded(client, anja, agent, over_budget):
    portal = portal_signed_in(client, anja, agent)
    page = portal.get(reverse("portal:projects")).content.decode()
    assert "3 van 2 uur gebruikt (150%)" in page and "1 uur boven het budget wacht" in page
    assert "Uitbreiding met 2 uur voorgesteld" in page and "Twintig mailboxen meer" in page
    url = reverse("portal:extension_decide", args=[over_budget.pk])
    response = portal.post(url, {"decision": "accept", "comment": "Akkoord"}, REMOTE_ADDR="198.51.100.4")
    assert response.status_code == 302
    over_budget.refresh_from_db()
    assert (over_budget.status, over_budget.decided_by, over_budget.decided_from) == ("approved", anja, "198.51.100.4")
    page = portal.get(reverse("portal:projects")).content.decode()
    assert "boven het budget wacht" not in page and "2 extra uren goedgekeurd" in page
    again = portal.post(url, {"decision": "decline"})
    assert again.status_code == 400 and "al besloten" in again.content.decode()


def test_a_contact_without_the_right_cannot_approve_and_another_organisation_gets_a_404(
    client, customer, anja, agent, over_budget
):
    sees_all = factories.contact(customer, "Piet")
    contact_set_rights(contact=sees_all, actor=agent, may_report=True, sees_all_tickets=True)
    sees_all.refresh_from_db()
    portal = portal_signed_in(client, sees_all, agent)
    page = portal.get(reverse("portal:projects")).content.decode()
    assert 'value="accept"' not in page and "offertes mag goedkeuren beslist" in page
    url = reverse("portal:extension_decide", args=[over_budget.pk])
    response = portal.post(url, {"decision": "accept"})
    assert response.status_code == 400 and "U mag geen uitbreidingen goedkeuren" in response.content.decode()
    stranger = factories.contact(factories.customer("Garage Dijkstra"), "Gert", main=True)
    assert portal_signed_in(Client(), stranger, agent).post(url, {"decision": "accept"}).status_code == 404
    over_budget.refresh_from_db()
    assert (over_budget.status, over_budget.decided_by) == ("proposed", None)
