"""Helpers shared by test modules (fixtures live in conftest.py files; test modules never import each other)."""

from __future__ import annotations

import re
import struct
import time
import zlib
from datetime import date, datetime
from email.message import EmailMessage
from pathlib import Path
from zoneinfo import ZoneInfo

# -- processes of their own --------------------------------------------------------------------------------------


def database_url() -> str:
    """The test database as a DATABASE_URL, for a process of its own (the worker, `mail receive`, servers)."""
    from django.db import connection

    db = connection.settings_dict
    if connection.vendor == "postgresql":
        return f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    return f"sqlite:///{db['NAME']}"


# -- local time -------------------------------------------------------------------------------------------------

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
REPORTS_READ_AT = datetime(2026, 11, 30, 12, 0, tzinfo=AMSTERDAM)  # a Monday: the reports' tests read them now


def local(text: str) -> datetime:
    """'2026-11-24T11:00' as an aware Amsterdam datetime."""
    return datetime.fromisoformat(text).replace(tzinfo=AMSTERDAM)


def on_day(day: date, hour: int = 10) -> datetime:
    """A moment on a day, Amsterdam time (services date their changes by the local day)."""
    return datetime(day.year, day.month, day.day, hour, tzinfo=AMSTERDAM)


# -- mail ---------------------------------------------------------------------------------------------------------

OUR_AUTHSERV_ID = "mx.qiqq.example"


