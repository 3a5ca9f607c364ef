"""Every change to contracts and bundles, one function each: in a transaction, with its line in the customer's
commercial trail (ContractEvent). Bad input is refused with a ValidationError naming the field."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from servicedesk.contracts.models import (
    BundleNotice,
    Contract,
    ContractEvent,
    ContractLine,
    LineQuantity,
    PrepaidBundle,
)
from servicedesk.contracts.selectors import as_engine_bundle
from servicedesk.core.policy import current_policy
from servicedesk.customers.models import Customer, ServiceMatrixItem
from servicedesk.outbox.models import OutgoingMessage
from servicedesk.outbox.services import render_notice
from servicedesk.policy import PolicyFileError, prepaid, read_service_levels
from servicedesk.policy.periods import add_months

Kind = ContractEvent.Kind
ONE_DAY = timedelta(days=1)
MAX_QUANTITY = 100_000
MAX_CENTS = 100_000_000  # one million euro: a typo guard, not a business rule


def _record(customer_id: int, kind: str, *, at: datetime, actor, contract=None, bundle=None, **values) -> None:
    ContractEvent.objects.create(
        customer_id=customer_id,
        contract=contract,
        bundle=bundle,
        kind=kind,
        at=at,
        actor=actor,
        subject=str(values.get("subject", ""))[:300],
        field=values.get("field", ""),
        old_value=str(values.get("old", ""))[:300],
        new_value=str(values.get("new", ""))[:300],
        reason=values.get("reason", ""),
    )


def _today(now: datetime) -> date:
    return timezone.localtime(now, current_policy().time_zone).date()


def check_service_levels(table) -> dict | None:
    """A contract's own service levels, checked as the policy file's table is; None for none. The error names the
    key that is wrong (e.g. `service_levels.managed.high.response`)."""
    if table is None:
        return None
    try:
        read_service_levels(table, critical_priority=current_policy().config.critical_priority)
    except PolicyFileError as exc:
        raise ValidationError(
            {"service_levels": [f"{problem.key}: {problem.message}" for problem in exc.problems]}
        ) from None
    return table


def _check_period(start, end, problems: dict) -> None:
    if not isinstance(start, date):
        problems["start"] = _("A contract needs a start date.")
    elif end is not None and end < start:
        problems["end"] = _("A contract cannot end before it starts.")


def _check_levels_alone(customer_id: int, start: date, end: date | None, *, contract_id: int | None = None) -> None:
    """Only one contract at a time can carry its own service levels: a ticket must know whose it gets."""
    others = Contract.objects.filter(customer_id=customer_id, service_levels__isnull=False).exclude(pk=contract_id)
    for other in others:
        if other.start <= (end or date.max) and start <= (other.end or date.max):
            raise ValidationError(
                {
                    "service_levels": _("The contract %(name)s already has its own service levels for that time.")
                    % {"name": other.name}
                }
            )


@transaction.atomic
def contract_create(
    *,
    customer: Customer,
    name: str,
    billing_period: str,
    start: date,
    actor,
    end: date | None = None,
    service_levels: dict | None = None,
    now: datetime | None = None,
) -> Contract:
    """A new contract of `customer`; its lines come with `line_add`."""
    now = now or timezone.now()
    problems: dict = {}
    name = " ".join((name or "").split())
    if not name:
        problems["name"] = _("A contract needs a name.")
    if billing_period not in Contract.BillingPeriod.values:
        problems["billing_period"] = _("Choose a billing period: month, quarter or year.")
    _check_period(start, end, problems)
    if problems:
        raise ValidationError(problems)
    service_levels = check_service_levels(service_levels)
    # The customer row is locked so that two contracts with own service levels are never made at once.
    Customer.objects.select_for_update().filter(pk=customer.pk).first()
    if service_levels is not None:
        _check_levels_alone(customer.pk, start, end)
    contract = Contract.objects.create(
        customer=customer,
        name=name,
        billing_period=billing_period,
        start=start,
        end=end,
        service_levels=service_levels,
        created_at=now,
        updated_at=now,
    )
    _record(customer.pk, Kind.CREATED, at=now, actor=actor, contract=contract, new=name)
    if service_levels is not None:
        _record(customer.pk, Kind.CHANGED, at=now, actor=actor, contract=contract, field="service_levels", new="own")
    return contract


@transaction.atomic
def contract_change(
    *,
    contract: Contract,
    actor,
    name: str,
    end: date | None,
    service_levels: dict | None,
    reason: str = "",
    now: datetime | None = None,
) -> Contract:
    """Change a contract's name, end or own service levels; each change a line in the trail. Its customer, start
    and billing period never change (what was billed stays explained): end it and make a new one instead."""
    now = now or timezone.now()
    problems: dict = {}
    name = " ".join((name or "").split())
    if not name:
        problems["name"] = _("A contract needs a name.")
    _check_period(contract.start, end, problems)
    if problems:
        raise ValidationError(problems)
    service_levels = check_service_levels(service_levels)
    Customer.objects.select_for_update().filter(pk=contract.customer_id).first()
    contract = Contract.objects.select_for_update().get(pk=contract.pk)
    if service_levels is not None:
        _check_levels_alone(contract.customer_id, contract.start, end, contract_id=contract.pk)
    changes = []
    if contract.name != name:
        changes.append(("name", contract.name, name))
    if contract.end != end:
        changes.append(("end", contract.end.isoformat() if contract.end else "", end.isoformat() if end else ""))
    if _canonical(contract.service_levels) != _canonical(service_levels):
        old = "own" if contract.service_levels is not None else ""
        changes.append(("service_levels", old, "own" if service_levels is not None else ""))
    if not changes:
        return contract
    contract.name, contract.end, contract.service_levels, contract.updated_at = name, end, service_levels, now
    contract.save(update_fields=["name", "end", "service_levels", "updated_at"])
    for field, old, new in changes:
        _record(
            contract.customer_id,
            Kind.CHANGED,
            at=now,
            actor=actor,
            contract=contract,
            field=field,
            old=old,
            new=new,
            reason=reason,
        )
    return contract


def _canonical(table) -> str:
    return json.dumps(table, sort_keys=True)


@transaction.atomic
def contract_end(*, contract: Contract, end: date, actor, reason: str = "", now: datetime | None = None) -> Contract:
    """End a contract on `end` (its last day in force, included)."""
    now = now or timezone.now()
    contract = Contract.objects.select_for_update().get(pk=contract.pk)
    if not isinstance(end, date):
        raise ValidationError({"end": _("Give the last day of the contract.")})
    if end < contract.start:
        raise ValidationError({"end": _("A contract cannot end before it starts.")})
    old = contract.end
    contract.end, contract.updated_at = end, now
    contract.save(update_fields=["end", "updated_at"])
    _record(
        contract.customer_id,
        Kind.ENDED,
        at=now,
        actor=actor,
        contract=contract,
        field="end",
        old=old.isoformat() if old else "",
        new=end.isoformat(),
        reason=reason,
    )
    return contract


def _check_quantity(quantity, problems: dict) -> None:
    if not isinstance(quantity, int) or isinstance(quantity, bool) or not 0 <= quantity <= MAX_QUANTITY:
        problems["quantity"] = _("A quantity is a whole number from 0 to %(max)s.") % {"max": MAX_QUANTITY}


def _locked_from(contract_id: int, now: datetime) -> tuple[Contract, date]:
    """The contract, locked, and the first day a change made now counts from: the next day (POLICY.md §9), or
    its start when it has not started; refused once the contract has ended by then."""
    contract = Contract.objects.select_for_update().get(pk=contract_id)
    effective = max(_today(now) + ONE_DAY, contract.start)
    if contract.end is not None and effective > contract.end:
        raise ValidationError({"quantity": _("The contract has ended: its quantities no longer change.")})
    return contract, effective


def _quantity_row(contract: Contract, line: ContractLine, quantity: int, effective: date, actor, now) -> LineQuantity:
    Contract.objects.filter(pk=contract.pk).update(updated_at=now)
    return LineQuantity.objects.create(
        line=line, quantity=quantity, effective_from=effective, changed_at=now, changed_by=actor
    )


@transaction.atomic
def line_add(
    *,
    contract: Contract,
    actor,
    quantity: int,
    unit_price_cents: int,
    matrix_item: ServiceMatrixItem | None = None,
    description: str = "",
    now: datetime | None = None,
) -> ContractLine:
    """A recurring fee on a contract: a service of the customer's matrix or a text, a quantity and a unit price
    per period. On a contract in force it counts from the next day, like a quantity change."""
    now = now or timezone.now()
    description = " ".join((description or "").split())
    problems: dict = {}
    if matrix_item is None and not description:
        problems["description"] = _("Choose a service or describe the line.")
    if matrix_item is not None and matrix_item.customer_id != contract.customer_id:
        problems["matrix_item"] = _("That service is not in this customer's service matrix.")
    _check_quantity(quantity, problems)
    if not isinstance(unit_price_cents, int) or not 0 <= unit_price_cents <= MAX_CENTS:
        problems["unit_price_cents"] = _("A unit price is an amount of at least 0.00.")
    if problems:
        raise ValidationError(problems)
    contract, effective = _locked_from(contract.pk, now)
    line = ContractLine.objects.create(
        contract=contract,
        matrix_item=matrix_item,
        description=description,
        unit_price_cents=unit_price_cents,
        created_at=now,
    )
    _quantity_row(contract, line, quantity, effective, actor, now)
    _record(
        contract.customer_id,
        Kind.LINE_ADDED,
        at=now,
        actor=actor,
        contract=contract,
        subject=line.label,
        field="quantity",
        new=f"{quantity}:{unit_price_cents}",
    )
    return line


@transaction.atomic
def line_quantity_change(
    *, line: ContractLine, quantity: int, actor, reason: str = "", now: datetime | None = None
) -> LineQuantity:
    """A new quantity for a line from the next day on; the history keeps the old one (never edited in place)."""
    now = now or timezone.now()
    problems: dict = {}
    _check_quantity(quantity, problems)
    if problems:
        raise ValidationError(problems)
    contract, effective = _locked_from(line.contract_id, now)
    previous = line.quantities.order_by("-effective_from", "-id").first()
    row = _quantity_row(contract, line, quantity, effective, actor, now)
    _record(
        contract.customer_id,
        Kind.QUANTITY,
        at=now,
        actor=actor,
        contract=contract,
        subject=line.label,
        field="quantity",
        old=previous.quantity if previous else "",
        new=f"{quantity}@{effective.isoformat()}",
        reason=reason,
    )
    return row


@transaction.atomic
def bundle_sell(
    *,
    customer: Customer,
    hours: int,
    price_cents: int,
    actor,
    base_rate_cents: int | None = None,
    bought_on: date | None = None,
    now: datetime | None = None,
) -> PrepaidBundle:
    """Sell prepaid hours: worth `hours` x the base rate (default the policy's), valid the policy's months."""
    now = now or timezone.now()
    settings = current_policy().config.prepaid
    base_rate_cents = settings.base_rate_cents if base_rate_cents is None else base_rate_cents
    bought_on = bought_on or _today(now)
    problems: dict = {}
    if not isinstance(hours, int) or isinstance(hours, bool) or not 1 <= hours <= 10_000:
        problems["hours"] = _("A bundle holds a whole number of hours, at least 1.")
    if not isinstance(price_cents, int) or not 0 <= price_cents <= MAX_CENTS:
        problems["price_cents"] = _("A price is an amount of at least 0.00.")
    if not isinstance(base_rate_cents, int) or not 1 <= base_rate_cents <= MAX_CENTS:
        problems["base_rate_cents"] = _("A base rate is an amount of more than 0.00.")
    if problems:
        raise ValidationError(problems)
    bundle = PrepaidBundle.objects.create(
        customer=customer,
        hours=hours,
        price_cents=price_cents,
        base_rate_cents=base_rate_cents,
        bought_on=bought_on,
        expires_on=add_months(bought_on, settings.validity_months),
        sold_by=actor,
        created_at=now,
    )
    _record(
        customer.pk,
        Kind.BUNDLE_SOLD,
        at=now,
        actor=actor,
        bundle=bundle,
        subject=f"{hours}",
        old=price_cents,
        new=bundle.expires_on.isoformat(),
    )
    return bundle


SUBJECT_MAX = 300


def bundle_notices_send(*, now: datetime | None = None) -> list[BundleNotice]:
    """Tell each customer's main contact, once per bundle and kind, that a bundle runs low (policy: under 20 %
    left), is used up, or expires within the policy's days with value left: which is due is policy/prepaid.py's
    answer. Each notice is recorded with its mail, queued in the outbox in the same transaction. Decided for all
    bundles in two queries; a bundle with something due is locked and decided again, so two workers at once send
    each notice once. Run hourly by the worker."""
    now = now or timezone.now()
    today = _today(now)
    settings = current_policy().config.prepaid
    sent_by_bundle: dict[int, set[prepaid.Notice]] = {}
    for bundle_id, kind in BundleNotice.objects.filter(bundle__expires_on__gt=today).values_list("bundle_id", "kind"):
        sent_by_bundle.setdefault(bundle_id, set()).add(prepaid.Notice(kind))
    candidates = PrepaidBundle.objects.filter(expires_on__gt=today).annotate(
        used=Coalesce(Sum("debits__amount_cents"), 0)
    )
    due_ids = [
        bundle.pk
        for bundle in candidates
        if prepaid.notices_due(
            as_engine_bundle(bundle, bundle.used),
            today=today,
            sent=sent_by_bundle.get(bundle.pk, set()),
            settings=settings,
        )
    ]
    made = []
    for bundle_id in due_ids:
        with transaction.atomic():
            bundle = PrepaidBundle.objects.select_for_update().get(pk=bundle_id)
            sent = {prepaid.Notice(kind) for kind in bundle.notices.values_list("kind", flat=True)}
            engine = as_engine_bundle(bundle, bundle.debits.aggregate(used=Sum("amount_cents"))["used"] or 0)
            for notice in prepaid.notices_due(engine, today=today, sent=sent, settings=settings):
                made.append(_bundle_notice(bundle, engine, notice, now))
    return made


def _bundle_notice(
    bundle: PrepaidBundle, engine: prepaid.Bundle, notice: prepaid.Notice, now: datetime
) -> BundleNotice:
    """Record one notice and queue its mail to the main contact (none without an address)."""
    contact = bundle.customer.main_contact
    outgoing = None
    if contact is not None and contact.email:
        hours, minutes = prepaid.hours_and_minutes(engine.remaining_cents, bundle.base_rate_cents)
        context = {
            "contact": contact,
            "customer": bundle.customer,
            "bundle": bundle,
            "left_hours": hours,
            "left_minutes": minutes,
            "last_day": bundle.expires_on - ONE_DAY,
        }
        subject, body = render_notice(f"bundle_{notice.value}", contact.language, context)
        outgoing = OutgoingMessage.objects.create(
            kind=OutgoingMessage.Kind.BUNDLE,
            to_address=contact.email,
            to_name=contact.name,
            language=contact.language,
            subject=subject[:SUBJECT_MAX],
            body=body,
            automatic=False,  # about the customer's own account, not an answer to mail: no loop to guard against
            created_at=now,
        )
    record = BundleNotice.objects.create(bundle=bundle, kind=notice.value, sent_at=now, outgoing=outgoing)
    _record(
        bundle.customer_id,
        Kind.BUNDLE_NOTICE,
        at=now,
        actor=None,
        bundle=bundle,
        subject=f"{bundle.hours}",
        field="notice",
        new=notice.value,
    )
    return record
