"""Attachments of every type are kept; hostile names are only shown, never used as paths."""

from __future__ import annotations

from email.message import EmailMessage
from pathlib import Path

import pytest

from servicedesk.mail.pipeline import mail_process
from servicedesk.mail.store import mail_store
from servicedesk.tickets.models import Attachment, Ticket
from tests import factories

pytestmark = pytest.mark.django_db

FILES = [
    ("omzet.csv", "text", "csv", b"=SUM(A1:A3);12\n"),
    ("begroting.xlsx", "application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet", b"PK\x03\x04xlsx"),
    ("../../x", "application", "octet-stream", b"escape attempt"),
    (".htaccess", "text", "plain", b"Options +ExecCGI"),
    ("scherm.png", "image", "png", b"\x89PNG\r\n\x1a\n"),
]


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def test_every_attachment_is_kept_under_a_generated_name(media, client):
    factories.contact(factories.customer(), "Anja", main=True, email="anja@korrel.example")
    message = EmailMessage()
    message["From"], message["Subject"], message["Message-ID"] = "anja@korrel.example", "Bijlagen", "<att@k.example>"
    message.set_content("Zie bijlagen.")
    for name, main, sub, data in FILES:
        message.add_attachment(data, maintype=main, subtype=sub, filename=name)
    stored, _ = mail_store(bytes(message), via="pipe")
    ticket = mail_process(stored).ticket
    assert isinstance(ticket, Ticket)
    kept = list(Attachment.objects.filter(message__ticket=ticket).order_by("id"))
    assert [a.original_name for a in kept] == [name for name, *_ in FILES]
    files = sorted(p for p in Path(media).rglob("*") if p.is_file())
    assert len(files) == len(FILES)
    assert all(p.resolve().is_relative_to(Path(media).resolve() / "attachments") for p in files)
    assert {p.read_bytes() for p in files} == {data for *_, data in FILES}
    assert not any(p.name in ("x", ".htaccess") for p in files)

    client.force_login(factories.agent())
    page = client.get(f"/desk/tickets/{ticket.pk}/").content.decode()
    assert "omzet.csv" in page and "../../x" in page
    csv = next(a for a in kept if a.original_name == "omzet.csv")
    response = client.get(f"/desk/attachments/{csv.pk}/")
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == b"=SUM(A1:A3);12\n"


def test_customers_cannot_download(client, django_user_model):
    client.force_login(django_user_model.objects.create_user("klant", password="x-secret-123"))
    assert client.get("/desk/attachments/1/").status_code == 404


def test_files_of_a_rolled_back_mail_are_swept_and_kept_ones_stay(media, monkeypatch):
    from datetime import timedelta

    from django.utils import timezone

    from servicedesk.mail import apply
    from servicedesk.tickets.attachments import attachment_orphans_sweep, attachment_path

    factories.contact(factories.customer(), "Anja", main=True, email="anja@korrel.example")

    def one(subject: str) -> bytes:
        message = EmailMessage()
        message["From"], message["Subject"], message["Message-ID"] = "anja@korrel.example", subject, f"<{subject}@k>"
        message.set_content("Zie bijlage.")
        message.add_attachment(b"a;b\n", maintype="text", subtype="csv", filename="lijst.csv")
        return bytes(message)

    kept = mail_process(mail_store(one("goed"), via="pipe")[0])
    real_keep = apply.keep_attachments

    def fail_after_writing(messages, now):
        real_keep(messages, now)
        raise OSError("disk full while saving the attachments")

    monkeypatch.setattr(apply, "keep_attachments", fail_after_writing)
    failed = mail_process(mail_store(one("fout"), via="pipe")[0])
    assert failed.status == "quarantined" and "disk full" in failed.reason
    files = sorted(p.name for p in (Path(media) / "attachments").glob("??/*"))
    assert len(files) == 2  # one kept, one orphaned by the rollback
    assert attachment_orphans_sweep() == []  # too recent: could belong to a transaction still running
    removed = attachment_orphans_sweep(now=timezone.now() + timedelta(days=1))
    (survivor,) = kept.ticket.messages.get().attachments.all()
    assert removed == [name for name in files if name != survivor.stored_name]
    assert attachment_path(survivor.stored_name).exists()
    monkeypatch.setattr(apply, "keep_attachments", real_keep)
    assert mail_process(failed).status == "processed"  # processed again once the cause is gone
