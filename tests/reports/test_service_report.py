"""The monthly service report (PDF): a customer's SLA, tickets and hours of the month, nothing of another
organisation; in the desk for any customer, in the portal for one's own organisation only."""

from __future__ import annotations

from servicedesk.reports.arithmetic import month_period
from servicedesk.reports.service_report import service_report_context, service_report_pdf
from tests import factories
from tests.helpers import REPORTS_READ_AT as NOW
from tests.helpers import pdf_text, portal_signed_in

NOVEMBER = month_period(2026, 11)


def test_the_report_holds_the_customers_month_and_nothing_else(november, tmp_path):
    context = service_report_context(customer=november.korrel, period=NOVEMBER, now=NOW)
    assert [t.subject for t in context["tickets"]] == ["in_time", "late", "managed", "fair_use", "overdue"]
    assert context["sla"].total.tickets == 5 and context["sla"].total.late == 1
    text = pdf_text(service_report_pdf(customer=november.korrel, period=NOVEMBER, now=NOW), tmp_path, layout=True)
    assert "Servicerapport Bakkerij De Korrel" in text and "november 2026" in text
    for subject in ("in_time", "late", "managed", "fair_use", "overdue"):
        assert subject in text
    for other in ("Tandartspraktijk Smile", "breached_then_answered", "best_effort", "waiting", "october"):
        assert other not in text
    assert "Aantal tickets" in text  # the chart, as text
    assert "Inbegrepen bij door ons geleverde diensten" in text and "Fair use" in text


def test_in_english(november, tmp_path):
    text = pdf_text(
        service_report_pdf(customer=november.smile, period=NOVEMBER, now=NOW, language="en"), tmp_path, layout=True
    )
    assert "Service report Tandartspraktijk Smile" in text and "best effort" in text
    assert "Bakkerij De Korrel" not in text


def test_the_desk_and_the_portal_serve_it(client, november):
    client.force_login(november.agent)
    sla = client.get(f"/desk/reports/sla/?period=month&month=2026-11&customer={november.korrel.pk}").content.decode()
    url = f"/desk/reports/service/{november.korrel.pk}/2026/11/"
    assert url in sla
    response = client.get(url)
    assert response["Content-Type"] == "application/pdf" and response.content.startswith(b"%PDF")
    assert client.get(f"/desk/reports/service/{november.korrel.pk}/2026/13/").status_code == 404
    client.logout()
    bert = november.smile.contacts.get(name="Bert")
    portal_signed_in(client, bert, november.agent)
    mine = client.get("/portal/overview/report/2026/11/")
    assert mine.status_code == 200 and mine.content.startswith(b"%PDF")
    assert client.get(url).status_code == 404  # the desk's address is no way in
    piet = factories.contact(november.smile, "Piet", may_report=True)
    client.logout()
    portal_signed_in(client, piet, november.agent)
    assert client.get("/portal/overview/report/2026/11/").status_code == 404  # sees only their own tickets
