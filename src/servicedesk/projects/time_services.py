"""A project's time, budget and milestones, one function each: in a transaction, with its line in the trail.

Time is booked as on a ticket (the same checks) and never edited: a correction is a new entry replacing the old
one, which is kept. After each booking the hour budget of a time-and-materials project is watched: the lead agent
is told once at each of the policy's shares (80 %, 100 %); time past the budget waits for an extension the
customer approves in the portal.
"""

from __future__ import annotations

from datetime import datetime
from fractions import Fraction

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from servicedesk.core.policy import current_policy
from servicedesk.customers.models import Contact
from servicedesk.policy import EntryKind
from servicedesk.policy.project_budget import budget_warnings_due, milestone_share_cents
from servicedesk.projects.models import (
    BillingMode,
    BudgetExtension,
    BudgetWarning,
    Phase,
    Project,
    ProjectEvent,
    ProjectTimeEntry,
    Quote,
    QuoteLine,
    Task,
)
from servicedesk.projects.pricing import budget_state, current_entries, project_price
from servicedesk.projects.services import record_event, touch
from servicedesk.tickets.services.time_entries import check_time_entry

Kind = ProjectEvent.Kind
MAX_EXTENSION_MINUTES = 10_000 * 60  # a typing slip, not an extension


def _summary(entry: ProjectTimeEntry) -> str:
    local = timezone.localtime(entry.start)
    task = f" ({entry.task.title})" if entry.task_id else ""
    return f"{entry.kind} {local:%Y-%m-%d %H:%M} {entry.minutes} min{task}"


def _check_task(project: Project, task: Task | None) -> None:
    if task is not None and Phase.objects.filter(pk=task.phase_id, project_id=project.pk).first() is None:
        raise ValidationError({"task": _("This task belongs to another project; choose one of this project's tasks.")})


def _check_open(project: Project) -> None:
    if project.status == Project.Status.CANCELLED:
        raise ValidationError(_("This project is cancelled; no time can be booked on it."))


def approved_extension_minutes(project: Project) -> int:
    extensions = BudgetExtension.objects.filter(project=project, status=BudgetExtension.Status.APPROVED)
    return extensions.aggregate(total=Sum("minutes"))["total"] or 0


def _watch_budget(project: Project, *, now: datetime) -> list[BudgetWarning]:
    """Tell the lead agent of each budget share newly reached (once each: a unique row per share)."""
    entries = current_entries(project)
    policy = current_policy()
    state = budget_state(project, entries, project_price(project, entries, policy=policy), extension_minutes=0)
    if state is None:
        return []
    if project.used_minutes != state.used_minutes:
        project.used_minutes = state.used_minutes
        project.save(update_fields=["used_minutes"])
    sent = {Fraction(share) for share in BudgetWarning.objects.filter(project=project).values_list("share", flat=True)}
    due = budget_warnings_due(
        budget_minutes=state.budget_minutes,
        used_minutes=state.used_minutes,
        sent=sent,
        settings=policy.config.projects,
    )
    warnings = [BudgetWarning(project=project, share=str(share), user=project.lead, created_at=now) for share in due]
    BudgetWarning.objects.bulk_create(warnings)
    for warning in warnings:
        record_event(
            project,
            Kind.BUDGET_WARNING,
            at=now,
            actor=None,
            new=warning.share,
            old=project.lead.get_username() if project.lead else "",
        )
    return warnings


