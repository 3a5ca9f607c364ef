"""Shared test set-up: no test may be skipped (CI fails on a skip)."""

from __future__ import annotations

import socket
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller
from hypothesis import settings

# Property tests check rules, not speed: on a busy machine (CI shares its two cores) one example can take longer
# than hypothesis's default deadline of 200 ms without anything being wrong. Speed is measured in bench/.
settings.register_profile("servicedesk", deadline=None)
settings.load_profile("servicedesk")


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    skipped = terminalreporter.stats.get("skipped", [])
    if skipped:
        terminalreporter.write_line(f"{len(skipped)} test(s) skipped: a skipped test fails the run", red=True)


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session, exitstatus) -> None:
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None and reporter.stats.get("skipped") and session.exitstatus == 0:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Each test starts with an empty cache (the desk keeps navigation counts there)."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


class Inbox:
    """An SMTP server on 127.0.0.1 that keeps what it receives."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.rcpt_tos, message_from_bytes(envelope.content, policy=policy.default)))
        return "250 OK"


@pytest.fixture
def smtp(settings):
    inbox = Inbox()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    yield inbox
    controller.stop()


# -- the customer most tests are about -----------------------------------------------------------------------------


@pytest.fixture
def korrel():
    """A customer: Bakkerij De Korrel."""
    from tests import factories

    return factories.customer("Bakkerij De Korrel")


@pytest.fixture
def anja(korrel):
    """Its main contact, who may report: anja@korrel.example."""
    from tests import factories

    return factories.contact(korrel, "Anja", main=True, email="anja@korrel.example")


@pytest.fixture
def desk(client):
    """The test client signed in to the desk as the agent anouk."""
    from tests import factories

    client.force_login(factories.agent("anouk"))
    return client
