"""The customer portal: invitation and sign-in, reporting with the priorities a contact may use, following
tickets, replying with files; and never anything of another organisation."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from servicedesk.outbox.models import OutgoingMessage
from servicedesk.portal.services import portal_invite
from servicedesk.tickets import services
from servicedesk.tickets.models import AgentNotification, Ticket, TicketEvent
from tests import factories
from tests.helpers import PORTAL_PASSWORD as PASSWORD
from tests.helpers import link_of
from tests.helpers import portal_account as account
from tests.helpers import portal_signed_in as signed_in

pytestmark = pytest.mark.django_db
AMS = ZoneInfo("Europe/Amsterdam")


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def agent():
    return factories.agent("anouk")


@pytest.fixture
def korrel():
    customer = factories.customer("Bakkerij De Korrel")
    from servicedesk.customers.services import matrix_item_add

    matrix_item_add(customer=customer, name="Microsoft 365", actor=None)
    return customer


@pytest.fixture
def anja(korrel):
    return factories.contact(korrel, "Anja de Vries", main=True, email="anja@korrel.example")


@pytest.fixture
def bert(korrel):
    return factories.contact(korrel, "Bert Bakker", email="bert@korrel.example", may_report=True)


@pytest.fixture
def other_org():
    customer = factories.customer("Tandartspraktijk Wit")
    piet = factories.contact(customer, "Piet", main=True, email="piet@wit.example")
    return piet


def test_invitation_link_sets_the_password_once(client, anja, agent):
    outgoing = portal_invite(contact=anja, actor=agent)
    assert outgoing.kind == "invitation" and outgoing.to_address == "anja@korrel.example"
    assert "klantportaal" in outgoing.body  # Dutch by default
    page = client.get(link_of(outgoing), follow=True)
    form_url = page.redirect_chain[-1][0]
    assert "new_password1" in page.content.decode()
    response = client.post(form_url, {"new_password1": PASSWORD, "new_password2": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/portal/"  # signed in
    assert "Anja de Vries" in client.get("/portal/").content.decode()
    client.post("/portal/logout/")
    again = client.get(link_of(outgoing), follow=True)
    assert "verlopen of al gebruikt" in again.content.decode()
    assert client.post("/portal/login/", {"email": "ANJA@korrel.example", "password": PASSWORD}).status_code == 302
    assert "Anja de Vries" in client.get("/portal/").content.decode()
    assert anja.changes.filter(field="portal", new_value="invited").exists()


def test_an_expired_link_does_not_work(client, anja, agent, monkeypatch):
    outgoing = portal_invite(contact=anja, actor=agent)
    later = datetime.now() + timedelta(days=4)
    monkeypatch.setattr(PasswordResetTokenGenerator, "_now", lambda self: later)
    page = client.get(link_of(outgoing), follow=True)
    assert "verlopen of al gebruikt" in page.content.decode()


def test_only_contacts_who_may_report_are_invited(korrel, agent):
    from django.core.exceptions import ValidationError

    carla = factories.contact(korrel, "Carla", email="carla@korrel.example", may_report=False)
    with pytest.raises(ValidationError):
        portal_invite(contact=carla, actor=agent)


def test_withdrawing_the_right_to_report_ends_access_at_once(client, anja, agent):
    from servicedesk.customers.services import contact_set_rights

    signed_in(client, anja, agent)
    assert client.get("/portal/").status_code == 200
    contact_set_rights(contact=anja, actor=agent, may_report=False, reason="vertrokken")
    response = client.get("/portal/")
    assert response.status_code == 302 and response["Location"].startswith("/portal/login/")
    assert client.post("/portal/login/", {"email": anja.email, "password": PASSWORD}).status_code == 200


def test_a_right_withdrawn_while_a_report_is_sent_ends_the_session_and_records_the_attempt(
    client, anja, agent, monkeypatch
):
    """The request was let in (the access check saw the right), the report itself meets the withdrawn right."""
    from servicedesk.customers.services import contact_set_rights
    from servicedesk.tickets.models import RefusedReport

    signed_in(client, anja, agent)
    contact_set_rights(contact=anja, actor=agent, may_report=False, reason="vertrokken")
    monkeypatch.setattr("servicedesk.portal.access.may_use_portal", lambda contact: True)  # checked just before
    tickets = Ticket.objects.count()
    response = client.post(
        "/portal/tickets/new/", {"about": "question", "priority": "standard", "subject": "Printer", "body": "Vast."}
    )
    assert response.status_code == 302 and response["Location"].startswith("/portal/login/")
    assert Ticket.objects.count() == tickets
    assert RefusedReport.objects.filter(contact=anja, subject="Printer").count() == 1
    monkeypatch.undo()
    assert client.get("/portal/").status_code == 302  # signed out


def test_agents_do_not_use_the_portal(client, agent):
    response = client.post("/portal/login/", {"email": agent.email, "password": "s3cret-pass"})
    assert response.status_code == 200 and "_auth_user_id" not in client.session
    client.force_login(agent)
    assert client.get("/portal/").status_code == 302


def test_sign_in_is_rate_limited(client, anja, agent):
    account(anja, agent)
    for _ in range(5):
        client.post("/portal/login/", {"email": anja.email, "password": "wrong"})
    page = client.post("/portal/login/", {"email": anja.email, "password": PASSWORD})
    assert page.status_code == 200 and "Te veel mislukte" in page.content.decode()


def test_a_contact_never_invited_gets_the_invitation_link_from_forgot_password(client, anja, bert):
    assert anja.user_id is None
    page = client.post("/portal/password/forgot/", {"email": anja.email}, follow=True)
    assert "onderweg" in page.content.decode()
    outgoing = OutgoingMessage.objects.get(to_address=anja.email)
    assert outgoing.kind == "invitation"
    form_url = client.get(link_of(outgoing), follow=True).redirect_chain[-1][0]
    response = client.post(form_url, {"new_password1": PASSWORD, "new_password2": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/portal/"
    assert client.get("/portal/").status_code == 200
    carla = factories.contact(anja.customer, "Carla", email="carla@korrel.example", may_report=False)
    client.post("/portal/password/forgot/", {"email": carla.email})
    assert not OutgoingMessage.objects.filter(to_address=carla.email).exists()  # she may not use the portal


def test_setting_a_password_asks_for_the_second_factor_first(client, anja, agent):
    import pyotp

    from servicedesk.portal.totp import second_factor_confirm

    account(anja, agent)
    anja.refresh_from_db()
    secret = pyotp.random_base32()
    assert second_factor_confirm(user=anja.user, secret=secret, code=pyotp.TOTP(secret).now())
    client.post("/portal/password/forgot/", {"email": anja.email})
    outgoing = OutgoingMessage.objects.filter(kind="password_reset").get()
    form_url = client.get(link_of(outgoing), follow=True).redirect_chain[-1][0]
    response = client.post(form_url, {"new_password1": "Nieuw-Wachtwoord-88", "new_password2": "Nieuw-Wachtwoord-88"})
    assert response["Location"] == "/portal/login/code/"
    assert client.get("/portal/").status_code == 302  # not in before the code


def test_password_reset_reveals_nothing_and_is_capped(client, anja, agent):
    account(anja, agent)
    unknown = client.post("/portal/password/forgot/", {"email": "niemand@nergens.example"}, follow=True)
    known = client.post("/portal/password/forgot/", {"email": anja.email}, follow=True)
    assert unknown.content.decode().count("onderweg") == known.content.decode().count("onderweg") == 1
    resets = OutgoingMessage.objects.filter(kind="password_reset")
    assert list(resets.values_list("to_address", flat=True)) == ["anja@korrel.example"]
    for _ in range(5):
        client.post("/portal/password/forgot/", {"email": anja.email})
    # At most three mails with a link to choose a password an hour: the invitation, then two resets.
    assert resets.count() == 2


def test_report_with_a_raised_priority_shows_rate_and_deadline_first(client, anja, agent):
    signed_in(client, anja, agent)
    page = client.get("/portal/tickets/new/", {"about": "other"}).content.decode()
    assert 'value="direct"' in page and "€\u00a0125,00" in page and "€\u00a065,00" in page
    response = client.post(
        "/portal/tickets/new/",
        {"about": "other", "priority": "direct", "subject": "Kassa plat", "body": "Niets werkt."},
    )
    ticket = Ticket.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/portal/tickets/{ticket.pk}/"
    assert (ticket.support_type, ticket.priority, ticket.channel) == ("unmanaged", "direct", "portal")
    assert OutgoingMessage.objects.filter(ticket=ticket, kind="acknowledgement").exists()
    page = client.get(response["Location"]).content.decode()
    assert "Kassa plat" in page and timezone.localtime(ticket.response_due).strftime("%H:%M") in page


def test_a_contact_without_the_right_sees_and_gets_only_the_lowest_priority(client, bert, agent):
    signed_in(client, bert, agent)
    page = client.get("/portal/tickets/new/", {"about": "other"}).content.decode()
    assert 'value="direct"' not in page and 'value="high"' not in page and 'value="standard"' in page
    assert "collega" in page  # where a higher priority can be had
    response = client.post(
        "/portal/tickets/new/", {"about": "other", "priority": "direct", "subject": "Kassa", "body": "Kapot."}
    )
    assert response.status_code == 200 and not Ticket.objects.exists()
    page = response.content.decode()  # the form again, with the terms of what may be chosen beside it
    assert 'value="direct"' not in page and 'value="standard"' in page and "€\u00a065,00" in page


def test_a_service_of_the_matrix_proposes_managed_and_is_free_at_high(client, anja, korrel, agent):
    signed_in(client, anja, agent)
    item = korrel.matrix_items.get()
    page = client.get("/portal/tickets/new/", {"about": f"service-{item.pk}"}).content.decode()
    assert "kosteloos" in page
    client.post(
        "/portal/tickets/new/",
        {"about": f"service-{item.pk}", "priority": "high", "subject": "Outlook", "body": "Geen mail."},
    )
    ticket = Ticket.objects.get()
    assert (ticket.support_type, ticket.priority, ticket.matrix_item) == ("managed", "high", item)


def test_outside_office_hours_the_portal_says_what_that_means(client, anja, agent, monkeypatch):
    signed_in(client, anja, agent)
    saturday = datetime(2026, 11, 28, 14, 0, tzinfo=AMS)
    monkeypatch.setattr("servicedesk.portal.views.tickets.timezone.now", lambda: saturday)
    page = client.get("/portal/tickets/new/", {"about": "question"}).content.decode()
    assert 'id="after-hours"' in page and "088 123 45 67" in page


def test_lists_show_own_tickets_or_the_organisations(client, anja, bert, other_org, agent):
    mine = services.ticket_create(reporter=bert, subject="Van Bert", body="", channel="email")
    services.ticket_create(reporter=anja, subject="Van Anja", body="", channel="email")
    services.ticket_create(reporter=other_org, subject="Van Piet", body="", channel="email")
    signed_in(client, bert, agent)
    page = client.get("/portal/").content.decode()
    assert "Van Bert" in page and "Van Anja" not in page and "Van Piet" not in page
    assert client.get(f"/portal/tickets/{mine.pk}/").status_code == 200
    client.post("/portal/logout/")
    signed_in(client, anja, agent)  # the main contact sees all of the organisation's tickets
    page = client.get("/portal/").content.decode()
    assert "Van Bert" in page and "Van Anja" in page and "Van Piet" not in page
    assert "Van Bert" in client.get("/portal/", {"q": "bert"}).content.decode()
    assert "Van Anja" not in client.get("/portal/", {"q": "bert"}).content.decode()


def test_the_list_pages_newest_first_keeping_its_filters(client, anja, agent):
    import html

    start = datetime(2026, 11, 2, 9, 0, tzinfo=AMS)
    same_moment = start + timedelta(hours=40)
    for n in range(32):  # two share a reporting moment: the id breaks the tie
        services.ticket_create(
            reporter=anja,
            subject=f"Printer {n:02d}",
            body="",
            channel="email",
            now=same_moment if n in (30, 31) else start + timedelta(hours=n),
        )
    services.ticket_create(reporter=anja, subject="Wachtwoord", body="", channel="email", now=start)
    signed_in(client, anja, agent)

    def subjects(page: str) -> list[str]:
        return re.findall(r'<a href="/portal/tickets/\d+/">(Printer \d+)</a>', page)

    first = client.get("/portal/", {"q": "printer"}).content.decode()
    expected = [f"Printer {n:02d}" for n in (31, 30, *range(29, -1, -1))]
    assert subjects(first) == expected[:25] and "Nieuwste tickets" not in first
    older = html.unescape(re.search(r'<a rel="next" href="([^"]+)"', first).group(1))
    assert "q=printer" in older and "status=open" in older
    second = client.get(f"/portal/{older}").content.decode()
    assert subjects(second) == expected[25:] and 'rel="next"' not in second and "Nieuwste tickets" in second
    assert subjects(client.get("/portal/", {"q": "printer", "after": "nonsense"}).content.decode()) == expected[:25]
    assert (
        subjects(client.get("/portal/", {"q": "printer", "after": "2026-13-45T99:00|1"}).content.decode())
        == (expected[:25])
    )


def test_the_lists_first_page_is_the_querysets_and_goes_on_where_it_ends(anja, bert, other_org):
    from servicedesk.portal import selectors

    start = datetime(2026, 11, 2, 9, 0, tzinfo=AMS)
    for n in range(30):
        ticket = services.ticket_create(
            reporter=bert if n % 3 else anja,
            subject=f"T{n:02d}",
            body="",
            channel="email",
            now=start + timedelta(hours=n),
        )
        if n % 4 == 0:
            Ticket.objects.filter(pk=ticket.pk).update(status=Ticket.Status.CLOSED)
    services.ticket_create(reporter=other_org, subject="Van Wit", body="", channel="email", now=start)
    for contact in (anja, bert):  # sees all of the organisation's tickets; sees their own
        open_tickets = selectors.visible_tickets(contact).exclude(status=Ticket.Status.CLOSED)
        ordered = open_tickets.order_by("-reported_at", "-id")
        if contact.sees_all_tickets:  # with the reporters' names (a column of the list)
            expected = list(ordered.values(*selectors.LIST_FIELDS, reporter_name=F("reporter__name")))
        else:
            expected = list(ordered.values(*selectors.LIST_FIELDS))
        rows, after = selectors.ticket_list(contact)
        assert rows == expected[: selectors.PAGE]
        if len(expected) > selectors.PAGE:
            rest, last = selectors.ticket_list(contact, after=after)  # built by the ORM
            assert rest == expected[selectors.PAGE :] and last is None
        else:
            assert after is None


def test_ticket_page_shows_the_public_conversation_work_and_classification(client, anja, agent, media):
    ticket = services.ticket_create(reporter=anja, subject="Printer", body="Hij piept.", channel="email")
    services.ticket_note(ticket=ticket, actor=agent, body="GEHEIM: klant is lastig")
    services.ticket_reply(ticket=ticket, actor=agent, body="We komen morgen langs.")
    services.ticket_classify(ticket=ticket, actor=agent, reason="Printer is van ons", support_type="unmanaged")
    start = datetime(2026, 11, 24, 10, 0, tzinfo=AMS)
    services.time_entry_add(ticket=ticket, agent=agent, start=start, minutes=50, description="Printer gereinigd")
    signed_in(client, anja, agent)
    page = client.get(f"/portal/tickets/{ticket.pk}/").content.decode()
    assert "We komen morgen langs." in page and "Hij piept." in page
    assert "GEHEIM" not in page
    assert "Printer gereinigd" in page and "€\u00a065,00" in page  # 50 minutes: 4 units of 15, 60 minutes at 65 an hour
    assert "Printer is van ons" in page


def test_reply_with_an_attachment_and_download_it(client, anja, agent, media):
    ticket = services.ticket_create(reporter=anja, subject="Printer", body="", channel="email")
    signed_in(client, anja, agent)
    upload = SimpleUploadedFile("foutmelding.png", b"\x89PNG\r\n\x1a\nxx", content_type="image/png")
    response = client.post(f"/portal/tickets/{ticket.pk}/reply/", {"body": "Zie bijlage", "files": [upload]})
    assert response.status_code == 302
    message = ticket.messages.order_by("-id").first()
    attachment = message.attachments.get()
    assert attachment.original_name == "foutmelding.png" and message.author_contact == anja
    download = client.get(f"/portal/attachments/{attachment.pk}/")
    assert download["Content-Disposition"].startswith("attachment")
    assert download["X-Content-Type-Options"] == "nosniff"


def test_a_reply_in_the_portal_tells_the_assigned_agent(client, anja, agent, media):
    ticket = services.ticket_create(reporter=anja, subject="Printer", body="", channel="email")
    services.ticket_assign(ticket=ticket, actor=agent, assignee=factories.agent("joost"))
    signed_in(client, anja, agent)
    assert client.post(f"/portal/tickets/{ticket.pk}/reply/", {"body": "Hij doet het weer niet"}).status_code == 302
    notice = AgentNotification.objects.get(kind=TicketEvent.Kind.CUSTOMER_REPLIED)
    assert (notice.user.username, notice.ticket_id, notice.read_at) == ("joost", ticket.pk, None)


def test_upload_over_the_limit_is_refused_with_its_name(client, anja, agent, media, settings):
    settings.MAX_UPLOAD_SIZE = 10
    ticket = services.ticket_create(reporter=anja, subject="Printer", body="", channel="email")
    signed_in(client, anja, agent)
    upload = SimpleUploadedFile("groot.pdf", b"x" * 100, content_type="application/pdf")
    page = client.post(f"/portal/tickets/{ticket.pk}/reply/", {"body": "x", "files": [upload]}, follow=True)
    assert "groot.pdf" in page.content.decode()
    assert ticket.messages.count() == 1


def test_nothing_of_another_organisation_can_be_reached(client, anja, other_org, agent, media):
    theirs = services.ticket_create(reporter=other_org, subject="Geheim van Wit", body="", channel="email")
    from servicedesk.tickets.attachments import attachment_save

    attachment = attachment_save(
        message=theirs.messages.get(), original_name="wit.pdf", content_type="application/pdf", data=b"%PDF"
    )
    signed_in(client, anja, agent)
    assert client.get(f"/portal/tickets/{theirs.pk}/").status_code == 404
    assert client.post(f"/portal/tickets/{theirs.pk}/reply/", {"body": "hallo"}).status_code == 404
    assert client.get(f"/portal/attachments/{attachment.pk}/").status_code == 404
    assert "Geheim van Wit" not in client.get("/portal/", {"q": "Geheim", "status": "all"}).content.decode()
    assert "Geheim van Wit" not in client.get("/portal/", {"q": str(theirs.pk), "status": "all"}).content.decode()
    assert theirs.messages.count() == 1


def test_a_colleagues_ticket_and_internal_attachments_stay_hidden_without_the_right(client, anja, bert, agent, media):
    from servicedesk.tickets.attachments import attachment_save

    hers = services.ticket_create(reporter=anja, subject="Van Anja", body="", channel="email")
    mine = services.ticket_create(reporter=bert, subject="Van Bert", body="", channel="email")
    note = services.ticket_note(ticket=mine, actor=agent, body="intern")
    internal = attachment_save(message=note, original_name="intern.txt", content_type="text/plain", data=b"x")
    signed_in(client, bert, agent)
    assert client.get(f"/portal/tickets/{hers.pk}/").status_code == 404
    assert client.get(f"/portal/attachments/{internal.pk}/").status_code == 404


def test_the_service_matrix_is_shown(client, anja, agent):
    signed_in(client, anja, agent)
    assert "Microsoft 365" in client.get("/portal/services/").content.decode()


def test_query_counts_of_the_portal_pages_are_pinned(client, anja, agent):
    for n in range(30):
        services.ticket_create(reporter=anja, subject=f"Melding {n}", body="tekst", channel="email")
    ticket = Ticket.objects.first()
    for n in range(5):
        services.ticket_reply(ticket=ticket, actor=agent, body=f"antwoord {n}")
        services.time_entry_add(ticket=ticket, agent=agent, start=datetime(2026, 11, 24, 10, n, tzinfo=AMS), minutes=10)
    signed_in(client, anja, agent)
    # The session, the user with contact and customer, then: the list's page; the ticket, its time entries,
    # messages, attachments, events and Cc; the report form's services; and on each, the service levels of the
    # customer's contracts.
    for url, count in (("/portal/", 4), (f"/portal/tickets/{ticket.pk}/", 9), ("/portal/tickets/new/", 4)):
        client.get(url)  # warm caches (sessions, policy)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        assert len(queries) == count, (url, [q["sql"] for q in queries])
    # A report: the session, the user, the contract's service levels for the form, the form's services, the
    # contract's service levels for the ticket, then its four rows (ticket, message, event, acknowledgement), a
    # statement each, with the reports' summary kept in the same transaction (the ticket read with its figures,
    # the day's and the month's counts made if missing and counted, its figures written); the acknowledgement's
    # row is its delivery's order, no task row; last the look for webhook subscriptions (none here: nothing more is
    # written).
    report = {"about": "question", "priority": "standard", "subject": "Printer", "body": "Vast."}
    with CaptureQueriesContext(connection) as queries:
        assert client.post("/portal/tickets/new/", report).status_code == 302
    tables = [re.match(r'(SELECT|INSERT (?:OR IGNORE )?INTO|UPDATE) .*?"(\w+)"', q["sql"]).group(2) for q in queries]
    assert tables == [
        "django_session",
        "auth_user",
        "contracts_contract",
        "customers_servicematrixitem",
        "contracts_contract",
        "tickets_ticket",
        "tickets_message",
        "tickets_ticketevent",
        "tickets_ticket",
        "reports_dailytickets",
        "reports_dailytickets",
        "reports_monthlysla",
        "reports_monthlysla",
        "reports_ticketfigures",
        "outbox_outgoingmessage",
        "webhooks_webhooksubscription",
    ], [q["sql"][:80] for q in queries]


def test_the_report_form_shows_the_matrix_as_it_stands_now(client, anja, korrel, agent):
    """A change to the matrix, however it is written, shows on the next form."""
    from servicedesk.customers.models import ServiceMatrixItem
    from servicedesk.customers.services import matrix_item_add

    signed_in(client, anja, agent)
    assert "Microsoft 365" in client.get("/portal/tickets/new/").content.decode()
    backup = matrix_item_add(customer=korrel, name="Back-up", actor=agent)
    page = client.get("/portal/tickets/new/").content.decode()
    assert f'value="service-{backup.pk}"' in page and "Back-up" in page
    ServiceMatrixItem.objects.filter(customer=korrel, name="Microsoft 365").update(active=False)
    page = client.get("/portal/tickets/new/").content.decode()
    assert "Microsoft 365" not in page and "Back-up" in page
    report = {
        "about": f"service-{backup.pk}",
        "priority": "high",
        "subject": "Back-up faalt",
        "body": "Sinds gisteren.",
    }
    response = client.post("/portal/tickets/new/", report)
    assert response.status_code == 302
    assert Ticket.objects.get(subject="Back-up faalt").matrix_item == backup


def test_agents_invite_contacts_from_the_customer_page(client, anja, korrel, agent):
    client.force_login(agent)
    page = client.get(f"/desk/customers/{korrel.pk}/").content.decode()
    assert f'action="/desk/contacts/{anja.pk}/invite/"' in page and "Uitnodigen voor het portaal" in page
    response = client.post(f"/desk/contacts/{anja.pk}/invite/", follow=True)
    assert "anja@korrel.example" in response.content.decode()
    outgoing = OutgoingMessage.objects.get(kind="invitation")
    assert outgoing.to_address == anja.email and "/portal/password/" in outgoing.body
    assert "Stuur een nieuwe portaallink" in client.get(f"/desk/customers/{korrel.pk}/").content.decode()


def test_every_form_control_of_the_portal_has_a_label(client, anja, agent, korrel):
    from html.parser import HTMLParser

    class Controls(HTMLParser):
        def __init__(self):
            super().__init__()
            self.ids, self.labelled, self.unlabelled = set(), set(), []

        def handle_starttag(self, tag, attrs):
            attrs = dict(attrs)
            if tag == "label" and attrs.get("for"):
                self.labelled.add(attrs["for"])
            control = tag in ("input", "select", "textarea") and attrs.get("type") not in ("hidden", "submit")
            if control and "aria-label" not in attrs:
                self.ids.add(attrs.get("id") or f"<{tag} name={attrs.get('name')} without id>")

    ticket = services.ticket_create(reporter=anja, subject="Printer", body="", channel="email")
    pages = ["/portal/login/", "/portal/password/forgot/"]
    signed_in(client, anja, agent)
    pages += [
        "/portal/",
        "/portal/tickets/new/",
        f"/portal/tickets/{ticket.pk}/",
        "/portal/manuals/",
        "/portal/account/",
    ]
    for url in pages:
        if url.startswith(("/portal/login", "/portal/password")):
            from django.test import Client

            html = Client().get(url).content.decode()
        else:
            html = client.get(url).content.decode()
        parser = Controls()
        parser.feed(html)
        assert parser.ids <= parser.labelled, (url, parser.ids - parser.labelled)


def test_the_organisations_invoices_and_nothing_else(client, anja, bert, other_org, agent):
    from datetime import date

    from servicedesk.billing.services import billing_run_confirm, billing_run_create

    for contact in (anja, other_org):
        t = services.ticket_create(
            reporter=contact, subject="Werk", body="", channel="email", now=datetime(2026, 11, 23, 9, tzinfo=AMS)
        )
        services.time_entry_add(ticket=t, agent=agent, start=datetime(2026, 11, 24, 10, tzinfo=AMS), minutes=50)
    run = billing_run_create(actor=agent, period_start=date(2026, 11, 1), period_end=date(2026, 11, 30))
    ours, theirs = sorted(billing_run_confirm(run, actor=agent), key=lambda i: i.customer_id != anja.customer_id)
    signed_in(client, anja, agent)
    page = client.get("/portal/invoices/").content.decode()
    assert ours.number in page and theirs.number not in page
    for kind, start in (("pdf", b"%PDF"), ("xml", b"<?xml"), ("csv", "\ufeff".encode())):
        response = client.get(f"/portal/invoices/{ours.pk}.{kind}")
        assert response.status_code == 200 and response.content.startswith(start), kind
        assert client.get(f"/portal/invoices/{theirs.pk}.{kind}").status_code == 404
    assert client.get(f"/portal/invoices/{ours.pk}.exe").status_code == 404
    client.post("/portal/logout/")
    signed_in(client, bert, agent)  # sees only their own tickets: no invoices
    assert client.get(f"/portal/invoices/{ours.pk}.pdf").status_code == 404
    assert ours.number not in client.get("/portal/invoices/").content.decode()
    from servicedesk.billing.services import invoice_credit

    credit = invoice_credit(invoice=ours, actor=agent, reason="Dubbel")
    client.post("/portal/logout/")
    signed_in(client, anja, agent)
    page = client.get("/portal/invoices/").content.decode()
    assert f'{credit.number} <span class="small muted">creditnota</span>' in page
    assert f'{ours.number} <span class="small muted">gecrediteerd</span>' in page


def test_the_lists_reporter_names_come_with_the_page_in_one_query(anja, bert):
    """An organisation's list shows who reported each ticket: joined to the page's rows, not looked up row by
    row (a correlated subquery made PostgreSQL scan the contacts for every row it considered)."""
    from servicedesk.portal import selectors

    for n in range(3):
        services.ticket_create(reporter=bert, subject=f"T{n}", body="", channel="email")
    with CaptureQueriesContext(connection) as queries:
        rows, _next = selectors.ticket_list(anja)
    assert len(queries) == 1
    sql = queries[0]["sql"]
    assert "JOIN" in sql and sql.count("SELECT") == 1, sql
    assert {row["reporter_name"] for row in rows} == {"Bert Bakker"}
