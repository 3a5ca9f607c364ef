"""Running the real `servicedesk` console script for the what-if CLI tests, and checking its answers.

Every test in tests/whatif goes through a subprocess: the contract is about what the command
prints and how it exits, not about Python functions.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_SCRIPT = Path(sys.executable).with_name("servicedesk")
COMMAND = [str(_SCRIPT)] if _SCRIPT.exists() else [sys.executable, "-m", "servicedesk"]


@dataclass(frozen=True)
class Run:
    """What one run of the command did."""

    args: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str

    def __str__(self) -> str:
        command = f"servicedesk {shlex.join(self.args)}"
        return f"{command} -> exit {self.returncode}\nstdout: {self.stdout!r}\nstderr: {self.stderr!r}"


def run(*args: str, stdin: bytes | str = b"", env: dict[str, str] | None = None) -> Run:
    """Run `servicedesk ARGS...` with `stdin`; SERVICEDESK_POLICY from the outside is not passed on."""
    environment = {key: value for key, value in os.environ.items() if key != "SERVICEDESK_POLICY"}
    environment.update(env or {})
    data = stdin.encode("utf-8") if isinstance(stdin, str) else stdin
    done = subprocess.run([*COMMAND, *args], input=data, capture_output=True, env=environment, timeout=120, check=False)
    return Run(
        tuple(args),
        done.returncode,
        done.stdout.decode("utf-8", errors="replace"),
        done.stderr.decode("utf-8", errors="replace"),
    )


def lines_of(text: str) -> list[str]:
    """The lines of an output that must end each line with a newline."""
    if not text:
        return []
    assert text.endswith("\n"), f"output does not end with a newline: {text!r}"
    return text[:-1].split("\n")


def jsonl(items: Iterable[Any]) -> str:
    """JSON Lines: dicts are dumped, strings are taken as the raw line."""
    return "".join((item if isinstance(item, str) else json.dumps(item)) + "\n" for item in items)


def single_answer(result: Run) -> dict:
    """The one JSON object a successful single-mode run prints."""
    assert result.returncode == 0, str(result)
    assert result.stderr == "", str(result)
    lines = lines_of(result.stdout)
    assert len(lines) == 1, str(result)
    answer = json.loads(lines[0])
    assert isinstance(answer, dict), str(result)
    return answer


def names_field(message: str, field: str) -> bool:
    """Whether `message` names `field` as the subject of a problem ("<field>: ...")."""
    return re.search(rf"(?:^|[\s:]){re.escape(field)}: ", message) is not None


def assert_single_error(result: Run, field: str, says: str | None = None) -> None:
    """Bad input outside batch mode: exit 2, nothing on stdout, one line on stderr naming the field."""
    assert result.returncode == 2, str(result)
    assert result.stdout == "", str(result)
    assert "Traceback" not in result.stderr, str(result)
    assert result.stderr.endswith("\n") and result.stderr.count("\n") == 1, f"stderr must be exactly one line\n{result}"
    assert names_field(result.stderr, field), f"stderr does not name {field!r}\n{result}"
    if says is not None:
        assert says in result.stderr, str(result)


def assert_error_line(line: str, field: str, says: str | None = None) -> None:
    """A batch answer for a bad line: {"error": "<field>: <problem>"} and nothing else."""
    answer = json.loads(line)
    assert isinstance(answer, dict) and list(answer) == ["error"], line
    assert isinstance(answer["error"], str) and answer["error"].startswith(f"{field}: "), line
    if says is not None:
        assert says in answer["error"], line


@dataclass(frozen=True)
class Batch:
    """One batch run over a table of cases; answers are looked up by case id."""

    result: Run
    ids: tuple[str, ...]

    def answer(self, case_id: str) -> dict:
        lines = lines_of(self.result.stdout)
        index = self.ids.index(case_id)
        assert index < len(lines), f"no answer for input line {index + 1}\n{self.result}"
        return json.loads(lines[index])

    def assert_all_answered(self) -> None:
        """Every line good: exit 0, nothing on stderr, one answer per request, none an error."""
        assert self.result.returncode == 0, str(self.result)
        assert self.result.stderr == "", str(self.result)
        lines = lines_of(self.result.stdout)
        assert len(lines) == len(self.ids), str(self.result)
        assert not any("error" in json.loads(text) for text in lines), str(self.result)


def run_batch(command: str, cases: list[tuple]) -> Batch:
    """Run `servicedesk policy COMMAND --batch` on the requests of (id, request, ...) cases."""
    ids = tuple(case[0] for case in cases)
    assert len(set(ids)) == len(ids), "case ids must be unique"
    return Batch(run("policy", command, "--batch", stdin=jsonl(case[1] for case in cases)), ids)


# -- requests and expected answers -------------------------------------------------


def entry(kind: str, start: str, minutes: Any) -> dict:
    return {"kind": kind, "start": start, "minutes": minutes}


def ticket(support_type: str, priority: str, *entries: dict, channel: str | None = "email",
           critical: bool | None = False) -> dict:  # fmt: skip
    """A price request; channel=None or critical=None leaves that key out."""
    request: dict[str, Any] = {"support_type": support_type, "priority": priority}
    if channel is not None:
        request["channel"] = channel
    if critical is not None:
        request["critical"] = critical
    request["entries"] = list(entries)
    return request


def line(kind: str, start: str | None, minutes: int, billed_minutes: int, amount: str) -> dict:
    return {"kind": kind, "start": start, "minutes": minutes, "billed_minutes": billed_minutes, "amount": amount}


def surcharge(amount: str) -> dict:
    return line("phone_surcharge", None, 15, 15, amount)


def price(total: str, free_reason: str | None, *lines: dict) -> dict:
    return {"total": total, "currency": "EUR", "free_reason": free_reason, "lines": list(lines)}


def deadline_request(support_type: str, priority: str, reported: str, channel: str | None = None) -> dict:
    request = {"support_type": support_type, "priority": priority, "reported": reported}
    if channel is not None:
        request["channel"] = channel
    return request


def deadline(support_type: str, priority: str, reported: str, response_due: str, best_effort: bool) -> dict:
    return {
        "support_type": support_type,
        "priority": priority,
        "reported": reported,
        "response_due": response_due,
        "best_effort": best_effort,
    }


# -- bad input, shared by the single-mode and the batch tests ----------------------

GOOD_WORK = entry("work", "2026-11-24T10:00", 50)
GOOD_TICKET = ticket("functional", "standard", GOOD_WORK)
GOOD_TICKET_PRICE = price("65.00", None, line("work", "2026-11-24T10:00:00+01:00", 50, 60, "65.00"))


def _changed(**changes: Any) -> dict:
    request = dict(GOOD_TICKET)
    request.update(changes)
    return request


def _without(key: str) -> dict:
    return {k: v for k, v in GOOD_TICKET.items() if k != key}


def _entry_changed(**changes: Any) -> dict:
    return _changed(entries=[{**GOOD_WORK, **changes}])


def _entry_without(key: str) -> dict:
    return _changed(entries=[{k: v for k, v in GOOD_WORK.items() if k != key}])


#: (id, request as a dict or a raw JSON text, field the error must name, text the message must contain)
BAD_PRICE_REQUESTS: list[tuple[str, Any, str, str | None]] = [
    ("unknown-support-type", _changed(support_type="hardware"), "support_type", None),
    ("support-type-not-a-string", _changed(support_type=3), "support_type", None),
    ("unknown-priority", _changed(priority="urgent"), "priority", None),
    ("unknown-channel", _changed(channel="fax"), "channel", None),
    ("unknown-kind", _entry_changed(kind="lunch"), "entries[0].kind", None),
    ("missing-support-type", _without("support_type"), "support_type", "missing"),
    ("missing-priority", _without("priority"), "priority", "missing"),
    ("missing-entries", _without("entries"), "entries", "missing"),
    ("missing-kind", _entry_without("kind"), "entries[0].kind", "missing"),
    ("missing-start", _entry_without("start"), "entries[0].start", "missing"),
    ("missing-minutes", _entry_without("minutes"), "entries[0].minutes", "missing"),
    ("minutes-zero", _entry_changed(minutes=0), "entries[0].minutes", None),
    ("minutes-negative", _entry_changed(minutes=-5), "entries[0].minutes", None),
    ("minutes-1441-over-24h", _entry_changed(minutes=1441), "entries[0].minutes", None),
    ("travel-minutes-1441-over-24h", _entry_changed(kind="travel", minutes=1441), "entries[0].minutes", None),
    ("minutes-fraction", _entry_changed(minutes=2.5), "entries[0].minutes", None),
    ("minutes-true", _entry_changed(minutes=True), "entries[0].minutes", None),
    ("minutes-string", _entry_changed(minutes="30"), "entries[0].minutes", None),
    ("minutes-null", _entry_changed(minutes=None), "entries[0].minutes", None),
    ("second-entry-bad", _changed(entries=[GOOD_WORK, {**GOOD_WORK, "minutes": 0}]), "entries[1].minutes", None),
    ("start-malformed", _entry_changed(start="tomorrow"), "entries[0].start", None),
    ("start-date-only", _entry_changed(start="2026-11-24"), "entries[0].start", None),
    ("start-not-a-string", _entry_changed(start=1234), "entries[0].start", None),
    ("start-in-spring-forward-gap", _entry_changed(start="2026-03-29T02:30"), "entries[0].start", "does not exist"),
    ("unknown-field", _changed(colour="red"), "colour", "unknown field"),
    ("unknown-entry-field", _entry_changed(colour="red"), "entries[0].colour", "unknown field"),
    ("critical-not-a-boolean", _changed(critical="yes"), "critical", None),
    ("entries-not-a-list", _changed(entries={"kind": "work"}), "entries", None),
    ("entry-not-an-object", _changed(entries=["work"]), "entries[0]", None),
    ("malformed-json", '{"support_type": "functional", "priority": ', "input", "malformed JSON"),
    ("json-array-not-object", "[1, 2]", "input", None),
    ("json-string-not-object", '"functional"', "input", None),
    ("json-null-not-object", "null", "input", None),
    ("newline-in-a-value", _changed(support_type="functional\nstandard"), "support_type", None),
]

#: (id, request as a dict or a raw JSON text, field the error must name, text the message must contain)
BAD_DEADLINE_REQUESTS: list[tuple[str, Any, str, str | None]] = [
    ("unknown-support-type", deadline_request("hardware", "high", "2026-11-24T10:00"), "support_type", None),
    ("unknown-priority", deadline_request("functional", "urgent", "2026-11-24T10:00"), "priority", None),
    ("unknown-channel", deadline_request("functional", "high", "2026-11-24T10:00", "fax"), "channel", None),
    ("missing-support-type", {"priority": "high", "reported": "2026-11-24T10:00"}, "support_type", "missing"),
    ("missing-priority", {"support_type": "functional", "reported": "2026-11-24T10:00"}, "priority", "missing"),
    ("missing-reported", {"support_type": "functional", "priority": "high"}, "reported", "missing"),
    ("reported-malformed", deadline_request("functional", "high", "tomorrow"), "reported", None),
    ("reported-not-a-string", {**deadline_request("functional", "high", "x"), "reported": 20261124}, "reported", None),
    (
        "reported-in-spring-forward-gap",
        deadline_request("functional", "high", "2026-03-29T02:30"),
        "reported",
        "does not exist",
    ),
    ("unknown-field", {**deadline_request("functional", "high", "2026-11-24T10:00"), "when": 1}, "when", None),
    ("malformed-json", '{"support_type": "functional"', "input", "malformed JSON"),
    ("json-array-not-object", '["functional", "high"]', "input", None),
]

GOOD_DEADLINE_REQUEST = deadline_request("functional", "standard", "2026-11-24T11:00")
GOOD_DEADLINE = deadline(
    "functional", "standard", "2026-11-24T11:00:00+01:00", "2026-11-27T11:00:00+01:00", best_effort=False
)
