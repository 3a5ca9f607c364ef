"""Every change to a project's quotes (offertes, POLICY.md §10), one function each: in a transaction, with its line
in the project's audit trail. The money comes from `policy/quote.py`; numbers from a gapless yearly sequence."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from servicedesk.core.policy import current_policy
from servicedesk.core.sequences import lock_year, next_in_year
from servicedesk.customers.models import Contact
from servicedesk.outbox.models import OutgoingAttachment, OutgoingMessage
from servicedesk.outbox.services import Notice, notices_queue
from servicedesk.policy import quote as money
from servicedesk.projects.models import BillingMode, Phase, Project, ProjectEvent, Quote, QuoteLine, QuoteSequence
from servicedesk.projects.pdf import quote_pdf
from servicedesk.projects.services import record_event, touch

Kind = ProjectEvent.Kind
QStatus = Quote.Status
PStatus = Project.Status

#: The kind of outgoing mail that carries a quote (the outbox keeps a kind per message).
QUOTE_MAIL = OutgoingMessage.Kind.QUOTE
#: A project in these statuses may be quoted; one with a quote in these gets a new version instead of a new quote.
QUOTABLE = (PStatus.DRAFT, PStatus.QUOTED, PStatus.DECLINED)
OPEN_OR_ACCEPTED = (QStatus.DRAFT, QStatus.SENT, QStatus.ACCEPTED)


def quote_recipients(project: Project):
    """The contacts a quote of `project` is mailed to: its customer's active contacts who may approve quotes."""
    return (
        Contact.objects.filter(customer_id=project.customer_id, may_approve_quotes=True, active=True)
        .exclude(email="")
        .order_by("name", "id")
    )


def _lock(quote: Quote) -> Quote:
    return Quote.objects.select_for_update().select_related("project").get(pk=quote.pk)


def _must_be_draft(quote: Quote) -> None:
    if quote.status == QStatus.SUPERSEDED:
        raise ValidationError(
            _("A newer version replaces version %(version)s of this quote; change that one.")
            % {"version": quote.version}
        )
    if quote.status != QStatus.DRAFT:
        raise ValidationError(
            _("Version %(version)s of this quote was sent already; make a new version to change it.")
            % {"version": quote.version}
        )


def _refresh_totals(quote: Quote) -> None:
    lines = list(quote.lines.values_list("quantity", "unit_price_cents"))
    totals = money.quote_totals(lines, vat_percent=quote.vat_percent)
    quote.subtotal_cents, quote.vat_cents, quote.total_cents = (
        totals.subtotal_cents,
        totals.vat_cents,
        totals.total_cents,
    )
    quote.save(update_fields=["subtotal_cents", "vat_cents", "total_cents"])


def _line_changed(quote: Quote, line: QuoteLine, kind: str, *, actor, now: datetime) -> None:
    """The quote's totals again, and the line added or removed in the trail (its description and amount)."""
    _refresh_totals(quote)
    touch(quote.project, now)
    record_event(
        quote.project, kind, at=now, actor=actor, subject=line.description, old=quote.version, new=line.amount_cents
    )


def _next_version(project: Project) -> int:
    return (project.quotes.aggregate(last=Max("version"))["last"] or 0) + 1


def _check_terms(*, billing_mode: str, hourly_rate_cents: int, validity_days: int) -> None:
    problems = {}
    if billing_mode not in BillingMode.values:
        problems["billing_mode"] = _("Choose how the project is billed.")
    if hourly_rate_cents <= 0:
        problems["hourly_rate"] = _("An hourly rate is more than zero.")
    if validity_days <= 0:
        problems["validity_days"] = _("A quote is valid for at least one day.")
    if problems:
        raise ValidationError(problems)


