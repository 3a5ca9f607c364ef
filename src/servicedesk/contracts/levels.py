"""A contract's own service levels as stored (a table shaped like the policy file's [service_levels]), as text an
agent edits (TOML, like the policy file) and as rows a page shows."""

from __future__ import annotations

from dataclasses import dataclass

from servicedesk.policy import Policy, Priority, ServiceLevels, SupportType
from servicedesk.policy.config import format_amount


def duration_text(minutes: int) -> str:
    """Minutes as the policy file writes them: '8h', '90m' or '1h30m'."""
    hours, rest = divmod(minutes, 60)
    return "".join(part for part in (f"{hours}h" if hours else "", f"{rest}m" if rest else "")) or "0m"


def policy_levels_table(policy: Policy) -> dict:
    """The policy file's service levels as a table a contract can start from."""
    return levels_table(ServiceLevels(policy.config.service_levels, policy.config.instead))


def levels_table(levels: ServiceLevels) -> dict:
    """Checked service levels back as a table (response like '8h', rate like '65.00' or 'free')."""
    table: dict = {}
    for support_type in SupportType:
        row = table.setdefault(support_type.value, {})
        for priority in Priority:
            if (support_type, priority) in levels.instead:
                row[priority.value] = {"instead": levels.instead[support_type, priority].value}
            elif (support_type, priority) in levels.levels:
                level = levels.levels[support_type, priority]
                rate = "free" if level.rate_cents is None else format_amount(level.rate_cents)
                row[priority.value] = {"response": duration_text(level.response_minutes), "rate": rate}
    return table


def cells_table(cells: dict[tuple[SupportType, Priority], tuple[str, str]]) -> dict:
    """A table from what an agent filled in per support type x priority: (response, rate). A cell without a
    response is not offered: its tickets get the next offered priority up (else down); a rate left empty is free."""
    table: dict = {}
    for support_type in SupportType:
        offered = [p for p in Priority if cells.get((support_type, p), ("", ""))[0].strip()]
        row = table.setdefault(support_type.value, {})
        for priority in Priority:
            response, rate = (text.strip() for text in cells.get((support_type, priority), ("", "")))
            if response:
                row[priority.value] = {"response": response, "rate": rate or "free"}
            elif offered:
                up = [p for p in offered if list(Priority).index(p) > list(Priority).index(priority)]
                row[priority.value] = {"instead": (up[0] if up else offered[-1]).value}
    return table


def table_cells(table: dict) -> dict[tuple[SupportType, Priority], tuple[str, str]]:
    """What a table shows per cell: (response, rate), empty where not offered, rate empty where free."""
    cells = {}
    for support_type in SupportType:
        for priority in Priority:
            cell = table.get(support_type.value, {}).get(priority.value, {})
            rate = cell.get("rate", "")
            cells[support_type, priority] = (cell.get("response", ""), "" if rate == "free" else rate)
    return cells


@dataclass(frozen=True, slots=True)
class LevelRow:
    """One cell of the support type x priority table as a page shows it."""

    support_type: SupportType
    priority: Priority
    response_minutes: int | None  # None: not offered
    rate_cents: int | None  # None: free (or not offered)
    instead: Priority | None


def level_rows(levels: ServiceLevels) -> list[LevelRow]:
    rows = []
    for support_type in SupportType:
        for priority in Priority:
            level = levels.levels.get((support_type, priority))
            rows.append(
                LevelRow(
                    support_type,
                    priority,
                    level.response_minutes if level else None,
                    level.rate_cents if level else None,
                    levels.instead.get((support_type, priority)),
                )
            )
    return rows
