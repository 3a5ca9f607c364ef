"""The worker's part of pipe mode: the mail `servicedesk mail receive` spooled, taken in as it comes."""

from __future__ import annotations

from servicedesk.mail.intake import spool_take_all
from servicedesk.runtime.loops import Loop


class SpoolIntake(Loop):
    """Looks in the spool every `tick` seconds and takes in what waits, batch after batch (mail/spool.py). A
    database that is away leaves the mail in the spool; the step after tries again."""

    def __init__(self, *, tick: float):
        super().__init__("servicedesk-spool", tick=tick)

    def step(self) -> None:
        spool_take_all(stopping=self.stopped.is_set)
