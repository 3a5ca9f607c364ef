"""Benchmark of e-mail intake end to end: the peer's 2,000 mails through our LMTP listener, next to django-helpdesk.

The mails are the peer harness's own (`../shared/bench-peer/gen_mail.py`, imported from there): 1,600 new
reports (plain ASCII, UTF-8 8bit and quoted-printable, HTML alternatives, HTML only, 1-2 attachments of
pdf/png/jpg/txt/docx/csv/xlsx) and 400 replies in three styles: "Re: <our acknowledgement's subject>" with
In-Reply-To our acknowledgement's Message-ID (as `build_mail` makes it), our `[#number]` tag in the subject
only, or In-Reply-To the customer's own earlier mail only. They go in the peer's three waves (1,000 new;
600 new + 200 replies; 200 replies), since a reply needs what we answered.

Per database kind (a fresh SQLite file or a fresh PostgreSQL database): migrate, a contact for every sender
(untimed), then `servicedesk mail lmtp` as a subprocess and `--clients` concurrent LMTP connections
(CRLF lines, MAIL, RCPT and DATA pipelined as Postfix sends them to a server that offers PIPELINING;
`--no-pipelining`: smtplib.LMTP, a command at a time). A wave is timed from its first delivery until every mail of
it is processed (the listener answers 250 once the mail is stored and committed, and processes it right
after; the time of the last 250 is reported too). Timed per mail: the LMTP transfer, storing
the raw mail, parsing, routing, the ticket or message with its deadline, the acknowledgement rendered and
queued (its outbox row), the HTML sanitised and the attachments written. Not timed: the worker's
sending of the outbox. Optionally (`--pipe N`) N more new mails go through pipe mode, one
`servicedesk mail receive` process per mail (start-up included), one at a time (`--pipe-at-once`), reported
separately with each process's wall and CPU seconds; the source is compiled to bytecode once first, as an
installation has it.

An audit after each run, like the peer's: every PBREF token exactly once in the stored message bodies
(0 lost, 0 duplicated), every reply on its original's ticket, non-ASCII text, backslashes, subjects,
attachments (count, names and bytes, .csv and .xlsx too) and the HTML part kept.

The peer runs in the same invocation through its own harness (`bench_ingest.py`, after `setup.sh` when its
venv is missing); `--peer-json` uses recorded results instead, `--no-peer` the 2026-11-25 recording.

    .venv/bin/python bench/mail.py --db both
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import email
import email.header
import email.policy
import hashlib
import importlib.util
import json
import os
import platform
import queue
import random
import re
import shutil
import smtplib
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PEER_DIR = ROOT.parent / "shared" / "bench-peer"
PEER_RECORDED = "results-2026-11-25"
PEER_WORK = Path(os.environ.get("PEERBENCH_WORK", "/tmp/peerbench"))
TARGET_RATIO = 4.0  # the target: at least 4x the peer's mails per second, end to end
PIPE_TARGET_S = 0.5  # and pipe mode at most half a second per mail (the median process, start-up included)
SECRET_KEY = "bench-mail-secret-key-" + "m" * 40
DB_LABEL = {"sqlite": "SQLite", "postgres": "PostgreSQL"}
STYLES = [("tag_ack", 75), ("tag_only", 10), ("hdr_only", 15)]  # as bench_ingest.py
TOKEN = re.compile(r"PBREF\d{6}")
BACKSLASH_PATH = "C:\\Users\\jdoe\\AppData\\Local\\Temp\\new_setup.log"


# -- the machine ------------------------------------------------------------------------


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


class CpuMonitor:
    """Whole-machine CPU busy % over an interval (the machine may be shared), and one process's CPU seconds."""

    def __init__(self, pid: int | None = None):
        self.pid = pid
        self.machine = self._machine()
        self.process = self._process()
        self.load = Path("/proc/loadavg").read_text().split()[:3]

    @staticmethod
    def _machine() -> tuple[int, int]:
        values = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
        return sum(values), values[3] + values[4]

    def _process(self) -> float:
        """CPU seconds of the process and its children (`--lmtp-processes N` runs the listeners as children)."""
        if self.pid is None:
            return 0.0
        total = 0
        for pid in process_tree(self.pid):
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:  # ended meanwhile
                continue
            total += int(fields[11]) + int(fields[12])
        return total / os.sysconf("SC_CLK_TCK")

    def stop(self) -> dict:
        total, idle = self._machine()
        busy = 1 - (idle - self.machine[1]) / max(1, total - self.machine[0])
        return {
            "machine_cpu_busy_pct": round(100 * busy, 1),
            "process_cpu_s": round(self._process() - self.process, 2),
            "loadavg_start": self.load,
            "loadavg_end": Path("/proc/loadavg").read_text().split()[:3],
        }


def process_tree(pid: int) -> list[int]:
    """The process and its descendants, from /proc."""
    pids, todo = [], [pid]
    while todo:
        current = todo.pop()
        pids.append(current)
        for task in Path(f"/proc/{current}/task").glob("*/children"):
            try:
                todo += [int(child) for child in task.read_text().split()]
            except OSError:
                continue
    return pids


def background_load(seconds: float = 2.0) -> dict:
    monitor = CpuMonitor()
    time.sleep(seconds)
    return monitor.stop()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def psql(sql: str) -> None:
    subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", sql], check=True, capture_output=True)


# -- the mails (the peer's generator and its plan of waves) ------------------------------------


