"""API tokens: shown once, stored hashed, scoped, revocable, rate limited, acting as their agent."""

from __future__ import annotations

import hashlib

import pytest
from django.core.exceptions import ValidationError

from servicedesk.api.models import ApiToken, ApiTokenEvent
from servicedesk.api.services import token_create, token_revoke
from tests import factories

pytestmark = pytest.mark.django_db


def test_a_token_is_stored_only_as_its_hash_and_its_making_recorded(agent):
    token, secret = token_create(agent=agent, name="  RMM   koppeling ", scopes=["write", "read"], actor=agent)
    assert secret.startswith("sdt_") and len(secret) > 40
    stored = ApiToken.objects.get(pk=token.pk)
    assert stored.secret_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in {stored.name, stored.scopes, stored.prefix, stored.secret_hash}
    assert stored.prefix == secret[:12]
    assert stored.name == "RMM koppeling"
    assert stored.scope_list == ["read", "write"]
    assert list(stored.events.values_list("kind", "actor")) == [("created", agent.pk)]


@pytest.mark.parametrize(
    ("name", "scopes", "field"),
    [
        ("", ["read"], "name"),
        ("x" * 101, ["read"], "name"),
        ("script", [], "scopes"),
        ("script", ["read", "admin"], "scopes"),
        ("script", ["billing"], "scopes"),  # the billing scope needs the billing role
    ],
)
def test_a_token_is_refused_with_the_field_named(agent, name, scopes, field):
    with pytest.raises(ValidationError) as refused:
        token_create(agent=agent, name=name, scopes=scopes, actor=agent)
    assert field in refused.value.message_dict
    assert not ApiToken.objects.exists()


def test_a_biller_may_have_the_billing_scope():
    biller = factories.biller()
    token, _secret = token_create(agent=biller, name="boekhouding", scopes=["billing"], actor=biller)
    assert token.scope_list == ["billing"]


def test_no_token_a_wrong_token_or_another_scheme_is_401(api, client):
    for headers in ({}, {"Authorization": "Bearer sdt_nope"}, {"Authorization": f"Basic {api.secret}"}):
        response = client.get("/api/v1/customers", headers=headers)
        assert response.status_code == 401
        assert response["WWW-Authenticate"] == "Bearer"
        assert response.json() == {"errors": [{"field": None, "problem": response.json()["errors"][0]["problem"]}]}


def test_the_token_acts_as_its_agent_and_its_use_is_recorded(api, agent, ticket):
    token = ApiToken.objects.get()
    assert token.last_used_at is None
    response = api.post(f"/tickets/{ticket.pk}/notes", {"body": "Gebeld, toner op."})
    assert response.status_code == 201, response.content
    assert ticket.messages.get(kind="note").author_user == agent
    assert ticket.events.get(kind="noted").actor == agent
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_a_read_token_may_not_write(make_api, agent, ticket):
    reader = make_api(agent, scopes=["read"])
    assert reader.get(f"/tickets/{ticket.pk}").status_code == 200
    response = reader.post(f"/tickets/{ticket.pk}/notes", {"body": "x"})
    assert response.status_code == 403
    assert "write" in response.json()["errors"][0]["problem"]
    assert not ticket.messages.filter(kind="note").exists()


def test_a_write_only_token_may_not_read(make_api, agent, ticket):
    writer = make_api(agent, scopes=["write"])
    assert writer.get(f"/tickets/{ticket.pk}").status_code == 403


def test_a_revoked_token_is_refused_from_the_next_request(api, agent):
    assert api.get("/customers").status_code == 200
    token = ApiToken.objects.get()
    token_revoke(token=token, actor=agent)
    token_revoke(token=token, actor=agent)  # twice changes nothing
    assert api.get("/customers").status_code == 401
    assert list(ApiTokenEvent.objects.values_list("kind", flat=True)) == ["created", "revoked"]


def test_the_token_of_an_agent_who_left_is_refused(api, agent):
    agent.is_active = False
    agent.save()
    assert api.get("/customers").status_code == 401


def test_the_token_of_a_user_no_longer_staff_is_refused(api, agent):
    agent.is_staff = False
    agent.save()
    assert api.get("/customers").status_code == 401


def test_over_the_rate_limit_429_with_retry_after_per_token(settings, make_api, agent):
    settings.SERVICEDESK_API_RATE_LIMIT = 3
    first, second = make_api(agent), make_api(agent)
    assert [first.get("/customers").status_code for _ in range(3)] == [200, 200, 200]
    limited = first.get("/customers")
    assert limited.status_code == 429
    assert 1 <= int(limited["Retry-After"]) <= 60
    assert limited.json()["errors"][0]["field"] is None
    assert second.get("/customers").status_code == 200  # counted per token
