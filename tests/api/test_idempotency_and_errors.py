"""A POST under an Idempotency-Key is done once; every refusal is JSON naming the field, never a 500."""

from __future__ import annotations

import pytest

from servicedesk.api.models import IdempotentRequest
from servicedesk.tickets.models import Message, Ticket
from tests import factories

pytestmark = pytest.mark.django_db


def _new_ticket(main_contact, subject="Wifi valt weg"):
    return {"contact_id": main_contact.pk, "subject": subject, "body": "Sinds vanochtend.", "channel": "phone"}


def test_a_retried_create_returns_the_first_result_and_creates_nothing_more(api, main_contact):
    key = {"Idempotency-Key": "b7e1c2d0-retry"}
    first = api.post("/tickets", _new_ticket(main_contact), headers=key)
    again = api.post("/tickets", _new_ticket(main_contact), headers=key)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Ticket.objects.count() == 1


def test_the_same_key_with_another_body_is_refused(api, main_contact):
    key = {"Idempotency-Key": "k1"}
    assert api.post("/tickets", _new_ticket(main_contact), headers=key).status_code == 201
    other = api.post("/tickets", _new_ticket(main_contact, "Iets anders"), headers=key)
    assert other.status_code == 422
    assert other.json()["errors"][0]["field"] == "Idempotency-Key"
    assert Ticket.objects.count() == 1


def test_without_a_key_every_post_creates(api, ticket):
    for _ in range(2):
        assert api.post(f"/tickets/{ticket.pk}/notes", {"body": "Nog eens"}).status_code == 201
    assert Message.objects.filter(kind="note").count() == 2


def test_keys_belong_to_their_token(make_api, agent, ticket):
    first, second = make_api(agent), make_api(agent)
    key = {"Idempotency-Key": "same"}
    assert first.post(f"/tickets/{ticket.pk}/notes", {"body": "Een"}, headers=key).status_code == 201
    assert second.post(f"/tickets/{ticket.pk}/notes", {"body": "Twee"}, headers=key).status_code == 201
    assert Message.objects.filter(kind="note").count() == 2


def test_a_refused_request_keeps_no_answer_and_may_be_sent_again_corrected(api, ticket):
    key = {"Idempotency-Key": "fix-me"}
    refused = api.post(f"/tickets/{ticket.pk}/notes", {"body": "   "}, headers=key)
    assert refused.status_code == 400
    assert not IdempotentRequest.objects.exists()
    corrected = api.post(f"/tickets/{ticket.pk}/notes", {"body": "Nu met tekst"}, headers=key)
    assert corrected.status_code == 201
    assert api.post(f"/tickets/{ticket.pk}/notes", {"body": "Nu met tekst"}, headers=key).json() == corrected.json()
    assert Message.objects.filter(kind="note").count() == 1


def test_an_empty_or_overlong_key_is_refused(api, ticket):
    for key in (" ", "x" * 201):
        response = api.post(f"/tickets/{ticket.pk}/notes", {"body": "x"}, headers={"Idempotency-Key": key})
        assert response.status_code == 422 and response.json()["errors"][0]["field"] == "Idempotency-Key"
    assert not Message.objects.filter(kind="note").exists()


def test_a_key_with_a_bad_token_is_refused_by_authentication(client, ticket):
    response = client.post(
        f"/api/v1/tickets/{ticket.pk}/notes",
        "{}",
        content_type="application/json",
        headers={"Authorization": "Bearer sdt_wrong", "Idempotency-Key": "k"},
    )
    assert response.status_code == 401 and not IdempotentRequest.objects.exists()


def _shape(response) -> list[dict]:
    body = response.json()
    assert list(body) == ["errors"] and body["errors"]
    for problem in body["errors"]:
        assert set(problem) == {"field", "problem"} and problem["problem"]
    return body["errors"]


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        ("{not json", None),
        ("[]", None),
        ('{"body": "x"}', "contact_id"),
        ('{"contact_id": "een", "subject": "s", "body": "b", "channel": "email"}', "contact_id"),
        ('{"contact_id": 1, "subject": "s", "body": "b", "channel": "fax"}', "channel"),
        ('{"contact_id": 1, "subject": "s\\u0000", "body": "b", "channel": "email"}', "subject"),
        ('{"contact_id": 1, "subject": "s", "body": "\\ud800", "channel": "email"}', "body"),
        ('{"contact_id": 99999999999999999999999, "subject": "s", "body": "b", "channel": "email"}', "contact_id"),
        ('{"contact_id": 424242, "subject": "s", "body": "b", "channel": "email"}', "contact_id"),
    ],
)
def test_bad_input_names_its_field_with_a_4xx(api, main_contact, raw, field):
    response = api.post("/tickets", raw=raw)
    assert 400 <= response.status_code < 500, response.content
    problems = _shape(response)
    if field is not None:
        assert field in [p["field"] for p in problems], problems
    assert not Ticket.objects.exists()


@pytest.mark.parametrize(
    "path",
    ["/tickets/0", "/tickets/-1", "/tickets/abc", "/tickets/99999999999999999999999", "/customers/1e3/contacts"],
)
def test_bad_ids_are_4xx_json(api, path):
    response = api.get(path)
    assert response.status_code in (404, 422), response.content
    _shape(response)


def test_a_service_refusal_is_400_with_its_field(api, ticket):
    response = api.post(f"/tickets/{ticket.pk}/classification", {"reason": "  "})
    assert response.status_code == 400
    assert _shape(response) == [{"field": "reason", "problem": response.json()["errors"][0]["problem"]}]


def test_assigning_to_someone_not_an_active_agent_is_422(api, ticket, main_contact):
    contact_user = factories.portal_user(main_contact)
    response = api.post(f"/tickets/{ticket.pk}/assignment", {"assignee_id": contact_user.pk})
    assert response.status_code == 422 and _shape(response)[0]["field"] == "assignee_id"


def test_schema_and_docs_are_served_without_a_cdn(client):
    schema = client.get("/api/v1/openapi.json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    assert "/api/v1/tickets" in paths and "/api/v1/invoices/{invoice_id}/pdf" in paths
    docs = client.get("/api/v1/docs")
    assert docs.status_code == 200
    page = docs.content.decode()
    assert "cdn" not in page.lower() and "http://" not in page and "https://" not in page
    from django.contrib.staticfiles import finders

    for name in ("ninja/swagger-ui.css", "ninja/swagger-ui-bundle.js", "ninja/swagger-ui-init.js"):
        assert f"/static/{name}" in page
        assert finders.find(name), name
