"""`servicedesk mail receive --now` (pipe mode in one process; plain `mail receive` writes to the spool without
starting Django: see cli.py and mail/spool.py), `mail lmtp` (the listener for the MTA, with its processor),
`mail process` (spooled and stored mail) and `mail reprocess` (quarantined mail)."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from servicedesk.mail.intake import mail_receive, spool_take_all
from servicedesk.mail.models import InboundMail
from servicedesk.mail.pipeline import mail_process
from servicedesk.mail.spool import EX_DATAERR, EX_TEMPFAIL, MAX_SIZE, receive_to_spool

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = "E-mail intake: receive a mail on stdin (pipe mode), or reprocess quarantined mail."
    # The system checks import every page's code (the URL checks load all views), which a process started for
    # each mail (pipe mode) has no use for; the commands that keep running still run them (see `handle`).
    requires_system_checks = []

    def add_arguments(self, parser):
        commands = parser.add_subparsers(dest="action", required=True)
        receive = commands.add_parser(
            "receive",
            help="one mail from stdin into the spool that the worker takes in (exit 0 once it is on disk, 75 when "
            "the MTA should retry); with --now, stored and processed in this process",
        )
        receive.add_argument(
            "--now",
            action="store_true",
            help="store and process the mail here, without the spool: exit 0 after commit, 75 when the database "
            "is away",
        )
        lmtp = commands.add_parser("lmtp", help="run the LMTP listener the MTA delivers to")
        lmtp.add_argument("--host", default="127.0.0.1")
        lmtp.add_argument("--port", type=int, default=8024)
        lmtp.add_argument(
            "--processes", type=int, default=1, help="listener processes sharing the port (one per core helps)"
        )
        lmtp.add_argument("--reuse-port", action="store_true", help=argparse.SUPPRESS)
        # One of --processes: stores only, and wakes the processor through this inherited pipe.
        lmtp.add_argument("--wake-fd", type=int, help=argparse.SUPPRESS)
        process = commands.add_parser("process", help="process stored mail (the LMTP listener starts this itself)")
        process.add_argument("--follow", action="store_true", help="keep processing stored mail as it comes")
        process.add_argument("--wake-fd", type=int, help=argparse.SUPPRESS)  # the listener writes when it stored
        reprocess = commands.add_parser("reprocess", help="process quarantined mail again")
        reprocess.add_argument("ids", nargs="*", type=int, help="mail ids (default: every quarantined mail)")

    def handle(self, *args, action: str, **options):
        if action == "receive":
            if not options["now"]:  # the console script spools before Django starts (cli.py); this is `call_command`
                sys.exit(receive_to_spool(sys.stdin.buffer, self.stdout, self.stderr))
            self.receive()
            return
        self.check()  # what `requires_system_checks` would have run: these commands keep running
        if action == "lmtp":
            if options["processes"] > 1:
                self.lmtp_processes(options["host"], options["port"], options["processes"])
            else:
                self.lmtp(
                    options["host"], options["port"], reuse_port=options["reuse_port"], wake_fd=options["wake_fd"]
                )
        elif action == "process":
            self.process(follow=options["follow"], wake_fd=options["wake_fd"])
        else:
            self.reprocess(options["ids"])

    def lmtp_processes(self, host: str, port: int, count: int) -> None:
        """Several listeners on one port (SO_REUSEPORT), each its own process, and one processor; stopped
        together."""
        read, write = os.pipe()
        processor = _processor(read)
        command = [*_ourselves(), "mail", "lmtp", "--host", host, "--port", str(port), "--reuse-port"]
        command += ["--wake-fd", str(write)]
        children = [subprocess.Popen(command, pass_fds=(write,)) for _ in range(count)] + [processor]
        os.close(write)
        self.stdout.write(f"LMTP listener on {host}:{port}, {count} processes", ending="\n")
        self.stdout.flush()
        ended = _run_until_stopped(children)
        _stop(children)
        if ended:
            sys.exit(1)

    def lmtp(self, host: str, port: int, *, reuse_port: bool = False, wake_fd: int | None = None) -> None:
        from servicedesk.mail.lmtp import lmtp_controller
        from servicedesk.mail.processor import waker

        children = []
        if wake_fd is None:  # a listener of its own: with its own processor
            read, wake_fd = os.pipe()
            children.append(_processor(read))
        controller = lmtp_controller(host, port, reuse_port=reuse_port, wake=waker(wake_fd))
        controller.start()
        self.stdout.write(f"LMTP listener on {host}:{port}", ending="\n")
        self.stdout.flush()
        ended = _run_until_stopped(children)
        controller.stop()
        _stop(children)
        if ended:
            sys.exit(1)

    def process(self, *, follow: bool, wake_fd: int | None = None) -> None:
        from servicedesk.mail.processor import follow as follow_stored
        from servicedesk.mail.processor import stored_process

        if not follow:
            try:
                spooled = spool_take_all()
            except DatabaseError as exc:
                self.stderr.write(f"database unavailable, the spooled mail waits: {exc}".splitlines()[0])
                sys.exit(EX_TEMPFAIL)
            self.stdout.write(f"{spooled} spooled mails taken in, {stored_process()} stored mails processed")
            return
        stop = _stop_on_signal()
        self.stdout.write("processing stored mail as it comes", ending="\n")
        self.stdout.flush()
        follow_stored(stop, wake_fd=wake_fd)

    def receive(self) -> None:
        raw = sys.stdin.buffer.read(MAX_SIZE + 1)
        if len(raw) > MAX_SIZE:
            self.stderr.write(f"mail too large (over {MAX_SIZE // (1024 * 1024)} MB): refused")
            sys.exit(EX_DATAERR)
        try:
            mail, created = mail_receive(raw, via=InboundMail.Via.PIPE)
        except DatabaseError as exc:
            self.stderr.write(f"database unavailable, try again later: {exc}".splitlines()[0])
            sys.exit(EX_TEMPFAIL)
        self.stdout.write(f"mail {mail.pk}: {mail.status}{'' if created else ' (already received)'}")

    def reprocess(self, ids: list[int]) -> None:
        mails = InboundMail.objects.filter(status__in=[InboundMail.Status.QUARANTINED, InboundMail.Status.STORED])
        if ids:
            mails = mails.filter(pk__in=ids)
            if not mails.exists():
                raise CommandError("no stored or quarantined mail with those ids")
        for mail in mails.order_by("id"):
            mail = mail_process(mail)
            self.stdout.write(f"mail {mail.pk}: {mail.status}{' — ' + mail.reason if mail.reason else ''}")


def _ourselves() -> list[str]:
    return [str(Path(sys.executable).with_name("servicedesk"))]


def _processor(wake_read: int) -> subprocess.Popen:
    """The process that processes what the listener stores (a core of its own), woken through a pipe (on its
    stdin) when mail was stored."""
    try:
        return subprocess.Popen([*_ourselves(), "mail", "process", "--follow", "--wake-fd", "0"], stdin=wake_read)
    finally:
        os.close(wake_read)


def _stop_on_signal() -> threading.Event:
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    return stop


def _run_until_stopped(children: list[subprocess.Popen]) -> bool:
    """Until a signal comes (False), or a child ends (True: then all stop, and the supervisor, systemd or
    `make run`, restarts the service)."""
    stop = _stop_on_signal()
    while not stop.wait(1):
        if any(child.poll() is not None for child in children):
            logger.error("a child process of the mail listener ended; stopping")
            return True
    return False


def _stop(children: list[subprocess.Popen]) -> None:
    for child in children:
        if child.poll() is None:
            child.terminate()
    for child in children:
        child.wait(timeout=60)
