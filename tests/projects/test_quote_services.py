"""Quotes (offertes): drawn up from the phases' estimates, changed only as a draft, numbered without gaps when sent,
mailed with their PDF to who may approve them, accepted or declined once within their validity; every write a
sentence in the project's trail, every refusal writing nothing."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from servicedesk.outbox.models import OutgoingMessage
from servicedesk.projects import quote_services as quotes
from servicedesk.projects import services
from servicedesk.projects.event_text import event_sentence
from servicedesk.projects.models import Project, ProjectEvent, Quote, QuoteLine
from tests import factories

pytestmark = pytest.mark.django_db
AMS = ZoneInfo("Europe/Amsterdam")
SENT = datetime(2026, 12, 7, 10, 0, tzinfo=AMS)
TM = "time_and_materials"


def _sentences(project, since: int = 0) -> list[str]:
    with translation.override("nl"):
        # In the order recorded: the fixtures record with the real clock, the quotes at SENT (a fixed day).
        return [event_sentence(e) for e in project.events.order_by("id")][since:]


@pytest.fixture
def phases(project, agent):
    mail = services.phase_add(project=project, name="Mailboxen", actor=agent)
    services.task_add(project=project, phase=mail, title="Tellen", actor=agent, estimate_minutes=120)
    services.task_add(project=project, phase=mail, title="Verhuizen", actor=agent, estimate_minutes=840)
    teams = services.phase_add(project=project, name="Teams", actor=agent, milestone=True)
    services.task_add(project=project, phase=teams, title="Inrichten", actor=agent, estimate_minutes=150)
    services.phase_add(project=project, name="Nazorg", actor=agent)  # no estimates: no line
    return mail, teams


@pytest.fixture
def quote(project, phases, agent, main_contact):
    return quotes.quote_create(project=project, actor=agent, billing_mode=TM, hourly_rate_cents=9500, now=SENT)


@pytest.fixture
def sent(quote, agent):
    return quotes.quote_send(quote=quote, actor=agent, now=SENT)


def test_a_quote_is_drawn_up_from_the_phases_estimates(project, quote, phases):
    lines = list(quote.lines.order_by("position"))
    assert [(line.kind, line.phase, line.description, line.quantity, line.amount_cents) for line in lines] == [
        ("phase_hours", phases[0], "Mailboxen", Decimal("16.00"), 152000),
        ("phase_hours", phases[1], "Teams", Decimal("2.50"), 23750),
    ]
    assert (quote.version, quote.status, quote.number, quote.validity_days) == (1, "draft", None, 30)
    assert (quote.subtotal_cents, quote.vat_cents, quote.total_cents) == (175750, 36908, 212658)
    assert _sentences(project)[-1] == "Offerteversie 1 opgesteld: nacalculatie met een urenbudget."


def test_lines_are_added_and_removed_while_a_draft(project, quote, agent):
    travel = quotes.quote_line_add(
        quote=quote,
        actor=agent,
        kind="travel",
        description="Voorrijden",
        quantity=Decimal("2"),
        unit_price_cents=3250,
        now=SENT,
    )
    licence = quotes.quote_line_add(
        quote=quote,
        actor=agent,
        kind="fixed",
        description="Migratietool",
        quantity=Decimal("1"),
        unit_price_cents=45000,
        now=SENT,
    )
    quotes.quote_line_remove(quote=quote, line=travel, actor=agent, now=SENT)
    quote.refresh_from_db()
    assert [line.description for line in quote.lines.order_by("position")] == ["Mailboxen", "Teams", "Migratietool"]
    assert (quote.subtotal_cents, quote.vat_cents, quote.total_cents) == (220750, 46358, 267108)
    assert licence.position == 4
    assert _sentences(project)[-3:] == [
        "Offerteversie 1: regel Voorrijden toegevoegd (€\xa065,00).",
        "Offerteversie 1: regel Migratietool toegevoegd (€\xa0450,00).",
        "Offerteversie 1: regel Voorrijden verwijderd.",
    ]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"kind": "gift"}, "kind"),
        ({"description": " "}, "description"),
        ({"quantity": Decimal("0")}, "quantity"),
        ({"quantity": Decimal("1.005")}, "quantity"),
        ({"unit_price_cents": -1}, "unit_price"),
    ],
    ids=str,
)
def test_a_bad_line_names_its_field_and_writes_nothing(quote, agent, change, field):
    line = {"kind": "fixed", "description": "Licentie", "quantity": Decimal("1"), "unit_price_cents": 100, **change}
    events = ProjectEvent.objects.count()
    with pytest.raises(ValidationError) as error:
        quotes.quote_line_add(quote=quote, actor=agent, **line)
    assert field in error.value.message_dict
    assert quote.lines.count() == 2 and ProjectEvent.objects.count() == events


def test_a_phase_of_another_project_is_refused(quote, agent, other_customer):
    other = services.project_create(customer=other_customer, name="Ander", kind="other", actor=agent)
    foreign = services.phase_add(project=other, name="Vreemd", actor=agent)
    with pytest.raises(ValidationError) as error:
        quotes.quote_line_add(
            quote=quote,
            actor=agent,
            kind="phase_hours",
            description="X",
            quantity=Decimal("1"),
            unit_price_cents=1,
            phase=foreign,
        )
    assert "phase" in error.value.message_dict


def test_sending_numbers_mails_and_quotes_the_project(project, quote, agent, customer, main_contact):
    factories.contact(customer, "Bert Bos", email="bert@korrel.example", may_approve_quotes=True, language="en")
    factories.contact(customer, "Carla", email="carla@korrel.example", may_report=True)  # may not approve
    factories.contact(customer, "Dirk", email="", may_approve_quotes=True)  # no address
    sent = quotes.quote_send(quote=quote, actor=agent, now=SENT)
    assert (sent.number, sent.status, sent.valid_until.isoformat()) == ("Q2026-0001", "sent", "2027-01-06")
    assert Project.objects.get(pk=project.pk).status == "quoted"
    mails = list(OutgoingMessage.objects.filter(kind="quote"))
    assert {(m.to_address, m.language, m.automatic) for m in mails} == {
        (main_contact.email, "nl", False),
        ("bert@korrel.example", "en", False),
    }
    dutch = next(m for m in mails if m.language == "nl")
    assert dutch.subject == "Offerte Q2026-0001: Migratie naar 365"
    assert f"/portal/quotes/{quote.pk}/" in dutch.body and "06-01-2027" in dutch.body
    for mail in mails:
        attachment = mail.attachments.get()
        assert attachment.filename == "offerte-Q2026-0001.pdf" and bytes(attachment.data).startswith(b"%PDF")
    assert _sentences(project)[-2:] == [
        "Status gewijzigd van Concept in Geoffreerd.",
        "Offerte Q2026-0001 verstuurd aan Anja de Vries, Bert Bos, geldig tot wo 6-1-2027.",
    ]


def test_numbers_have_no_gaps_and_start_again_each_year(project, quote, agent, customer, main_contact):
    with pytest.raises(ValidationError):  # refused: no number used up
        empty = quotes.quote_create(
            project=services.project_create(customer=customer, name="Leeg", kind="other", actor=agent),
            actor=agent,
            billing_mode="fixed_price",
            hourly_rate_cents=9500,
        )
        quotes.quote_send(quote=empty, actor=agent, now=SENT)
    first = quotes.quote_send(quote=quote, actor=agent, now=SENT)
    second = quotes.quote_new_version(quote=first, actor=agent, now=SENT)
    second = quotes.quote_send(quote=second, actor=agent, now=SENT + timedelta(hours=1))
    other = services.project_create(customer=customer, name="Inventarisatie", kind="inventory", actor=agent)
    next_year = quotes.quote_create(project=other, actor=agent, billing_mode="fixed_price", hourly_rate_cents=9500)
    quotes.quote_line_add(
        quote=next_year,
        actor=agent,
        kind="fixed",
        description="Inventarisatie",
        quantity=Decimal(1),
        unit_price_cents=1,
    )
    next_year = quotes.quote_send(quote=next_year, actor=agent, now=datetime(2027, 1, 1, 0, 5, tzinfo=AMS))
    assert [first.number, second.number, next_year.number] == ["Q2026-0001", "Q2026-0002", "Q2027-0001"]


def test_a_quote_without_lines_or_without_anyone_to_approve_it_is_not_sent(project, quote, agent, main_contact):
    from servicedesk.customers.services import contact_set_rights

    contact_set_rights(contact=main_contact, actor=agent, may_approve_quotes=False)
    with pytest.raises(ValidationError, match="Niemand bij Bakkerij De Korrel mag offertes goedkeuren"):
        quotes.quote_send(quote=quote, actor=agent, now=SENT)
    for line in quote.lines.all():
        quotes.quote_line_remove(quote=quote, line=line, actor=agent)
    contact_set_rights(contact=main_contact, actor=agent, may_approve_quotes=True)
    with pytest.raises(ValidationError, match="zonder regels"):
        quotes.quote_send(quote=quote, actor=agent, now=SENT)
    quote.refresh_from_db()
    assert (quote.status, quote.number) == ("draft", None) and not OutgoingMessage.objects.filter(kind="quote")
    assert Project.objects.get(pk=project.pk).status == "draft"


def test_a_sent_quote_is_not_changed(sent, agent):
    events = ProjectEvent.objects.count()
    with pytest.raises(ValidationError, match="al verstuurd"):
        quotes.quote_line_add(
            quote=sent, actor=agent, kind="fixed", description="X", quantity=Decimal(1), unit_price_cents=1
        )
    with pytest.raises(ValidationError, match="al verstuurd"):
        quotes.quote_line_remove(quote=sent, line=sent.lines.first(), actor=agent)
    with pytest.raises(ValidationError):
        quotes.quote_send(quote=sent, actor=agent)
    assert sent.lines.count() == 2 and ProjectEvent.objects.count() == events


def test_acceptance_records_who_when_where_and_moves_the_project(project, sent, main_contact):
    at = SENT + timedelta(days=3)
    quotes.quote_accept(
        quote=sent, contact=main_contact, address="192.0.2.7", comment="Akkoord, graag in januari.", now=at
    )
    sent.refresh_from_db()
    assert (sent.status, sent.decided_at, sent.decided_by, sent.decided_from) == (
        "accepted",
        at,
        main_contact,
        "192.0.2.7",
    )
    assert sent.decision_comment == "Akkoord, graag in januari."
    project.refresh_from_db()
    assert (project.status, project.billing_mode, project.hourly_rate_cents, project.budget_minutes) == (
        "accepted",
        TM,
        9500,
        16 * 60 + 150,
    )
    assert _sentences(project)[-2:] == [
        "Offerte Q2026-0001 geaccepteerd door Anja de Vries (vanaf adres 192.0.2.7).",
        "Status gewijzigd van Geoffreerd in Geaccepteerd.",
    ]
    accepted = project.events.get(kind="quote_accepted")
    assert accepted.reason == "Akkoord, graag in januari." and accepted.actor is None  # no portal account yet


def test_a_fixed_price_quote_has_no_hour_budget(project, phases, agent, main_contact):
    quote = quotes.quote_create(project=project, actor=agent, billing_mode="fixed_price", hourly_rate_cents=9500)
    quote = quotes.quote_send(quote=quote, actor=agent, now=SENT)
    quotes.quote_accept(quote=quote, contact=main_contact, address=None, now=SENT)
    project.refresh_from_db()
    assert (project.billing_mode, project.budget_minutes) == ("fixed_price", None)


def test_accepting_twice_is_refused_with_the_date(sent, main_contact):
    quotes.quote_accept(quote=sent, contact=main_contact, address="192.0.2.7", now=SENT + timedelta(days=1))
    events = ProjectEvent.objects.count()
    with pytest.raises(ValidationError, match="al geaccepteerd, op 8 december 2026"):
        quotes.quote_accept(quote=sent, contact=main_contact, address="192.0.2.8", now=SENT + timedelta(days=2))
    with pytest.raises(ValidationError, match="al geaccepteerd"):
        quotes.quote_decline(quote=sent, contact=main_contact, address="192.0.2.8", now=SENT + timedelta(days=2))
    sent.refresh_from_db()
    assert sent.decided_from == "192.0.2.7" and ProjectEvent.objects.count() == events


def test_past_its_validity_a_quote_cannot_be_accepted(project, sent, main_contact):
    last_day = datetime(2027, 1, 6, 23, 59, tzinfo=AMS)
    with pytest.raises(ValidationError, match="geldig tot 6 januari 2027 en kan niet meer worden geaccepteerd"):
        quotes.quote_accept(quote=sent, contact=main_contact, address="192.0.2.7", now=last_day + timedelta(minutes=1))
    sent.refresh_from_db()
    assert sent.status == "sent" and Project.objects.get(pk=project.pk).status == "quoted"
    quotes.quote_accept(quote=sent, contact=main_contact, address="192.0.2.7", now=last_day)
    assert Project.objects.get(pk=project.pk).status == "accepted"


def test_only_a_contact_of_the_customer_with_the_right_decides(sent, customer, other_customer):
    colleague = factories.contact(customer, "Bert", may_report=True)
    outsider = factories.contact(other_customer, "Olga", main=True)
    with pytest.raises(ValidationError, match="mag geen offertes"):
        quotes.quote_accept(quote=sent, contact=colleague, address="192.0.2.7", now=SENT)
    with pytest.raises(ValidationError, match="andere organisatie"):
        quotes.quote_accept(quote=sent, contact=outsider, address="192.0.2.7", now=SENT)
    sent.refresh_from_db()
    assert sent.status == "sent" and sent.decided_by is None


def test_declined_then_a_new_version_is_sent(project, sent, agent, main_contact):
    quotes.quote_decline(quote=sent, contact=main_contact, address="192.0.2.7", comment="Te duur.", now=SENT)
    assert Project.objects.get(pk=project.pk).status == "declined"
    second = quotes.quote_new_version(quote=sent, actor=agent, now=SENT)
    sent.refresh_from_db()
    assert sent.status == "declined"  # a decision stays what it was
    assert [line.description for line in second.lines.order_by("position")] == ["Mailboxen", "Teams"]
    quotes.quote_line_remove(quote=second, line=second.lines.get(description="Teams"), actor=agent)
    second = quotes.quote_send(quote=second, actor=agent, now=SENT + timedelta(days=1))
    assert (second.version, second.number, second.total_cents) == (2, "Q2026-0002", 183920)
    assert Project.objects.get(pk=project.pk).status == "quoted"
    sentences = _sentences(project)
    assert "Offerte Q2026-0001 afgewezen door Anja de Vries (vanaf adres 192.0.2.7)." in sentences
    assert "Offerte Q2026-0001 (versie 1) vervangen door versie 2." in sentences
    assert sentences[-3:-1] == [
        "Status gewijzigd van Afgewezen in Concept.",
        "Status gewijzigd van Concept in Geoffreerd.",
    ]


def test_a_new_version_supersedes_a_sent_quote_which_then_cannot_be_accepted(sent, agent, main_contact):
    second = quotes.quote_new_version(quote=sent, actor=agent)
    sent.refresh_from_db()
    assert (sent.status, second.status, second.version, second.number) == ("superseded", "draft", 2, None)
    assert Quote.objects.count() == 2 and QuoteLine.objects.count() == 4  # both kept
    with pytest.raises(ValidationError, match="nieuwere versie"):
        quotes.quote_accept(quote=sent, contact=main_contact, address="192.0.2.7")
    with pytest.raises(ValidationError, match="Versie 2 is de laatste"):
        quotes.quote_new_version(quote=sent, actor=agent)
    draft = quotes.quote_new_version(quote=second, actor=agent)  # a draft may be superseded too
    with pytest.raises(ValidationError, match="Een nieuwere versie vervangt versie 2 van deze offerte"):
        quotes.quote_line_remove(quote=second, line=second.lines.first(), actor=agent)
    assert draft.version == 3 and second.lines.count() == 2


def test_an_accepted_quote_gets_no_new_version_and_the_project_no_new_quote(project, sent, agent, main_contact):
    quotes.quote_accept(quote=sent, contact=main_contact, address="192.0.2.7", now=SENT)
    with pytest.raises(ValidationError, match="opdracht"):
        quotes.quote_new_version(quote=sent, actor=agent)
    with pytest.raises(ValidationError):
        quotes.quote_create(project=project, actor=agent, billing_mode=TM, hourly_rate_cents=9500)
    assert Quote.objects.count() == 1


def test_a_project_with_an_open_quote_gets_a_new_version_instead(project, quote, agent):
    with pytest.raises(ValidationError, match="nieuwe versie"):
        quotes.quote_create(project=project, actor=agent, billing_mode=TM, hourly_rate_cents=9500)


def test_sent_quotes_past_their_validity_expire(project, sent):
    assert quotes.quotes_expire(now=datetime(2027, 1, 6, 23, 0, tzinfo=AMS)) == 0
    assert quotes.quotes_expire(now=datetime(2027, 1, 7, 0, 1, tzinfo=AMS)) == 1
    sent.refresh_from_db()
    assert sent.status == "expired"
    assert _sentences(project)[-1] == "Offerte Q2026-0001 verlopen (geldig tot wo 6-1-2027)."


def test_trail_sentences_in_english(project, sent, main_contact):
    quotes.quote_accept(quote=sent, contact=main_contact, address="192.0.2.7", now=SENT)
    with translation.override("en"):
        sentences = [event_sentence(e) for e in project.events.order_by("at", "id")]
    assert "Quote version 1 drawn up: time and materials with an hour budget." in sentences
    assert "Quote Q2026-0001 accepted by Anja de Vries (from address 192.0.2.7)." in sentences


@pytest.mark.django_db(transaction=True)
def test_quotes_sent_at_the_same_moment_get_consecutive_numbers(customer, main_contact, agent):
    import threading

    from django.db import connections

    drafts = []
    for n in range(4):
        project = services.project_create(customer=customer, name=f"Project {n}", kind="other", actor=agent)
        quote = quotes.quote_create(project=project, actor=agent, billing_mode="fixed_price", hourly_rate_cents=1)
        quotes.quote_line_add(
            quote=quote, actor=agent, kind="fixed", description="Werk", quantity=Decimal(1), unit_price_cents=100
        )
        drafts.append(quote)
    barrier, errors = threading.Barrier(len(drafts)), []

    def send(quote):
        try:
            barrier.wait()
            quotes.quote_send(quote=quote, actor=agent, now=SENT)
        except Exception as exc:  # reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=send, args=(quote,)) for quote in drafts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    assert sorted(Quote.objects.values_list("number", flat=True)) == [f"Q2026-000{n}" for n in range(1, 5)]


@pytest.mark.parametrize("colleagues", [0, 4])
def test_sending_takes_the_same_queries_for_any_number_of_recipients(
    quote, agent, customer, colleagues, django_assert_num_queries
):
    for n in range(colleagues):
        factories.contact(customer, f"Collega {n}", email=f"c{n}@korrel.example", may_approve_quotes=True)
    # Locks, the number, the quote, the project's status and trail, the PDF's reads: the same for one recipient
    # as for five (the mails and their attachments are one INSERT each).
    with django_assert_num_queries(24):
        quotes.quote_send(quote=quote, actor=agent, now=SENT)
    assert OutgoingMessage.objects.filter(kind="quote").count() == 1 + colleagues