@transaction.atomic
def quote_create(
    *,
    project: Project,
    actor,
    billing_mode: str,
    hourly_rate_cents: int,
    validity_days: int | None = None,
    now: datetime | None = None,
) -> Quote:
    """A draft quote for a project, a line for each phase with estimated tasks: its hours at the hourly rate.
    A project with a quote in draft or sent, or accepted, gets a new version of that one instead."""
    now = now or timezone.now()
    config = current_policy().config
    validity_days = validity_days or config.projects.quote_validity_days
    _check_terms(billing_mode=billing_mode, hourly_rate_cents=hourly_rate_cents, validity_days=validity_days)
    project = Project.objects.select_for_update().get(pk=project.pk)
    if project.status not in QUOTABLE:
        raise ValidationError(
            _("A project that is “%(status)s” gets no new quote.") % {"status": project.get_status_display()}
        )
    if project.quotes.filter(status__in=OPEN_OR_ACCEPTED).exists():
        raise ValidationError(_("This project has a quote already; make a new version of it instead."))
    quote = Quote.objects.create(
        project=project,
        version=_next_version(project),
        billing_mode=billing_mode,
        hourly_rate_cents=hourly_rate_cents,
        validity_days=validity_days,
        vat_percent=config.vat_percent,
        created_at=now,
        created_by=actor,
    )
    phases = project.phases.order_by("position").prefetch_related("tasks")
    lines = []
    for phase in phases:
        minutes = sum(task.estimate_minutes or 0 for task in phase.tasks.all())
        if minutes:
            hours = money.hours_of_minutes(minutes)
            lines.append(
                QuoteLine(
                    quote=quote,
                    position=len(lines) + 1,
                    kind=QuoteLine.Kind.PHASE_HOURS,
                    phase=phase,
                    description=phase.name,
                    quantity=hours,
                    unit_price_cents=hourly_rate_cents,
                    amount_cents=money.line_cents(quantity=hours, unit_price_cents=hourly_rate_cents),
                )
            )
    QuoteLine.objects.bulk_create(lines)
    _refresh_totals(quote)
    touch(project, now)
    record_event(project, Kind.QUOTE_CREATED, at=now, actor=actor, old=quote.version, new=billing_mode)
    return quote


@transaction.atomic
def quote_line_add(
    *,
    quote: Quote,
    actor,
    kind: str,
    description: str,
    quantity: Decimal,
    unit_price_cents: int,
    phase: Phase | None = None,
    now: datetime | None = None,
) -> QuoteLine:
    """A line at the end of a draft quote."""
    now = now or timezone.now()
    quote = _lock(quote)
    _must_be_draft(quote)
    quantity = Decimal(quantity) if quantity is not None else None
    problems = {}
    if kind not in QuoteLine.Kind.values:
        problems["kind"] = _("Choose the kind of line.")
    if not description.strip():
        problems["description"] = _("A line needs a description.")
    if quantity is None or quantity <= 0:
        problems["quantity"] = _("A quantity is more than zero.")
    elif quantity != quantity.quantize(Decimal("0.01")):
        problems["quantity"] = _("A quantity has at most two decimals.")
    if unit_price_cents is None or unit_price_cents < 0:
        problems["unit_price"] = _("A price is zero or more.")
    if phase is not None and phase.project_id != quote.project_id:
        problems["phase"] = _("This phase belongs to another project.")
    if problems:
        raise ValidationError(problems)
    last = quote.lines.aggregate(last=Max("position"))["last"] or 0
    line = QuoteLine.objects.create(
        quote=quote,
        position=last + 1,
        kind=kind,
        phase=phase,
        description=" ".join(description.split()),
        quantity=quantity,
        unit_price_cents=unit_price_cents,
        amount_cents=money.line_cents(quantity=quantity, unit_price_cents=unit_price_cents),
    )
    _line_changed(quote, line, Kind.QUOTE_LINE_ADDED, actor=actor, now=now)
    return line


@transaction.atomic
def quote_line_remove(*, quote: Quote, line: QuoteLine, actor, now: datetime | None = None) -> None:
    """Take a line off a draft quote."""
    now = now or timezone.now()
    quote = _lock(quote)
    _must_be_draft(quote)
    if line.quote_id != quote.pk:
        raise ValidationError(_("This line belongs to another quote."))
    line.delete()
    _line_changed(quote, line, Kind.QUOTE_LINE_REMOVED, actor=actor, now=now)


def _next_number(year: int) -> str:
    """The next quote number of the year, e.g. Q2026-0007; the caller holds the year's sequence locked."""
    return f"Q{year}-{next_in_year(QuoteSequence, year):04d}"


def _set_project_status(project: Project, status: str, *, at: datetime, actor, reason: str = "") -> None:
    old = project.status
    if old == status:
        return
    project.status, project.updated_at = status, at
    project.save(update_fields=["status", "updated_at"])
    record_event(project, Kind.STATUS, at=at, actor=actor, field="status", old=old, new=status, reason=reason)


