"""The desk's pages through Django's test client: access, every action, and pinned query counts."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from servicedesk.customers.services import matrix_item_add
from servicedesk.outbox.models import OutgoingMessage
from servicedesk.tickets import services
from servicedesk.tickets.models import RefusedReport, Ticket, TicketEvent
from tests import factories

pytestmark = pytest.mark.django_db


def test_anonymous_users_are_sent_to_the_login(client):
    response = client.get("/desk/")
    assert response.status_code == 302
    assert response["Location"].startswith("/desk/login/")


def test_non_agents_never_see_the_desk(client, django_user_model):
    user = django_user_model.objects.create_user("klant", password="x-secret-123")
    client.force_login(user)
    assert client.get("/desk/").status_code == 404
    assert client.get("/desk/customers/").status_code == 404


def test_login_and_rate_limit(client, agent):
    for _ in range(5):
        response = client.post("/desk/login/", {"username": "anouk", "password": "wrong"})
        assert response.status_code == 200
    response = client.post("/desk/login/", {"username": "anouk", "password": "s3cret-pass"})
    assert "Te veel mislukte aanmeldpogingen" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_login_works(client, agent):
    response = client.post("/desk/login/", {"username": "anouk", "password": "s3cret-pass"})
    assert response.status_code == 302 and response["Location"] == "/desk/"


@pytest.mark.parametrize("queue", ["open", "unassigned", "mine", "due_soon", "breached", "waiting", "closed", "all"])
def test_queues_render(desk, ticket, queue):
    response = desk.get(reverse("desk:queue", args=[queue]))
    assert response.status_code == 200


def test_queue_lists_open_tickets_in_dutch(desk, ticket):
    html = desk.get("/desk/queue/open/").content.decode()
    assert "Printer doet het niet" in html
    assert "Open tickets" in html or "Openstaande tickets" in html
    assert "Bakkerij De Korrel" in html


def test_queue_keyset_pagination(desk, main_contact):
    base = timezone.now() - timedelta(days=2)
    for i in range(55):
        services.ticket_create(
            reporter=main_contact,
            subject=f"Melding {i:02d}",
            body="",
            channel="email",
            support_type="functional",
            now=base + timedelta(minutes=i),
        )
    first = desk.get("/desk/queue/open/")
    page = first.context["page"]
    assert len(page.tickets) == 50 and page.next_cursor
    second = desk.get("/desk/queue/open/", {"after": page.next_cursor})
    rest = second.context["page"]
    assert len(rest.tickets) == 5 and rest.next_cursor is None
    seen = [t.pk for t in page.tickets] + [t.pk for t in rest.tickets]
    assert len(set(seen)) == 55
    dues = [t.response_due for t in page.tickets + rest.tickets]
    assert dues == sorted(dues)
    for mangled in ("nonsense", "2026-13-45T99:00|1", "2026-11-24T10:00|x"):  # a bad link starts at the top
        response = desk.get("/desk/queue/open/", {"after": mangled})
        assert response.status_code == 200 and response.context["page"].tickets == page.tickets


def test_search_finds_subject_and_message_words(desk, ticket, main_contact):
    services.ticket_add_message(ticket=ticket, contact=main_contact, body="De toner is leeg en de lade klemt.")
    other = services.ticket_create(reporter=main_contact, subject="Wachtwoord vergeten", body="", channel="email")
    assert [t.pk for t in desk.get("/desk/queue/all/", {"q": "toner"}).context["page"].tickets] == [ticket.pk]
    assert [t.pk for t in desk.get("/desk/queue/all/", {"q": "print"}).context["page"].tickets] == [ticket.pk]
    assert [t.pk for t in desk.get("/desk/queue/all/", {"q": "wachtwoord"}).context["page"].tickets] == [other.pk]
    assert [t.pk for t in desk.get("/desk/queue/all/", {"q": f"#{other.pk}"}).context["page"].tickets] == [other.pk]
    assert desk.get("/desk/queue/all/", {"q": "\"' OR 1=1 --"}).status_code == 200


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("printer toner", True),  # one word in the subject, one in a later message
        ("toner lade", True),  # both in one message
        ("piept klemt", True),  # in two different messages
        ("toner wachtwoord", False),  # the second word is only in another ticket
        ("toner broodrooster", False),
    ],
)
def test_search_words_may_be_spread_over_subject_and_messages(desk, ticket, main_contact, query, found):
    services.ticket_add_message(ticket=ticket, contact=main_contact, body="De toner is leeg en de lade klemt.")
    services.ticket_create(reporter=main_contact, subject="Wachtwoord vergeten", body="", channel="email")
    tickets = [t.pk for t in desk.get("/desk/queue/all/", {"q": query}).context["page"].tickets]
    assert tickets == ([ticket.pk] if found else [])


def test_ticket_page_shows_classification_and_deadline(desk, ticket):
    html = desk.get(reverse("desk:ticket", args=[ticket.pk])).content.decode()
    assert "Printer doet het niet" in html and "Hij piept." in html
    assert "€\xa065,00" in html  # unmanaged standard rate
    assert "Reactie uiterlijk" in html


def test_classify_moves_the_deadline(desk, ticket):
    response = desk.post(
        reverse("desk:classify", args=[ticket.pk]),
        {"support_type": "unmanaged", "priority": "direct", "reason": "Hele kantoor plat"},
    )
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.priority == "direct"
    assert ticket.events.filter(kind=TicketEvent.Kind.CLASSIFIED, field="priority").exists()


def test_classify_without_reason_shows_the_problem(desk, ticket):
    response = desk.post(reverse("desk:classify", args=[ticket.pk]), {"support_type": "unmanaged", "priority": "high"})
    assert response.status_code == 400
    assert response.context["classify_form"].errors["reason"]
    ticket.refresh_from_db()
    assert ticket.priority == "standard"


def test_respond_reply_note_assign_status(desk, ticket, agent):
    url = lambda name: reverse(f"desk:{name}", args=[ticket.pk])  # noqa: E731
    assert desk.post(url("respond"), {"diagnosis": "Toner leeg"}).status_code == 302
    assert desk.post(url("reply"), {"body": "Nieuwe toner komt", "wait_for_customer": "on"}).status_code == 302
    assert desk.post(url("note"), {"body": "Bestelling 4411"}).status_code == 302
    assert desk.post(url("assign"), {"assignee": agent.pk}).status_code == 302
    assert desk.post(url("status"), {"status": "closed", "reason": "Opgelost"}).status_code == 302
    ticket.refresh_from_db()
    assert (ticket.diagnosis, ticket.assignee, ticket.status) == ("Toner leeg", agent, Ticket.Status.CLOSED)
    assert OutgoingMessage.objects.filter(kind=OutgoingMessage.Kind.REPLY, body__contains="Nieuwe toner").exists()
    html = desk.get(url("ticket")).content.decode()
    assert "Bestelling 4411" in html  # the note is on the agents' page


def test_time_entry_with_live_price_preview(desk, ticket):
    preview = desk.post(
        reverse("desk:preview_time", args=[ticket.pk]),
        {"kind": "work", "start": "2026-11-24T16:50", "minutes": "20"},
        headers={"HX-Request": "true"},
    )
    html = preview.content.decode()
    assert "€\xa039,17" in html
    assert "avond" in html  # the evening band
    entry = {"kind": "work", "start": "2026-11-24T16:50", "minutes": "20", "description": "Toner"}
    flagged = desk.post(reverse("desk:add_time", args=[ticket.pk]), entry)
    assert flagged.status_code == 400 and "niet vooraf gemeld" in flagged.content.decode()  # evening, not told
    response = desk.post(reverse("desk:add_time", args=[ticket.pk]), {**entry, "without_notice": "on"})
    assert response.status_code == 302
    assert ticket.time_entries.get().minutes == 20


def test_time_entry_in_the_dst_gap_is_refused_with_a_clear_message(desk, ticket):
    response = desk.post(
        reverse("desk:add_time", args=[ticket.pk]), {"kind": "work", "start": "2026-03-29T02:30", "minutes": "20"}
    )
    assert response.status_code == 400
    assert "bestaat niet" in response.content.decode()
    assert not ticket.time_entries.exists()


def test_time_entry_correction(desk, ticket, agent):
    entry = services.time_entry_add(
        ticket=ticket, agent=agent, start=timezone.now() - timedelta(minutes=40), minutes=30
    )
    url = reverse("desk:correct_time", args=[ticket.pk, entry.pk])
    assert desk.get(url).status_code == 200
    start = timezone.localtime(entry.start).strftime("%Y-%m-%dT%H:%M")
    response = desk.post(url, {"kind": "work", "start": start, "minutes": "45", "reason": "Vergeten"})
    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.minutes == 45


def test_phone_intake_finds_the_caller_by_number(desk, main_contact):
    response = desk.get("/desk/phone/", {"q": "0307116193"}, headers={"HX-Request": "true"})
    assert "Anja de Vries" in response.content.decode()


def test_phone_intake_creates_a_phone_ticket_and_shows_the_surcharge(desk, main_contact):
    page = desk.get(reverse("desk:caller", args=[main_contact.pk]), {"support_type": "functional"}).content.decode()
    assert "15 minuten extra" in page and "€\xa016,25" in page
    response = desk.post(
        reverse("desk:caller", args=[main_contact.pk]),
        {
            "contact": main_contact.pk,
            "support_type": "functional",
            "priority": "standard",
            "subject": "Wachtwoord",
            "description": "Vergeten",
        },
    )
    ticket = Ticket.objects.get()
    assert response["Location"] == reverse("desk:ticket", args=[ticket.pk])
    assert (ticket.channel, ticket.reporter) == ("phone", main_contact)


def test_a_refused_caller_gets_no_ticket_and_the_call_is_recorded(desk, customer, agent):
    stranger = factories.contact(customer, "Kees Bakker")
    page = desk.get(reverse("desk:caller", args=[stranger.pk])).content.decode()
    assert "mag geen meldingen doen" in page.lower() or "may not report" in page.lower()
    response = desk.post(reverse("desk:refuse_call", args=[stranger.pk]), {"subject": "Mail doet raar"})
    assert response.status_code == 302
    assert not Ticket.objects.exists()
    report = RefusedReport.objects.get()
    assert (report.contact, report.channel, report.recorded_by) == (stranger, "phone", agent)


def test_customer_page_edits_rights(desk, customer, main_contact, agent):
    contact = factories.contact(customer, "Bert")
    assert desk.get(reverse("desk:customer", args=[customer.pk])).status_code == 200
    response = desk.post(
        reverse("desk:contact_rights", args=[contact.pk]),
        {f"c{contact.pk}-may_report": "on", f"c{contact.pk}-reason": "Mail directie"},
    )
    assert response.status_code == 302
    contact.refresh_from_db()
    assert contact.may_report and not contact.may_raise_priority
    assert customer.changes.filter(field="may_report", actor=agent, reason="Mail directie").exists()


def test_refused_report_accepted_as_ticket(desk, customer, main_contact):
    report = services.report_refuse(
        channel="email", sender="onbekend@elders.example", reason="unknown_sender", subject="Help"
    )
    assert desk.get("/desk/refused/").status_code == 200
    response = desk.post(reverse("desk:accept_refused", args=[report.pk]), {"contact": main_contact.pk})
    ticket = Ticket.objects.get()
    assert response["Location"] == reverse("desk:ticket", args=[ticket.pk])


def test_matrix_shown_on_customer_page(desk, customer, agent):
    matrix_item_add(customer=customer, name="Firewall", actor=agent)
    assert "Firewall" in desk.get(reverse("desk:customer", args=[customer.pk])).content.decode()


def test_english_is_available(desk, ticket):
    desk.post("/i18n/setlang/", {"language": "en", "next": "/desk/"})
    html = desk.get(reverse("desk:ticket", args=[ticket.pk])).content.decode()
    assert "Response due" in html and "Conversation" in html


# -- query counts: no N+1 ---------------------------------------------------------------


def _busy_ticket(contact, agent, n: int):
    ticket = services.ticket_create(
        reporter=contact,
        subject="Druk ticket",
        body="Begin",
        channel="phone",
        support_type="functional",
        now=timezone.now() - timedelta(days=1),
    )
    for i in range(n):
        services.ticket_note(ticket=ticket, actor=agent, body=f"notitie {i}")
        services.ticket_reply(ticket=ticket, actor=agent, body=f"antwoord {i}")
        services.time_entry_add(
            ticket=ticket, agent=agent, start=timezone.now() - timedelta(hours=5, minutes=i), minutes=10 + i
        )
    return ticket


@pytest.mark.parametrize("size", [1, 10])
def test_ticket_page_query_count_does_not_grow(desk, main_contact, agent, size, django_assert_num_queries):
    ticket = _busy_ticket(main_contact, agent, size)
    desk.get(reverse("desk:ticket", args=[ticket.pk]))  # warm caches
    # The session and the agent; the ticket (with the project it is linked to and its contract's service levels),
    # its messages, their attachments, its trail and its time entries; the Cc list, the mail sent.
    with django_assert_num_queries(9):
        assert desk.get(reverse("desk:ticket", args=[ticket.pk])).status_code == 200


@pytest.mark.parametrize(("name", "queries"), [("reply", 3), ("note", 3), ("rate", 3), ("time", 3), ("classify", 4)])
def test_a_folded_form_comes_alone_and_cheap(desk, ticket, name, queries, django_assert_num_queries):
    url = reverse("desk:folded_form", args=[ticket.pk, name])
    desk.get(url, headers={"HX-Request": "true"})
    with django_assert_num_queries(queries):  # the session, the agent, the ticket; classify its service matrix
        response = desk.get(url, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert response.status_code == 200
    assert html.startswith("<form") and "<html" not in html
    assert f'action="/desk/tickets/{ticket.pk}/' in html and "csrfmiddlewaretoken" in html


def test_without_htmx_a_folded_form_opens_on_the_ticket_page(desk, ticket):
    page = desk.get(reverse("desk:folded_form", args=[ticket.pk, "time"])).content.decode()
    assert "<html" in page and 'id="time-form"' in page
    assert page.count('<details class="action" open>') == 1
    assert f'hx-get="/desk/tickets/{ticket.pk}/forms/reply/"' in page


def test_an_unknown_folded_form_is_not_found(desk, ticket):
    assert desk.get(reverse("desk:folded_form", args=[ticket.pk, "nope"])).status_code == 404
    assert desk.get(reverse("desk:folded_form", args=[999999, "reply"])).status_code == 404


def test_the_ticket_page_folds_its_forms_away(desk, ticket):
    page = desk.get(reverse("desk:ticket", args=[ticket.pk])).content.decode()
    for name in ("reply", "note", "rate", "time", "classify"):
        assert f'hx-get="/desk/tickets/{ticket.pk}/forms/{name}/" hx-trigger="toggle once"' in page
    assert 'id="time-form"' not in page and 'name="assignee"' in page  # assign, status and respond stay on the page


@pytest.mark.parametrize("size", [2, 20])
def test_queue_query_count_does_not_grow(desk, main_contact, size, django_assert_num_queries):
    for i in range(size):
        services.ticket_create(reporter=main_contact, subject=f"T{i}", body="", channel="email")
    desk.get("/desk/queue/open/")
    with django_assert_num_queries(7):  # the session first
        assert desk.get("/desk/queue/open/").status_code == 200


def test_assigning_to_someone_who_is_no_agent_is_refused(desk, ticket, django_user_model):
    customer_user = django_user_model.objects.create_user("klant2", password="x-secret-123")
    response = desk.post(reverse("desk:assign", args=[ticket.pk]), {"assignee": customer_user.pk})
    assert response.status_code == 400
    ticket.refresh_from_db()
    assert ticket.assignee is None


def _chosen(page: str, name: str) -> str:
    """The value of the option chosen in the select `name` of a page."""
    select = page.split(f'name="{name}"', 1)[1].split("</select>", 1)[0]
    return select.split(" selected>", 1)[0].rsplit('<option value="', 1)[1].split('"', 1)[0]


def test_each_ticket_page_shows_its_own_assignee_and_status(desk, main_contact, agent):
    """The open forms are kept as rendered: a second ticket, or the same one changed, never shows another's choice."""
    bram = factories.agent("bram")
    first, second = (
        services.ticket_create(reporter=main_contact, subject=s, body="", channel="email") for s in ("Een", "Twee")
    )
    services.ticket_assign(ticket=second, assignee=bram, actor=agent)
    services.ticket_set_status(ticket=second, status=Ticket.Status.WAITING, actor=agent)
    page = lambda t: desk.get(reverse("desk:ticket", args=[t.pk])).content.decode()  # noqa: E731
    one, two = page(first), page(second)
    assert (_chosen(one, "assignee"), _chosen(one, "status")) == ("", Ticket.Status.NEW)
    assert (_chosen(two, "assignee"), _chosen(two, "status")) == (str(bram.pk), Ticket.Status.WAITING)
    assert "bram" in one and "Behandelaar" in one  # every agent to choose from, labels in Dutch

    services.ticket_assign(ticket=first, assignee=agent, actor=agent)
    assert _chosen(page(first), "assignee") == str(agent.pk)
    desk.post("/i18n/setlang/", {"language": "en", "next": "/desk/"})
    english = page(first)
    assert "Assignee" in english and "Behandelaar" not in english and _chosen(english, "assignee") == str(agent.pk)


