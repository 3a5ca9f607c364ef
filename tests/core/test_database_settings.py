"""How DATABASE_URL and DATABASE_PREPARE_THRESHOLD become the database settings (read at start-up)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

PG = "postgres://postgres@127.0.0.1:5432/anything"
SHOW = "import json; from servicedesk import settings as s; print(json.dumps(s.DATABASES['default']['OPTIONS']))"


def options(**env) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if k != "DATABASE_PREPARE_THRESHOLD"} | env
    return subprocess.run([sys.executable, "-c", SHOW], env=environment, capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize(
    ("threshold", "binding", "prepare"),
    [(None, True, 5), ("0", True, 0), (" 12 ", True, 12), ("off", None, None), ("OFF", None, None)],
)
def test_postgresql_prepares_statements_unless_told_not_to(threshold, binding, prepare):
    env = {"DATABASE_URL": PG} | ({"DATABASE_PREPARE_THRESHOLD": threshold} if threshold is not None else {})
    done = options(**env)
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout)
    assert (found.get("server_side_binding"), found.get("prepare_threshold")) == (binding, prepare)
    assert "jit=off" in found["options"]


def test_a_bad_threshold_stops_the_start_with_its_name():
    done = options(DATABASE_URL=PG, DATABASE_PREPARE_THRESHOLD="vijf")
    assert done.returncode != 0
    assert "DATABASE_PREPARE_THRESHOLD='vijf'" in done.stderr and "ImproperlyConfigured" in done.stderr


def test_sqlite_has_nothing_to_prepare():
    done = options(DATABASE_URL="sqlite:////tmp/x.sqlite3", DATABASE_PREPARE_THRESHOLD="vijf")
    assert done.returncode == 0, done.stderr
    assert "server_side_binding" not in json.loads(done.stdout)


def test_a_non_ascii_threshold_stops_the_start_with_its_name():
    done = options(DATABASE_URL=PG, DATABASE_PREPARE_THRESHOLD="²")
    assert done.returncode != 0
    assert "DATABASE_PREPARE_THRESHOLD='²'" in done.stderr and "ImproperlyConfigured" in done.stderr


SHOW_SQLITE = (
    "import json; from servicedesk import settings as s; d = s.DATABASES['default']; "
    "print(json.dumps([d['ENGINE'], d['OPTIONS']]))"
)


def test_sqlite_uses_djangos_backend_with_wal_and_immediate_transactions():
    environment = {**os.environ, "DATABASE_URL": "sqlite:////tmp/x.sqlite3"}
    done = subprocess.run([sys.executable, "-c", SHOW_SQLITE], env=environment, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    engine, found = json.loads(done.stdout)
    assert engine == "django.db.backends.sqlite3"
    assert found["transaction_mode"] == "IMMEDIATE" and found["timeout"] >= 5
    assert "journal_mode=WAL" in found["init_command"]


LIVE_SQLITE = (
    "import django, json; django.setup(); from django.db import connection; c = connection.cursor(); "
    "print(json.dumps([c.execute(f'PRAGMA {name}').fetchone()[0] for name in ('journal_mode', 'cache_size')]))"
)


def test_a_sqlite_connection_gets_its_pragmas(tmp_path):
    """The init command runs on each new connection: WAL, and a page cache of 64 MB (in KiB, negative)."""
    environment = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite3'}",
        "DJANGO_SETTINGS_MODULE": "servicedesk.settings",
    }
    done = subprocess.run([sys.executable, "-c", LIVE_SQLITE], env=environment, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == ["wal", -65536]
