"""The project lines a billing run bills (POLICY.md §10), priced by the policy engine (policy/project_time.py,
policy/project_budget.py), never here.

Time and materials: each time entry worked by the end of the run, at the project's rate, under the project's
name; work past the hour budget plus the extensions the customer approved waits ("awaiting approval"), whole
entries at a time, and is listed in the run's preview. Travel is billed apart from the budget. An entry replaced
by a correction after it was billed is reversed (a negative line referring to its line) and the correcting entry
billed afresh. Fixed price: the time is never billed; each milestone reached by the end of the run bills its
share once, and a project done bills the rest of its price once. Once: a standing first line claims its entry,
milestone or rest (`InvoiceLine.claims`, unique), whatever runs overlap; a credit releases it.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime
from typing import NamedTuple

from django.db.models import Sum
from django.utils import timezone

from servicedesk.billing.models import MILESTONE, PROJECT_REST, Invoice, InvoiceLine
from servicedesk.billing.specification import SpecLine, bands_text
from servicedesk.core.policy import current_policy
from servicedesk.policy import EntryKind
from servicedesk.policy.project_budget import budget_split
from servicedesk.projects.models import BillingMode, BudgetExtension, Phase, Project, ProjectTimeEntry, Quote
from servicedesk.projects.pricing import project_price

BILLABLE = (Project.Status.ACCEPTED, Project.Status.IN_PROGRESS, Project.Status.DONE)


class Awaiting(NamedTuple):
    """Work of a project past its budget, waiting for the customer to approve an extension."""

    project_id: int
    project_name: str
    minutes: int  # billed minutes


class ProjectBilling(NamedTuple):
    lines: dict[int, list[SpecLine]]  # per customer
    awaiting: dict[int, list[Awaiting]]  # per customer


def _text(project: Project, entry: ProjectTimeEntry) -> str:
    task = f" · {entry.task.title}" if entry.task_id else ""
    description = f": {entry.description}" if entry.description else ""
    return f"{project.name}{task}{description}"


def _line(project: Project, **values) -> SpecLine:
    base = {
        "ticket_id": None,
        "ticket_subject": project.name,
        "entry_id": None,
        "start": None,
        "agent": "",
        "minutes": 0,
        "billed_minutes": 0,
        "bands": "",
        "hourly_rate": None,
        "free_reason": "",
        "late": False,
        "corrects_id": None,
        "previously_billed_cents": 0,
        "project_id": project.pk,
    }
    return SpecLine(**(base | values))


def _claims(project_ids: list[int]) -> list[dict]:
    """The standing first lines of the projects' entries, milestones and rests."""
    return list(
        InvoiceLine.objects.filter(project_id__in=project_ids, claims=True).values(
            "id", "project_id", "project_entry_id", "milestone_id", "kind", "amount_cents"
        )
    )


def _reversed(line_ids: list[int]) -> set[int]:
    """Of these lines, those a standing document reverses already."""
    reversals = InvoiceLine.objects.on_documents().exclude(invoice__status=Invoice.Status.CREDITED)
    return set(reversals.filter(corrects_id__in=line_ids).values_list("corrects_id", flat=True))


def _time_lines(project: Project, entries: list, claimed: dict, extension: int, run_start: date):
    """A time-and-materials project's new lines, and the minutes of work waiting past its budget."""
    price = project_price(project, entries, policy=current_policy())
    work = [(str(e.pk), line.billed_minutes) for e, line in zip(entries, price.lines, strict=True) if e.kind == "work"]
    waits = (
        {
            split.key
            for split in budget_split(
                budget_minutes=project.budget_minutes or 0, approved_extension_minutes=extension, entries=work
            )
            if split.awaiting_minutes
        }
        if project.budget_minutes
        else set()
    )
    lines, awaiting = [], 0
    for entry, priced in zip(entries, price.lines, strict=True):
        if entry.pk in claimed:
            continue
        if str(entry.pk) in waits:
            awaiting += priced.billed_minutes
            continue
        day = timezone.localdate(entry.start, timezone.get_default_timezone())
        lines.append(
            _line(
                project,
                kind=EntryKind(entry.kind).value,
                start=entry.start,
                agent=entry.agent.get_username(),
                description=_text(project, entry),
                minutes=entry.minutes,
                billed_minutes=priced.billed_minutes,
                bands=bands_text(priced),
                hourly_rate=price.hourly_rate,
                amount_cents=priced.amount_cents,
                late=day < run_start,
                project_entry_id=entry.pk,
                work_day=day,
            )
        )
    return lines, awaiting


