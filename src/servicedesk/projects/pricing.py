"""A project's time in money and against its budget, through the policy engine (policy/project_time.py,
policy/project_budget.py): what the desk's project page, the preview and the budget watch read."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

from servicedesk.core.policy import current_policy
from servicedesk.policy import EntryKind, Policy, TimeEntry
from servicedesk.policy.project_budget import budget_cents, budget_split, budget_used
from servicedesk.policy.project_time import ProjectPrice, ProjectWork
from servicedesk.projects.models import BillingMode, Project, ProjectTimeEntry


def is_billed_by_time(project: Project) -> bool:
    """Time and materials with an agreed rate: its time is priced and billed; any other project's is recorded only."""
    return project.billing_mode == BillingMode.TIME_AND_MATERIALS and project.hourly_rate_cents is not None


def current_entries(project: Project) -> list[ProjectTimeEntry]:
    """The project's time as it stands: every entry not replaced by a correction, in the order it was worked."""
    return list(
        ProjectTimeEntry.objects.filter(project=project, corrected_by__isnull=True)
        .select_related("agent", "task")
        .order_by("start", "id")
    )


def project_price(project: Project, entries: Sequence, *, policy: Policy | None = None) -> ProjectPrice | None:
    """The entries priced at the project's rate (a line each, in order); None when its time is not billed."""
    if not is_billed_by_time(project):
        return None
    policy = policy or current_policy()
    work = ProjectWork(project.hourly_rate_cents, [TimeEntry(EntryKind(e.kind), e.start, e.minutes) for e in entries])
    return policy.price_project_time(work)


@dataclass(frozen=True, slots=True)
class BudgetState:
    """A time-and-materials project's work against its hour budget; travel is billed apart from the budget."""

    budget_minutes: int
    extension_minutes: int  # approved by the customer
    used_minutes: int  # billed minutes of work
    awaiting_minutes: int  # past the budget and the approved extensions
    budget_cents: int
    used_cents: int  # the price of the work and travel recorded
    share: Fraction  # used of the budget (may pass 1)

    @property
    def limit_minutes(self) -> int:
        return self.budget_minutes + self.extension_minutes

    @property
    def percent(self) -> int:
        return int(self.share * 100)

    @property
    def bar_percent(self) -> int:
        """How far the bar fills: the share used, at most all of it."""
        return min(100, self.percent)

    @property
    def over(self) -> bool:
        return self.used_minutes > self.budget_minutes


def budget_state(
    project: Project, entries: Sequence, price: ProjectPrice | None, *, extension_minutes: int
) -> BudgetState | None:
    """Where the budget stands, from the entries and their price (`project_price`); None without a budget."""
    if price is None or not project.budget_minutes:
        return None
    work = [
        (str(entry.pk), line.billed_minutes)
        for entry, line in zip(entries, price.lines, strict=True)
        if entry.kind == EntryKind.WORK
    ]
    splits = budget_split(
        budget_minutes=project.budget_minutes, approved_extension_minutes=extension_minutes, entries=work
    )
    used = sum(minutes for _key, minutes in work)
    return BudgetState(
        budget_minutes=project.budget_minutes,
        extension_minutes=extension_minutes,
        used_minutes=used,
        awaiting_minutes=sum(split.awaiting_minutes for split in splits),
        budget_cents=budget_cents(budget_minutes=project.budget_minutes, hourly_rate_cents=project.hourly_rate_cents),
        used_cents=price.total_cents,
        share=budget_used(budget_minutes=project.budget_minutes, used_minutes=used),
    )
