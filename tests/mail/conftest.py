"""Mail test fixtures: a real Dovecot IMAP server for the session, a fresh account per test."""

from __future__ import annotations

import pytest

from tests.mail.dovecot import Account, Dovecot


@pytest.fixture(autouse=True)
def no_mail_loop_cap(settings, monkeypatch):
    """These tests send a sender's mails by the dozen to test batches, kills and transports, not the cap on new
    tickets per sender (a mail-loop guard; tests/mail/test_mail_loop.py sets it back): lifted here, also for the
    processes they start."""
    settings.SERVICEDESK_MAIL_TICKETS_PER_SENDER = 1_000_000
    monkeypatch.setenv("SERVICEDESK_MAIL_TICKETS_PER_SENDER", "1000000")


@pytest.fixture(scope="session")
def dovecot():
    server = Dovecot()
    yield server
    server.stop()


@pytest.fixture
def imap_account(dovecot) -> Account:
    return dovecot.account()


@pytest.fixture
def mailbox_for(imap_account):
    """A Mailbox row (as configured in the admin) for the test's IMAP account."""
    from servicedesk.mail.models import Mailbox

    def make(**fields) -> Mailbox:
        values = {
            "name": f"desk-{imap_account.username}",
            "host": imap_account.host,
            "port": imap_account.port,
            "security": Mailbox.Security.NONE,
            "username": imap_account.username,
            "password": imap_account.password,
            **fields,
        }
        return Mailbox.objects.create(**values)

    return make
