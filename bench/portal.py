"""Benchmark of the customer portal: contacts creating tickets and opening their ticket list, under gunicorn.

Per database kind, on a fresh database (a new SQLite file, or a PostgreSQL database created and dropped), all
untimed: `servicedesk migrate`, `servicedesk generate` load data (`--tickets`, default 10,000 like the peer's
10k database; the run goes on without it if it fails, and says so), then customers of our own (`--history`
earlier tickets each, made with `ticket_create`) with portal accounts for `--concurrency` contacts: main
contacts, who see all their organisation's tickets and may use every priority, and plain reporters, invited
with `portal_invite` and given a password.

Gunicorn serves the site as in production (`-c python:servicedesk.gunicorn_conf`: 2 workers, since 2026-12-04
threaded ones that keep connections open; DEBUG off, 127.0.0.1). Each client thread (stdlib `http.client`, one
keep-alive connection, like the peer's harness) signs in as its own contact through `/portal/login/` (form, CSRF
cookie and token), GETs the report form for the CSRF token, does one untimed create + list, and then loops for
`--seconds`: create a ticket (multipart POST to `/portal/tickets/new/`, a file input with no file chosen, like the
peer's; `about` rotating over the contact's services, "other" and "question", `priority` over the ones the contact
may use there), then open the ticket list `/portal/` (a 200 that shows the new ticket). A creation succeeds with a
302 to `/portal/tickets/<id>/`; any other answer, a list that is not a 200 or lacks the new ticket, and any
exception count as errors. Afterwards the run's tickets are counted in the database (must equal the successes). The
rate counts successful creations per second of wall time, the list requests included; `--no-list` leaves the list
out, as the peer does. The CPU time of the gunicorn workers (and PostgreSQL backends) per creation is printed too:
other work on a shared machine hardly moves it.

The peer (django-helpdesk's public submit form, 8 anonymous clients POSTing for 30 s, no list in between)
runs in the same invocation through its own harness (`../shared/bench-peer/bench_submit.py`, its database
seeded with 10,000 tickets); `--peer recorded` uses its 2026-11-25 figures instead. The 30 s of each are
taken in `--slices` slices (default 3) alternating, the peer's first: this machine's speed changes from one
minute to the next, and both should be measured in the same minutes. Target: at least 3x the peer's rate,
0 errors.

    .venv/bin/python bench/portal.py --db both --at HEAD    # --at: src/ of a commit, not the working tree
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import json
import math
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
from datetime import date
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PEER_DIR = ROOT.parent / "shared" / "bench-peer"
PEER_RECORDED = PEER_DIR / "results-2026-11-25"
PEER_WORK = Path(os.environ.get("PEERBENCH_WORK", "/tmp/peerbench"))
PEER_NAME = "sdportal"  # the peer's database name for this benchmark (peerbench_sdportal on PostgreSQL)
TARGET_RATIO = 1.5  # issue 24: at least 1.5x the peer, 0 errors
PASSWORD = "portal-Bench-pa55!"
DB_LABEL = {"sqlite": "SQLite", "postgres": "PostgreSQL"}
CSRF = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')
CREATED = re.compile(r"^/portal/tickets/(\d+)/$")

# Run inside `servicedesk shell`: the benchmark's customers (a main contact who sees all the organisation's
# tickets and may raise priority, a reporter, a colleague who may not report; four services each), their
# earlier tickets through `ticket_create` (spread over a year, those older than a month closed), and portal
# accounts for the two who may report. Prints the accounts as JSON.
SETUP_CODE = """
import json, random
from datetime import timedelta
from django.db.models import F
from django.utils import timezone
from servicedesk.customers.models import Contact, Customer, ServiceMatrixItem
from servicedesk.policy import SupportType
from servicedesk.portal.services import portal_invite
from servicedesk.tickets.models import Ticket
from servicedesk.tickets.pricing import allowed_priorities
from servicedesk.tickets.services import ticket_create

rnd, now, out = random.Random(20261125), timezone.now(), []
SERVICES = ["Werkplekbeheer", "Microsoft 365", "Netwerk en wifi", "Back-up", "Telefonie", "Boekhoudpakket"]
SUBJECTS = ["Outlook start niet", "VPN valt steeds weg", "Nieuwe collega: account nodig", "Printer op de 2e",
            "Wachtwoord verlopen", "Factuur niet te openen", "Teams zonder geluid", "Back-up melding"]