def mail(sender: str, subject: str, body: str = "Hallo,\n\nDe printer piept.\n", **headers) -> bytes:
    """A plain text mail to the service desk; `headers` with underscores for dashes (In_Reply_To=...)."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = "servicedesk@qiqq.example"
    message["Subject"] = subject
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content(body)
    return bytes(message)


def mails_written(directory) -> list[str]:
    """The mails Django's file backend wrote under `directory` (`var/sent-mail/`): a file holds every mail of one
    connection, each followed by a line of dashes."""
    separator = "\n" + "-" * 79 + "\n"
    return [mail for path in sorted(directory.iterdir()) for mail in path.read_text().split(separator) if mail.strip()]


def verdict(result: str, domain: str = "korrel.example", server: str = OUR_AUTHSERV_ID) -> str:
    """An Authentication-Results header value with this DMARC result."""
    return f"{server}; spf=pass smtp.mailfrom={domain}; dmarc={result} header.from={domain}"


# -- invoices -----------------------------------------------------------------------------------------------------

PEPPOL_RULES = ["CEN-EN16931-UBL.xsl", "PEPPOL-EN16931-UBL.xsl"]


def ubl_problems(xml: bytes) -> list[str]:
    """What the official EN 16931 and Peppol BIS 3.0 Schematron rules find wrong with a UBL document."""
    from peppol_py.validation import validate_peppol_document

    return [f"{e.get('id', '')} {e.get('text', e)}" for e in validate_peppol_document(xml, PEPPOL_RULES)]


# -- the portal ---------------------------------------------------------------------------------------------------

PORTAL_PASSWORD = "Koffie-Met-Appeltaart-42"


def link_of(outgoing) -> str:
    """The site-relative link in a mailed notice (an invitation, a password reset)."""
    return re.search(r"http://[^\s]+", outgoing.body).group(0).removeprefix("http://127.0.0.1:8000")


def portal_account(contact, agent) -> None:
    """Invite and set the password, as the contact would through the mail."""
    from django.test import Client

    from servicedesk.portal.services import portal_invite

    outgoing = portal_invite(contact=contact, actor=agent)
    browser = Client()
    form_url = browser.get(link_of(outgoing), follow=True).redirect_chain[-1][0]
    response = browser.post(form_url, {"new_password1": PORTAL_PASSWORD, "new_password2": PORTAL_PASSWORD})
    assert response.status_code == 302


def portal_signed_in(client, contact, agent):
    """`client` signed in to the portal as `contact` (invited by `agent` first)."""
    portal_account(contact, agent)
    response = client.post("/portal/login/", {"email": contact.email, "password": PORTAL_PASSWORD})
    assert response.status_code == 302, response.content.decode()[:500]
    return client


# -- the browser --------------------------------------------------------------------------------------------------


def desk_sign_in(page, live_server, username: str = "anouk", password: str = "s3cret-pass") -> None:
    """Sign in to the desk in a real browser, as an agent made by `factories.agent`."""
    from playwright.sync_api import expect

    page.goto(f"{live_server.url}/desk/")
    expect(page.get_by_role("heading", name="Aanmelden bij de desk")).to_be_visible()
    page.get_by_label("Gebruikersnaam").fill(username)
    page.get_by_label("Wachtwoord").fill(password)
    page.get_by_role("button", name="Aanmelden").click()
    expect(page.get_by_role("heading", name="Overzicht", exact=True)).to_be_visible()  # the dashboard


# -- every page --------------------------------------------------------------------------------------------------


#: A premium rate card of a contract: `high` answered within 4 office hours, and other rates.
PREMIUM_LEVELS = {
    "managed": {
        "standard": {"instead": "high"},
        "high": {"response": "4h", "rate": "free"},
        "direct": {"response": "1h", "rate": "110.00"},
    },
    "unmanaged": {
        "standard": {"response": "16h", "rate": "60.00"},
        "high": {"response": "4h", "rate": "75.00"},
        "direct": {"response": "1h", "rate": "110.00"},
    },
    "functional": {
        "standard": {"response": "16h", "rate": "60.00"},
        "high": {"response": "4h", "rate": "75.00"},
        "direct": {"response": "1h", "rate": "110.00"},
    },
}


def world_of_every_page() -> dict:
    """Something on every page: an agent with the billing role, a customer with a contact on the portal, a ticket
    with its history, a manual, an invoice, a shift, an alert and a project; made of words of neither Dutch nor English
    (see tests/core/test_every_page_in_both_languages.py). `every_page` lists the pages, ids to fill in."""
    from datetime import date, timedelta
    from decimal import Decimal

    from django.contrib.auth.models import Permission
    from django.utils import timezone

    from servicedesk.billing.models import Invoice
    from servicedesk.billing.services import billing_run_confirm, billing_run_create
    from servicedesk.contracts import services as contracts
    from servicedesk.contracts.models import BundleDebit
    from servicedesk.customers.services import matrix_item_add
    from servicedesk.mail.pipeline import mail_process
    from servicedesk.mail.store import mail_store
    from servicedesk.manuals.services import manual_save
    from servicedesk.oncall.alerts import alert_raise
    from servicedesk.oncall.models import Shift
    from servicedesk.projects import services as projects
    from servicedesk.tickets import services
    from servicedesk.webhooks.services import subscription_create
    from tests import factories

    agent = factories.biller("qxz")
    agent.user_permissions.add(Permission.objects.get(codename="manage_webhooks"))
    webhook, _secret = subscription_create(owner=agent, url="https://zyx.example/qxz", events=["ticket.updated"])
    customer = factories.customer("Zyx Qorp", code="zyx")
    anja = factories.contact(customer, "Xyla Qyn", main=True, email="xyla@zyx.example", phones=["0307116193"])
    factories.portal_user(anja, PORTAL_PASSWORD)
    item = matrix_item_add(customer=customer, name="Qyx", description="Zxq.", actor=agent)
    now = timezone.now()
    start = timezone.localtime(now - timedelta(days=3)).replace(hour=19, minute=0)
    ticket = services.ticket_create(reporter=anja, subject="Qwx zyx", body="Zyq xwq.", channel="email", now=start)
    services.ticket_classify(ticket=ticket, actor=agent, reason="Qyz", priority="high", now=start + timedelta(hours=1))
    services.ticket_reply(ticket=ticket, actor=agent, body="Xyq qwz.")
    services.ticket_note(ticket=ticket, actor=agent, body="Zqx.")
    services.time_entry_add(ticket=ticket, agent=agent, start=start, minutes=155)
    services.time_entry_add(ticket=ticket, agent=agent, start=start, minutes=30, kind="travel")
    services.report_refuse(channel="email", sender="qq@zz.example", reason="unknown_sender", subject="Qzz")
    manual_save(actor=agent, title="Qxy zyq", body="Zyx **qxw**.")
    run = billing_run_create(actor=agent, period_start=date(2020, 1, 1), period_end=timezone.localdate(now))
    billing_run_confirm(run, actor=agent)
    Shift.objects.create(
        agent=agent, phone="+31612345678", starts_at=now - timedelta(days=1), ends_at=now + timedelta(days=1)
    )
    alert_raise(ticket=ticket, now=now)
    automatic, _ = mail_store(b"Precedence: bulk\n" + mail("xyla@zyx.example", "Qyx zqw", "Zyq."), via="pipe")
    mail_process(automatic)
    invoice = Invoice.objects.get(customer=customer)
    project = projects.project_create(
        customer=customer,
        name="Qyz wxq",
        kind="migration",
        actor=agent,
        matrix_items=[item],
        lead=agent,
        description="Zqy xwq.",
    )
    phase = projects.phase_add(project=project, name="Wqz", actor=agent, milestone=True)
    task = projects.task_add(
        project=project,
        phase=phase,
        title="Zxw qy",
        actor=agent,
        assignee=agent,
        due_date=timezone.localdate(now),
        estimate_minutes=90,
    )
    projects.task_add(project=project, phase=phase, title="Qwy zx", actor=agent, assignee=agent)
    projects.task_set_done(project=project, task=task, done=True, actor=agent)
    projects.project_link_ticket(project=project, ticket=ticket, actor=agent)
    from servicedesk.projects import quote_services

    quote = quote_services.quote_create(
        project=project, actor=agent, billing_mode="time_and_materials", hourly_rate_cents=9500
    )
    quote_services.quote_line_add(
        quote=quote, actor=agent, kind="travel", description="Zyq", quantity=Decimal(2), unit_price_cents=3250
    )
    quote = quote_services.quote_send(quote=quote, actor=agent)
    quote_services.quote_new_version(quote=quote, actor=agent)  # the project page shows the draft's builder
    other = projects.project_create(customer=customer, name="Zwq", kind="inventory", actor=agent)
    offer = quote_services.quote_create(project=other, actor=agent, billing_mode="fixed_price", hourly_rate_cents=9500)
    quote_services.quote_line_add(
        quote=offer, actor=agent, kind="fixed", description="Qwz", quantity=Decimal(1), unit_price_cents=125000
    )
    offer = quote_services.quote_send(quote=offer, actor=agent)  # the portal's quote page, open for a decision
    contract = contracts.contract_create(
        customer=customer,
        name="Qzw xyq",
        billing_period="month",
        start=date(2020, 1, 1),
        actor=agent,
        service_levels=PREMIUM_LEVELS,
    )
    line = contracts.line_add(contract=contract, actor=agent, matrix_item=item, quantity=3, unit_price_cents=2500)
    contracts.line_quantity_change(line=line, quantity=4, actor=agent)
    contracts.line_add(contract=contract, actor=agent, description="Xqz wy", quantity=1, unit_price_cents=990)
    bundle = contracts.bundle_sell(customer=customer, hours=10, price_cents=60000, actor=agent)
    BundleDebit.objects.create(
        bundle=bundle,
        amount_cents=8500,
        paid_kind="time_entry",
        paid_id=1,
        description="#1 Qwx zyx",
        on=now.date(),
        created_at=now,
    )
    ids = {
        "webhook": webhook.pk,
        "ticket": ticket.pk,
        "anja": anja.pk,
        "customer": customer.pk,
        "run": run.pk,
        "invoice": invoice.pk,
        "item": item.pk,
        "mail": automatic.pk,
        "project": project.pk,
        "task": task.pk,
        "quote": offer.pk,
        "contract": contract.pk,
    }
    return {"agent": agent, "customer": customer, "anja": anja, "ticket": ticket, "run": run, "ids": ids}


class every_page:
    """The pages of the site, `{ticket}` and the like to be filled in from `world_of_every_page()['ids']`."""

    DESK = [
        "/desk/",
        "/desk/queue/open/",
        "/desk/queue/closed/",
        "/desk/reports/sla/",
        "/desk/reports/sla/?period=year&group=month",
        "/desk/reports/sla/tickets/?outcome=tickets",
        "/desk/reports/workload/",
        "/desk/reports/workload/?period=year&by=support_type",
        "/desk/reports/time/",
        "/desk/reports/time/?period=year&by=band",
        "/desk/tickets/{ticket}/",
        "/desk/phone/",
        "/desk/phone/?q=Xyla",
        "/desk/phone/{anja}/",
        "/desk/customers/",
        "/desk/customers/{customer}/",
        "/desk/customers/new/",
        "/desk/customers/{customer}/edit/",
        "/desk/customers/{customer}/contacts/new/",
        "/desk/contacts/{anja}/edit/",
        "/desk/customers/{customer}/services/new/",
        "/desk/services/{item}/edit/",
        "/desk/refused/",
        "/desk/mail/quarantine/",
        "/desk/mail/automatic/",
        "/desk/mail/{mail}/",
        "/desk/notifications/",
        "/desk/manuals/",
        "/desk/manuals/new/",
        "/desk/projects/",
        "/desk/projects/new/",
        "/desk/projects/{project}/",
        "/desk/projects/{project}/edit/",
        "/desk/projects/{project}/tasks/{task}/",
        "/desk/tasks/mine/",
        "/desk/contracts/",
        "/desk/contracts/new/",
        "/desk/contracts/{contract}/",
        "/desk/contracts/{contract}/edit/",
        "/desk/customers/{customer}/bundles/new/",
        "/desk/billing/",
        "/desk/billing/runs/{run}/",
        "/desk/billing/invoices/{invoice}/",
        "/desk/oncall/",
        "/desk/alerts/",
        "/desk/account/",
        "/desk/webhooks/",
        "/desk/webhooks/{webhook}/",
        "/",
        "/admin/",
    ]
    PORTAL = [
        "/portal/",
        "/portal/tickets/new/",
        "/portal/tickets/{ticket}/",
        "/portal/services/",
        "/portal/manuals/",
        "/portal/invoices/",
        "/portal/overview/",
        "/portal/projects/",
        "/portal/quotes/{quote}/",
        "/portal/prepaid/",
        "/portal/account/",
    ]
    SIGNED_OUT = ["/desk/login/", "/portal/login/", "/portal/password/forgot/"]


# -- a mail with a picture of its own ---------------------------------------------------------------------------


def png(width: int = 3, height: int = 2) -> bytes:
    """A real PNG of red pixels."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def reply_with_picture(sender: str = "anja@korrel.example") -> bytes:
    """A reply as Outlook writes it: HTML with a pasted picture (`cid:`) and a remote tracker image."""
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = sender, "servicedesk@qiqq.example", "Foutmelding"
    message["Message-ID"] = "<inline-1@korrel.example>"
    message.set_content("Zie de schermafdruk.")
    message.add_alternative(
        '<p>Zie de schermafdruk:</p><img src="cid:image001.png@01DB3C2A.5E6F7A80" alt="schermafdruk">'
        '<img src="https://tracker.example/open.gif" alt="">',
        subtype="html",
    )
    html = message.get_payload()[1]
    html.add_related(png(), maintype="image", subtype="png", cid="<image001.png@01DB3C2A.5E6F7A80>")
    return bytes(message)