def project_lines(*, customer_ids: list[int] | None, run_start: date, until: datetime) -> ProjectBilling:
    """Per customer, the project lines a run up to `until` bills now, and the work awaiting approval; a fixed
    number of queries whatever the number of projects."""
    projects = Project.objects.filter(status__in=BILLABLE).exclude(billing_mode="").order_by("customer_id", "id")
    if customer_ids:
        projects = projects.filter(customer_id__in=customer_ids)
    projects = list(projects)
    ids = [p.pk for p in projects]
    claims = _claims(ids)
    entries = defaultdict(list)
    time = ProjectTimeEntry.objects.filter(project_id__in=ids, start__lt=until, corrected_by__isnull=True)
    for entry in time.select_related("agent", "task").order_by("start", "id"):
        entries[entry.project_id].append(entry)
    extensions = dict(
        BudgetExtension.objects.filter(project_id__in=ids, status=BudgetExtension.Status.APPROVED)
        .values("project_id")
        .annotate(total=Sum("minutes"))
        .values_list("project_id", "total")
    )
    milestones = defaultdict(list)
    for phase in Phase.objects.filter(project_id__in=ids, milestone=True, reached_at__lt=until).order_by("position"):
        milestones[phase.project_id].append(phase)
    prices = dict(
        Quote.objects.filter(project_id__in=ids, status=Quote.Status.ACCEPTED).values_list(
            "project_id", "subtotal_cents"
        )
    )
    # Entries billed and replaced by a correction since: their line is reversed (once).
    replaced = dict(
        InvoiceLine.objects.filter(
            project_id__in=ids, claims=True, project_entry__corrected_by__isnull=False
        ).values_list("id", "kind")
    )
    done_reversing = _reversed(list(replaced))
    by_project = defaultdict(list)
    for claim in claims:
        by_project[claim["project_id"]].append(claim)
    found: dict[int, list[SpecLine]] = defaultdict(list)
    awaiting: dict[int, list[Awaiting]] = defaultdict(list)
    for project in projects:
        claimed = by_project[project.pk]
        if project.billing_mode == BillingMode.TIME_AND_MATERIALS:
            for claim in claimed:
                if claim["id"] in replaced and claim["id"] not in done_reversing:
                    found[project.customer_id].append(
                        _line(
                            project,
                            kind=replaced[claim["id"]],
                            description=f"Correctie: {project.name}",
                            amount_cents=-claim["amount_cents"],
                            corrects_id=claim["id"],
                            previously_billed_cents=claim["amount_cents"],
                            project_entry_id=claim["project_entry_id"],
                        )
                    )
            lines, waiting = _time_lines(
                project,
                entries[project.pk],
                {c["project_entry_id"] for c in claimed},
                extensions.get(project.pk, 0),
                run_start,
            )
            found[project.customer_id] += lines
            if waiting:
                awaiting[project.customer_id].append(Awaiting(project.pk, project.name, waiting))
            continue
        billed_milestones = {c["milestone_id"] for c in claimed if c["kind"] == MILESTONE}
        for phase in milestones[project.pk]:
            if phase.pk not in billed_milestones and phase.share_cents:
                found[project.customer_id].append(
                    _line(
                        project,
                        kind=MILESTONE,
                        description=f"{project.name}: mijlpaal {phase.name}",
                        amount_cents=phase.share_cents,
                        milestone_id=phase.pk,
                    )
                )
        if project.status == Project.Status.DONE and not any(c["kind"] == PROJECT_REST for c in claimed):
            shares = sum(c["amount_cents"] for c in claimed if c["kind"] == MILESTONE)
            shares += sum(line.amount_cents for line in found[project.customer_id] if line.project_id == project.pk)
            rest = prices.get(project.pk, 0) - shares
            if rest > 0:
                found[project.customer_id].append(
                    _line(
                        project,
                        kind=PROJECT_REST,
                        description=f"{project.name}: restant van de vaste prijs bij oplevering",
                        amount_cents=rest,
                    )
                )
    return ProjectBilling(
        {c: lines for c, lines in found.items() if lines}, {c: items for c, items in awaiting.items() if items}
    )
