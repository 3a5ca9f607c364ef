"""The worker's deliveries: threads that send the outbox's mail and the webhooks that are due, soon after they
were committed; each its own thread, so that a slow webhook receiver never holds the mail back."""

from __future__ import annotations

from servicedesk.mail.delivery import deliver_due
from servicedesk.runtime.loops import Loop
from servicedesk.webhooks.delivery import deliver_due as deliver_webhooks_due


class Courier(Loop):
    """Looks for due messages every `tick` seconds and sends them; stopping, it finishes the message in hand
    and gives the rest of its batch back."""

    def __init__(self, *, tick: float):
        super().__init__("servicedesk-courier", tick=tick)

    def step(self) -> None:
        deliver_due(stopping=self.stopped.is_set)


class WebhookCourier(Loop):
    """Looks for due webhook deliveries every `tick` seconds and sends them; stopping, it finishes the delivery
    in hand and gives the rest of its batch back."""

    def __init__(self, *, tick: float):
        super().__init__("servicedesk-webhooks", tick=tick)

    def step(self) -> None:
        deliver_webhooks_due(stopping=self.stopped.is_set)
