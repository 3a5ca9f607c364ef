"""What an agent sees of a form field: its label tied to its input, its errors next to it (the form's own
first), and the checks the browser makes before sending (required, min/max, maxlength)."""

from __future__ import annotations

from collections import Counter
from html.parser import HTMLParser

import pytest
from django.urls import reverse

from servicedesk.billing.models import BillingRun
from servicedesk.customers.services import matrix_item_add
from servicedesk.tickets.models import Ticket
from tests import factories

pytestmark = pytest.mark.django_db
VOID = {"input", "br", "img", "meta", "link", "hr", "source", "wbr"}


class Element:
    def __init__(self, tag: str, attrs: dict, position: int):
        self.tag, self.attrs, self.position, self.text, self.children = tag, attrs, position, "", []

    def __getitem__(self, name):
        return self.attrs[name]

    def find(self, tag: str) -> Element:
        return next(child for child in self.children if child.tag == tag)


class Page(HTMLParser):
    """The elements of a page in document order, each with its attributes and its text."""

    def __init__(self, html: str):
        super().__init__()
        self.elements: list[Element] = []
        self.open: list[Element] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        element = Element(tag, dict(attrs), len(self.elements))
        for parent in self.open:
            parent.children.append(element)
        self.elements.append(element)
        if tag not in VOID:
            self.open.append(element)

    def handle_endtag(self, tag):
        while self.open:
            if self.open.pop().tag == tag:
                break

    def handle_data(self, data):
        for element in self.open:
            element.text += data

    def by_id(self, id_: str) -> Element:
        (element,) = [e for e in self.elements if e.attrs.get("id") == id_]
        return element

    def label_of(self, id_: str) -> Element:
        (label,) = [e for e in self.elements if e.tag == "label" and e.attrs.get("for") == id_]
        return label


def ticket_page_with_every_form(desk, ticket) -> Page:
    """The ticket page and each of its folded forms, as an agent sees them once every one is opened."""
    html = desk.get(reverse("desk:ticket", args=[ticket.pk])).content.decode()
    for name in ("reply", "note", "rate", "time", "classify"):
        url = reverse("desk:folded_form", args=[ticket.pk, name])
        html += desk.get(url, headers={"HX-Request": "true"}).content.decode()
    return Page(html)


def test_every_label_on_the_ticket_page_names_one_field(desk, ticket):
    page = ticket_page_with_every_form(desk, ticket)
    ids = Counter(e.attrs["id"] for e in page.elements if "id" in e.attrs)
    assert [id_ for id_, n in ids.items() if n > 1] == []
    labels = [e for e in page.elements if e.tag == "label"]
    assert len(labels) >= 18
    for label in labels:
        assert page.by_id(label["for"]).tag in {"input", "select", "textarea"}, label.text
    assert page.label_of("note_body").text == "Interne notitie"
    assert page.label_of("id_body").text == "Antwoord aan de klant"
    assert page.label_of("status_reason").text == "Reden"


def test_fields_carry_the_browsers_checks(desk, ticket):
    page = ticket_page_with_every_form(desk, ticket)
    minutes = page.by_id("id_minutes")
    assert (minutes["type"], minutes["min"], minutes["max"], "required" in minutes.attrs) == (
        "number",
        "1",
        "1440",
        True,
    )
    reason = page.by_id("id_reason")
    assert (reason["maxlength"], "required" in reason.attrs) == ("500", True)
    assert "required" not in page.by_id("id_description").attrs  # the description may stay empty
    assert "required" not in page.by_id("status_reason").attrs
    assert page.by_id("id_start")["type"] == "datetime-local"
    assert page.by_id("id_kind").find("option").attrs == {"value": "work", "selected": None}
    assert "aria-invalid" not in minutes.attrs


def test_a_checkbox_has_its_label_after_the_box(desk, ticket):
    page = ticket_page_with_every_form(desk, ticket)
    label = page.label_of("id_wait_for_customer")
    box = label.find("input")
    assert (box["type"], box["id"]) == ("checkbox", "id_wait_for_customer")
    assert label.text.strip() == "Wachten op de klant"


