"""`servicedesk mail receive` (pipe mode for MTA aliases) and `servicedesk mail reprocess`."""

from __future__ import annotations

import argparse
import signal
import subprocess
import sys
import threading
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from servicedesk.mail.intake import MAX_SIZE, mail_receive
from servicedesk.mail.models import InboundMail
from servicedesk.mail.pipeline import mail_process

EX_TEMPFAIL = 75  # sysexits.h: the MTA keeps the mail and tries again later
EX_DATAERR = 65


class Command(BaseCommand):
    help = "E-mail intake: receive a mail on stdin (pipe mode), or reprocess quarantined mail."

    def add_arguments(self, parser):
        commands = parser.add_subparsers(dest="action", required=True)
        commands.add_parser(
            "receive",
            help="store and process one mail read from stdin; exit 0 after commit, 75 when the MTA should retry",
        )
        lmtp = commands.add_parser("lmtp", help="run the LMTP listener the MTA delivers to")
        lmtp.add_argument("--host", default="127.0.0.1")
        lmtp.add_argument("--port", type=int, default=8024)
        lmtp.add_argument(
            "--processes", type=int, default=1, help="listener processes sharing the port (one per core helps)"
        )
        lmtp.add_argument("--reuse-port", action="store_true", help=argparse.SUPPRESS)
        reprocess = commands.add_parser("reprocess", help="process quarantined mail again")
        reprocess.add_argument("ids", nargs="*", type=int, help="mail ids (default: every quarantined mail)")

    def handle(self, *args, action: str, **options):
        if action == "receive":
            self.receive()
        elif action == "lmtp":
            if options["processes"] > 1:
                self.lmtp_processes(options["host"], options["port"], options["processes"])
            else:
                self.lmtp(options["host"], options["port"], reuse_port=options["reuse_port"])
        else:
            self.reprocess(options["ids"])

    def lmtp_processes(self, host: str, port: int, count: int) -> None:
        """Several listeners on one port (SO_REUSEPORT), each its own process; stopped together."""
        script = Path(sys.executable).with_name("servicedesk")
        command = [str(script), "mail", "lmtp", "--host", host, "--port", str(port), "--reuse-port"]
        children = [subprocess.Popen(command) for _ in range(count)]
        self.stdout.write(f"LMTP listener on {host}:{port}, {count} processes", ending="\n")
        self.stdout.flush()
        stop = threading.Event()
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: stop.set())
        while not stop.wait(1):
            if any(child.poll() is not None for child in children):
                break  # one died: stop all, the supervisor (systemd, make run) restarts the service
        for child in children:
            if child.poll() is None:
                child.terminate()
        for child in children:
            child.wait(timeout=30)

    def lmtp(self, host: str, port: int, *, reuse_port: bool = False) -> None:
        from servicedesk.mail.lmtp import lmtp_controller

        controller = lmtp_controller(host, port, reuse_port=reuse_port)
        controller.start()
        self.stdout.write(f"LMTP listener on {host}:{port}", ending="\n")
        self.stdout.flush()
        stop = threading.Event()
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: stop.set())
        stop.wait()
        controller.stop()

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
