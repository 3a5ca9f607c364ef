"""Projects build on tickets, never the other way: no module of tickets imports projects (no cycle, not even one
hidden in a function)."""

from __future__ import annotations

import ast
from pathlib import Path

import servicedesk.tickets


def imported_modules(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_tickets_never_import_projects():
    root = Path(servicedesk.tickets.__file__).parent
    offenders = {
        str(path.relative_to(root)): sorted(name for name in imported_modules(path) if "projects" in name)
        for path in root.rglob("*.py")
    }
    assert {path: names for path, names in offenders.items() if names} == {}
    assert len(offenders) > 5  # the walk found the ticket modules
