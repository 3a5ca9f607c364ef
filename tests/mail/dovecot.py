"""A real Dovecot IMAP server for the tests: Debian's `dovecot-imapd`, own config under a temp dir, 127.0.0.1."""

from __future__ import annotations

import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from imapclient import IMAPClient

ACCOUNTS = 500
PASSWORD = "imap-secret"
CONFIG = """\
base_dir = {root}/run
state_dir = {root}/state
instance_name = servicedesk-test-{port}
listen = 127.0.0.1
protocols = imap
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
first_valid_uid = 1
log_path = {root}/dovecot.log
default_internal_user = {internal}
default_login_user = {login}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/users
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={root}/mail/%u
}}
mail_location = maildir:~/Maildir
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
namespace inbox {{
  inbox = yes
  separator = /
}}
"""


@dataclass(frozen=True)
class Account:
    host: str
    port: int
    username: str
    password: str

    def client(self) -> IMAPClient:
        client = IMAPClient(self.host, port=self.port, ssl=False, timeout=30)
        client.login(self.username, self.password)
        return client

    def deliver(self, *raws: bytes, folder: str = "INBOX") -> None:
        client = self.client()
        try:
            client.multiappend(folder, list(raws))
        finally:
            client.logout()

    def uids(self, folder: str = "INBOX") -> list[int]:
        client = self.client()
        try:
            if not client.folder_exists(folder):
                return []
            client.select_folder(folder, readonly=True)
            return sorted(client.search(["NOT", "DELETED"]))
        finally:
            client.logout()

    def flags(self, folder: str = "INBOX") -> dict[int, tuple[bytes, ...]]:
        client = self.client()
        try:
            client.select_folder(folder, readonly=True)
            uids = client.search("ALL")
            return {uid: data[b"FLAGS"] for uid, data in client.fetch(uids, ["FLAGS"]).items()} if uids else {}
        finally:
            client.logout()


class Dovecot:
    """One server per test session; each test gets accounts of its own."""

    def __init__(self) -> None:
        binary = shutil.which("dovecot") or "/usr/sbin/dovecot"
        if not Path(binary).exists():
            raise RuntimeError("Dovecot is not installed: `make system-deps` installs Debian's dovecot-imapd")
        # Under /tmp with open permissions: Dovecot's mail processes run as another user than the tests.
        self.root = Path(tempfile.mkdtemp(prefix="sd-dovecot-"))
        self.root.chmod(0o755)
        self.port = _free_port()
        self._names = itertools.count(1)
        if os.geteuid() == 0:
            internal, login, mail_user = "dovecot", "dovenull", pwd.getpwnam("dovecot")
        else:
            me = pwd.getpwuid(os.geteuid())
            internal = login = me.pw_name
            mail_user = me
        for sub in ("run", "state", "mail"):
            (self.root / sub).mkdir()
        if os.geteuid() == 0:
            os.chown(self.root / "mail", mail_user.pw_uid, mail_user.pw_gid)
        # Accounts made up front: Dovecot re-reads a changed passwd-file only when its mtime moves a second on.
        (self.root / "users").write_text("".join(f"desk{n}:{{PLAIN}}{PASSWORD}\n" for n in range(1, ACCOUNTS + 1)))
        config = self.root / "dovecot.conf"
        config.write_text(
            CONFIG.format(
                root=self.root,
                port=self.port,
                internal=internal,
                login=login,
                uid=mail_user.pw_uid,
                gid=mail_user.pw_gid,
            )
        )
        self.process = subprocess.Popen(
            [binary, "-F", "-c", str(config)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"Dovecot did not start: {self.process.stdout.read().decode()} {self.log()}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"Dovecot did not listen on {self.port}: {self.log()}")

    def log(self) -> str:
        path = self.root / "dovecot.log"
        return path.read_text() if path.exists() else ""

    def account(self) -> Account:
        number = next(self._names)
        if number > ACCOUNTS:
            raise RuntimeError(f"more than {ACCOUNTS} IMAP accounts asked for: raise ACCOUNTS")
        return Account("127.0.0.1", self.port, f"desk{number}", PASSWORD)

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
        shutil.rmtree(self.root, ignore_errors=True)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
