"""Progress of long billing work, readable from any process (the page polls it while the worker works)."""

from __future__ import annotations

import time

from django.core.cache import caches

WRITE_EVERY = 0.5  # seconds between writes while counting


class RunProgress:
    def __init__(self, run_id: int):
        self.key = f"billing-run:{run_id}"
        self.done = 0
        self.total = 0
        self.phase = ""
        self._written = 0.0

    def start(self, phase: str, total: int) -> None:
        self.phase, self.total, self.done = phase, total, 0
        self._write()

    def advance(self, n: int) -> None:
        self.done += n
        if time.monotonic() - self._written >= WRITE_EVERY:
            self._write()

    def finish(self) -> None:
        caches["progress"].delete(self.key)

    def _write(self) -> None:
        self._written = time.monotonic()
        caches["progress"].set(self.key, {"phase": self.phase, "done": self.done, "total": self.total}, 3600)


def run_progress(run_id: int) -> dict | None:
    return caches["progress"].get(f"billing-run:{run_id}")
