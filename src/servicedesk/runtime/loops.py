"""A daemon thread that does one step of background work at a steady pace until it is stopped."""

from __future__ import annotations

import logging
import threading

from django.db import close_old_connections, connections

logger = logging.getLogger(__name__)


class Loop(threading.Thread):
    """Runs `step()` every `tick` seconds; an error is logged and the next step tried (a database hiccup must
    not end the work)."""

    def __init__(self, name: str, *, tick: float):
        super().__init__(name=name, daemon=True)
        self.tick = tick
        self.stopped = threading.Event()

    def step(self) -> None:
        raise NotImplementedError

    def run(self) -> None:
        try:
            while not self.stopped.is_set():
                try:
                    self.step()
                except Exception:
                    logger.exception("%s: step failed", self.name)
                finally:
                    close_old_connections()
                self.stopped.wait(self.tick)
        finally:
            connections.close_all()

    def stop(self) -> None:
        self.stopped.set()
