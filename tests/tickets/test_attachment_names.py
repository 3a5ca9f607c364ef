"""Attachment names show what the file is: nothing invisible, nothing that reorders what is shown."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from servicedesk.tickets.attachments import display_name
from servicedesk.tickets.models import Attachment
from tests import factories
from tests.helpers import portal_signed_in


@pytest.mark.parametrize(
    ("sent", "shown"),
    [
        ("factuur\u202efdp.exe", "factuurfdp.exe"),  # right-to-left override: showed as factuurexe.pdf
        ("\u2067rapport\u2069.pdf", "rapport.pdf"),  # isolates
        ("stil\u200b\u200c\u200d\ufeffle.txt", "stille.txt"),  # zero-width characters
        ("regel1\nregel2\tdeel.txt", "regel1 regel2 deel.txt"),  # controls become spaces
        ("nul\x00byte.pdf", "nul byte.pdf"),
        ("privé\ue000.pdf", "privé.pdf"),  # private use
        ("a\u2028b\u2029c.doc", "abc.doc"),  # line and paragraph separators
        ("Offerte 2026 – café.pdf", "Offerte 2026 – café.pdf"),  # what is visible stays
        ("\u202e\u200b", "(naamloos)"),
        ("", "(naamloos)"),
    ],
)
def test_a_name_keeps_only_what_is_visible(sent, shown):
    assert display_name(sent) == shown


@pytest.mark.django_db
def test_a_portal_upload_is_stored_and_downloaded_under_its_visible_name(client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    anja = factories.contact(factories.customer(), "Anja", main=True, email="anja@korrel.example")
    portal_signed_in(client, anja, factories.agent("anouk"))
    upload = SimpleUploadedFile("factuur\u202efdp.exe", b"MZ", content_type="application/octet-stream")
    report = {
        "about": "question",
        "priority": "standard",
        "subject": "Bijlage",
        "body": "Zie bijlage.",
        "files": upload,
    }
    assert client.post("/portal/tickets/new/", report).status_code == 302
    attachment = Attachment.objects.get()
    assert attachment.original_name == "factuurfdp.exe"
    response = client.get(f"/portal/attachments/{attachment.pk}/")
    assert 'filename="factuurfdp.exe"' in response["Content-Disposition"]
