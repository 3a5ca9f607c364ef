"""The workload report against the month of known answers: tickets opened, closed and open per week, by channel and
type; refused reports by reason; mail held or quarantined."""

from __future__ import annotations

from servicedesk.reports.arithmetic import month_period, year_period
from servicedesk.reports.selectors import workload_report
from servicedesk.tickets import services
from servicedesk.tickets.models import Ticket
from tests.helpers import REPORTS_READ_AT as NOW
from tests.helpers import local as at

NOVEMBER = month_period(2026, 11)


def close_two(november):
    t, agent = november.tickets, november.agent
    services.ticket_close(ticket=t["october"], actor=agent, now=at("2026-10-29T12:00"))
    services.ticket_close(ticket=t["in_time"], actor=agent, now=at("2026-11-06T10:00"))


def test_known_answers_per_week_and_channel(november):
    close_two(november)
    report = workload_report(period=NOVEMBER, by="channel", now=NOW)
    assert [(s.first.day, s.last.day) for s in report.steps] == [(1, 1), (2, 8), (9, 15), (16, 22), (23, 29), (30, 30)]
    assert report.totals(report.opened) == [0, 2, 4, 1, 2, 0]
    assert report.totals(report.closed) == [0, 1, 0, 0, 0, 0]
    assert report.totals(report.open_at_end) == [0, 1, 5, 6, 8, 8]  # the last at now, Monday noon
    assert {k: sum(v) for k, v in report.opened.items()} == {"email": 7, "portal": 1, "phone_after_hours": 1}
    assert report.refused == {("not_authorised", "phone"): 1, ("unknown_sender", "email"): 2}
    assert report.mail == {"held": 1, "quarantined": 1}


def test_by_type_over_a_year_per_month(november):
    close_two(november)
    report = workload_report(period=year_period(2026), by="support_type", now=NOW)
    assert len(report.steps) == 12
    assert report.totals(report.opened)[9:11] == [1, 9]  # October, November
    assert report.totals(report.open_at_end)[9:] == [0, 8, 8]  # October's closed; December: now
    by_type = {k: sum(v) for k, v in report.opened.items()}
    assert by_type == {"functional": 6, "unmanaged": 3, "managed": 1}


def test_every_figure_equals_a_recount_from_the_rows(november):
    close_two(november)
    report = workload_report(period=NOVEMBER, by="support_type", now=NOW)
    rows = list(Ticket.objects.all())
    for i, step in enumerate(report.steps):
        start, end = step.bounds(NOW.tzinfo)
        end_or_now = min(end, NOW)
        for key in {t.support_type for t in rows}:
            mine = [t for t in rows if t.support_type == key]
            assert report.opened.get(key, [0] * 6)[i] == sum(start <= t.reported_at < end for t in mine)
            assert report.closed.get(key, [0] * 6)[i] == sum(
                bool(t.closed_at) and start <= t.closed_at < end for t in mine
            )
            still_open = sum(
                t.reported_at < end_or_now and (t.closed_at is None or t.closed_at >= end_or_now) for t in mine
            )
            assert report.open_at_end.get(key, [0] * 6)[i] == still_open


def test_the_workload_page_and_csv(client, november, django_assert_max_num_queries):
    close_two(november)
    client.force_login(november.agent)
    client.get("/desk/")
    with django_assert_max_num_queries(12):
        html = client.get("/desk/reports/workload/?period=month&month=2026-11&by=channel").content.decode()
    assert 'id="workload-chart-title"' in html and "Geopend" in html
    assert "Onbekende afzender" in html and "Vastgehouden" in html
    lines = (
        client.get("/desk/reports/workload/csv/?period=month&month=2026-11&by=channel")
        .content.decode("utf-8-sig")
        .splitlines()
    )
    assert lines[0].startswith("Periode;Geopend;Gesloten;Open aan het eind;Geopend: ")
    assert [line.split(";")[1:4] for line in lines[1:]] == [
        ["0", "0", "0"],
        ["2", "1", "1"],
        ["4", "0", "5"],
        ["1", "0", "6"],
        ["2", "0", "8"],
        ["0", "0", "8"],
    ]
