"""A quote's PDF, read back as text: the number, the lines, the totals and the validity, in the reader's language,
in the invoices' house style (the same footer with the provider's details and page numbers)."""

from __future__ import annotations

import subprocess
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from servicedesk.projects import quote_services as quotes
from servicedesk.projects import services
from servicedesk.projects.pdf import quote_pdf

pytestmark = pytest.mark.django_db
SENT = datetime(2026, 12, 7, 10, 0, tzinfo=ZoneInfo("Europe/Amsterdam"))


def _text(pdf: bytes, tmp_path) -> str:
    path = tmp_path / "offerte.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", "-raw", str(path), "-"], capture_output=True, text=True, check=True).stdout


@pytest.fixture
def sent(project, agent, main_contact):
    phase = services.phase_add(project=project, name="Mailboxen verhuizen", actor=agent)
    services.task_add(project=project, phase=phase, title="Verhuizen", actor=agent, estimate_minutes=960)
    quote = quotes.quote_create(project=project, actor=agent, billing_mode="time_and_materials", hourly_rate_cents=9500)
    quotes.quote_line_add(
        quote=quote, actor=agent, kind="travel", description="Voorrijden", quantity=Decimal("2"), unit_price_cents=3250
    )
    return quotes.quote_send(quote=quote, actor=agent, now=SENT)


def test_the_pdf_holds_number_lines_totals_and_validity(sent, tmp_path):
    text = _text(quote_pdf(sent), tmp_path)
    for expected in (
        "Offerte Q2026-0001",
        "Migratie naar 365",
        "Bakkerij De Korrel",
        "Mailboxen verhuizen Uren van een fase 16 u € 95,00 € 1.520,00",
        "Voorrijden Reiskosten (schatting) 2 € 32,50 € 65,00",
        "Subtotaal € 1.585,00",
        "Btw 21% € 332,85",
        "Totaal € 1.917,85",
        "Geldig tot 06-01-2027",
        "tot en met 06-01-2027 accepteren of afwijzen",
        "Nacalculatie",
        "Pagina 1 van 1",
        "KvK 12345678",
    ):
        assert expected in text, (expected, text)


def test_the_pdf_in_english(sent, tmp_path):
    text = _text(quote_pdf(sent, language="en"), tmp_path)
    for expected in ("Quote Q2026-0001", "Valid until 06-01-2027", "Total € 1,917.85", "Page 1 of 1"):
        assert expected in text, (expected, text)


def test_a_draft_says_it_is_one(project, agent, tmp_path):
    quote = quotes.quote_create(project=project, actor=agent, billing_mode="fixed_price", hourly_rate_cents=9500)
    text = _text(quote_pdf(quote), tmp_path)
    assert "Conceptofferte" in text and "30 dagen na verzending" in text and "Vaste prijs" in text
