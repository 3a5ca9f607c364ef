"""The desk's dashboard and the SLA report pages: figures against the month of known answers, query counts pinned,
the CSV formula-safe, and a stable URL for each view."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from servicedesk.customers.services import customer_update
from servicedesk.oncall.models import Shift
from servicedesk.reports.selectors import desk_dashboard
from servicedesk.tickets import services
from tests import factories
from tests.helpers import REPORTS_READ_AT as NOW
from tests.helpers import local as at


def busy(november):
    t, agent = november.tickets, november.agent
    services.ticket_close(ticket=t["october"], actor=agent, now=at("2026-10-29T12:00"))
    services.ticket_close(ticket=t["in_time"], actor=agent, now=at("2026-11-06T10:00"))
    for key in ("waiting", "overdue"):
        services.ticket_assign(ticket=t[key], actor=agent, assignee=agent, now=at("2026-11-27T17:00"))
    Shift.objects.create(
        agent=agent, phone="+31612345678", starts_at=NOW - timedelta(hours=3), ends_at=NOW + timedelta(hours=5)
    )


def test_the_dashboard_figures_are_the_known_answers(november):
    busy(november)
    figures = desk_dashboard(user=november.agent, now=NOW)
    assert [t.subject for t in figures.my_tickets] == ["overdue", "waiting"]  # by deadline
    assert (figures.my_open, figures.due_soon, figures.breached) == (2, 0, 1)
    assert figures.this_month.share_in_time == Decimal("57.1")  # 4 in time of 7 known (November)
    assert figures.last_month.share_in_time == Decimal("0.0")  # October: one, late
    assert [count for _, count in figures.backlog] == [0, 0, 0, 0, 0, 0, 1, 1, 2, 6, 6, 8]
    assert figures.backlog[-1][0] == NOW
    assert figures.unbilled_minutes == 35
    assert [shift.agent for shift in figures.on_call] == [november.agent]


def test_the_dashboard_is_the_desk_home_in_a_fixed_number_of_queries(client, november, django_assert_num_queries):
    busy(november)
    now = timezone.now()
    Shift.objects.create(agent=november.agent, phone="+31612345679", starts_at=now, ends_at=now + timedelta(hours=1))
    client.force_login(november.agent)
    client.get("/desk/")  # the session's first request
    # Session and user; the dashboard's six (my tickets, the queues' counts, two months of SLA, unbilled time, the
    # backlog, who is on call); the navigation's four, counted afresh on the home page as on the queues.
    with django_assert_num_queries(12):
        response = client.get("/desk/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "<h1>Overzicht</h1>" in html and 'class="sparkline"' in html
    assert "Niemand heeft dienst" not in html and "anouk" in html
    assert client.get("/desk/queue/open/").status_code == 200  # the queue keeps its URL


def test_the_sla_page_has_chart_table_and_drill_down_links(client, november):
    client.force_login(november.agent)
    url = "/desk/reports/sla/?period=month&month=2026-11&group=customer"
    html = client.get(url).content.decode()
    assert '<svg xmlns="http://www.w3.org/2000/svg"' in html and 'role="img"' in html
    assert "Bakkerij De Korrel" in html and "Tandartspraktijk Smile" in html
    # Read after 2 December 2026 (the page's clock is the real one): the waiting ticket is overdue by now.
    assert "50,0&nbsp;%" in html  # the total's share, Dutch: 4 in time of 8 known
    assert "Totaal" in html and "Op tijd gereageerd" in html
    assert f"key={november.korrel.pk}&amp;outcome=late" in html
    drill = client.get(
        f"/desk/reports/sla/tickets/?period=month&month=2026-11&group=customer&key={november.korrel.pk}&outcome=late"
    )
    assert f"#{november.tickets['late'].pk} late" in drill.content.decode()
    assert client.get("/desk/reports/sla/tickets/?outcome=nonsense").status_code == 404
    assert client.get("/desk/reports/sla/tickets/?group=month&key=2026-99&outcome=late").status_code == 404


def test_the_same_url_gives_the_same_view_and_a_wrong_one_the_current_month(client, november):
    client.force_login(november.agent)
    url = "/desk/reports/sla/?period=year&year=2026&group=month"
    first, again = (client.get(url).content.decode().partition("<main>")[2] for _ in range(2))
    assert first == again and "oktober 2026" in first and "november 2026" in first
    wrong = client.get("/desk/reports/sla/?period=custom&start=2026-11-30&end=2026-11-01").content.decode()
    assert "De laatste dag valt op of na de eerste." in wrong
    assert timezone.localdate().strftime("%Y") in wrong


def test_the_csv_download(client, november):
    customer_update(customer=november.korrel, actor=november.agent, name='=HYPERLINK("https://evil")')
    client.force_login(november.agent)
    response = client.get("/desk/reports/sla/csv/?period=month&month=2026-11&group=customer")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="sla-2026-11-01-2026-11-30-customer.csv"'
    lines = response.content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("Rij;Tickets;Op tijd gereageerd;Te laat gereageerd;")
    korrel = next(line for line in lines if "HYPERLINK" in line)
    assert korrel.startswith("\"'=HYPERLINK(")  # inert in a spreadsheet
    # Read after 2 December 2026: the waiting ticket is overdue too. Median 4.5 h, p90 26 h, in minutes.
    assert lines[-1] == "Totaal;9;4;2;2;2;1;1;50,0;270;1560"


def test_only_agents_see_reports(client, november, django_user_model):
    assert client.get("/desk/reports/sla/").status_code == 302
    client.force_login(django_user_model.objects.create_user("klant", password="x-secret-123"))
    assert client.get("/desk/reports/sla/").status_code == 404
    assert client.get("/desk/reports/sla/csv/").status_code == 404
    client.force_login(factories.agent())
    assert client.get("/desk/reports/sla/").status_code == 200


def test_a_chart_of_many_rows_shows_the_largest_and_the_table_all(client, november, monkeypatch):
    from servicedesk.desk.views import reports as report_views

    monkeypatch.setattr(report_views, "CHART_ROWS", 1)
    client.force_login(november.agent)
    html = client.get("/desk/reports/sla/?period=month&month=2026-11&group=customer").content.decode()
    chart, _, table = html.partition('<svg xmlns="http://www.w3.org/2000/svg"')[2].partition("</svg>")
    shown = [name for name in ("Bakkerij De Korrel", "Tandartspraktijk Smile") if name in chart]
    assert len(shown) == 1  # the customer with the most tickets alone
    assert "De 1 regels met de meeste tickets van 2; de tabel bevat ze allemaal." in html
    assert "Bakkerij De Korrel" in table and "Tandartspraktijk Smile" in table


def test_charted_keeps_small_tables_whole_and_takes_the_largest_of_long_ones():
    from types import SimpleNamespace

    from servicedesk.desk.views.reports import CHART_ROWS, charted

    rows = [SimpleNamespace(n=n) for n in range(CHART_ROWS)]
    assert charted(rows, lambda row: row.n) == rows  # as many as fit: all, in the table's order
    rows.append(SimpleNamespace(n=-1))
    largest = charted(rows, lambda row: row.n)
    assert [row.n for row in largest] == list(range(CHART_ROWS - 1, -1, -1))