@transaction.atomic
def project_time_add(
    *,
    project: Project,
    agent,
    start: datetime,
    minutes: int,
    kind: str = EntryKind.WORK,
    description: str = "",
    task: Task | None = None,
    now: datetime | None = None,
) -> ProjectTimeEntry:
    """Record time spent on a project (and one of its tasks); a task of another project is refused."""
    now = now or timezone.now()
    check_time_entry(kind, start, minutes, now)
    _check_task(project, task)
    project = Project.objects.select_for_update().get(pk=project.pk)  # one budget watch at a time
    _check_open(project)
    entry = ProjectTimeEntry.objects.create(
        project=project,
        task=task,
        agent=agent,
        kind=kind,
        start=start.replace(second=0, microsecond=0),  # time is recorded to the minute
        minutes=minutes,
        description=description.strip(),
        created_at=now,
    )
    touch(project, now)
    record_event(project, Kind.TIME_ADDED, at=now, actor=agent, field=f"time_entry:{entry.pk}", new=_summary(entry))
    _watch_budget(project, now=now)
    return entry


@transaction.atomic
def project_time_correct(
    *,
    entry: ProjectTimeEntry,
    actor,
    reason: str,
    start: datetime,
    minutes: int,
    kind: str,
    description: str,
    task: Task | None = None,
    now: datetime | None = None,
) -> ProjectTimeEntry:
    """Correct an entry with a new one that replaces it (old → new in the trail); the old entry is kept as it was,
    so whatever billed it stays readable. Only the latest version of an entry can be corrected."""
    now = now or timezone.now()
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the time entry is corrected.")})
    check_time_entry(kind, start, minutes, now)
    project = Project.objects.select_for_update().get(pk=entry.project_id)
    _check_task(project, task)
    _check_open(project)
    old = ProjectTimeEntry.objects.select_related("task").get(pk=entry.pk)
    if ProjectTimeEntry.objects.filter(corrects=old).exists():
        raise ValidationError(_("This time entry was corrected already; correct its latest version."))
    new = ProjectTimeEntry.objects.create(
        project=project,
        task=task,
        agent=old.agent,
        kind=kind,
        start=start.replace(second=0, microsecond=0),
        minutes=minutes,
        description=description.strip(),
        created_at=now,
        corrects=old,
        reason=reason.strip(),
    )
    touch(project, now)
    record_event(
        project,
        Kind.TIME_CORRECTED,
        at=now,
        actor=actor,
        field=f"time_entry:{new.pk}",
        old=_summary(old),
        new=_summary(new),
        reason=reason.strip(),
    )
    _watch_budget(project, now=now)
    return new


@transaction.atomic
def budget_warnings_read(*, user, now: datetime | None = None) -> int:
    """Mark the agent's budget warnings read."""
    return BudgetWarning.objects.filter(user=user, read_at=None).update(read_at=now or timezone.now())


@transaction.atomic
def extension_propose(
    *, project: Project, minutes: int, actor, reason: str = "", now: datetime | None = None
) -> BudgetExtension:
    """An agent proposes N more hours for a time-and-materials project; the customer approves them in the portal."""
    now = now or timezone.now()
    if not isinstance(minutes, int) or isinstance(minutes, bool) or not 0 < minutes <= MAX_EXTENSION_MINUTES:
        raise ValidationError({"hours": _("Enter a number of hours greater than 0.")})
    project = Project.objects.select_for_update().get(pk=project.pk)
    if project.billing_mode != BillingMode.TIME_AND_MATERIALS or not project.budget_minutes:
        raise ValidationError(_("Only a time-and-materials project with an hour budget can be extended."))
    if project.status in (Project.Status.DONE, Project.Status.CANCELLED):
        raise ValidationError(_("This project is closed; it cannot be extended."))
    if BudgetExtension.objects.filter(project=project, status=BudgetExtension.Status.PROPOSED).exists():
        raise ValidationError(_("An extension of this project awaits the customer's approval already."))
    extension = BudgetExtension.objects.create(
        project=project, minutes=minutes, reason=reason.strip(), proposed_at=now, proposed_by=actor
    )
    touch(project, now)
    record_event(project, Kind.EXTENSION_PROPOSED, at=now, actor=actor, new=str(minutes), reason=extension.reason)
    return extension