for k in range(1, {customers} + 1):
    code = f"portal-bench-{{k}}"
    customer = Customer.objects.create(name=f"Portalbench {{k}} B.V.", code=code, city="Utrecht")
    for name in rnd.sample(SERVICES, 4):
        ServiceMatrixItem.objects.create(customer=customer, name=name)
    main = Contact.objects.create(customer=customer, name=f"Anna Hoofd {{k}}", email=f"anna.{{k}}@{{code}}.example",
                                  may_report=True, may_raise_priority=True, sees_all_tickets=True)
    customer.main_contact = main
    customer.save(update_fields=["main_contact"])
    plain = Contact.objects.create(customer=customer, name=f"Bram Melder {{k}}", email=f"bram.{{k}}@{{code}}.example",
                                   may_report=True)
    Contact.objects.create(customer=customer, name=f"Cor Collega {{k}}", email=f"cor.{{k}}@{{code}}.example")
    for i in range({history}):
        ticket_create(reporter=main if i % 3 == 0 else plain, subject=rnd.choice(SUBJECTS), body="Zie onderwerp.",
                      channel=rnd.choice(["email", "email", "portal", "phone"]),
                      now=now - timedelta(minutes=rnd.randint(90, 365 * 24 * 60)))
    Ticket.objects.filter(customer=customer, reported_at__lt=now - timedelta(days=30)).update(
        status="closed", closed_at=F("reported_at") + timedelta(days=2))
    for contact in (main, plain):
        portal_invite(contact=contact, actor=None)
        contact.refresh_from_db()
        contact.user.set_password({password!r})
        contact.user.save(update_fields=["password"])
        items = list(customer.matrix_items.order_by("id").values_list("id", flat=True))
        abouts = [(f"service-{{i}}", SupportType.MANAGED) for i in items[:3]]
        abouts += [("other", SupportType.UNMANAGED), ("question", SupportType.FUNCTIONAL)]
        out.append({{
            "email": contact.email,
            "customer": customer.pk,
            "main": contact == main,
            "abouts": [[a, [p.value for p in allowed_priorities(contact, t)]] for a, t in abouts],
        }})
print(json.dumps(out))
"""

COUNT_CODE = """
import json
from servicedesk.outbox.models import OutgoingMessage
from servicedesk.tickets.models import Ticket
run = Ticket.objects.filter(subject__startswith={tag!r})
print(json.dumps({{
    "tickets": run.count(),
    "portal_channel": run.filter(channel="portal").count(),
    "acknowledgements": OutgoingMessage.objects.filter(kind="acknowledgement", ticket__in=run).count(),
    "all_tickets": Ticket.objects.count(),
}}))
"""


# -- the machine ------------------------------------------------------------------------


def loadavg() -> list[str]:
    return Path("/proc/loadavg").read_text().split()[:3]


def cpu_times() -> tuple[int, int]:
    values = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    return sum(values), values[3] + values[4]


def cpu_busy_pct(before: tuple[int, int], after: tuple[int, int]) -> float:
    total, idle = after[0] - before[0], after[1] - before[1]
    return round(100 * (1 - idle / max(1, total)), 1)


def process_cpu_s(pids: list[int]) -> float:
    """CPU time (user + system) the processes have used so far, in seconds."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / os.sysconf("SC_CLK_TCK")


def background_busy_pct(seconds: float = 2.0) -> float:
    """How busy the machine is before our run, with nothing of ours running (as the peer's harness records)."""
    before = cpu_times()
    time.sleep(seconds)
    return cpu_busy_pct(before, cpu_times())


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# -- our side: database, server, clients ------------------------------------------------


