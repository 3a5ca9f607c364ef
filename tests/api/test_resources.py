"""The API's resources, each write through the desk's service: what they answer and what they record."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from servicedesk.billing.services import billing_run_confirm, billing_run_create
from servicedesk.customers.models import CustomerChange
from servicedesk.customers.services import matrix_item_add
from servicedesk.tickets import services
from servicedesk.tickets.models import RefusedReport, Ticket
from tests import factories

pytestmark = pytest.mark.django_db
AMS = ZoneInfo("Europe/Amsterdam")


def test_customers_contacts_and_matrix_read(api, customer, main_contact, agent):
    item = matrix_item_add(customer=customer, name="Kassasysteem", actor=agent)
    listed = api.get("/customers").json()
    assert [(c["id"], c["name"], c["main_contact_id"]) for c in listed] == [
        (customer.pk, "Bakkerij De Korrel", main_contact.pk)
    ]
    contacts = api.get(f"/customers/{customer.pk}/contacts").json()
    assert contacts[0]["phones"] == ["+31307116193"]
    assert contacts[0]["may_report"] is True
    assert api.get(f"/customers/{customer.pk}/services").json()[0]["id"] == item.pk


def test_another_customers_contact_is_not_found_under_this_customer(api, customer, main_contact):
    other = factories.customer("Fietsenmaker Spaak")
    stranger = factories.contact(other, "Piet")
    assert api.get(f"/customers/{customer.pk}/contacts/{stranger.pk}").status_code == 404
    response = api.post(f"/customers/{customer.pk}/contacts/{stranger.pk}/rights", {"may_report": True})
    assert response.status_code == 404
    assert response.json() == {"errors": [{"field": None, "problem": response.json()["errors"][0]["problem"]}]}
    stranger.refresh_from_db()
    assert stranger.may_report is False


def test_contact_rights_change_through_the_service_and_are_recorded(api, customer, main_contact, agent):
    contact = factories.contact(customer, "Kees")
    response = api.post(
        f"/customers/{customer.pk}/contacts/{contact.pk}/rights", {"may_report": True, "reason": "Nieuwe beheerder"}
    )
    assert response.status_code == 200, response.content
    assert response.json()["may_report"] is True and response.json()["may_raise_priority"] is False
    change = CustomerChange.objects.get(contact=contact, field="may_report")
    assert (change.actor, change.reason, change.new_value) == (agent, "Nieuwe beheerder", change.new_value)


def test_ticket_list_filters_and_keyset_pages(api, customer, main_contact, agent):
    now = timezone.now()
    made = [
        services.ticket_create(
            reporter=main_contact, subject=f"Storing {i}", body="", channel="email", now=now - timedelta(minutes=i)
        )
        for i in range(5)
    ]
    other = factories.contact(factories.customer("Spaak"), main=True)
    services.ticket_create(reporter=other, subject="Elders", body="", channel="email", now=now)
    services.ticket_assign(ticket=made[0], actor=agent, assignee=agent)
    seen, cursor = [], None
    while True:
        params = {"customer_id": customer.pk, "limit": 2, **({"cursor": cursor} if cursor else {})}
        page = api.get("/tickets", **params).json()
        seen += [t["id"] for t in page["tickets"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    expected = list(
        Ticket.objects.filter(customer=customer).order_by("response_due", "id").values_list("pk", flat=True)
    )
    assert seen == expected and len(seen) == 5
    mine = api.get("/tickets", queue="mine").json()["tickets"]
    assert [t["id"] for t in mine] == [made[0].pk]
    assert mine[0]["assignee_id"] == agent.pk and mine[0]["customer_name"] == "Bakkerij De Korrel"
    assert (mine[0]["assignee_name"], mine[0]["reporter_name"]) == (agent.username, main_contact.name)
    agent.first_name, agent.last_name = "Anouk", "de Vries"
    agent.save()
    assert api.get("/tickets", queue="mine").json()["tickets"][0]["assignee_name"] == "Anouk de Vries"
    unassigned = api.get("/tickets", queue="unassigned", customer_id=customer.pk).json()["tickets"]
    assert len(unassigned) == 4 and {(t["assignee_id"], t["assignee_name"]) for t in unassigned} == {(None, None)}
    assert [t["id"] for t in api.get("/tickets", assignee_id=agent.pk).json()["tickets"]] == [made[0].pk]
    assert api.get("/tickets", status="closed").json()["tickets"] == []
    bad = api.get("/tickets", cursor="nonsense")
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "cursor"
    bad = api.get("/tickets", status="lost")
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "status"


def test_a_ticket_reads_with_messages_events_and_priced_time(api, ticket, agent):
    services.ticket_note(ticket=ticket, actor=agent, body="Toner besteld.")
    start = timezone.now().replace(second=0, microsecond=0) - timedelta(minutes=30)
    services.time_entry_add(ticket=ticket, agent=agent, start=start, minutes=20)
    body = api.get(f"/tickets/{ticket.pk}").json()
    assert [m["kind"] for m in body["messages"]] == ["incoming", "note"]
    assert body["messages"][1]["author"] == "anouk"
    assert "created" in [e["kind"] for e in body["events"]]
    [entry] = body["time_entries"]
    assert entry["minutes"] == 20 and entry["price"]["billed_minutes"] >= 20
    assert body["total"] == entry["price"]["amount"]
    assert api.get("/tickets/999999").status_code == 404


def test_create_reply_note_classify_assign_status_respond(api, customer, main_contact, agent, mailoutbox):
    created = api.post(
        "/tickets",
        {"contact_id": main_contact.pk, "subject": "Wifi valt weg", "body": "Sinds vanochtend.", "channel": "phone"},
    )
    assert created.status_code == 201, created.content
    ticket = Ticket.objects.get(pk=created.json()["id"])
    assert (ticket.reporter, ticket.channel, ticket.events.get(kind="created").actor) == (main_contact, "phone", agent)
    t = f"/tickets/{ticket.pk}"
    assert api.post(f"{t}/replies", {"body": "We kijken ernaar."}).json()["kind"] == "reply"
    assert api.post(f"{t}/notes", {"body": "Router vervangen?"}).json()["kind"] == "note"
    classified = api.post(f"{t}/classification", {"reason": "Storing", "support_type": "unmanaged", "priority": "high"})
    assert classified.status_code == 200, classified.content
    assert (classified.json()["support_type"], classified.json()["priority"]) == ("unmanaged", "high")
    assert api.post(f"{t}/assignment", {"assignee_id": agent.pk}).json()["assignee_id"] == agent.pk
    assert api.post(f"{t}/response", {"diagnosis": "Accesspoint defect"}).json()["responded_at"] is not None
    assert api.post(f"{t}/status", {"status": "closed"}).json()["status"] == "closed"
    reopen = api.post(f"{t}/status", {"status": "open"})
    assert reopen.status_code == 400 and reopen.json()["errors"] == [
        {"field": "reason", "problem": reopen.json()["errors"][0]["problem"]}
    ]
    assert api.post(f"{t}/status", {"status": "open", "reason": "Weer stuk"}).json()["status"] == "open"
    kinds = list(ticket.events.values_list("kind", flat=True))
    for kind in ("replied", "noted", "classified", "assigned", "responded", "status"):
        assert kind in kinds


def test_a_contact_who_may_not_report_is_refused_and_the_attempt_recorded(api, customer, main_contact):
    contact = factories.contact(customer, "Stagiair")
    response = api.post("/tickets", {"contact_id": contact.pk, "subject": "Hoi", "body": "", "channel": "email"})
    assert response.status_code == 403
    assert not Ticket.objects.filter(reporter=contact).exists()
    refused = RefusedReport.objects.get(contact=contact)
    assert api.get(f"/refused-reports/{refused.pk}").json()["reason"] == "not_authorised"
    assert [r["id"] for r in api.get("/refused-reports").json()["reports"]] == [refused.pk]


def test_time_entry_with_price_preview_list_and_correction(api, ticket, agent):
    start = datetime(2026, 11, 24, 10, 0)  # a Tuesday morning, local time
    created = api.post(f"/tickets/{ticket.pk}/time-entries", {"start": start.isoformat(), "minutes": 20})
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["ticket_total_before"] == "0.00"
    assert body["entry"]["price"]["billed_minutes"] == 30
    assert body["ticket_total_after"] == body["entry"]["price"]["amount"] != "0.00"
    entry = ticket.time_entries.get()
    assert entry.start == start.replace(tzinfo=AMS) and entry.agent == agent
    listed = api.get(f"/tickets/{ticket.pk}/time-entries").json()
    assert [e["id"] for e in listed] == [entry.pk]
    no_reason = api.post(f"/tickets/{ticket.pk}/time-entries/{entry.pk}/corrections", {"reason": "", "minutes": 40})
    assert no_reason.status_code == 400 and no_reason.json()["errors"][0]["field"] == "reason"
    fixed = api.post(f"/tickets/{ticket.pk}/time-entries/{entry.pk}/corrections", {"reason": "Typo", "minutes": 40})
    assert fixed.status_code == 200 and fixed.json()["minutes"] == 40
    assert ticket.events.filter(kind="time_corrected", reason="Typo").exists()
    future = api.post(f"/tickets/{ticket.pk}/time-entries", {"start": "2199-01-01T10:00", "minutes": 20})
    assert future.status_code == 400 and future.json()["errors"][0]["field"] == "start"


def test_an_entry_of_another_ticket_is_not_found_under_this_one(api, ticket, main_contact, agent):
    other = services.ticket_create(reporter=main_contact, subject="Ander", body="", channel="email")
    entry = services.time_entry_add(
        ticket=other, agent=agent, start=timezone.now() - timedelta(hours=1), minutes=15, now=timezone.now()
    )
    response = api.post(f"/tickets/{ticket.pk}/time-entries/{entry.pk}/corrections", {"reason": "x", "minutes": 30})
    assert response.status_code == 404


def test_whatif_deadline_and_price(api):
    deadline = api.post(
        "/whatif/deadline", {"support_type": "functional", "priority": "standard", "reported": "2026-11-24T11:00"}
    )
    assert deadline.json()["response_due"] == "2026-11-27T11:00:00+01:00"
    price = api.post(
        "/whatif/price",
        {
            "support_type": "unmanaged",
            "priority": "standard",
            "entries": [{"kind": "work", "start": "2026-11-24T16:50", "minutes": 20}],
        },
    )
    assert price.json()["total"] == "39.17"
    bad = api.post("/whatif/deadline", {"support_type": "x", "priority": "standard", "reported": "2026-11-24T11:00"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "support_type"


@pytest.fixture
def invoice():
    biller = factories.biller("fatima")
    customer = factories.customer("Korrel", street="Dorpsstraat 12", postal_code="3581 AB", city="Utrecht")
    customer.vat_number = "NL123456789B01"
    customer.save()
    contact = factories.contact(customer, "Anja", main=True)
    ticket = services.ticket_create(
        reporter=contact, subject="Printer", body="", channel="email", support_type="unmanaged",
        now=datetime(2026, 11, 23, 9, tzinfo=AMS),
    )  # fmt: skip
    start = datetime(2026, 11, 24, 10, tzinfo=AMS)
    services.time_entry_add(ticket=ticket, agent=biller, start=start, minutes=50, now=start)
    now = datetime(2026, 12, 2, 10, tzinfo=AMS)
    run = billing_run_create(actor=biller, period_start=date(2026, 11, 1), period_end=date(2026, 11, 30), now=now)
    [made] = billing_run_confirm(run, actor=biller, now=now)
    return biller, made


def test_invoices_for_the_billing_role_with_their_files(make_api, invoice):
    biller, made = invoice
    api = make_api(biller, scopes=["read", "billing"])
    assert [i["number"] for i in api.get("/invoices").json()["invoices"]] == [made.number]
    detail = api.get(f"/invoices/{made.pk}").json()
    assert detail["total_cents"] == made.total_cents and len(detail["lines"]) == 1
    # Nothing prepaid: all of it is to be paid; the line is a ticket's.
    assert (detail["prepaid_cents"], detail["prepaid_vat_cents"], detail["payable_cents"]) == (0, 0, made.total_cents)
    assert detail["lines"][0]["ticket_id"] and detail["lines"][0]["contract_line_id"] is None
    assert detail["lines"][0]["prepaid_cents"] == 0
    pdf = api.get(f"/invoices/{made.pk}/pdf")
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    csv = api.get(f"/invoices/{made.pk}/csv", decimal="point")
    assert csv["Content-Type"].startswith("text/csv") and b"datum;tijd" in csv.content
    ubl = api.get(f"/invoices/{made.pk}/ubl")
    assert ubl["Content-Type"] == "application/xml" and made.number.encode() in ubl.content


def test_invoices_need_the_billing_scope_and_the_billing_role(make_api, invoice):
    biller, made = invoice
    assert make_api(biller, scopes=["read"]).get(f"/invoices/{made.pk}").status_code == 403
    # A token made while the agent had the role keeps working only while the agent has it.
    api = make_api(biller, scopes=["billing"])
    biller.user_permissions.clear()
    assert api.get(f"/invoices/{made.pk}").status_code == 404
    assert api.get(f"/invoices/{made.pk}/pdf").status_code == 404
    assert api.get("/invoices").status_code == 404
