"""The worker's delivery of the outbox: a thread that sends what is due, soon after it was committed."""

from __future__ import annotations

from servicedesk.mail.delivery import deliver_due
from servicedesk.runtime.loops import Loop


class Courier(Loop):
    """Looks for due messages every `tick` seconds and sends them; stopping, it finishes the message in hand
    and gives the rest of its batch back."""

    def __init__(self, *, tick: float):
        super().__init__("servicedesk-courier", tick=tick)

    def step(self) -> None:
        deliver_due(stopping=self.stopped.is_set)