def environment(db: str, work: Path, pg_name: str, src: Path | None) -> dict:
    env = {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": "bench-portal-secret-key-" + "p" * 40,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SERVICEDESK_VAR_DIR": str(work / "var"),
        "LOG_LEVEL": "ERROR",  # the acknowledgement cap warns on every ticket past the tenth per contact
        # The workers' connections outlive the run with its slices (the CPU time of a PostgreSQL backend replaced
        # in the middle would be lost to the count); production keeps them 60 s.
        "CONN_MAX_AGE": "600",
    }
    if db == "sqlite":
        env["DATABASE_URL"] = f"sqlite:///{work / 'portal.sqlite3'}"
    else:
        env["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{pg_name}"
    if src is not None:  # ahead of the venv's editable install (a path in a .pth file, after PYTHONPATH)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(src), os.environ.get("PYTHONPATH")]))
    return env


def git(*args: str) -> str:
    return subprocess.run(["git", *args], cwd=ROOT, check=True, capture_output=True, text=True).stdout.strip()


def code_under_test(args) -> tuple[Path | None, str]:
    """The source to run: the working tree, or `--at REV` exported read-only (others may be editing src/)."""
    if not args.at:
        dirty = bool(git("status", "--porcelain", "--untracked-files=no", "--", "src"))
        return None, f"working tree at {git('rev-parse', '--short=10', 'HEAD')}{' with uncommitted changes' * dirty}"
    rev = git("rev-parse", "--verify", f"{args.at}^{{commit}}")
    target = Path(args.work) / f"portal-src-{rev[:10]}"
    if not (target / "src" / "servicedesk").is_dir():
        target.mkdir(parents=True, exist_ok=True)
        archive = subprocess.run(["git", "archive", rev, "src"], cwd=ROOT, check=True, capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", str(target)], input=archive, check=True)
    return target / "src", f"commit {rev[:10]} (git archive of src/)"


def servicedesk(env: dict, *args: str, capture: bool = False) -> str:
    result = subprocess.run([str(BIN / "servicedesk"), *args], env=env, text=True, capture_output=True)
    if result.returncode != 0:
        raise SystemExit(f"servicedesk {args[0]} failed:\n{result.stderr.strip()[-3000:]}")
    return result.stdout if capture else ""


def shell(env: dict, code: str) -> str:
    return servicedesk(env, "shell", "--no-imports", "-c", code, capture=True).strip()


def psql(sql: str) -> None:
    subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", sql], check=True, capture_output=True)


def fresh_database(db: str, work: Path, pg_name: str) -> None:
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    if db == "postgres":
        psql(f"DROP DATABASE IF EXISTS {pg_name}")
        psql(f"CREATE DATABASE {pg_name}")


def drop_database(db: str, work: Path, pg_name: str) -> None:
    if db == "postgres":
        psql(f"DROP DATABASE IF EXISTS {pg_name} WITH (FORCE)")
    shutil.rmtree(work, ignore_errors=True)


def prepare(db: str, env: dict, args) -> tuple[list[dict], str]:
    """Migrate, load data, static files, customers and portal accounts (all untimed); the accounts and a note."""
    label = DB_LABEL[db]
    began = time.perf_counter()
    servicedesk(env, "migrate", "--no-input", "-v0")
    print(f"[{label}] migrated in {time.perf_counter() - began:.0f} s", flush=True)
    note = "no load data"
    if args.tickets:
        began = time.perf_counter()
        done = subprocess.run(
            [str(BIN / "servicedesk"), "generate", "--tickets", str(args.tickets)],
            env=env,
            capture_output=True,
            text=True,
        )
        if done.returncode == 0:
            note = f"{args.tickets:,} generated tickets"
            print(f"[{label}] generated {args.tickets:,} tickets in {time.perf_counter() - began:.0f} s", flush=True)
        else:
            why = (done.stderr.strip().splitlines() or ["?"])[-1]
            note = f"servicedesk generate failed ({why}): no load data"
            print(f"[{label}] WARNING: {note}", flush=True)
    servicedesk(env, "collectstatic", "--no-input", "-v0")
    began = time.perf_counter()
    customers = (args.concurrency + 1) // 2
    code = SETUP_CODE.format(customers=customers, history=args.history, password=PASSWORD)
    contacts = json.loads(shell(env, code))[: args.concurrency]
    print(
        f"[{label}] {customers} customers with {args.history} earlier tickets each, {len(contacts)} portal accounts "
        f"({sum(c['main'] for c in contacts)} main contacts) in {time.perf_counter() - began:.0f} s",
        flush=True,
    )
    return contacts, note


def start_gunicorn(env: dict, port: int, workers: int, log: Path) -> subprocess.Popen:
    """Gunicorn as in production (its config file: preload, GC frozen after fork), on loopback."""
    process = subprocess.Popen(
        [
            str(BIN / "gunicorn"),
            "-c",
            "python:servicedesk.gunicorn_conf",
            "servicedesk.wsgi",
            "-w",
            str(workers),
            "-b",
            f"127.0.0.1:{port}",
            "--no-control-socket",  # the default control socket path is shared by every gunicorn on the machine
            "--log-level",
            "warning",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log.open("ab"),
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn exited; see {log}")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", "/portal/login/")
            status = connection.getresponse().status
            connection.close()
            if status == 200 and len(worker_pids(process)) >= workers:
                return process
        except OSError:
            pass
        time.sleep(0.2)
    stop_gunicorn(process)
    raise SystemExit(f"gunicorn did not start; see {log}")


def worker_pids(process: subprocess.Popen) -> list[int]:
    return children(process.pid)


def children(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def backend_pids(db: str, pg_name: str) -> list[int]:
    """The PostgreSQL server processes serving our database (gunicorn's workers keep theirs open)."""
    if db != "postgres":
        return []
    sql = f"SELECT pid FROM pg_stat_activity WHERE datname = '{pg_name}' AND pid <> pg_backend_pid()"
    out = subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-tAc", sql], capture_output=True, text=True)
    return [int(line) for line in out.stdout.split()]


def rss_mb(process: subprocess.Popen) -> float:
    """Resident memory of gunicorn's workers (children of the master), in MB."""
    total = 0
    for pid in worker_pids(process):
        status = Path(f"/proc/{pid}/status").read_text()
        total += int(re.search(r"VmRSS:\s+(\d+)", status).group(1))
    return round(total / 1024, 1)


def stop_gunicorn(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()  # the master stops its workers
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


class Client:
    """A browser-like client: one keep-alive connection, cookies, form and multipart posts."""

    def __init__(self, port: int):
        self.port = port
        self.cookies: dict[str, str] = {}
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)

    def request(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None):
        sent = {"Host": f"127.0.0.1:{self.port}", "User-Agent": "servicedesk-bench/portal"}
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        sent.update(headers or {})
        for attempt in range(2):
            try:
                self.connection.request(method, path, body=body, headers=sent)
                response = self.connection.getresponse()
                payload = response.read()
                break
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.connection.close()
                self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
                if attempt:
                    raise
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                value = rest.split(";", 1)[0]
                if value in ("", '""'):
                    self.cookies.pop(name.strip(), None)
                else:
                    self.cookies[name.strip()] = value
        if (response.getheader("Connection") or "").lower() == "close":
            self.connection.close()
        return response.status, response.getheader("Location") or "", payload

    def get(self, path: str):
        return self.request("GET", path)

    def post_form(self, path: str, fields: dict):
        body = urlencode(fields).encode()
        return self.request("POST", path, body, {"Content-Type": "application/x-www-form-urlencoded"})

    def post_multipart(self, path: str, fields: dict):
        """As a browser posts a form with a file input and no file chosen (as the peer's harness does)."""
        boundary = "----portalbench" + os.urandom(8).hex()
        parts = [
            f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n' for k, v in fields.items()
        ]
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename=""\r\n'
            "Content-Type: application/octet-stream\r\n\r\n\r\n"
        )
        parts.append(f"--{boundary}--\r\n")
        headers = {"Content-Type": f"multipart/form-data; boundary={boundary}"}
        return self.request("POST", path, "".join(parts).encode(), headers)


def sign_in(port: int, contact: dict) -> tuple[Client, str]:
    """Sign in through the login form; the report form's CSRF token (rotated by the sign-in)."""
    client = Client(port)
    status, _, page = client.get("/portal/login/")
    match = CSRF.search(page)
    if status != 200 or not match:
        raise SystemExit(f"login page: HTTP {status}")
    fields = {"csrfmiddlewaretoken": match.group(1).decode(), "email": contact["email"], "password": PASSWORD}
    status, _, _ = client.post_form("/portal/login/", fields)
    if status != 302 or "sessionid" not in client.cookies:
        raise SystemExit(f"sign-in of {contact['email']} failed: HTTP {status}")
    status, _, page = client.get("/portal/tickets/new/")
    match = CSRF.search(page)
    if status != 200 or not match:
        raise SystemExit(f"report form: HTTP {status}")
    return client, match.group(1).decode()


class Load:
    """The clients' loop and what it counted."""

    def __init__(self, port: int, contacts: list[dict], tag: str, with_list: bool = True):
        self.port, self.contacts, self.tag, self.with_list = port, contacts, tag, with_list
        self.lock = threading.Lock()
        self.create_ms: list[float] = []
        self.list_ms: list[float] = []
        self.success = 0
        self.errors: dict[str, int] = {}
        self.first_errors: list[str] = []
        self.deadline = self.started = float("inf")
        self.done_at: list[float] = []  # when each success completed, seconds into the run
        self.ready = threading.Barrier(len(contacts) + 1)
        self.start = threading.Event()

    def error(self, kind: str, detail: str) -> None:
        with self.lock:
            self.errors[kind] = self.errors.get(kind, 0) + 1
            if len(self.first_errors) < 5:
                self.first_errors.append(f"{kind}: {detail}")

    def fields(self, token: str, choices, n: int, wid: int) -> dict:
        about, priorities = choices[n % len(choices)]
        return {
            "csrfmiddlewaretoken": token,
            "about": about,
            "priority": priorities[(n // len(choices)) % len(priorities)],
            "subject": f"{self.tag} Printer on floor {n % 7} is jammed ({wid}-{n})",
            "body": (
                "Hello,\n\nthe printer shows a paper jam although there is no paper stuck. "
                f"Reference {self.tag}-{wid}-{n}.\n\nThanks\n"
            ),
        }

    def create_and_list(self, client: Client, fields: dict) -> tuple[float, float | None] | None:
        started = time.perf_counter()
        status, location, _ = client.post_multipart("/portal/tickets/new/", fields)
        created = time.perf_counter() - started
        match = CREATED.match(location)
        if status != 302 or not match:
            self.error(f"create HTTP {status}", location or "no redirect")
            return None
        if not self.with_list:
            return created, None
        started = time.perf_counter()
        status, _, page = client.get("/portal/")
        listed = time.perf_counter() - started
        if status != 200:
            self.error(f"list HTTP {status}", "")
            return created, None
        if f'href="/portal/tickets/{match.group(1)}/"'.encode() not in page:
            self.error("list without the new ticket", match.group(1))
            return created, None
        return created, listed

    def run(self, wid: int) -> None:
        contact = self.contacts[wid]
        try:
            client, token = sign_in(self.port, contact)
            # One untimed round (not of this run's tag: not counted), so each worker has seen both pages.
            warm = self.fields(token, contact["abouts"], 0, wid)
            warm["subject"] = f"warm-up {wid}"
            self.create_and_list(client, warm)
        except (SystemExit, OSError, http.client.HTTPException) as exc:
            self.error("sign-in", str(exc))
            client = None
        self.ready.wait()
        self.start.wait()
        if client is None:
            return
        creates, lists, done_at = [], [], []
        for n in itertools.count():
            if time.perf_counter() >= self.deadline:
                break
            try:
                result = self.create_and_list(client, self.fields(token, contact["abouts"], n, wid))
            except (OSError, http.client.HTTPException) as exc:
                self.error("exception", repr(exc))
                continue
            if result is None:
                continue
            done_at.append(time.perf_counter() - self.started)
            creates.append(result[0] * 1000)
            if result[1] is not None:
                lists.append(result[1] * 1000)
            with self.lock:
                self.success += 1
        with self.lock:
            self.create_ms.extend(creates)
            self.list_ms.extend(lists)
            self.done_at.extend(done_at)

    def rates(self, seconds: float, window: float = 5.0) -> list[float]:
        """Successful creations per second in each `window` of the run: does it slow down as tickets pile up?"""
        widths = [min(window, seconds - start) for start in range(0, math.ceil(seconds), int(window))]
        counts = [0] * len(widths)
        for at in self.done_at:
            counts[min(len(counts) - 1, int(at // window))] += 1
        return [round(n / width, 1) for n, width in zip(counts, widths, strict=True)]


def percentiles(values: list[float]) -> dict:
    if not values:
        return {"n": 0}
    values = sorted(values)

    def pct(p: float) -> float:
        return round(values[min(len(values) - 1, int(p / 100 * len(values)))], 1)

    return {
        "n": len(values),
        "p50_ms": pct(50),
        "p95_ms": pct(95),
        "p99_ms": pct(99),
        "max_ms": round(values[-1], 1),
        "mean_ms": round(statistics.fmean(values), 1),
    }


def drive(load: Load, seconds: float, server_pids) -> tuple[float, dict]:
    """Start the clients, show progress on a terminal, wait for them; the wall time of the timed loop and the
    CPU seconds used in it by each group of server processes (`server_pids()`: name -> pids) and by this client."""
    threads = [threading.Thread(target=load.run, args=(i,), daemon=True) for i in range(len(load.contacts))]
    for thread in threads:
        thread.start()
    load.ready.wait()
    groups = server_pids()
    server_cpu, client_cpu = {k: process_cpu_s(v) for k, v in groups.items()}, time.process_time()
    started = time.perf_counter()
    load.started, load.deadline = started, started + seconds
    load.start.set()
    if sys.stdout.isatty():
        from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

        columns = (TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(), TextColumn("{task.fields[n]}"))
        with Progress(*columns, transient=True) as progress:
            task = progress.add_task("portal load", total=seconds, n="")
            while any(t.is_alive() for t in threads):
                elapsed = time.perf_counter() - started
                rate = load.success / max(elapsed, 1e-9)
                errors = sum(load.errors.values())
                progress.update(
                    task, completed=min(elapsed, seconds), n=f"{load.success:,} tickets, {rate:.0f}/s, {errors} errors"
                )
                time.sleep(0.25)
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    cpu = {k: process_cpu_s(v) - server_cpu[k] for k, v in groups.items()}
    cpu["client"] = time.process_time() - client_cpu
    return wall, cpu


def bench(db: str, args, peer_slice=None) -> dict:
    """Ours on `db`; `peer_slice(n)` (if given) runs the peer's n-th slice before each of ours (`--slices`)."""
    label = DB_LABEL[db]
    work = Path(args.work) / f"portal-{db}"
    pg_name = args.pg_name
    env = environment(db, work, pg_name, args.src)
    fresh_database(db, work, pg_name)
    slice_seconds = args.seconds / args.slices
    loads, walls, busy, cpu_used = [], [], [], {}
    try:
        contacts, data_note = prepare(db, env, args)
        background = background_busy_pct()
        port = free_port()
        server = start_gunicorn(env, port, args.workers, work / "gunicorn.log")
        tag = f"PORTAL{int(time.time())}"
        try:
            load_before = loadavg()
            for n in range(args.slices):
                if peer_slice is not None:
                    peer_slice(n)
                load = Load(port, contacts, tag, with_list=not args.no_list)
                cpu = cpu_times()
                part = f" (slice {n + 1} of {args.slices})" if args.slices > 1 else ""
                clients = f"{args.concurrency} clients for {slice_seconds:.0f} s{part}"
                print(f"[{label}] {clients} (load {' '.join(loadavg())})")
                wall, used = drive(
                    load, slice_seconds, lambda: {"workers": worker_pids(server), "postgres": backend_pids(db, pg_name)}
                )
                busy.append(cpu_busy_pct(cpu, cpu_times()))
                loads.append(load)
                walls.append(wall)
                for key, value in used.items():
                    cpu_used[key] = cpu_used.get(key, 0.0) + value
            load_after = loadavg()
            memory = rss_mb(server)
        finally:
            stop_gunicorn(server)
        counted = json.loads(shell(env, COUNT_CODE.format(tag=tag)))
    finally:
        if not args.keep:
            drop_database(db, work, pg_name)
    success = sum(load.success for load in loads)
    wall = sum(walls)
    error_kinds: dict[str, int] = {}
    for load in loads:
        for kind, count in load.errors.items():
            error_kinds[kind] = error_kinds.get(kind, 0) + count
    errors = sum(error_kinds.values())
    result = {
        "db": db,
        "data": data_note,
        "history_per_customer": args.history,
        "clients": args.concurrency,
        "round": "create" if args.no_list else "create + list",
        "contacts": [{"customer": c["customer"], "main": c["main"]} for c in contacts],
        "slices": args.slices,
        "wall_s": round(wall, 2),
        "creations": success,
        "creations_per_s": round(success / wall, 2),
        "per_slice": [round(load.success / w, 1) for load, w in zip(loads, walls, strict=True)],
        "per_5s": [rate for load in loads for rate in load.rates(slice_seconds)],
        "create": percentiles([ms for load in loads for ms in load.create_ms]),
        "list": percentiles([ms for load in loads for ms in load.list_ms]),
        "errors": errors,
        "error_kinds": error_kinds,
        "first_errors": [e for load in loads for e in load.first_errors][:5],
        "db_counts": counted,
        "db_matches": counted["tickets"] == success,
        "machine_cpu_busy_pct": round(statistics.fmean(busy), 1),
        "background_cpu_busy_pct_before": background,
        # CPU per successful creation (its list request included): hardly moved by other work on the machine
        "cpu_ms_per_creation": {k: round(1000 * v / max(1, success), 2) for k, v in cpu_used.items()},
        "loadavg_before": load_before,
        "loadavg_after": load_after,
        "workers_rss_mb": memory,
    }
    print(
        f"[{label}] {success:,} tickets in {wall:.1f} s = {result['creations_per_s']:.1f}/s, {errors} errors, "
        f"{counted['tickets']:,} in the database; CPU {result['machine_cpu_busy_pct']}% busy"
    )
    print(f"[{label}] creations/s per 5 s: {' '.join(str(r) for r in result['per_5s'])}")
    return result


# -- the peer -----------------------------------------------------------------------------


def peer_recorded(db: str, why: str) -> dict:
    data = json.loads((PEER_RECORDED / f"submit-{db}-web10k.json").read_text())
    return {**data, "source": f"recorded {PEER_RECORDED.name} ({why})"}


class PeerRun:
    """The peer's own bench_submit.py on a fresh 10,000-ticket database of its own, in `--slices` slices (the
    first seeds the database, the others go on with it); `result()` adds them up."""

    def __init__(self, db: str, args):
        self.db, self.args = db, args
        self.work = Path(args.work) / "portal-peer"  # its databases, logs, results, apart from other users' work dir
        self.slices: list[dict] = []
        self.workers_cpu = 0.0
        self.failed: str | None = None
        self.python = PEER_WORK / "venv" / "bin" / "python"
        if not self.python.exists():
            print("peer: running setup.sh (venv with the pinned django-helpdesk) ...", flush=True)
            setup = subprocess.run(
                ["bash", str(PEER_DIR / "setup.sh")],
                env={**os.environ, "PEERBENCH_WORK": str(PEER_WORK)},
                capture_output=True,
                text=True,
            )
            if setup.returncode != 0 or not self.python.exists():
                print("peer: setup.sh failed here; using the recorded figures", flush=True)
                self.failed = "setup.sh failed"

    def slice(self, n: int) -> None:
        if self.failed:
            return
        args, label = self.args, DB_LABEL[self.db]
        seconds = args.seconds / args.slices
        env = {**os.environ, "PEERBENCH_WORK": str(self.work), "PEERBENCH_VENV": str(PEER_WORK / "venv")}
        command = [str(self.python), str(PEER_DIR / "bench_submit.py"), "--db", self.db, "--name", PEER_NAME]
        command += ["--seed", "10000" if n == 0 else "0", "--conc", str(args.concurrency), "--seconds", str(seconds)]
        part = f", slice {n + 1} of {args.slices}" if args.slices > 1 else ""
        seeding = " --seed 10000 (seeding takes a while)" if n == 0 else ""
        print(f"[{label}] peer: bench_submit.py --db {self.db}{seeding}{part} ...", flush=True)
        self.work.mkdir(parents=True, exist_ok=True)
        log = self.work / f"submit-{self.db}-{n + 1}.log"
        path = self.work / "results" / f"submit-{self.db}-{PEER_NAME}.json"
        path.unlink(missing_ok=True)
        with log.open("w") as out:
            peer = subprocess.Popen(command, env=env, cwd=PEER_DIR, stdout=out, stderr=subprocess.STDOUT)
            self.workers_cpu += peer_workers_cpu_s(peer)
        if peer.returncode != 0 or not path.exists():
            print(f"peer: bench_submit.py failed (see {log}); using the recorded figures", flush=True)
            self.failed = "run failed here"
            return
        data = json.loads(path.read_text())
        self.slices.append(data)
        print(f"[{label}] peer: {data['successful_submissions_per_s']}/s", flush=True)

    def result(self) -> dict:
        """The slices added up: submissions per second of their wall time; p50 the median of theirs, p99 the
        highest (latencies are not kept by the harness, only their percentiles)."""
        if self.db == "postgres":
            subprocess.run(
                ["runuser", "-u", "postgres", "--", "dropdb", "--if-exists", f"peerbench_{PEER_NAME}"],
                capture_output=True,
            )
        if not self.args.keep:
            for sub in ("db", "media", "outbox"):  # its database and files; the logs and result JSON stay
                shutil.rmtree(self.work / sub, ignore_errors=True)
        if self.failed or not self.slices:
            return peer_recorded(self.db, self.failed or "no run")
        success = sum(d["success"] for d in self.slices)
        duration = sum(d["duration_s"] for d in self.slices)
        return {
            **self.slices[0],
            "success": success,
            "attempts": sum(d["attempts"] for d in self.slices),
            "duration_s": round(duration, 2),
            "successful_submissions_per_s": round(success / duration, 2),
            "post_p50_ms": statistics.median(d["post_p50_ms"] for d in self.slices),
            "post_p99_ms": max(d["post_p99_ms"] for d in self.slices),
            "per_slice": [d["successful_submissions_per_s"] for d in self.slices],
            "source": f"run {date.today()}" + (f", {len(self.slices)} slices" if len(self.slices) > 1 else ""),
            "workers_cpu_ms_per_submission": round(1000 * self.workers_cpu / max(1, success), 2),
        }


def descendants(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        for child in children(todo.pop()):
            found.append(child)
            todo.append(child)
    return found


def peer_workers_cpu_s(peer: subprocess.Popen) -> float:
    """Wait for the peer's harness; meanwhile sample the CPU time of the gunicorn it starts (its workers exit with
    it, so the last sample counts). Its PostgreSQL backends live one request each (CONN_MAX_AGE 0): not counted."""
    seen: dict[int, float] = {}
    while peer.poll() is None:
        for pid in descendants(peer.pid):
            try:
                if b"gunicorn" in Path(f"/proc/{pid}/cmdline").read_bytes():
                    seen[pid] = max(seen.get(pid, 0.0), process_cpu_s([pid]))
            except OSError:
                pass
        time.sleep(0.2)
    return sum(seen.values())


# -- main -----------------------------------------------------------------------------------


def report(results: dict, peers: dict, args) -> bool:
    print(
        f"\nportal benchmark: gunicorn {args.workers} workers (servicedesk.gunicorn_conf), DEBUG off, "
        f"{args.concurrency} clients (one contact each) for {args.seconds:.0f} s"
        f"{f' in {args.slices} slices alternating with the peer' if args.slices > 1 else ''}, "
        f"{'create only (--no-list)' if args.no_list else 'create + list'} per round"
    )
    print(
        f"{'db':<11}{'created':>8}{'/s':>8}{'create p50':>11}{'p99':>7}{'list p50':>9}{'p99':>7}{'errors':>7}"
        f"{'in db':>7}  {'peer /s':>8}{'p50':>7}{'p99':>7}  {'ratio':>6}  result"
    )
    passed = True
    for db, r in results.items():
        peer = peers.get(db)
        ratio = r["creations_per_s"] / peer["successful_submissions_per_s"] if peer else None
        ok = r["errors"] == 0 and r["db_matches"] and (ratio is None or ratio >= TARGET_RATIO)
        passed &= ok
        peer_cols = (
            f"{peer['successful_submissions_per_s']:>8.1f}{peer['post_p50_ms']:>7}{peer['post_p99_ms']:>7}"
            if peer
            else f"{'-':>8}{'-':>7}{'-':>7}"
        )
        print(
            f"{DB_LABEL[db]:<11}{r['creations']:>8,}{r['creations_per_s']:>8.1f}{r['create'].get('p50_ms', '-'):>11}"
            f"{r['create'].get('p99_ms', '-'):>7}{r['list'].get('p50_ms', '-'):>9}{r['list'].get('p99_ms', '-'):>7}"
            f"{r['errors']:>7}{r['db_counts']['tickets']:>7,}  {peer_cols}  "
            f"{f'{ratio:.2f}x' if ratio else '-':>6}  {'PASS' if ok else 'FAIL'}"
        )
    print(
        f"target: >= {TARGET_RATIO:.1f}x the peer's successful submissions/s, 0 errors, every success in the database"
    )
    for db, r in results.items():
        peer = peers.get(db)
        print(f"{DB_LABEL[db]}: {r['data']}; {r['db_counts']['acknowledgements']:,} acknowledgements queued")
        print(
            f"  machine: {r['background_cpu_busy_pct_before']}% busy before, {r['machine_cpu_busy_pct']}% during; "
            f"load {' '.join(r['loadavg_before'])} -> {' '.join(r['loadavg_after'])}"
        )
        cpu = r["cpu_ms_per_creation"]
        print(
            f"  CPU ms per creation{'' if args.no_list else ' (its list included)'}: gunicorn workers {cpu['workers']}"
            + (f", PostgreSQL backends {cpu['postgres']}" if db == "postgres" else "")
            + f", client {cpu['client']}; workers' memory {r['workers_rss_mb']} MB"
        )
        print(f"  creations/s per 5 s: {' '.join(str(x) for x in r['per_5s'])}")
        if peer and peer.get("per_slice"):
            pairs = ", ".join(f"{a}/{b}" for a, b in zip(r["per_slice"], peer["per_slice"], strict=False))
            print(f"  per slice, ours/the peer's (ours right after the peer's): {pairs}")
        if peer:
            print(f"  peer: {peer['source']}, {peer['success']:,} of {peer['attempts']:,} in {peer['duration_s']} s")
            if peer.get("workers_cpu_ms_per_submission"):
                print(f"  peer CPU ms per submission: gunicorn workers {peer['workers_cpu_ms_per_submission']}")
        if r["errors"]:
            print(f"{DB_LABEL[db]} errors: {r['error_kinds']} {r['first_errors']}")
    return passed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--seconds", type=float, default=30, help="length of the timed loop (the peer's 30)")
    parser.add_argument(
        "--slices",
        type=int,
        default=3,
        help="the timed seconds in this many slices, the peer's and ours alternating (1: the peer's all, then ours)",
    )
    parser.add_argument("--concurrency", type=int, default=8, help="client threads, one contact each (the peer's 8)")
    parser.add_argument("--tickets", type=int, default=10_000, help="`servicedesk generate` load data (0: none)")
    parser.add_argument("--history", type=int, default=300, help="earlier tickets of each benchmark customer")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (the peer's 2)")
    parser.add_argument("--no-list", action="store_true", help="create only, as the peer (no list after each)")
    parser.add_argument("--peer", choices=["run", "recorded", "none"], default="run", help="the peer's figures")
    parser.add_argument("--pg-name", default="sd_portal_bench", help="PostgreSQL database created and dropped")
    parser.add_argument("--work", default="/tmp/servicedesk-bench", help="temporary databases and logs go here")
    parser.add_argument("--keep", action="store_true", help="keep the databases and files afterwards")
    parser.add_argument("--at", metavar="REV", help="run src/ of this commit (git archive), not the working tree")
    args = parser.parse_args(argv)
    if args.slices < 1 or args.seconds / args.slices < 5:
        raise SystemExit("--slices: at least 1, and slices of at least 5 s")
    if not shutil.which("psql") and args.db != "sqlite":
        raise SystemExit("psql not found: PostgreSQL is needed for --db postgres")
    dbs = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    args.src, code = code_under_test(args)
    print(f"{date.today()}: {code}; {os.cpu_count()} cores, load {' '.join(loadavg())} before the run", flush=True)
    results, peers = {}, {}
    for db in dbs:
        if args.peer == "run":
            peer = PeerRun(db, args)
            results[db] = bench(db, args, peer_slice=peer.slice)
            peers[db] = peer.result()
            continue
        if args.peer == "recorded":
            peers[db] = peer_recorded(db, "--peer recorded")
        results[db] = bench(db, args)
    passed = report(results, peers, args)
    print(f"code under test: {code}")
    if args.src is not None and not args.keep:
        shutil.rmtree(args.src.parent, ignore_errors=True)
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    summary = {"date": str(date.today()), "code": code, "args": vars(args), "results": results, "peer": peers}
    (out / f"portal{'-no-list' if args.no_list else ''}.json").write_text(json.dumps(summary, indent=1, default=str))
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
