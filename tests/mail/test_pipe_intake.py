"""E-mail intake through pipe mode (`servicedesk mail receive`) as an MTA alias runs it, a real process, and the
spool it writes to, which the worker takes in."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from servicedesk.mail.intake import spool_take
from servicedesk.mail.models import InboundMail
from servicedesk.mail.parse import parse_mail
from servicedesk.mail.pipeline import mail_process
from servicedesk.mail.spool import CLAIM_EXPIRES, spool_claim, spool_dir, spool_write
from servicedesk.mail.store import mail_store
from servicedesk.outbox.models import OutgoingMessage
from servicedesk.tickets.models import RefusedReport, Ticket
from tests import factories
from tests.helpers import database_url, mail

pytestmark = pytest.mark.django_db(transaction=True)


def pipe(raw: bytes, tmp_path, *options: str, env: dict | None = None) -> subprocess.CompletedProcess:
    """`servicedesk mail receive` as the MTA runs it: a process of its own, the mail on stdin."""
    environment = {**os.environ, "SERVICEDESK_VAR_DIR": str(tmp_path), "DATABASE_URL": database_url(), **(env or {})}
    return subprocess.run(
        [str(Path(sys.executable).with_name("servicedesk")), "mail", "receive", *options],
        input=raw,
        env=environment,
        capture_output=True,
        timeout=120,
    )


def receive(raw: bytes, tmp_path) -> subprocess.CompletedProcess:
    """A mail piped in and then taken in from the spool, as the worker does a moment later."""
    result = pipe(raw, tmp_path)
    assert result.returncode == 0, result.stderr
    assert spool_take(spool_dir(tmp_path)) == 1
    return result


def spooled(tmp_path) -> list[str]:
    return sorted(os.listdir(spool_dir(tmp_path) / "new"))


# What a process per mail never needs. Plain pipe mode only writes the mail to the spool: no Django, no database
# driver, no policy engine. With --now it processes the mail itself, and still never needs the pages (their views
# and URLs, which the system checks would load), PDF and Markdown rendering, the second factor of portal log-ins,
# the IMAP client, the LMTP listener, phone numbers, the REST API's framework and its validation library.
NOT_FOR_PROCESSING = (
    "servicedesk.urls",
    "servicedesk.desk.views",
    "servicedesk.portal.views",
    "servicedesk.billing.pdf",
    "weasyprint",
    "markdown",
    "pyotp",
    "imapclient",
    "aiosmtpd",
    "phonenumbers",
    "ninja",
    "pydantic",
)
NOT_FOR_SPOOLING = (*NOT_FOR_PROCESSING, "django", "psycopg", "sqlite3", "holidays", "servicedesk.policy")
LOADED = """
import sys
from servicedesk.cli import main
status = main(sys.argv[1:sys.argv.index("--")])
loaded = sorted(m for m in sys.modules if m.startswith(tuple(sys.argv[sys.argv.index("--") + 1:])))
sys.stderr.write("loaded: " + " ".join(loaded))
sys.exit(status)
"""


def loaded_by(command: list[str], raw: bytes, tmp_path, unwanted) -> subprocess.CompletedProcess:
    environment = {**os.environ, "SERVICEDESK_VAR_DIR": str(tmp_path), "DATABASE_URL": database_url()}
    return subprocess.run(
        [sys.executable, "-c", LOADED, *command, "--", *unwanted],
        input=raw,
        env=environment,
        capture_output=True,
        timeout=120,
    )


@pytest.fixture
def customer():
    return factories.customer("Bakkerij De Korrel")


@pytest.fixture
def anja(customer):
    return factories.contact(customer, "Anja de Vries", main=True, email="anja@korrel.example")


def test_a_new_mail_becomes_a_ticket_once(anja, tmp_path):
    raw = mail("Anja de Vries <Anja@Korrel.example>", "Printer piept", Message_ID="<a1@korrel.example>")
    result = receive(raw, tmp_path)
    assert result.stdout.startswith(b"mail spooled: ")
    ticket = Ticket.objects.get()
    assert (ticket.reporter, ticket.channel, ticket.subject, ticket.priority) == (
        anja,
        "email",
        "Printer piept",
        "standard",
    )
    assert "De printer piept." in ticket.messages.get().body
    assert InboundMail.objects.get().via == "pipe"
    assert OutgoingMessage.objects.filter(ticket=ticket, kind="acknowledgement").count() == 1
    receive(raw, tmp_path)  # the MTA delivered it twice
    assert Ticket.objects.count() == 1 and InboundMail.objects.count() == 1
    assert spooled(tmp_path) == [] and os.listdir(spool_dir(tmp_path) / "cur") == []


def test_pipe_mode_only_writes_the_mail_to_the_spool(anja, tmp_path):
    """The command's own entry point in a fresh interpreter, as the MTA starts it for each mail: it loads neither
    Django nor a database driver, and the mail waits in the spool, whole, until it is taken in."""
    raw = mail("anja@korrel.example", "Printer piept", Message_ID="<lean@korrel.example>")
    result = loaded_by(["mail", "receive"], raw, tmp_path, NOT_FOR_SPOOLING)
    assert result.returncode == 0, result.stderr
    assert result.stderr.decode().splitlines()[-1] == "loaded: "
    (name,) = spooled(tmp_path)
    assert (spool_dir(tmp_path) / "new" / name).read_bytes() == raw
    assert os.listdir(spool_dir(tmp_path) / "tmp") == []
    assert not InboundMail.objects.exists()
    assert spool_take(spool_dir(tmp_path)) == 1
    assert Ticket.objects.get().subject == "Printer piept"


def test_receive_now_processes_in_the_process_and_imports_only_what_intake_needs(anja, tmp_path):
    raw = mail("anja@korrel.example", "Printer piept", Message_ID="<now@korrel.example>")
    result = loaded_by(["mail", "receive", "--now"], raw, tmp_path, NOT_FOR_PROCESSING)
    assert result.returncode == 0, result.stderr
    assert b"processed" in result.stdout
    assert result.stderr.decode().splitlines()[-1] == "loaded: "
    assert Ticket.objects.get().subject == "Printer piept"
    again = pipe(raw, tmp_path, "--now")
    assert again.returncode == 0 and b"already received" in again.stdout
    assert Ticket.objects.count() == 1 and not os.path.exists(spool_dir(tmp_path))


def test_the_worker_takes_in_the_spool(anja, tmp_path, settings):
    from django.core.management import call_command

    settings.VAR_DIR = tmp_path
    for n in range(3):
        assert (
            pipe(mail("anja@korrel.example", f"Melding {n}", Message_ID=f"<w{n}@korrel.example>"), tmp_path).returncode
            == 0
        )
    call_command("worker", "--once", "--no-imap")
    assert sorted(Ticket.objects.values_list("subject", flat=True)) == ["Melding 0", "Melding 1", "Melding 2"]
    assert spooled(tmp_path) == []


def test_a_mail_too_large_is_refused_and_not_spooled(tmp_path):
    result = pipe(b"x" * 2000, tmp_path, env={"SERVICEDESK_MAIL_MAX_SIZE": "1000"})
    assert result.returncode == 65 and b"too large" in result.stderr
    assert not os.path.exists(spool_dir(tmp_path))


def test_a_spool_that_cannot_be_written_means_try_again_later(tmp_path):
    (tmp_path / "mail-spool").write_text("a file where the spool's directory should be")
    result = pipe(mail("anja@korrel.example", "Help"), tmp_path)
    assert result.returncode == 75 and b"try again later" in result.stderr


def test_a_reply_is_threaded_by_tag_and_by_in_reply_to(anja, tmp_path):
    receive(mail("anja@korrel.example", "Printer piept", Message_ID="<a1@korrel.example>"), tmp_path)
    ticket = Ticket.objects.get()
    receive(
        mail("anja@korrel.example", f"Re: [#{ticket.pk}] Uw melding", "Nog steeds.", Message_ID="<a2@korrel.example>"),
        tmp_path,
    )
    receive(
        mail(
            "anja@korrel.example",
            "Re: Printer piept",
            "En nu?",
            Message_ID="<a3@korrel.example>",
            In_Reply_To="<a1@korrel.example>",
        ),
        tmp_path,
    )
    assert Ticket.objects.count() == 1
    assert [m.body.strip() for m in ticket.messages.order_by("id")][1:] == ["Nog steeds.", "En nu?"]


def test_a_tag_of_another_customers_ticket_opens_a_new_ticket(anja, tmp_path):
    other = factories.contact(factories.customer("Ander BV"), "Otto", main=True, email="otto@ander.example")
    receive(mail("otto@ander.example", "Server", Message_ID="<o1@ander.example>"), tmp_path)
    theirs = Ticket.objects.get(reporter=other)
    receive(mail("anja@korrel.example", f"[#{theirs.pk}] meekijken", Message_ID="<a9@korrel.example>"), tmp_path)
    assert theirs.messages.count() == 1
    assert Ticket.objects.filter(reporter=anja).count() == 1


def test_unknown_and_unauthorised_senders_get_no_ticket(anja, customer, tmp_path):
    kees = factories.contact(customer, "Kees", email="kees@korrel.example")
    receive(mail("iemand@elders.example", "Help", Message_ID="<x1@elders.example>"), tmp_path)
    receive(mail("kees@korrel.example", "Help", Message_ID="<k1@korrel.example>"), tmp_path)
    receive(mail("kees@korrel.example", "Help nogmaals", Message_ID="<k2@korrel.example>"), tmp_path)
    assert not Ticket.objects.exists()
    assert sorted(RefusedReport.objects.values_list("reason", flat=True)) == [
        "not_authorised",
        "not_authorised",
        "unknown_sender",
    ]
    notices = OutgoingMessage.objects.filter(kind="refusal")
    assert [n.to_address for n in notices] == [kees.email]  # one a day, and only to a known contact


def test_reply_to_cannot_borrow_an_authorised_address(anja, tmp_path):
    receive(
        mail("boef@elders.example", "Betaal dit", Message_ID="<b1@elders.example>", Reply_To="anja@korrel.example"),
        tmp_path,
    )
    assert not Ticket.objects.exists()
    assert RefusedReport.objects.get().sender == "boef@elders.example"


@pytest.mark.parametrize(
    "headers", [{"Auto_Submitted": "auto-replied"}, {"Precedence": "bulk"}, {"List_Id": "<nieuws.korrel.example>"}]
)
def test_automatic_mail_is_kept_without_ticket_or_answer(anja, tmp_path, headers):
    receive(mail("anja@korrel.example", "Afwezig", Message_ID="<auto@korrel.example>", **headers), tmp_path)
    stored = InboundMail.objects.get()
    assert stored.status == InboundMail.Status.AUTOMATIC
    assert not Ticket.objects.exists() and not OutgoingMessage.objects.exists()


def test_same_message_id_with_other_bytes_is_kept_too(anja):
    first, _ = mail_store(mail("anja@korrel.example", "Een", Message_ID="<dup@korrel.example>"), via="pipe")
    second, created = mail_store(mail("iemand@elders.example", "Twee", Message_ID="<dup@korrel.example>"), via="pipe")
    assert created and first.pk != second.pk


def test_pipe_mode_needs_no_database_and_the_mail_waits_until_it_is_back(anja, tmp_path):
    raw = mail("anja@korrel.example", "Na de storing", Message_ID="<down@korrel.example>")
    away = {"DATABASE_URL": "postgres://postgres@127.0.0.1:1/nowhere"}
    assert pipe(raw, tmp_path, env=away).returncode == 0  # accepted: the MTA is done with it
    taking = subprocess.run(  # the worker's look while the database is away: the mail goes back to the spool
        [str(Path(sys.executable).with_name("servicedesk")), "mail", "process"],
        env={**os.environ, "SERVICEDESK_VAR_DIR": str(tmp_path), **away},
        capture_output=True,
        timeout=120,
    )
    assert taking.returncode == 75 and b"the spooled mail waits" in taking.stderr
    assert len(spooled(tmp_path)) == 1 and os.listdir(spool_dir(tmp_path) / "cur") == []
    assert spool_take(spool_dir(tmp_path)) == 1  # the database is back
    assert Ticket.objects.get().subject == "Na de storing"


def test_database_down_with_receive_now_means_try_again_later_and_the_retry_arrives(anja, tmp_path):
    raw = mail("anja@korrel.example", "Na de storing", Message_ID="<down@korrel.example>")
    result = pipe(raw, tmp_path, "--now", env={"DATABASE_URL": "postgres://postgres@127.0.0.1:1/nowhere"})
    assert result.returncode == 75, result.stderr
    assert b"try again later" in result.stderr
    assert not InboundMail.objects.exists()
    retry = pipe(raw, tmp_path, "--now")  # the MTA retries once the database is back
    assert retry.returncode == 0, retry.stderr
    assert Ticket.objects.get().subject == "Na de storing"


def test_a_claim_is_one_takers_and_one_left_behind_is_given_back(tmp_path):
    directory = spool_dir(tmp_path)
    written = [spool_write(f"mail {n}".encode(), directory).name for n in range(5)]
    first = spool_claim(directory, most=3)
    second = spool_claim(directory, most=3)
    assert [p.name for p in first] == written[:3] and [p.name for p in second] == written[3:]  # oldest first
    assert spool_claim(directory, most=3) == []
    old = time.time() - CLAIM_EXPIRES - 60
    os.utime(first[0], (old, old))  # its taker stopped long ago
    assert [p.name for p in spool_claim(directory, most=3)] == [written[0]]


def test_a_quarantined_mail_is_processed_again(anja):
    stored, _ = mail_store(mail("anja@korrel.example", "Later", Message_ID="<q1@korrel.example>"), via="pipe")
    InboundMail.objects.filter(pk=stored.pk).update(status=InboundMail.Status.QUARANTINED, reason="test")
    processed = mail_process(stored)
    assert processed.status == InboundMail.Status.PROCESSED and processed.ticket is not None


def test_parse_latin1_and_html_only():
    latin = (
        b"From: a@b.example\r\nSubject: =?iso-8859-1?q?Caf=E9?=\r\nContent-Type: text/plain; charset=iso-8859-1"
        b"\r\nContent-Transfer-Encoding: 8bit\r\n\r\nCaf\xe9 au lait\r\n"
    )
    parsed = parse_mail(latin)
    assert (parsed.subject, parsed.text) == ("Café", "Café au lait")
    html = (
        b"From: a@b.example\r\nSubject: x\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
        b"<p>Hallo <b>daar</b></p><script>evil()</script>"
    )
    text = parse_mail(html).text
    assert "Hallo" in text and "daar" in text and "evil" not in text


def test_agents_see_and_retry_quarantined_mail(client, anja):
    agent = factories.agent()
    client.force_login(agent)
    stored, _ = mail_store(mail("anja@korrel.example", "Vastgelopen", Message_ID="<q2@korrel.example>"), via="pipe")
    InboundMail.objects.filter(pk=stored.pk).update(status=InboundMail.Status.QUARANTINED, reason="OperationalError: x")
    page = client.get("/desk/mail/quarantine/").content.decode()
    assert "OperationalError: x" in page
    response = client.post(f"/desk/mail/{stored.pk}/reprocess/")
    assert response.status_code == 302
    stored.refresh_from_db()
    assert stored.status == InboundMail.Status.PROCESSED and stored.ticket.subject == "Vastgelopen"


def test_mail_stored_but_not_processed_is_processed_by_the_worker(anja):
    """As after a pipe delivery whose processing found the database gone: exit 0 (the mail is stored), and the
    worker's sweep processes it a minute later."""
    from datetime import timedelta

    from django.core.management import call_command
    from django.utils import timezone

    recent = mail_store(mail("anja@korrel.example", "Net binnen", Message_ID="<s2@korrel.example>"), via="pipe")[0]
    left = mail_store(
        mail("anja@korrel.example", "Blijven liggen", Message_ID="<s1@korrel.example>"),
        via="pipe",
        now=timezone.now() - timedelta(minutes=2),
    )[0]
    call_command("worker", "--once", "--no-imap")
    left.refresh_from_db()
    recent.refresh_from_db()
    assert (left.status, left.ticket.subject) == ("processed", "Blijven liggen")
    assert recent.status == "stored"  # a listener may be processing it right now: left to it for a minute


def test_a_reply_by_mail_tells_the_assigned_agent_in_the_desk(anja, tmp_path, client):
    from servicedesk.tickets.services import ticket_assign

    agent = factories.agent("marloes")
    receive(mail("anja@korrel.example", "Printer piept", Message_ID="<a1@korrel.example>"), tmp_path)
    ticket = Ticket.objects.get()
    ticket_assign(ticket=ticket, actor=factories.agent("joost"), assignee=agent)
    result = receive(
        mail("anja@korrel.example", f"Re: [#{ticket.pk}] Uw melding", "Nog steeds.", Message_ID="<a2@korrel.example>"),
        tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert list(agent.notifications.values_list("kind", "ticket_id")) == [
        ("customer_replied", ticket.pk),
        ("assigned", ticket.pk),
    ]
    client.force_login(agent)
    page = client.get("/desk/notifications/").content.decode()
    assert "De klant heeft gereageerd" in page and f"#{ticket.pk} Printer piept" in page
