"""The spool of pipe mode: a maildir under the service's var directory that `servicedesk mail receive` writes each
mail to and the worker takes mail in from (`mail/spool_intake.py`).

An MTA starts a process for every mail it pipes; that process only writes a file (no Django, no database), so it
ends within milliseconds and a database being away delays no delivery. Standard library only: the command imports
this module without starting Django. A mail is written as maildir delivers one: into `tmp/`, flushed to disk,
renamed into `new/` (a reader sees the whole file or none) and the directory flushed; exit 0 means the bytes are on
disk. A taker claims a file by renaming it into `cur/` (one taker wins), stores it and removes it after the commit.
"""

from __future__ import annotations

import os
import secrets
import time
from pathlib import Path

from servicedesk.paths import var_dir

SPOOL = "mail-spool"
MAX_SIZE = int(os.environ.get("SERVICEDESK_MAIL_MAX_SIZE", str(50 * 1024 * 1024)))  # bytes
EX_TEMPFAIL = 75  # sysexits.h: the MTA keeps the mail and tries again later
EX_DATAERR = 65  # sysexits.h: the mail itself is refused (too large)
CLAIM_EXPIRES = 10 * 60  # seconds: a claimed file still there after this was left by a taker that stopped


def spool_dir(var: Path | None = None) -> Path:
    return (var or var_dir()) / SPOOL


def _sync_directory(directory: Path) -> None:
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def spool_write(raw: bytes, directory: Path) -> Path:
    """Write one mail durably into the spool; its path in `new/`. Raises OSError when it could not."""
    tmp, new = directory / "tmp", directory / "new"
    for sub in (tmp, new, directory / "cur"):
        sub.mkdir(parents=True, exist_ok=True)
    # The name starts with the time written (fixed width until 2286), so names sort oldest first.
    name = f"{time.time_ns()}.{os.getpid()}.{secrets.token_hex(6)}"
    with open(tmp / name, "xb") as file:
        file.write(raw)
        file.flush()
        os.fsync(file.fileno())
    os.rename(tmp / name, new / name)
    _sync_directory(new)
    return new / name


def spool_claim(directory: Path, *, most: int) -> list[Path]:
    """Claim up to `most` waiting mails, oldest first: each moved into `cur/`, where no other taker sees it. Claims
    left behind by a taker that stopped (older than CLAIM_EXPIRES) are given back to `new/` first."""
    new, cur = directory / "new", directory / "cur"
    try:
        stale = [name for name in os.listdir(cur) if _age(cur / name) > CLAIM_EXPIRES]
        waiting = sorted(os.listdir(new))
    except FileNotFoundError:  # nothing was ever spooled here
        return []
    for name in stale:
        _move(cur / name, new / name)
    if stale:
        waiting = sorted(os.listdir(new))
    claimed = []
    for name in waiting:
        if len(claimed) >= most:
            break
        if _move(new / name, cur / name):
            claimed.append(cur / name)
    return claimed


def spool_release(paths: list[Path]) -> None:
    """Give claimed mails back to `new/` (they could not be stored now)."""
    for path in paths:
        _move(path, path.parent.parent / "new" / path.name)


def _age(path: Path) -> float:
    try:
        return time.time() - path.stat().st_mtime
    except FileNotFoundError:
        return 0.0


def _move(source: Path, target: Path) -> bool:
    """Rename; False when another taker moved it first."""
    try:
        os.rename(source, target)
    except FileNotFoundError:
        return False
    os.utime(target)  # the claim's age counts from now
    return True


def receive_to_spool(stdin, stdout, stderr) -> int:
    """`servicedesk mail receive`: one mail from stdin into the spool; the exit status for the MTA."""
    raw = stdin.read(MAX_SIZE + 1)
    if len(raw) > MAX_SIZE:
        stderr.write(f"mail too large (over {MAX_SIZE // (1024 * 1024)} MB): refused\n")
        return EX_DATAERR
    try:
        path = spool_write(raw, spool_dir())
    except OSError as exc:
        stderr.write(f"could not write the mail to the spool, try again later: {exc}\n")
        return EX_TEMPFAIL
    stdout.write(f"mail spooled: {path.name}\n")
    return 0
