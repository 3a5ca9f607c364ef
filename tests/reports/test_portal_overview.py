"""The portal's overview of an organisation: its own SLA, tickets and hours, never another organisation's, and only
for contacts who see all of its tickets."""

from __future__ import annotations

from django.utils import timezone

from servicedesk.contracts.services import bundle_sell
from servicedesk.reports.selectors import customer_overview
from servicedesk.tickets import services
from tests import factories
from tests.helpers import portal_signed_in


def this_months_work(november):
    """Time recorded this month (the real one: the overview is read now): 45 minutes billable and 20 free (managed
    service) for De Korrel, 10 minutes for Smile."""
    t, agent = november.tickets, november.agent
    start = timezone.now().replace(second=0, microsecond=0)
    services.time_entry_add(ticket=t["late"], agent=agent, start=start, minutes=45)
    services.time_entry_add(ticket=t["managed"], agent=agent, start=start, minutes=20)
    services.time_entry_add(ticket=t["waiting"], agent=agent, start=start, minutes=10)


def test_the_overview_is_the_organisations_own(november):
    this_months_work(november)
    korrel = customer_overview(customer_id=november.korrel.pk, now=timezone.now())
    # This year (read after November 2026): in time 3; late: the October one and one of November; overdue 1.
    year = korrel.this_year
    assert (year.in_time, year.late, year.overdue, str(year.share_in_time)) == (3, 2, 1, "50.0")
    assert korrel.open_tickets == 6  # none of De Korrel's tickets is closed
    by_type = {row.key: (row.minutes, row.billable_minutes, row.free_minutes) for row in korrel.hours.rows}
    assert by_type == {"unmanaged": (45, 45, {}), "managed": (20, 0, {"managed_service": 20})}
    assert korrel.hours.unbilled == [(november.korrel.pk, "Bakkerij De Korrel", 30 + 5 + 45 + 20)]
    smile = customer_overview(customer_id=november.smile.pk, now=timezone.now())
    assert {row.key: row.minutes for row in smile.hours.rows} == {"functional": 10}
    assert smile.open_tickets == 4 and smile.this_year.best_effort == 1


def test_the_portal_page_for_a_contact_who_sees_all(client, november):
    this_months_work(november)
    anja = november.korrel.contacts.get(name="Anja")
    portal_signed_in(client, anja, november.agent)
    response = client.get("/portal/overview/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Overzicht van Bakkerij De Korrel" in html and "50,0&nbsp;%" in html
    assert "Tandartspraktijk Smile" not in html and "Bert" not in html
    assert "0,75" in html and "0,33" in html and "0,33 u (Inbegrepen bij door ons geleverde diensten)" in html
    assert 'href="/portal/overview/"' in client.get("/portal/").content.decode()


def test_a_contact_who_sees_only_their_own_tickets_has_no_overview(client, november):
    piet = factories.contact(november.korrel, "Piet", may_report=True)
    portal_signed_in(client, piet, november.agent)
    assert client.get("/portal/overview/").status_code == 404
    assert 'href="/portal/overview/"' not in client.get("/portal/").content.decode()
    client.logout()
    assert client.get("/portal/overview/").status_code == 302  # to the sign-in page


def test_the_overview_costs_a_fixed_number_of_queries(november, django_assert_num_queries):
    this_months_work(november)
    for hours in (5, 10):  # the bundles' debits are read in one query, however many bundles
        bundle_sell(customer=november.korrel, hours=hours, price_cents=30000, actor=november.agent)
    # SLA (month and year), tickets, priced work (its rows grouped, the agents' names), unbilled time, bundles and
    # their debits
    with django_assert_num_queries(7):
        customer_overview(customer_id=november.korrel.pk, now=timezone.now())