def test_a_field_with_a_problem_says_so_next_to_it(desk, ticket):
    response = desk.post(
        reverse("desk:add_time", args=[ticket.pk]), {"kind": "work", "start": "2026-03-29T02:30", "minutes": "0"}
    )
    assert response.status_code == 400
    page = Page(response.content.decode())
    for field, problem in (("id_start", "bestaat niet"), ("id_minutes", "minstens 1")):
        control, label = page.by_id(field), page.label_of(field)
        errors = page.by_id(control["aria-describedby"])
        assert control["aria-invalid"] == "true"
        assert problem in errors.text
        assert label.position < errors.position < control.position  # read before the field is reached
    assert page.by_id("id_start")["value"] == "2026-03-29T02:30"  # what was typed stays
    assert "aria-invalid" not in page.by_id("id_description").attrs


def test_a_checkbox_with_a_problem_says_so_after_its_label(desk, ticket):
    evening = {"kind": "work", "start": "2026-11-24T16:50", "minutes": "20"}
    page = Page(desk.post(reverse("desk:add_time", args=[ticket.pk]), evening).content.decode())
    box = page.by_id("id_without_notice")
    errors = page.by_id(box["aria-describedby"])
    assert box["aria-invalid"] == "true" and "niet vooraf gemeld" in errors.text
    assert page.label_of("id_without_notice").position < errors.position


def test_the_forms_own_problems_come_before_its_fields(client, agent):
    page = Page(client.post("/desk/login/", {"username": "anouk", "password": "wrong"}).content.decode())
    (problems,) = [e for e in page.elements if "nonfield" in e.attrs.get("class", "")]
    assert "juiste gebruikersnaam" in problems.text
    assert problems.position < page.label_of("id_username").position
    assert page.by_id("id_username")["value"] == "anouk"


def test_the_billing_run_has_no_customer_chosen_and_then_bills_all(client):
    client.force_login(factories.biller())
    factories.customer("Bakkerij De Korrel")
    factories.customer("Garage Vos")
    page = Page(client.get("/desk/billing/").content.decode())
    customers = page.by_id("id_customers")
    assert (customers.tag, "multiple" in customers.attrs) == ("select", True)
    assert [o.text for o in customers.children] == ["Bakkerij De Korrel", "Garage Vos"]
    assert not any("selected" in o.attrs for o in customers.children)
    start, end = page.by_id("id_period_start")["value"], page.by_id("id_period_end")["value"]
    assert start[:4].isdigit() and start[4] == "-" and start.endswith("-01")  # ISO: what a date picker takes
    client.post("/desk/billing/", {"period_start": start, "period_end": end})
    assert list(BillingRun.objects.get().customers.all()) == []  # none chosen: all customers


def test_phone_intake_offers_the_callers_services_and_refuses_another(desk, main_contact):
    firewall = matrix_item_add(customer=main_contact.customer, name="Firewall", actor=None)
    other = matrix_item_add(customer=factories.customer("Garage Vos"), name="Kassa", actor=None)
    url = reverse("desk:caller", args=[main_contact.pk])
    page = Page(desk.get(url).content.decode())
    services_ = page.by_id("id_matrix_item")
    assert [o.text for o in services_.children] == ["(geen)", "Firewall"]
    assert page.label_of("id_matrix_item").text == "Dienst (dienstenmatrix)"
    call = {
        "contact": main_contact.pk,
        "support_type": "managed",
        "priority": "standard",
        "subject": "VPN",
        "description": "x",
    }
    refused = desk.post(url, {**call, "matrix_item": other.pk})
    errors = Page(refused.content.decode()).by_id("id_matrix_item_error")
    assert "geldige keuze" in errors.text and not Ticket.objects.exists()
    desk.post(url, {**call, "matrix_item": firewall.pk})
    assert Ticket.objects.get().matrix_item == firewall