def load_generator(peer_dir: Path):
    """The peer harness's gen_mail.py, imported from where it lies (it is not copied into this repository)."""
    spec = importlib.util.spec_from_file_location("peer_gen_mail", peer_dir / "gen_mail.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def crlf(message) -> bytes:
    """The bytes an MTA delivers: the generator's message with CRLF line ends."""
    raw = message.as_bytes(policy=email.policy.default)
    return raw.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


class Corpus:
    """The same mails, waves and reply choices as the peer's bench_ingest.py for the same --n, --reply-frac, --seed."""

    def __init__(self, gen, n: int, reply_frac: float, seed: int):
        self.gen, self.seed = gen, seed
        self.n_reply = round(n * reply_frac)
        self.n_orig = n - self.n_reply
        self.w1 = round(self.n_orig * 0.625)
        self.plan_rng = random.Random(seed + 99)
        self.metas: dict[str, dict] = {}  # Message-ID -> meta, in delivery order
        self.messages: dict[str, object] = {}  # Message-ID -> the EmailMessage
        self.root_of: dict[str, str] = {}  # Message-ID -> Message-ID of the original it belongs to
        self.reply_i = self.n_orig
        self.styles = collections.Counter()
        self.ack_fallbacks = 0
        self.parent_without_ticket = 0

    def originals(self, start: int, stop: int) -> list:
        return [self.gen.make_original(i, self.seed) for i in range(start, stop)]

    def replies(self, count: int, pool: list[str], parent_info) -> list:
        out = []
        for _ in range(count):
            pmid = self.plan_rng.choice(pool)
            style = self.plan_rng.choices([s for s, _ in STYLES], [w for _, w in STYLES])[0]
            info = parent_info(pmid, self.metas[pmid], self.metas[self.root_of[pmid]])
            self.parent_without_ticket += info["tag"] == ""
            if style == "tag_ack" and not info["has_ack"]:
                style = "tag_only"
                self.ack_fallbacks += 1
            msg, meta = self.gen.make_reply(self.reply_i, info, style, self.seed)
            self.styles[style] += 1
            self.root_of[meta["message_id"]] = self.root_of[pmid]
            out.append((msg, meta))
            self.reply_i += 1
        return out

    def register(self, wave: int, msgs: list) -> None:
        for msg, meta in msgs:
            meta["wave"] = wave
            self.metas[meta["message_id"]] = meta
            self.messages[meta["message_id"]] = msg
            self.root_of.setdefault(meta["message_id"], meta["message_id"])

    def wave1(self) -> list:
        return self.originals(0, self.w1)

    def wave2(self, parent_info) -> list:
        wave1_origs = [m for m, meta in self.metas.items() if meta["type"] == "new"]
        msgs = self.originals(self.w1, self.n_orig) + self.replies(self.n_reply // 2, wave1_origs, parent_info)
        self.plan_rng.shuffle(msgs)
        return msgs

    def wave3(self, parent_info) -> list:
        all_origs = [m for m, meta in self.metas.items() if meta["type"] == "new"]
        w2_replies = [m for m, meta in self.metas.items() if meta["type"] == "reply"]
        pool = all_origs * 3 + w2_replies * 3
        return self.replies(self.n_reply - self.n_reply // 2, pool, parent_info)


# -- delivery -----------------------------------------------------------------------------


class Ticker:
    """A rich progress bar on a terminal; otherwise nothing until the wave's summary line."""

    def __init__(self, terminal: bool):
        self.bar = None
        if terminal:
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

            self.bar = Progress(
                TextColumn("[bold]{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("{task.fields[rate]}"),
                TimeElapsedColumn(),
                transient=True,
            )

    def wave(self, description: str, total: int):
        if self.bar is None:
            return lambda done, rate: None
        task = self.bar.add_task(description, total=total, rate="")
        return lambda done, rate: self.bar.update(task, completed=done, rate=f"{rate:,.0f} mails/s")

    def __enter__(self) -> Ticker:
        if self.bar is not None:
            self.bar.start()
        return self

    def __exit__(self, *exc) -> None:
        if self.bar is not None:
            self.bar.stop()


class PipeliningLMTP:
    """An LMTP client as Postfix's is when the server names PIPELINING (RFC 2920): MAIL, RCPT and DATA go in one
    write and their answers are read together; then the content, dot-stuffed, and one answer per recipient. Two
    waits per mail instead of smtplib's four. Failures raise smtplib's exceptions, as `smtplib.LMTP.sendmail`."""

    def __init__(self, port: int):
        self.sock = socket.create_connection(("127.0.0.1", port))
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.replies = self.sock.makefile("rb")
        self._answer()  # the greeting
        self.sock.sendall(b"LHLO bench.localhost\r\n")
        code, text = self._answer()
        extensions = {line.split()[0].upper() for line in text.splitlines()[1:] if line.split()}
        if code != 250 or b"PIPELINING" not in extensions:
            raise SystemExit(f"the listener does not offer PIPELINING (LHLO answered {code} {text!r})")

    def _answer(self) -> tuple[int, bytes]:
        lines = []
        while True:
            line = self.replies.readline()
            if not line:
                raise smtplib.SMTPServerDisconnected("connection closed")
            lines.append(line[4:].rstrip(b"\r\n"))
            if line[3:4] != b"-":
                return int(line[:3]), b"\n".join(lines)

    def sendmail(self, sender: str, recipients: list[str], raw: bytes) -> None:
        commands = [f"MAIL FROM:<{sender}> SIZE={len(raw)}", *(f"RCPT TO:<{r}>" for r in recipients), "DATA"]
        self.sock.sendall("".join(c + "\r\n" for c in commands).encode())
        code, text = self._answer()
        if code != 250:
            self._answers_left(len(recipients) + 1)
            raise smtplib.SMTPSenderRefused(code, text, sender)
        accepted = sum(self._answer()[0] == 250 for _recipient in recipients)
        code, text = self._answer()  # to DATA
        if code != 354:
            raise smtplib.SMTPDataError(code, text)
        body = DOT_AT_LINE_START.sub(b"..", raw)
        self.sock.sendall(body + (b"" if body.endswith(b"\r\n") else b"\r\n") + b".\r\n")
        for _ in range(accepted):
            code, text = self._answer()
            if code != 250:
                raise smtplib.SMTPDataError(code, text)

    def _answers_left(self, count: int) -> None:
        for _ in range(count):
            self._answer()

    def quit(self) -> None:
        with contextlib.suppress(OSError):
            self.sock.sendall(b"QUIT\r\n")
            self._answer()
        self.sock.close()


DOT_AT_LINE_START = re.compile(rb"(?m)^\.")


def lmtp_deliver(
    port: int,
    items: list[tuple[str, bytes]],
    clients: int,
    recipient: str,
    update,
    processed_before: int,
    pipelining: bool = True,
) -> dict:
    """Deliver (envelope sender, bytes) over `clients` LMTP connections; time from the first delivery to the last
    250 ("accepted") and to the moment every mail of the wave is processed (the end to end time). With
    `pipelining` each connection is a `PipeliningLMTP`, else smtplib's (a command, then its answer)."""

    def connect():
        if pipelining:
            return PipeliningLMTP(port)
        client = smtplib.LMTP("127.0.0.1", port)
        client.ehlo()  # LHLO
        return client

    todo: queue.SimpleQueue = queue.SimpleQueue()
    for item in items:
        todo.put((item, 1))
    lock = threading.Lock()
    latencies: list[float] = []
    ends: list[float] = []
    codes: collections.Counter = collections.Counter()
    errors: list[str] = []
    barrier = threading.Barrier(clients + 1)
    clock = {"first": 0.0}

    def run() -> None:
        client = connect()
        barrier.wait()
        while True:
            try:
                (sender, raw), attempt = todo.get_nowait()
            except queue.Empty:
                break
            started = time.perf_counter()
            try:
                client.sendmail(sender, [recipient], raw)
            except smtplib.SMTPResponseException as exc:  # 4xx: an MTA tries again; 5xx: refused
                with lock:
                    codes[exc.smtp_code] += 1
                    errors.append(f"{exc.smtp_code} {exc.smtp_error!r}"[:300])
                if 400 <= exc.smtp_code < 500 and attempt < 3:
                    todo.put(((sender, raw), attempt + 1))
                continue
            except smtplib.SMTPRecipientsRefused as exc:
                with lock:
                    codes["recipient refused"] += 1
                    errors.append(repr(exc)[:300])
                continue
            except (smtplib.SMTPServerDisconnected, OSError) as exc:
                with lock:
                    codes["disconnected"] += 1
                    errors.append(repr(exc)[:300])
                if attempt < 3:
                    todo.put(((sender, raw), attempt + 1))
                client = connect()
                continue
            ended = time.perf_counter()
            with lock:
                codes[250] += 1
                latencies.append(ended - started)
                ends.append(ended)
                done = len(ends)
            if done % 25 == 0 or done == len(items):
                update(done, done / max(1e-9, ended - clock["first"]))
        with contextlib.suppress(smtplib.SMTPException, OSError):
            client.quit()

    threads = [threading.Thread(target=run) for _ in range(clients)]
    for thread in threads:
        thread.start()
    barrier.wait()
    clock["first"] = time.perf_counter()
    for thread in threads:
        thread.join()
    accepted = (max(ends) if ends else time.perf_counter()) - clock["first"]
    left = wait_processed(processed_before + codes[250])
    seconds = time.perf_counter() - clock["first"]
    latencies.sort()
    return {
        "seconds": round(seconds, 3),
        "accepted_seconds": round(accepted, 3),
        "not_processed_after_wait": left,
        "accepted": codes[250],
        "lmtp_replies": {str(k): v for k, v in codes.items()},
        "errors_first_5": errors[:5],
        "latency_ms": {
            "p50": round(1000 * latencies[len(latencies) // 2], 1) if latencies else None,
            "p95": round(1000 * latencies[int(len(latencies) * 0.95)], 1) if latencies else None,
            "max": round(1000 * latencies[-1], 1) if latencies else None,
        },
    }


def processed_count() -> int:
    from servicedesk.mail.models import InboundMail

    return InboundMail.objects.exclude(status=InboundMail.Status.STORED).count()


def wait_processed(expected: int, timeout: float = 600) -> int:
    """Wait until `expected` mails are processed (the listener processes after its 250); how many were not."""
    from django.db import close_old_connections

    deadline = time.monotonic() + timeout
    while (done := processed_count()) < expected and time.monotonic() < deadline:
        close_old_connections()
        time.sleep(0.005)
    return max(0, expected - done)


def start_listener(env: dict, port: int, log: Path, processes: int = 1) -> subprocess.Popen:
    process = subprocess.Popen(
        [
            str(BIN / "servicedesk"),
            *("mail", "lmtp", "--host", "127.0.0.1", "--port", str(port), "--processes", str(processes)),
        ],
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the LMTP listener exited: {log.read_text()[-2000:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return process
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit("the LMTP listener did not start in 60 s")


# -- one database kind, in a process of its own (Django is set up once per process) ------------------


def environment(db: str, var_dir: Path, pg_name: str) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("SERVICEDESK_AUTHSERV_ID", "EMAIL_HOST", "EMAIL_BACKEND")}
    env.update(
        {
            "DEBUG": "0",
            "SECRET_KEY": SECRET_KEY,
            "SERVICEDESK_VAR_DIR": str(var_dir),
            "DJANGO_SETTINGS_MODULE": "servicedesk.settings",
            # The generator's senders each report dozens of tickets in a minute, as no person does: the cap on
            # new tickets per sender (a mail-loop guard the peer lacks) would add them to earlier tickets.
            "SERVICEDESK_MAIL_TICKETS_PER_SENDER": "1000000",
            "DATABASE_URL": f"sqlite:///{var_dir / 'mail.sqlite3'}"
            if db == "sqlite"
            else f"postgres://postgres@127.0.0.1:5432/{pg_name}",
        }
    )
    return env


def make_contacts(metas: list[dict], messages: list) -> tuple[int, int]:
    """A customer per sender domain and an authorised contact per sender address, through the services."""
    from servicedesk.customers.models import Contact, Customer
    from servicedesk.customers.services import contact_create, customer_create

    customers: dict[str, Customer] = {}
    made = 0
    known = {e.lower() for e in Contact.objects.values_list("email", flat=True)}
    for meta, message in zip(metas, messages, strict=True):
        address = meta["from"].lower()
        if address in known:
            continue
        known.add(address)
        domain = address.rsplit("@", 1)[1]
        if domain not in customers:
            code = re.sub(r"[^a-z0-9]+", "-", domain)[:40]
            customers[domain] = Customer.objects.filter(code=code).first() or customer_create(name=domain, code=code)
        name = message["From"].addresses[0].display_name or address
        contact_create(customer=customers[domain], name=name, email=address, may_report=True)
        made += 1
    return made, len(customers)


def parent_info_factory():
    """What a customer's mail client knows when replying to one of our tickets (see gen_mail.make_reply)."""
    from servicedesk.mail.delivery import build_mail
    from servicedesk.mail.models import InboundMail
    from servicedesk.outbox.models import OutgoingMessage

    def parent_info(pmid: str, meta: dict, root: dict) -> dict:
        ticket_id = InboundMail.objects.filter(message_id=pmid).values_list("ticket_id", flat=True).first()
        ack = None
        if ticket_id is not None:
            ack = (
                OutgoingMessage.objects.filter(ticket_id=ticket_id, kind=OutgoingMessage.Kind.ACKNOWLEDGEMENT)
                .order_by("id")
                .first()
            )
        sent = build_mail(ack) if ack is not None else None  # the very mail the worker sends
        tag = f"[#{ticket_id}]" if ticket_id is not None else ""
        return {
            "message_id": pmid,
            "from": meta["from"],
            "subject": root["subject"],
            "tag": tag,
            "tag_subject": sent.subject if sent else f"{tag} {root['subject']}",
            "ack_message_id": sent.extra_headers["Message-ID"] if sent else pmid,
            "ack_text": ack.body if ack else "",
            "has_ack": ack is not None,
        }

    return parent_info


def subject_as_sent(message) -> str:
    """The subject the generated bytes carry, read by the RFC 2047 decoder of the standard library (not the parser
    under test). CPython's header folding sometimes puts two encoded words side by side, which drops the space
    between them ("- tres" becomes "-tres"): that is what the mail says, so that is what must be kept."""
    head = crlf(message).split(b"\r\n\r\n", 1)[0] + b"\r\n\r\n"
    value = email.message_from_bytes(head, policy=email.policy.compat32)["Subject"]
    return " ".join(str(email.header.make_header(email.header.decode_header(value))).split())


def expected_attachments(message) -> list[tuple[str, str]]:
    """(name, sha256 of the bytes) of each attachment; text with LF line ends."""
    out = []
    for part in message.iter_attachments():
        data = part.get_payload(decode=True) or b""
        if part.get_content_maintype() == "text":
            data = data.replace(b"\r\n", b"\n")
        out.append((part.get_filename(), hashlib.sha256(data).hexdigest()))
    return sorted(out)


def audit(corpus: Corpus, mids: list[str]) -> dict:
    """The peer's audit, on our tables: each mail's token once, on the right ticket, with its parts."""
    from servicedesk.mail.models import InboundMail
    from servicedesk.tickets.attachments import attachment_path
    from servicedesk.tickets.models import Attachment, Message, Ticket

    inbound = collections.defaultdict(list)
    for row in InboundMail.objects.filter(message_id__in=mids).values("message_id", "status", "reason"):
        inbound[row["message_id"]].append(row)
    token_at = collections.defaultdict(list)  # token -> ids of the messages it is in (once per occurrence)
    messages = {}
    for row in Message.objects.filter(kind=Message.Kind.INCOMING).values("id", "ticket_id", "body", "body_html"):
        found = TOKEN.findall(row["body"])
        for token in found:
            token_at[token].append(row["id"])
        if found:
            messages[row["id"]] = row
    first_message = {}
    for row in Message.objects.order_by("ticket_id", "created_at", "id").values("id", "ticket_id"):
        first_message.setdefault(row["ticket_id"], row["id"])
    subjects = dict(Ticket.objects.values_list("id", "subject"))
    stored = collections.defaultdict(list)
    for row in Attachment.objects.filter(message_id__in=list(messages)).values(
        "message_id", "original_name", "stored_name", "content_type"
    ):
        stored[row["message_id"]].append(row)

    counts: collections.Counter = collections.Counter()
    by_style = collections.defaultdict(collections.Counter)
    ext = collections.defaultdict(lambda: [0, 0])
    problems: list[dict] = []
    statuses = collections.Counter()
    ticket_of_token = {}
    for mid in mids:
        meta = corpus.metas[mid]
        places = token_at.get(meta["token"], [])
        if places:
            ticket_of_token[meta["token"]] = messages[places[0]]["ticket_id"]
    for mid in mids:
        meta = corpus.metas[mid]
        key = meta.get("style") or meta["kind"]
        by_style[key]["total"] += 1
        rows = inbound.get(mid, [])
        statuses.update(row["status"] for row in rows)
        if len(rows) > 1:
            counts["stored_twice"] += 1
        for row in rows:
            if row["status"] != "processed":
                problems.append({"message": mid, "problem": f"mail {row['status']}", "reason": row["reason"][:200]})
        places = token_at.get(meta["token"], [])
        if not places:
            counts["lost"] += 1
            by_style[key]["lost"] += 1
            problems.append({"message": mid, "problem": "token in no stored message", "stored": len(rows)})
            continue
        if len(places) > 1:
            counts["duplicated"] += 1
            problems.append({"message": mid, "problem": f"token in {len(places)} places"})
        counts["token_once"] += len(places) == 1
        row = messages[places[0]]
        body = row["body"]
        if meta.get("utf8_marker"):
            kept = meta["utf8_marker"] in body
            counts["non_ascii_sent"] += 1
            counts["non_ascii_kept"] += kept
            if not kept:
                problems.append({"message": mid, "problem": "non-ASCII text changed"})
        if meta.get("has_backslash_path"):
            counts["backslash_sent"] += 1
            counts["backslash_kept"] += BACKSLASH_PATH in body
        if meta["has_html"]:
            counts["html_sent"] += 1
            counts["html_kept"] += meta["token"] in row["body_html"]
        names = sorted(a["original_name"] for a in stored.get(row["id"], []))
        counts["attachments_sent"] += meta["n_attachments"]
        counts["attachments_stored"] += len(names)
        for name in meta["attachment_names"]:
            ext[name.rsplit(".", 1)[-1]][0] += 1
            ext[name.rsplit(".", 1)[-1]][1] += name in names
        if names != sorted(meta["attachment_names"]):
            problems.append({"message": mid, "problem": "attachments differ", "sent": meta["attachment_names"]})
        elif names:
            got = []
            for a in stored[row["id"]]:
                data = attachment_path(a["stored_name"]).read_bytes()
                if a["content_type"].startswith("text/"):
                    data = data.replace(b"\r\n", b"\n")
                got.append((a["original_name"], hashlib.sha256(data).hexdigest()))
            same = sorted(got) == expected_attachments(corpus.messages[mid])
            counts["attachment_bytes_same"] += len(names) if same else 0
            if not same:
                problems.append({"message": mid, "problem": "attachment bytes differ"})
        ticket = row["ticket_id"]
        if meta["type"] == "new":
            if first_message.get(ticket) == row["id"]:
                counts["new_ticket_created"] += 1
            else:
                problems.append({"message": mid, "problem": "new mail added to an existing ticket", "ticket": ticket})
            sent = subject_as_sent(corpus.messages[mid])
            counts["subject_folded_by_generator"] += sent != " ".join(meta["subject"].split())
            if subjects.get(ticket) == sent:
                counts["subject_kept"] += 1
            else:
                problems.append({"message": mid, "problem": "subject changed", "got": subjects.get(ticket)})
        else:
            expected = ticket_of_token.get(corpus.metas[corpus.root_of[mid]]["token"])
            if ticket == expected:
                counts["reply_threaded"] += 1
                by_style[key]["threaded"] += 1
            else:
                counts["reply_misthreaded"] += 1
                by_style[key]["misthreaded"] += 1
                problems.append(
                    {
                        "message": mid,
                        "style": key,
                        "problem": "reply opened a new ticket"
                        if first_message.get(ticket) == row["id"]
                        else "reply in wrong ticket",
                        "expected_ticket": expected,
                        "got_ticket": ticket,
                    }
                )
    known = {meta["token"] for meta in corpus.metas.values()}
    stray = sum(1 for token in token_at if token not in known)
    return {
        "mails": len(mids),
        "new": sum(corpus.metas[m]["type"] == "new" for m in mids),
        "replies": sum(corpus.metas[m]["type"] == "reply" for m in mids),
        "lost": counts["lost"],
        "duplicated": counts["duplicated"] + counts["stored_twice"],
        "stray_tokens": stray,
        "counts": dict(counts),
        "statuses": dict(statuses),
        "by_kind_or_style": {k: dict(v) for k, v in by_style.items()},
        "attachments_by_extension_sent_stored": {k: ext[k] for k in sorted(ext)},
        "problems_total": len(problems),
        "problems_first_20": problems[:20],
    }


def database_counts() -> dict:
    from django_tasks_db.models import DBTaskResult

    from servicedesk.mail.models import InboundMail
    from servicedesk.outbox.models import OutgoingMessage
    from servicedesk.tickets.models import Attachment, Message, Ticket

    return {
        "tickets": Ticket.objects.count(),
        "messages": Message.objects.count(),
        "attachments": Attachment.objects.count(),
        "inbound_mails": InboundMail.objects.count(),
        "outgoing_by_kind": dict(collections.Counter(OutgoingMessage.objects.values_list("kind", flat=True))),
        "tasks_queued": DBTaskResult.objects.count(),
    }


def pipe_deliver(env: dict, raws: list[bytes], concurrency: int) -> dict:
    """One `servicedesk mail receive` process per mail, `concurrency` at a time, as an MTA's pipe deliveries: the
    seconds of each process from start to exit, and (one at a time) its CPU seconds; then the spool taken in."""
    import servicedesk

    command = [str(BIN / "servicedesk"), "mail", "receive"]
    # Bytecode as an installation has it (pip compiles it; __pycache__ is ignored by git), so that no process
    # compiles the sources again.
    package = Path(servicedesk.__file__).parent
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(package)], env=env, check=True)

    def one(raw: bytes) -> tuple[int, float, float, str]:
        before = os.times()
        started = time.perf_counter()
        result = subprocess.run(command, input=raw, env=env, capture_output=True)
        wall = time.perf_counter() - started
        after = os.times()
        cpu = (after.children_user - before.children_user) + (after.children_system - before.children_system)
        return result.returncode, wall, cpu, result.stderr.decode(errors="replace")[-300:]

    started = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        results = list(pool.map(one, raws))
    seconds = time.perf_counter() - started
    codes = collections.Counter(code for code, _, _, _ in results)
    # The processes only spooled the mails; the worker takes them in (here `mail process`, which does the same).
    started = time.perf_counter()
    subprocess.run([str(BIN / "servicedesk"), "mail", "process"], env=env, check=True, capture_output=True)
    take_in = time.perf_counter() - started
    return {
        "mails": len(raws),
        "concurrency": concurrency,
        "seconds": round(seconds, 3),
        "mails_per_s": round(len(raws) / seconds, 2),
        "take_in_seconds": round(take_in, 3),  # start-up of `mail process` included
        "process_seconds_median": round(statistics.median(t for _, t, _, _ in results), 3),
        # the CPU of a process is its own only when one runs at a time
        "process_cpu_seconds_median": round(statistics.median(c for _, _, c, _ in results), 3)
        if concurrency == 1
        else None,
        "exit_codes": {str(k): v for k, v in codes.items()},
        "errors_first_3": [err for code, _, _, err in results if code][:3],
    }


def run_one_db(args) -> dict:
    """The whole benchmark for one database kind; Django is set up in this process."""
    db = args.inner
    var_dir = Path(args.var_dir)
    env = environment(db, var_dir, args.pg_name)
    started = time.perf_counter()
    if subprocess.run([str(BIN / "servicedesk"), "migrate", "--no-input", "-v0"], env=env).returncode:
        raise SystemExit(f"[{db}] `servicedesk migrate` failed on a fresh database")
    migrate_s = time.perf_counter() - started
    os.environ.update(env)
    import django

    django.setup()
    from django.conf import settings

    gen = load_generator(Path(args.peer_dir))
    corpus = Corpus(gen, args.n, args.reply_frac, args.seed)
    print(
        f"[{db}] mails from {args.peer_dir}/gen_mail.py, seed {args.seed}: "
        f"{corpus.n_orig} new, {corpus.n_reply} replies"
    )
    wave1 = corpus.wave1()
    later = corpus.originals(corpus.w1, corpus.n_orig)
    pipe_msgs = corpus.originals(args.n, args.n + args.pipe)
    everyone = wave1 + later + pipe_msgs
    started = time.perf_counter()
    contacts, customers = make_contacts([m for _, m in everyone], [m for m, _ in everyone])
    setup_s = time.perf_counter() - started
    print(
        f"[{db}] set-up (untimed): migrate {migrate_s:.1f} s; "
        f"{contacts} contacts of {customers} customers {setup_s:.1f} s"
    )

    port = free_port()
    log = var_dir / "lmtp.log"
    listener = start_listener(env, port, log, args.lmtp_processes)
    recipient = gen.QUEUE_ADDR[1]
    parent_info = parent_info_factory()
    waves = []
    try:
        with Ticker(sys.stdout.isatty()) as ticker:
            for number in (1, 2, 3):
                msgs = wave1 if number == 1 else corpus.wave2(parent_info) if number == 2 else corpus.wave3(parent_info)
                corpus.register(number, msgs)
                items = [(meta["from"], crlf(msg)) for msg, meta in msgs]
                monitor = CpuMonitor(listener.pid)
                update = ticker.wave(f"{db}: wave {number}", len(items))
                result = lmtp_deliver(
                    port, items, args.clients, recipient, update, processed_count(), pipelining=args.pipelining
                )
                result.update(monitor.stop())
                result.update(
                    wave=number,
                    messages=len(msgs),
                    new=sum(meta["type"] == "new" for _, meta in msgs),
                    replies=sum(meta["type"] == "reply" for _, meta in msgs),
                    bytes=sum(len(raw) for _, raw in items),
                    mails_per_s=round(len(msgs) / result["seconds"], 1),
                    server_cpu_ms_per_mail=round(1000 * result["process_cpu_s"] / len(msgs), 2),
                )
                waves.append(result)
                bad = len(msgs) - result["accepted"]
                line = f"[{db}] wave {number}: {len(msgs)} mails in {result['seconds']:.2f} s"
                line += f" ({result['mails_per_s']:,.1f}/s; all accepted after {result['accepted_seconds']:.2f} s)"
                line += f", LMTP replies {result['lmtp_replies']}"
                line += f", listener CPU {result['server_cpu_ms_per_mail']} ms/mail, machine CPU"
                line += f" {result['machine_cpu_busy_pct']}%"
                line += f", NOT ACCEPTED: {bad}" if bad else ""
                left = result["not_processed_after_wait"]
                line += f", NOT PROCESSED: {left}" if left else ""
                print(line, flush=True)
        mids = list(corpus.metas)
        result_audit = audit(corpus, mids)
        pipe = None
        if args.pipe:
            corpus.register(4, pipe_msgs)
            pipe = pipe_deliver(env, [crlf(msg) for msg, _ in pipe_msgs], args.pipe_at_once)
            pipe["audit"] = audit(corpus, [meta["message_id"] for _, meta in pipe_msgs])
            print(
                f"[{db}] pipe mode: {pipe['mails']} mails, {pipe['concurrency']} processes at a time, "
                f"{pipe['seconds']:.2f} s ({pipe['mails_per_s']}/s), "
                f"median {pipe['process_seconds_median']} s per process"
                + (f" ({pipe['process_cpu_seconds_median']} s CPU)" if pipe["process_cpu_seconds_median"] else "")
                + f"; taken in from the spool by one `mail process` in {pipe['take_in_seconds']:.2f} s"
            )
        counts = database_counts()
    finally:
        listener.terminate()
        listener.wait(timeout=30)
    log_text = log.read_text(errors="replace")
    total = sum(w["seconds"] for w in waves)
    return {
        "db": db,
        "engine": settings.DATABASES["default"]["ENGINE"],
        "clients": args.clients,
        "pipelining": args.pipelining,
        "n_messages": len(mids),
        "n_new": corpus.n_orig,
        "n_replies": corpus.n_reply,
        "bytes_total": sum(w["bytes"] for w in waves),
        "set_up": {
            "migrate_s": round(migrate_s, 2),
            "contacts": contacts,
            "customers": customers,
            "s": round(setup_s, 2),
        },
        "waves": waves,
        "total_seconds": round(total, 3),
        "mails_per_s": round(len(mids) / total, 1),
        "reply_styles": dict(corpus.styles),
        "tag_ack_without_acknowledgement": corpus.ack_fallbacks,
        "reply_parent_without_ticket": corpus.parent_without_ticket,
        "audit": result_audit,
        "pipe": pipe,
        "database": counts,
        "listener_log": {
            "quarantined": log_text.count("quarantined"),
            "tracebacks": log_text.count("Traceback"),
            "tail": log_text[-1500:],
        },
    }


# -- the peer ------------------------------------------------------------------------------


def peer_recorded(peer_dir: Path, db: str, why: str) -> dict | None:
    path = peer_dir / PEER_RECORDED / f"ingest-{db}.json"
    if not path.exists():
        return None
    data = json.loads(path.read_text())
    data["_source"] = f"recorded {PEER_RECORDED.removeprefix('results-')} ({why})"
    return data


def peer_live(peer_dir: Path, db: str, args, work: Path) -> dict | None:
    """The peer's own harness, run now: setup.sh once when its venv is missing, then bench_ingest.py."""
    python = PEER_WORK / "venv" / "bin" / "python"
    log = work / f"peer-{db}.log"
    env = {**os.environ, "PEERBENCH_WORK": str(PEER_WORK)}
    from rich.console import Console

    console = Console()
    if not python.exists():
        with console.status("peer: setup.sh (venv with the pinned django-helpdesk)"):
            setup = subprocess.run(["bash", str(peer_dir / "setup.sh")], env=env, capture_output=True, text=True)
        log.with_suffix(".setup.log").write_text(setup.stdout + setup.stderr)
        if setup.returncode != 0 or not python.exists():
            print(f"peer setup.sh failed (see {log.with_suffix('.setup.log')}): using the recorded figures")
            return peer_recorded(peer_dir, db, "setup.sh failed here")
    result_path = PEER_WORK / "results" / f"ingest-{db}.json"
    command = [str(python), str(peer_dir / "bench_ingest.py"), "--db", db, "--n", str(args.n)]
    command += ["--reply-frac", str(args.reply_frac), "--seed", str(args.seed)]
    started = time.time()
    with console.status(f"peer: django-helpdesk bench_ingest.py --db {db} (about a minute)"):
        run = subprocess.run(command, env=env, capture_output=True, text=True, cwd=peer_dir)
    log.write_text(run.stdout + run.stderr)
    for line in run.stdout.splitlines():
        if line.startswith("wave "):
            print(f"[{db}] peer {line}")
    if run.returncode != 0 or not result_path.exists() or result_path.stat().st_mtime < started:
        print(f"peer bench_ingest.py --db {db} failed (see {log}): using the recorded figures")
        return peer_recorded(peer_dir, db, f"live run failed, exit {run.returncode}")
    data = json.loads(result_path.read_text())
    data["_source"] = f"run now ({result_path})"
    return data


def peer_from_files(paths: list[str]) -> dict[str, dict]:
    out = {}
    for given in paths:
        path = Path(given)
        files = sorted(path.glob("ingest-*.json")) if path.is_dir() else [path]
        for file in files:
            data = json.loads(file.read_text())
            data["_source"] = f"recorded ({file})"
            out[data["db"]] = data
    return out


# -- the report --------------------------------------------------------------------------


def fraction(got, total) -> str:
    return "-" if total in (None, 0) and got in (None, 0) else f"{got or 0}/{total or 0}"


def audit_rows(ours: dict | None, peer: dict | None) -> list[tuple[str, str, str]]:
    """(check, ours, peer) lines of the audit; the peer's from its JSON."""
    rows = []

    def add(label, mine, theirs):
        rows.append((label, mine if ours else "-", theirs if peer else "-"))

    a = ours["audit"] if ours else {}
    c = a.get("counts", {})
    pa = peer.get("audit", {}) if peer else {}
    pt = peer.get("attachments", {}) if peer else {}
    add("mails", str(a.get("mails")), str(peer.get("n_messages")) if peer else "-")
    add("lost", str(a.get("lost")), str(pa.get("lost", 0)))
    add("duplicated", str(a.get("duplicated")), str(pa.get("duplicated", 0)))
    add(
        "token exactly once",
        fraction(c.get("token_once"), a.get("mails")),
        fraction(pa.get("body_token_preserved"), peer and peer["n_messages"]),
    )
    add(
        "new mail -> new ticket",
        fraction(c.get("new_ticket_created"), a.get("new")),
        fraction(pa.get("new_ticket_created"), peer and peer["n_new"]),
    )
    add(
        "replies threaded",
        fraction(c.get("reply_threaded"), a.get("replies")),
        fraction(pa.get("reply_threaded_correctly"), peer and peer["n_replies"]),
    )
    for style in ("tag_ack", "tag_only", "hdr_only"):
        mine = a.get("by_kind_or_style", {}).get(style, {})
        theirs = peer.get("by_kind_or_style", {}).get(style, {}) if peer else {}
        add(
            f"  {style}",
            fraction(mine.get("threaded"), mine.get("total")),
            fraction(theirs.get("threaded_correctly"), theirs.get("total")),
        )
    utf8_ok = sum(v for k, v in pa.items() if k.startswith("utf8_text_preserved"))
    utf8_all = utf8_ok + sum(v for k, v in pa.items() if k.startswith("utf8_text_mangled"))
    add("non-ASCII text kept", fraction(c.get("non_ascii_kept"), c.get("non_ascii_sent")), fraction(utf8_ok, utf8_all))
    bs_all = pa.get("backslash_path_preserved", 0) + pa.get("backslash_path_mangled", 0)
    add(
        "backslash path kept",
        fraction(c.get("backslash_kept"), c.get("backslash_sent")),
        fraction(pa.get("backslash_path_preserved", 0), bs_all),
    )
    add("subject kept", fraction(c.get("subject_kept"), a.get("new")), "-")
    add(
        "attachments kept",
        fraction(c.get("attachments_stored"), c.get("attachments_sent")),
        fraction(pt.get("attachments_stored"), pt.get("attachments_sent")),
    )
    mine_ext = a.get("attachments_by_extension_sent_stored", {})
    their_ext = pt.get("by_extension_sent_stored", {})
    for ext in ("csv", "xlsx"):
        m, t = mine_ext.get(ext, [0, 0]), their_ext.get(ext, [0, 0])
        add(f"  .{ext}", fraction(m[1], m[0]), fraction(t[1], t[0]))
    add("  same bytes", fraction(c.get("attachment_bytes_same"), c.get("attachments_sent")), "-")
    add(
        "HTML part kept",
        fraction(c.get("html_kept"), c.get("html_sent")),
        fraction(pt.get("html_bodies_stored"), pt.get("html_bodies_sent")),
    )
    add("problems", str(a.get("problems_total")), str(peer.get("problems_total")) if peer else "-")
    return rows


def clean(ours: dict) -> bool:
    a = ours["audit"]
    return (
        a["lost"] == 0
        and a["duplicated"] == 0
        and a["problems_total"] == 0
        and a["counts"].get("reply_threaded", 0) == a["replies"]
    )


def report(ours: dict[str, dict], peers: dict[str, dict], args, machine: dict) -> bool:
    print()
    print(
        f"e-mail intake: {args.n:,} mails ({round(args.n * (1 - args.reply_frac)):,} new, "
        f"{round(args.n * args.reply_frac):,} replies) in 3 waves; "
        f"ours over LMTP with {args.clients} client connections "
        f"({'pipelining MAIL, RCPT and DATA' if args.pipelining else 'smtplib, no pipelining'}), "
        "the peer through `manage.py get_email` (one process per wave)"
    )
    print(
        f"{'db':<11}{'system':<28}{'wave 1 s':>9}{'wave 2 s':>9}{'wave 3 s':>9}{'total s':>9}{'mails/s':>9}"
        f"{'ratio':>8}  result"
    )

    def row(label: str, system: str, seconds: list[float], total: str, rate: str, ratio: str, note: str) -> None:
        waves = "".join(f"{x:>9.2f}" for x in seconds) or f"{'':>27}"
        print(f"{label:<11}{system:<28}{waves}{total:>9}{rate:>9}{ratio:>8}  {note}")

    passed = True
    for db in ours:
        mine, peer = ours[db], peers.get(db)
        ratio = mine["mails_per_s"] / peer["emails_per_s_end_to_end"] if peer else None
        pipe_ok = mine["pipe"] is None or mine["pipe"]["process_seconds_median"] <= PIPE_TARGET_S
        ok = ratio is not None and ratio >= TARGET_RATIO and clean(mine) and pipe_ok
        passed &= ok
        verdict = ("PASS" if ok else "FAIL") if peer else "no peer figures"
        row(
            DB_LABEL[db],
            "servicedesk (LMTP)",
            [w["seconds"] for w in mine["waves"]],
            f"{mine['total_seconds']:.2f}",
            f"{mine['mails_per_s']:.1f}",
            f"{ratio:.1f}x" if ratio else "-",
            f"{verdict} (target >= {TARGET_RATIO:.0f}x with a clean audit"
            + (f", pipe mode <= {PIPE_TARGET_S} s a mail: {'met' if pipe_ok else 'NOT met'})" if mine["pipe"] else ")"),
        )
        if peer:
            row(
                "",
                "django-helpdesk 2.6.1",
                [w["seconds"] for w in peer["waves"]],
                f"{peer['total_seconds']:.2f}",
                f"{peer['emails_per_s_end_to_end']:.1f}",
                "1.0x",
                peer["_source"],
            )
            row("", "  (peer without start-up)", [], "", f"{peer['emails_per_s_excluding_startup']:.1f}", "", "")
    print("\naudit (ours / peer)")
    header = f"{'check':<26}" + "".join(f"{DB_LABEL[db] + ' ours':>17}{DB_LABEL[db] + ' peer':>17}" for db in ours)
    print(header)
    columns = [audit_rows(ours[db], peers.get(db)) for db in ours]
    for i, (label, _, _) in enumerate(columns[0]):
        print(f"{label:<26}" + "".join(f"{col[i][1]:>17}{col[i][2]:>17}" for col in columns))
    for db, mine in ours.items():
        styles = ", ".join(f"{k} {v}" for k, v in sorted(mine["reply_styles"].items()))
        print(
            f"\n[{db}] reply styles sent: {styles}; "
            f"tag_ack without an acknowledgement: {mine['tag_ack_without_acknowledgement']}"
        )
        print(f"[{db}] statuses: {mine['audit']['statuses']}; database: {mine['database']}")
        for w in mine["waves"]:
            print(
                f"[{db}] wave {w['wave']}: latency p50 {w['latency_ms']['p50']} ms, p95 {w['latency_ms']['p95']} ms, "
                f"max {w['latency_ms']['max']} ms; listener CPU {w['server_cpu_ms_per_mail']} ms/mail; "
                f"machine CPU {w['machine_cpu_busy_pct']}%, load {' '.join(w['loadavg_end'])}"
            )
        if mine["pipe"]:
            p = mine["pipe"]
            print(
                f"[{db}] pipe mode (separate, {p['mails']} more new mails, one `servicedesk mail receive` per mail, "
                f"{p['concurrency']} at a time): {p['mails_per_s']} mails/s, "
                f"{p['process_seconds_median']} s per process"
                + (f", {p['process_cpu_seconds_median']} s CPU" if p["process_cpu_seconds_median"] else "")
                + f"; taken in by one `mail process` in {p['take_in_seconds']} s; "
                f"exit codes {p['exit_codes']}; lost {p['audit']['lost']}, duplicated {p['audit']['duplicated']}, "
                f"problems {p['audit']['problems_total']}"
            )
        for problem in mine["audit"]["problems_first_20"][:10]:
            print(f"[{db}] problem: {problem}")
        if mine["listener_log"]["tracebacks"]:
            print(
                f"[{db}] listener log has {mine['listener_log']['tracebacks']} tracebacks; "
                f"tail:\n{mine['listener_log']['tail']}"
            )
    print(
        "\ntimed (ours), from a wave's first delivery until all its mails are processed: LMTP transfer, raw mail"
        " stored and committed (the 250), parse, route, ticket or message with deadline, acknowledgement rendered"
        " and queued (outbox row), HTML sanitised, attachments written, results committed; not timed:"
        " the worker sending the outbox. The peer's time includes Python/Django start-up per wave and writing its"
        " notification mails (file backend)."
    )
    print(
        f"machine: {machine['nproc']} cores, {machine['cpu']}, Python {machine['python']}; busy before the run "
        f"{machine['background']['machine_cpu_busy_pct']}%, "
        f"load average {' '.join(machine['background']['loadavg_end'])}"
    )
    return passed


# -- main --------------------------------------------------------------------------------


def run_ours(db: str, args, work: Path) -> dict:
    var_dir = Path(tempfile.mkdtemp(prefix=f"mail-{db}-", dir=work))
    result_file = var_dir / "result.json"
    if db == "postgres":
        psql(f"DROP DATABASE IF EXISTS {args.pg_name} WITH (FORCE)")
        psql(f"CREATE DATABASE {args.pg_name}")
    command = [sys.executable, str(Path(__file__).resolve()), "--inner", db, "--var-dir", str(var_dir)]
    command += ["--result", str(result_file), "--n", str(args.n), "--reply-frac", str(args.reply_frac)]
    command += ["--seed", str(args.seed), "--clients", str(args.clients), "--pipe", str(args.pipe)]
    command += ["--pipe-at-once", str(args.pipe_at_once)]
    command += [] if args.pipelining else ["--no-pipelining"]
    command += ["--lmtp-processes", str(args.lmtp_processes)]
    command += ["--peer-dir", str(args.peer_dir), "--pg-name", args.pg_name]
    try:
        if subprocess.run(command).returncode:
            raise SystemExit(f"[{db}] the intake benchmark failed (see above)")
        return json.loads(result_file.read_text())
    finally:
        if db == "postgres" and not args.keep:
            psql(f"DROP DATABASE IF EXISTS {args.pg_name} WITH (FORCE)")
        if not args.keep:
            result_copy = result_file.read_text() if result_file.exists() else None
            shutil.rmtree(var_dir, ignore_errors=True)
            if result_copy:
                (work / f"mail-{db}-last.json").write_text(result_copy)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--n", type=int, default=2000, help="mails in all (as the peer's --n)")
    parser.add_argument("--reply-frac", type=float, default=0.2, help="share of replies (as the peer's)")
    parser.add_argument("--seed", type=int, default=7, help="the generator's seed (the peer's default)")
    parser.add_argument("--clients", type=int, default=4, help="concurrent LMTP connections")
    parser.add_argument(
        "--no-pipelining",
        dest="pipelining",
        action="store_false",
        help="deliver with smtplib (a command, then its answer) instead of pipelining MAIL, RCPT and DATA",
    )
    parser.add_argument("--lmtp-processes", type=int, default=1, help="LMTP listener processes (--processes)")
    parser.add_argument("--pipe", type=int, default=40, help="extra new mails through pipe mode (0: none)")
    parser.add_argument("--pipe-at-once", type=int, default=1, help="pipe mode processes at a time (CPU shown for 1)")
    parser.add_argument("--peer-dir", default=str(PEER_DIR), help="the peer harness (read only)")
    parser.add_argument("--peer-json", action="append", default=[], help="recorded peer ingest-<db>.json (or a dir)")
    parser.add_argument("--no-peer", action="store_true", help=f"do not run the peer: use its {PEER_RECORDED} figures")
    parser.add_argument("--pg-name", default="sd_mailbench", help="PostgreSQL database created and dropped")
    parser.add_argument("--work", default="/tmp/servicedesk-bench", help="temporary databases and logs go here")
    parser.add_argument("--keep", action="store_true", help="keep the databases and files afterwards")
    parser.add_argument("--inner", choices=["sqlite", "postgres"], help=argparse.SUPPRESS)
    parser.add_argument("--var-dir", help=argparse.SUPPRESS)
    parser.add_argument("--result", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.inner:
        Path(args.result).write_text(json.dumps(run_one_db(args), indent=1, default=str))
        return 0

    dbs = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    if "postgres" in dbs and not shutil.which("psql"):
        raise SystemExit("psql not found: PostgreSQL is needed for --db postgres")
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    peer_dir = Path(args.peer_dir)
    machine = {"nproc": os.cpu_count(), "cpu": cpu_model(), "python": platform.python_version()}
    machine["background"] = background_load()
    print(
        f"machine: {machine['nproc']} cores, busy {machine['background']['machine_cpu_busy_pct']}% before the run, "
        f"load average {' '.join(machine['background']['loadavg_end'])}"
    )
    recorded = peer_from_files(args.peer_json)
    ours, peers = {}, {}
    for db in dbs:
        ours[db] = run_ours(db, args, work)
        if db in recorded:
            peers[db] = recorded[db]
        elif args.no_peer or args.peer_json:
            found = peer_recorded(peer_dir, db, "--no-peer" if args.no_peer else "not in --peer-json")
            if found:
                peers[db] = found
        else:
            found = peer_live(peer_dir, db, args, work)
            if found:
                peers[db] = found
    passed = report(ours, peers, args, machine)
    out = work / f"mail-{date.today().isoformat()}.json"
    out.write_text(
        json.dumps({"args": vars(args), "machine": machine, "ours": ours, "peer": peers}, indent=1, default=str)
    )
    print(f"\nall figures: {out}")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