def quote_send(*, quote: Quote, actor, now: datetime | None = None) -> Quote:
    """Number a draft quote, fix its validity from today, and mail it as a PDF to the customer's contacts who may
    approve quotes (through the outbox, delivered once committed); the project is then quoted."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    with transaction.atomic():
        lock_year(QuoteSequence, today.year)
        quote = _lock(quote)
        _must_be_draft(quote)
        project = Project.objects.select_for_update().select_related("customer").get(pk=quote.project_id)
        if project.status not in QUOTABLE:
            raise ValidationError(
                _("A project that is “%(status)s” gets no quote.") % {"status": project.get_status_display()}
            )
        if not quote.lines.exists():
            raise ValidationError(_("A quote without lines cannot be sent."))
        recipients = list(quote_recipients(project))
        if not recipients:
            raise ValidationError(
                _("Nobody at %(customer)s may approve quotes: give a contact that right first.")
                % {"customer": project.customer.name}
            )
        quote.number = _next_number(today.year)
        quote.status, quote.sent_at, quote.sent_by = QStatus.SENT, now, actor
        quote.valid_until = money.valid_until(sent_on=today, validity_days=quote.validity_days)
        quote.save(update_fields=["number", "status", "sent_at", "sent_by", "valid_until"])
        quote.project = project
        if project.status == PStatus.DECLINED:  # a new version after a refusal: the project is redone
            _set_project_status(project, PStatus.DRAFT, at=now, actor=actor)
        _set_project_status(project, PStatus.QUOTED, at=now, actor=actor)
        touch(project, now)
        record_event(
            project,
            Kind.QUOTE_SENT,
            at=now,
            actor=actor,
            subject=quote.number,
            old=quote.valid_until.isoformat(),
            new=", ".join(contact.name for contact in recipients),
        )
        _mail(quote, recipients, now)
    return quote


def _mail(quote: Quote, recipients: list[Contact], now: datetime) -> None:
    link = settings.SERVICEDESK_BASE_URL + reverse("portal:quote", args=[quote.pk])
    notices = [
        Notice(QUOTE_MAIL, contact, {"quote": quote, "project": quote.project, "link": link}, automatic=False)
        for contact in recipients
    ]
    pdfs, attachments = {}, []
    for outgoing, contact in zip(notices_queue(notices, now=now), recipients, strict=True):
        if outgoing is None:
            continue
        if contact.language not in pdfs:  # one PDF a language
            pdfs[contact.language] = quote_pdf(quote, language=contact.language)
        attachments.append(
            OutgoingAttachment(
                outgoing=outgoing,
                filename=f"{quote.file_stem}.pdf",
                content_type="application/pdf",
                data=pdfs[contact.language],
            )
        )
    OutgoingAttachment.objects.bulk_create(attachments)


def _decide(*, quote: Quote, contact: Contact, accept: bool, address: str | None, comment: str, now: datetime):
    today = timezone.localdate(now)
    quote = _lock(quote)
    project = Project.objects.select_for_update().get(pk=quote.project_id)
    if contact.customer_id != project.customer_id:
        raise ValidationError(_("This quote is for another organisation."))
    if not (contact.may_approve_quotes and contact.active):
        raise ValidationError(_("You may not accept or decline quotes; ask your main contact for that right."))
    if quote.status == QStatus.ACCEPTED:
        raise ValidationError(
            _("This quote was accepted already, on %(date)s.")
            % {"date": date_format(timezone.localtime(quote.decided_at), "j F Y")}
        )
    if quote.status == QStatus.DECLINED:
        raise ValidationError(
            _("This quote was declined already, on %(date)s.")
            % {"date": date_format(timezone.localtime(quote.decided_at), "j F Y")}
        )
    if quote.status == QStatus.SUPERSEDED:
        raise ValidationError(_("A newer version of this quote replaces it; see the latest version."))
    if quote.status != QStatus.SENT:
        raise ValidationError(_("This quote is not open for a decision."))
    if not money.may_still_be_accepted(valid_until=quote.valid_until, today=today):
        raise ValidationError(
            _("This quote was valid until %(date)s and can no longer be accepted; ask us for a new version.")
            % {"date": date_format(quote.valid_until, "j F Y")}
        )
    if project.status != PStatus.QUOTED:
        raise ValidationError(
            _("The project is “%(status)s”; this quote is no longer open.") % {"status": project.get_status_display()}
        )
    actor = contact.user
    quote.status = QStatus.ACCEPTED if accept else QStatus.DECLINED
    quote.decided_at, quote.decided_by, quote.decided_from = now, contact, address or None
    quote.decision_comment = comment.strip()
    quote.save(update_fields=["status", "decided_at", "decided_by", "decided_from", "decision_comment"])
    record_event(
        project,
        Kind.QUOTE_ACCEPTED if accept else Kind.QUOTE_DECLINED,
        at=now,
        actor=actor,
        subject=quote.number,
        old=address or "",
        new=contact.name,
        reason=quote.decision_comment,
    )
    if accept:
        lines = quote.lines.filter(kind=QuoteLine.Kind.PHASE_HOURS).values_list("quantity", flat=True)
        time_and_materials = quote.billing_mode == BillingMode.TIME_AND_MATERIALS
        project.billing_mode, project.hourly_rate_cents = quote.billing_mode, quote.hourly_rate_cents
        project.budget_minutes = money.budget_minutes(lines) if time_and_materials else None
        project.save(update_fields=["billing_mode", "hourly_rate_cents", "budget_minutes"])
    reason = _("quote %(number)s") % {"number": quote.number}
    _set_project_status(project, PStatus.ACCEPTED if accept else PStatus.DECLINED, at=now, actor=actor, reason=reason)
    quote.project = project
    return quote


@transaction.atomic
def quote_accept(
    *, quote: Quote, contact: Contact, address: str | None, comment: str = "", now: datetime | None = None
) -> Quote:
    """A contact who may approve quotes accepts a sent quote within its validity: final, recorded with who, when and
    from which address; the project is accepted and takes the quote's billing mode, rate and hour budget."""
    return _decide(
        quote=quote, contact=contact, accept=True, address=address, comment=comment, now=now or timezone.now()
    )


