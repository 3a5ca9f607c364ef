"""Mailboxes are configured in the admin: the password is kept unless replaced, and the connection can be tested."""

from __future__ import annotations

import pytest

from servicedesk.mail.models import Mailbox

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, django_user_model):
    user = django_user_model.objects.create_superuser("admin", "admin@desk.example", "adm1n-secret")
    client.force_login(user)
    return client


def form(account, **changes) -> dict:
    data = {
        "name": "Servicedesk",
        "active": "on",
        "host": account.host,
        "port": account.port,
        "security": "none",
        "username": account.username,
        "password": account.password,
        "folder": "INBOX",
        "processed_folder": "Verwerkt",
        "use_idle": "on",
        "poll_seconds": 60,
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_a_mailbox_is_added_and_its_password_kept_when_left_empty(admin_client, imap_account):
    response = admin_client.post("/admin/mail/mailbox/add/", form(imap_account))
    assert response.status_code == 302, response.content.decode()[:2000]
    mailbox = Mailbox.objects.get()
    assert mailbox.password == imap_account.password
    page = admin_client.get(f"/admin/mail/mailbox/{mailbox.pk}/change/").content.decode()
    assert imap_account.password not in page  # never shown back
    response = admin_client.post(f"/admin/mail/mailbox/{mailbox.pk}/change/", form(imap_account, password=""))
    assert response.status_code == 302
    assert Mailbox.objects.get().password == imap_account.password


def test_a_new_mailbox_needs_a_password(admin_client, imap_account):
    response = admin_client.post("/admin/mail/mailbox/add/", form(imap_account, password=""))
    assert response.status_code == 200
    assert "Een nieuwe mailbox heeft een wachtwoord nodig." in response.content.decode()
    assert not Mailbox.objects.exists()


def test_testing_the_connection_says_what_happened(admin_client, imap_account):
    good = Mailbox.objects.create(
        name="goed",
        host=imap_account.host,
        port=imap_account.port,
        security="none",
        username=imap_account.username,
        password=imap_account.password,
    )
    bad = Mailbox.objects.create(
        name="fout",
        host=imap_account.host,
        port=imap_account.port,
        security="none",
        username=imap_account.username,
        password="wrong",
    )
    response = admin_client.post(
        "/admin/mail/mailbox/",
        {"action": "test_connection", "_selected_action": [good.pk, bad.pk]},
        follow=True,
    )
    page = response.content.decode().lower()
    assert "goed: verbonden, 0 mail(s) in inbox" in page
    assert "fout: loginerror" in page


def test_received_mail_is_listed_read_only(admin_client):
    assert admin_client.get("/admin/mail/inboundmail/").status_code == 200
    assert admin_client.get("/admin/mail/inboundmail/add/").status_code == 403
