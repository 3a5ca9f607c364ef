"""The desk's quote builder on the project page: draw up, add and remove lines, send, new version, the PDF; a
quote or line of another project is a 404; a refusal is shown, nothing written."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from servicedesk.outbox.models import OutgoingMessage
from servicedesk.projects import quote_services, services
from servicedesk.projects.models import Quote, QuoteLine

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk(client, agent):
    client.force_login(agent)
    return client


@pytest.fixture
def estimated(project, agent):
    phase = services.phase_add(project=project, name="Mailboxen", actor=agent)
    services.task_add(project=project, phase=phase, title="Verhuizen", actor=agent, estimate_minutes=600)
    return phase


def _page(desk, project) -> str:
    return desk.get(reverse("desk:project", args=[project.pk])).content.decode()


def test_build_and_send_a_quote_on_the_project_page(desk, project, estimated, main_contact):
    assert "Een offerte maken" in _page(desk, project)
    response = desk.post(
        reverse("desk:quote_create", args=[project.pk]),
        {"billing_mode": "time_and_materials", "hourly_rate": "95.00", "validity_days": "30", "submission": "k1"},
    )
    assert response.status_code == 302
    quote = Quote.objects.get()
    assert (quote.hourly_rate_cents, quote.total_cents) == (9500, 114950)  # 10 h x €95 + 21 % VAT
    response = desk.post(
        reverse("desk:quote_line_add", args=[project.pk, quote.pk]),
        {"kind": "travel", "description": "Voorrijden", "quantity": "2", "unit_price": "32.50", "submission": "k2"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    travel = QuoteLine.objects.get(description="Voorrijden")
    page = _page(desk, project)
    assert "Voorrijden" in page and "Versturen mailt haar met de PDF aan:" in page and "Anja de Vries" in page
    desk.post(reverse("desk:quote_line_remove", args=[project.pk, quote.pk, travel.pk]))
    assert not QuoteLine.objects.filter(pk=travel.pk).exists()
    response = desk.post(reverse("desk:quote_send", args=[project.pk, quote.pk]), follow=True)
    assert "Offerte Q20" in response.content.decode() and "verstuurd." in response.content.decode()
    quote.refresh_from_db()
    assert quote.status == "sent" and OutgoingMessage.objects.filter(kind="quote").count() == 1
    pdf = desk.get(reverse("desk:quote_file", args=[project.pk, quote.pk]))
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    assert f'filename="offerte-{quote.number}.pdf"' in pdf["Content-Disposition"]
    desk.post(reverse("desk:quote_new_version", args=[project.pk, quote.pk]))
    quote.refresh_from_db()
    assert quote.status == "superseded" and Quote.objects.filter(version=2, status="draft").exists()
    page = _page(desk, project)
    assert "Vervangen" in page and "Concept" in page


def test_a_bad_line_is_shown_on_its_field(desk, project, estimated, agent):
    quote = quote_services.quote_create(project=project, actor=agent, billing_mode="fixed_price", hourly_rate_cents=1)
    response = desk.post(
        reverse("desk:quote_line_add", args=[project.pk, quote.pk]),
        {"kind": "fixed", "description": "Licentie", "quantity": "0", "unit_price": "10"},
    )
    assert response.status_code == 400
    assert quote.lines.count() == 1


def test_sending_without_anyone_to_approve_says_so(desk, project, estimated, agent):
    quote = quote_services.quote_create(project=project, actor=agent, billing_mode="fixed_price", hourly_rate_cents=1)
    response = desk.post(reverse("desk:quote_send", args=[project.pk, quote.pk]), follow=True)
    assert "mag offertes goedkeuren" in response.content.decode()
    quote.refresh_from_db()
    assert quote.status == "draft"


def test_a_quote_or_line_of_another_project_is_a_404(desk, project, estimated, agent, other_customer):
    other = services.project_create(customer=other_customer, name="Ander", kind="other", actor=agent)
    foreign = quote_services.quote_create(project=other, actor=agent, billing_mode="fixed_price", hourly_rate_cents=1)
    line = quote_services.quote_line_add(
        quote=foreign, actor=agent, kind="fixed", description="X", quantity=Decimal(1), unit_price_cents=1
    )
    mine = quote_services.quote_create(project=project, actor=agent, billing_mode="fixed_price", hourly_rate_cents=1)
    for url in (
        reverse("desk:quote_send", args=[project.pk, foreign.pk]),
        reverse("desk:quote_new_version", args=[project.pk, foreign.pk]),
        reverse("desk:quote_line_remove", args=[project.pk, mine.pk, line.pk]),
        reverse("desk:quote_line_remove", args=[project.pk, foreign.pk, line.pk]),
    ):
        assert desk.post(url).status_code == 404, url
    assert desk.get(reverse("desk:quote_file", args=[project.pk, foreign.pk])).status_code == 404
    assert QuoteLine.objects.filter(pk=line.pk).exists() and Quote.objects.get(pk=foreign.pk).status == "draft"
    response = desk.post(
        reverse("desk:quote_line_add", args=[project.pk, mine.pk]),
        {"kind": "phase_hours", "phase": estimated.pk + 1000, "description": "X", "quantity": "1", "unit_price": "1"},
    )
    assert response.status_code == 400  # a phase not of this project is no choice


def test_the_admin_shows_quotes_and_changes_none(client, django_user_model, project, estimated, agent):
    quote = quote_services.quote_create(project=project, actor=agent, billing_mode="fixed_price", hourly_rate_cents=1)
    client.force_login(django_user_model.objects.create_superuser("admin", "admin@desk.example", "adm1n-secret"))
    assert client.get("/admin/projects/quote/").status_code == 200
    assert client.get(f"/admin/projects/quote/{quote.pk}/change/").status_code == 200  # a view
    assert client.post(f"/admin/projects/quote/{quote.pk}/delete/", {"post": "yes"}).status_code == 403
    assert Quote.objects.filter(pk=quote.pk).exists()