@transaction.atomic
def quote_decline(
    *, quote: Quote, contact: Contact, address: str | None, comment: str = "", now: datetime | None = None
) -> Quote:
    """A contact who may approve quotes declines a sent quote: final, recorded like an acceptance; the project is
    declined (a new version may follow)."""
    return _decide(
        quote=quote, contact=contact, accept=False, address=address, comment=comment, now=now or timezone.now()
    )


@transaction.atomic
def quote_new_version(*, quote: Quote, actor, now: datetime | None = None) -> Quote:
    """A draft copy of a quote (its terms and lines) as the next version; the old one, if still a draft or sent,
    is superseded. An accepted quote is the order and gets no new version."""
    now = now or timezone.now()
    quote = _lock(quote)
    project = Project.objects.select_for_update().get(pk=quote.project_id)
    latest = project.quotes.order_by("-version").first()
    if latest.pk != quote.pk:
        raise ValidationError(
            _("Version %(version)s is the latest of this quote; make a new version of that one.")
            % {"version": latest.version}
        )
    if quote.status == QStatus.ACCEPTED:
        raise ValidationError(_("An accepted quote is the order; it gets no new version."))
    if project.status not in QUOTABLE:
        raise ValidationError(
            _("A project that is “%(status)s” gets no new quote.") % {"status": project.get_status_display()}
        )
    new = Quote.objects.create(
        project=project,
        version=quote.version + 1,
        billing_mode=quote.billing_mode,
        hourly_rate_cents=quote.hourly_rate_cents,
        validity_days=quote.validity_days,
        vat_percent=current_policy().config.vat_percent,
        created_at=now,
        created_by=actor,
    )
    QuoteLine.objects.bulk_create(
        QuoteLine(
            quote=new,
            position=line.position,
            kind=line.kind,
            phase_id=line.phase_id,
            description=line.description,
            quantity=line.quantity,
            unit_price_cents=line.unit_price_cents,
            amount_cents=line.amount_cents,
        )
        for line in quote.lines.all()
    )
    _refresh_totals(new)
    if quote.status in (QStatus.DRAFT, QStatus.SENT):
        quote.status = QStatus.SUPERSEDED
        quote.save(update_fields=["status"])
    touch(project, now)
    record_event(
        project,
        Kind.QUOTE_SUPERSEDED,
        at=now,
        actor=actor,
        subject=quote.number or "",
        old=quote.version,
        new=new.version,
    )
    return new


@transaction.atomic
def quotes_expire(*, now: datetime | None = None) -> int:
    """Mark sent quotes past their last valid day expired, each a line in its project's trail; returns how many."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    expired = list(
        Quote.objects.select_for_update(of=("self",))
        .select_related("project")
        .filter(status=QStatus.SENT, valid_until__lt=today)
    )
    for quote in expired:
        quote.status = QStatus.EXPIRED
        quote.save(update_fields=["status"])
        record_event(
            quote.project,
            Kind.QUOTE_EXPIRED,
            at=now,
            actor=None,
            subject=quote.number,
            old=quote.valid_until.isoformat(),
        )
    return len(expired)
