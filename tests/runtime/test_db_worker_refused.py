"""django-tasks-db's `db_worker` is refused with the command to run instead: a worker without a lease would have
its running tasks run a second time by the others."""

from __future__ import annotations

import subprocess
import sys

import pytest
from django.core.management import CommandError, call_command, get_commands


def test_db_worker_is_ours_and_points_to_the_worker():
    assert get_commands()["db_worker"] == "servicedesk.runtime"
    with pytest.raises(CommandError, match="servicedesk worker"):
        call_command("db_worker")


def test_the_command_line_says_so_and_fails(tmp_path):
    env = {"SERVICEDESK_VAR_DIR": str(tmp_path), "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}", "PATH": ""}
    result = subprocess.run(
        [sys.executable, "-m", "servicedesk", "db_worker"], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 1
    assert "servicedesk worker" in result.stderr
