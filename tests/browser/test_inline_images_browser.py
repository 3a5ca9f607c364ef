"""An agent sees the picture a customer pasted in a mail (`cid:`) on the ticket page, under the page's
Content-Security-Policy, without asking for remote images (issue 25 item 11)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from servicedesk.mail.pipeline import mail_process
from servicedesk.mail.store import mail_store
from tests import factories
from tests.helpers import desk_sign_in, reply_with_picture

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_pasted_picture_is_shown(page: Page, live_server, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    factories.agent("anouk")
    anja = factories.contact(factories.customer("Bakkerij De Korrel"), "Anja", main=True, email="anja@korrel.example")
    ticket = mail_process(mail_store(reply_with_picture(anja.email), via="pipe")[0]).ticket
    desk_sign_in(page, live_server)
    page.goto(f"{live_server.url}/desk/tickets/{ticket.pk}/")
    shot = page.locator("img[alt=schermafdruk]")
    shot.wait_for()
    assert page.evaluate("() => document.querySelector('img[alt=schermafdruk]').complete")
    assert page.evaluate("() => document.querySelector('img[alt=schermafdruk]').naturalWidth") == 3
