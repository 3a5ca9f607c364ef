"""Pictures a mail carries itself (`cid:`, as Outlook and Apple Mail put them in a reply) are shown inline on the
ticket page, always, through the attachment download; remote images only when the agent asks (issue 25 item 11)."""

from __future__ import annotations

import pytest

from servicedesk.mail.parse import parse_mail
from servicedesk.mail.pipeline import mail_process
from servicedesk.mail.store import mail_store
from servicedesk.tickets.models import Attachment
from tests.helpers import png, reply_with_picture

pytestmark = pytest.mark.django_db


def test_the_part_keeps_its_content_id():
    (picture,) = parse_mail(reply_with_picture()).attachments
    assert picture.content_id == "image001.png@01DB3C2A.5E6F7A80"
    assert picture.content_type == "image/png" and picture.data == png()


def test_the_picture_shows_inline_without_asking_and_remote_images_only_when_asked(desk, anja):
    ticket = mail_process(mail_store(reply_with_picture(), via="pipe")[0]).ticket
    picture = Attachment.objects.get(message__ticket=ticket)
    assert picture.content_id == "image001.png@01DB3C2A.5E6F7A80"
    page = desk.get(f"/desk/tickets/{ticket.pk}/").content.decode()
    assert f'<img src="/desk/attachments/{picture.pk}/" alt="schermafdruk">' in page
    assert "tracker.example" not in page and "cid:" not in page
    shown = desk.get(f"/desk/tickets/{ticket.pk}/?images=1").content.decode()
    assert f'src="/desk/attachments/{picture.pk}/"' in shown and 'src="https://tracker.example/open.gif"' in shown
    served = desk.get(f"/desk/attachments/{picture.pk}/")
    assert served.status_code == 200 and served["Content-Type"] == "image/png"
    assert b"".join(served.streaming_content if served.streaming else [served.content]) == png()


def test_a_cid_the_mail_does_not_carry_is_dropped(desk, anja):
    raw = reply_with_picture().replace(b"cid:image001.png@01DB3C2A.5E6F7A80", b"cid:elsewhere@evil.example")
    ticket = mail_process(mail_store(raw, via="pipe")[0]).ticket
    page = desk.get(f"/desk/tickets/{ticket.pk}/").content.decode()
    assert '<img alt="schermafdruk">' in page and "evil.example" not in page