@transaction.atomic
def extension_decide(
    *,
    extension: BudgetExtension,
    contact: Contact,
    approve: bool,
    address: str | None,
    comment: str = "",
    now: datetime | None = None,
) -> BudgetExtension:
    """A contact who may approve quotes approves (or declines) a proposed extension, once: recorded with who, when
    and from which address. Approved hours let the time waiting past the budget be billed."""
    now = now or timezone.now()
    project = Project.objects.select_for_update().get(pk=extension.project_id)
    extension = BudgetExtension.objects.select_for_update().get(pk=extension.pk)
    if contact.customer_id != project.customer_id:
        raise ValidationError(_("This extension is for another organisation."))
    if not (contact.may_approve_quotes and contact.active):
        raise ValidationError(_("You may not approve extensions; ask your main contact for that right."))
    if extension.status != BudgetExtension.Status.PROPOSED:
        raise ValidationError(_("This extension was decided already."))
    extension.status = BudgetExtension.Status.APPROVED if approve else BudgetExtension.Status.DECLINED
    extension.decided_at, extension.decided_by, extension.decided_from = now, contact, address or None
    extension.decision_comment = comment.strip()
    extension.save(update_fields=["status", "decided_at", "decided_by", "decided_from", "decision_comment"])
    touch(project, now)
    record_event(
        project,
        Kind.EXTENSION_APPROVED if approve else Kind.EXTENSION_DECLINED,
        at=now,
        actor=contact.user,
        subject=contact.name,
        old=address or "",
        new=str(extension.minutes),
        reason=extension.decision_comment,
    )
    return extension


def _fixed_price(project: Project, phase: Phase) -> tuple[int, int]:
    """(the accepted quote's subtotal, its lines for `phase`) in cents."""
    quote = Quote.objects.filter(project=project, status=Quote.Status.ACCEPTED).order_by("-version").first()
    if quote is None:
        raise ValidationError(_("This project has no accepted quote, so its milestones have no price."))
    lines = QuoteLine.objects.filter(quote=quote, phase=phase).aggregate(total=Sum("amount_cents"))["total"]
    return quote.subtotal_cents, lines or 0


@transaction.atomic
def milestone_reach(*, project: Project, phase: Phase, actor, now: datetime | None = None) -> Phase:
    """An agent marks a milestone of a fixed-price project reached, once: its share of the fixed price is worked
    out now and waits for the next billing run."""
    now = now or timezone.now()
    project = Project.objects.select_for_update().get(pk=project.pk)
    phase = Phase.objects.select_for_update().get(pk=phase.pk)
    if phase.project_id != project.pk:
        raise ValidationError({"phase": _("This phase belongs to another project.")})
    if not phase.milestone:
        raise ValidationError({"phase": _("This phase is not a milestone.")})
    if phase.reached_at is not None:
        raise ValidationError(
            {"phase": _("This milestone was marked reached already, on %(date)s.") % {"date": _local(phase.reached_at)}}
        )
    if project.billing_mode != BillingMode.FIXED_PRICE:
        raise ValidationError(_("Only a fixed-price project is billed by milestones."))
    if project.status not in (Project.Status.ACCEPTED, Project.Status.IN_PROGRESS):
        raise ValidationError(
            _("The project is “%(status)s”; a milestone is reached while it is accepted or in progress.")
            % {"status": project.get_status_display()}
        )
    fixed, lines = _fixed_price(project, phase)
    share = milestone_share_cents(
        amount_cents=None if phase.milestone_amount is None else int(phase.milestone_amount * 100),
        percentage=phase.milestone_percentage,
        fixed_price_cents=fixed,
        phase_lines_cents=lines,
    )
    phase.reached_at, phase.reached_by, phase.share_cents = now, actor, share
    phase.save(update_fields=["reached_at", "reached_by", "share_cents"])
    touch(project, now)
    record_event(project, Kind.MILESTONE_REACHED, at=now, actor=actor, subject=phase.name, new=str(share))
    return phase


def _local(instant: datetime) -> str:
    return date_format(timezone.localtime(instant), "j F Y")
