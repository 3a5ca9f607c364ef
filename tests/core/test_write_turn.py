"""Taking turns at SQLite's write lock (core/write_turn.py): one at a time, across processes and threads, and
the next woken as soon as the turn is given back."""

from __future__ import annotations

import subprocess
import sys
import threading
import time

from django.db import connection, transaction

from servicedesk.core.write_turn import SUFFIX, turn, turn_file, write_turn

HOLDER = """
import sys, time
from servicedesk.core.write_turn import turn
with turn(sys.argv[1]):
    print("held", flush=True)
    time.sleep(float(sys.argv[2]))
    print(time.monotonic(), flush=True)
"""


def test_a_process_waits_for_another_processs_turn_and_gets_it_at_once(tmp_path):
    path = str(tmp_path / "db.sqlite3-write-turn")
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, path, "0.4"], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        asked = time.monotonic()
        with turn(path):
            got = time.monotonic()
        released = float(holder.stdout.readline())
    finally:
        holder.wait(timeout=10)
    assert got - asked >= 0.3  # it waited for the other's turn ...
    assert got - released < 0.05  # ... and was woken when it ended, not at the next try of a sleeper


def test_threads_of_one_process_take_turns(tmp_path):
    path = str(tmp_path / "turn")
    inside, most = [0], [0]
    guard = threading.Lock()

    def work():
        for _ in range(50):
            with turn(path):
                with guard:
                    inside[0] += 1
                    most[0] = max(most[0], inside[0])
                time.sleep(0.0005)
                with guard:
                    inside[0] -= 1

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert most[0] == 1


def test_the_turn_is_given_back_when_the_work_fails(tmp_path):
    path = str(tmp_path / "turn")
    try:
        with turn(path):
            raise RuntimeError("disk full")
    except RuntimeError:
        pass
    taken = threading.Event()

    def other():
        with turn(path):
            taken.set()

    thread = threading.Thread(target=other)
    thread.start()
    thread.join(timeout=5)
    assert taken.is_set()


def test_the_database_decides_whether_there_is_a_turn(db):
    if connection.vendor == "sqlite":
        assert turn_file() == str(connection.settings_dict["NAME"]) + SUFFIX
    else:  # PostgreSQL wakes waiting writers itself
        assert turn_file() is None
    with transaction.atomic(), write_turn():  # inside a transaction the turn comes too late: nothing waited for
        assert connection.in_atomic_block


def test_a_turn_file_that_cannot_be_opened_costs_the_turn_not_the_work(tmp_path, caplog):
    path = str(tmp_path / "missing-directory" / "turn")
    done = []
    for _ in range(3):
        with turn(path):
            done.append(True)
    assert done == [True, True, True]
    assert caplog.text.count("writing without taking turns") == 1
