"""A contract's own service levels as stored (a table shaped like the policy file's [service_levels]), as text an
agent edits (TOML, like the policy file) and as rows a page shows."""

from __future__ import annotations

import tomllib
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


def table_as_text(table: dict) -> str:
    """A table as TOML an agent can edit: one section per support type, one line per priority."""
    lines = []
    for support_type, row in table.items():
        lines.append(f"[{support_type}]")
        for priority, cell in row.items():
            inner = ", ".join(f'{key} = "{value}"' for key, value in cell.items())
            lines.append(f"{priority} = {{ {inner} }}")
        lines.append("")
    return "\n".join(lines).strip() + "\n"


def text_as_table(text: str) -> dict:
    """TOML text back as a table; raises ValueError with the parser's reason."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(str(exc)) from None


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
