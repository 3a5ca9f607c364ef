"""The desk's account page: an agent makes a token (its secret shown once), sees its use, and revokes it."""

from __future__ import annotations

import re

import pytest

from servicedesk.api.models import ApiToken, ApiTokenEvent
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk(client, agent):
    client.force_login(agent)
    return client


def test_a_token_made_on_the_account_page_is_shown_once_and_works(desk, client, agent):
    response = desk.post("/desk/account/api-tokens/", {"name": "RMM", "scopes": ["read"]}, follow=True)
    assert response.status_code == 200
    page = response.content.decode()
    secret = re.search(r'id="new-api-token"[^>]*>([^<]+)<', page).group(1)
    token = ApiToken.objects.get(agent=agent)
    assert token.name == "RMM" and token.scope_list == ["read"]
    assert secret.startswith(token.prefix)
    again = desk.get("/desk/account/").content.decode()
    assert secret not in again and token.prefix in again  # once only; recognisable by its start
    assert "<td>Lezen</td>" in again  # its scopes in words
    client.logout()
    assert client.get("/api/v1/customers", headers={"Authorization": f"Bearer {secret}"}).status_code == 200


def test_a_token_without_name_or_scope_is_refused_on_the_page(desk):
    response = desk.post("/desk/account/api-tokens/", {"name": "", "scopes": []})
    assert response.status_code == 400
    assert not ApiToken.objects.exists()
    assert "new-api-token" not in response.content.decode()


def test_the_billing_scope_is_offered_only_to_the_billing_role(desk, client):
    assert 'value="billing"' not in desk.get("/desk/account/").content.decode()
    refused = desk.post("/desk/account/api-tokens/", {"name": "boekhouding", "scopes": ["billing"]})
    assert refused.status_code == 400 and not ApiToken.objects.exists()
    client.force_login(factories.biller())
    assert 'value="billing"' in client.get("/desk/account/").content.decode()


def test_an_agent_revokes_their_token_and_not_anothers(desk, agent, make_api):
    mine = make_api(agent)
    theirs_api = make_api(factories.agent("bram"))
    mine_token, theirs = ApiToken.objects.get(agent=agent), ApiToken.objects.exclude(agent=agent).get()
    assert desk.post(f"/desk/account/api-tokens/{theirs.pk}/revoke/").status_code == 404
    response = desk.post(f"/desk/account/api-tokens/{mine_token.pk}/revoke/", follow=True)
    assert response.status_code == 200
    mine_token.refresh_from_db()
    theirs.refresh_from_db()
    assert mine_token.revoked_at is not None and theirs.revoked_at is None
    assert mine.get("/customers").status_code == 401
    assert theirs_api.get("/customers").status_code == 200
    assert ApiTokenEvent.objects.filter(token=mine_token, kind="revoked", actor=agent).exists()


def test_contacts_and_strangers_get_no_token_page(client):
    client.force_login(factories.portal_user(factories.contact(factories.customer())))
    assert client.post("/desk/account/api-tokens/", {"name": "x", "scopes": ["read"]}).status_code == 404
    assert not ApiToken.objects.exists()