def test_a_form_that_came_back_shows_its_problem_not_the_kept_one(desk, ticket, django_user_model):
    desk.get(reverse("desk:ticket", args=[ticket.pk]))  # the open forms kept
    customer_user = django_user_model.objects.create_user("klant3", password="x-secret-123")
    response = desk.post(reverse("desk:assign", args=[ticket.pk]), {"assignee": customer_user.pk})
    assert response.status_code == 400
    page = response.content.decode()
    assert "errorlist" in page.split('name="assignee"')[0].rsplit("<form", 1)[1]  # its problem, next to the field


@pytest.mark.parametrize(
    ("language", "shown"),
    [
        ("nl", {"new": "Nieuw", "open": "Open", "waiting": "Wacht op klant", "closed": "Gesloten"}),
        ("en", {"new": "New", "open": "Open", "waiting": "Waiting for customer", "closed": "Closed"}),
    ],
)
def test_queue_rows_show_their_own_status_and_link(desk, main_contact, language, shown):
    tickets = {}
    for status in shown:
        ticket = services.ticket_create(
            reporter=main_contact,
            subject=f"Ticket {status}",
            body="Hij piept.",
            channel="email",
            support_type="unmanaged",
            now=timezone.now() - timedelta(hours=1),
        )
        Ticket.objects.filter(pk=ticket.pk).update(status=status)
        tickets[status] = ticket
    desk.cookies["django_language"] = language
    html = desk.get("/desk/queue/all/").content.decode()
    for status, label in shown.items():
        url = reverse("desk:ticket", args=[tickets[status].pk])
        row = html[html.index(f'<a href="{url}">{tickets[status].pk}</a>') :].split("</tr>", 1)[0]
        assert f'<a href="{url}">Ticket {status}</a>' in row
        assert f"<td>{label}</td>" in row