def migrate(targets) -> None:
    """Migrate the test database to `targets` ([(app, migration name)]), forwards or backwards."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)


def latest_migrations() -> list[tuple[str, str]]:
    """Every app's last migration: where the tests after a migration test need the tables."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    return MigrationExecutor(connection).loader.graph.leaf_nodes()


# -- a webhook receiver -------------------------------------------------------------------------------------------


class WebhookReceiver:
    """An HTTP server on 127.0.0.1 in a thread that keeps what it receives: (headers, body) of each POST. It
    answers each request with the next of `answers` (a status code, or "slow": it waits `slow_seconds` before
    answering 200, longer than the desk waits), and 200 once they are used up."""

    def __init__(self, slow_seconds: float = 2.0):
        import http.server
        import threading

        self.received: list[tuple[dict, bytes]] = []
        self.answers: list[int | str] = []
        self.slow_seconds = slow_seconds
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                answer = receiver.answers.pop(0) if receiver.answers else 200
                receiver.received.append((dict(self.headers), body))
                if answer == "slow":
                    time.sleep(receiver.slow_seconds)
                    answer = 200
                self.send_response(answer)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format, *args):  # quiet in the test output
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def events(self) -> list[tuple[str, int]]:
        """(type, object id) of each delivery received, in order."""
        import json

        return [(json.loads(body)["type"], json.loads(body)["data"]["id"]) for _headers, body in self.received]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def webhook_admin(username: str = "wim"):
    """An agent with the admin role for webhooks."""
    from django.contrib.auth.models import Permission

    from tests import factories

    user = factories.agent(username, first_name="Wim", last_name="Beheer")
    user.user_permissions.add(Permission.objects.get(codename="manage_webhooks"))
    return user


def pdf_text(pdf: bytes, tmp_path=None, *, layout: bool = False) -> str:
    """A PDF's text as poppler's pdftotext reads it: in reading order, or with `layout` in its layout."""
    import subprocess
    import tempfile

    with tempfile.TemporaryDirectory(dir=tmp_path) as folder:
        path = Path(folder) / "document.pdf"
        path.write_bytes(pdf)
        mode = "-layout" if layout else "-raw"
        return subprocess.run(["pdftotext", mode, str(path), "-"], capture_output=True, text=True, check=True).stdout


def unbilled_stored() -> dict:
    """The reports' summary of unbilled minutes, per customer id."""
    from servicedesk.reports.models import UnbilledWork

    return dict(UnbilledWork.objects.values_list("customer_id", "minutes"))


def unbilled_recounted() -> dict:
    """Each customer's minutes that no billing line bills, one entry at a time (what `unbilled_stored` must be)."""
    from collections import Counter

    from servicedesk.tickets.models import TimeEntry

    found: Counter = Counter()
    for entry in TimeEntry.objects.select_related("ticket"):
        if not entry.is_billed:
            found[entry.ticket.customer_id] += entry.minutes
    return dict(found)
