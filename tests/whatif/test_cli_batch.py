"""`--batch`: JSON Lines in, one JSON line out per input line, in order; bad lines answer with an error."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from whatif_cli import (
    BAD_DEADLINE_REQUESTS,
    BAD_PRICE_REQUESTS,
    GOOD_DEADLINE,
    GOOD_DEADLINE_REQUEST,
    GOOD_TICKET,
    GOOD_TICKET_PRICE,
    assert_error_line,
    assert_single_error,
    deadline,
    deadline_request,
    entry,
    jsonl,
    line,
    lines_of,
    price,
    run,
    ticket,
)

# A second good request of each kind, so that answers cannot be right by repeating one line.
OTHER_DEADLINE_REQUEST = deadline_request("managed", "standard", "2026-11-28T10:00", "phone_after_hours")
OTHER_DEADLINE = deadline("managed", "high", "2026-11-28T10:00:00+01:00", "2026-11-30T17:00:00+01:00", False)
OTHER_TICKET = ticket("unmanaged", "standard", entry("travel", "2026-11-24T11:00", 30))
OTHER_TICKET_PRICE = price("32.50", None, line("travel", "2026-11-24T11:00:00+01:00", 30, 30, "32.50"))

EMPTY_LINE_ERROR = {"error": "input: empty line"}


def _mixed(bad_cases: list[tuple], good: list[tuple[Any, dict]]) -> list[tuple[str, bytes, tuple]]:
    """Bad requests with good ones between them: (id, raw line, ("answer", dict) | ("error", field, says))."""
    rows: list[tuple[str, bytes, tuple]] = []
    for i, (case_id, request, field, says) in enumerate(bad_cases):
        good_request, good_answer = good[i % len(good)]
        rows.append((f"good-before-{case_id}", json.dumps(good_request).encode(), ("answer", good_answer)))
        raw = request if isinstance(request, str) else json.dumps(request)
        rows.append((case_id, raw.encode(), ("error", field, says)))
    rows.append(("empty-line", b"", ("exact", EMPTY_LINE_ERROR)))
    rows.append(("not-utf8", b'{"support_type": "\xff\xfe"}', ("error", "input", None)))
    rows.append(("object-after-all-errors", json.dumps(good[0][0]).encode(), ("answer", good[0][1])))
    return rows


DEADLINE_ROWS = _mixed(
    BAD_DEADLINE_REQUESTS, [(GOOD_DEADLINE_REQUEST, GOOD_DEADLINE), (OTHER_DEADLINE_REQUEST, OTHER_DEADLINE)]
)
PRICE_ROWS = _mixed(BAD_PRICE_REQUESTS, [(GOOD_TICKET, GOOD_TICKET_PRICE), (OTHER_TICKET, OTHER_TICKET_PRICE)])


def _run_rows(command: str, rows: list[tuple[str, bytes, tuple]]) -> dict:
    stdin = b"".join(raw + b"\n" for _, raw, _ in rows)
    result = run("policy", command, "--batch", stdin=stdin)
    return {"result": result, "lines": lines_of(result.stdout)}


@pytest.fixture(scope="module")
def deadline_batch() -> dict:
    return _run_rows("deadline", DEADLINE_ROWS)


@pytest.fixture(scope="module")
def price_batch() -> dict:
    return _run_rows("price", PRICE_ROWS)


def _check_row(lines: list[str], index: int, expectation: tuple) -> None:
    assert index < len(lines), f"no answer for input line {index + 1}"
    if expectation[0] == "error":
        assert_error_line(lines[index], expectation[1], expectation[2])
    else:
        assert json.loads(lines[index]) == expectation[1]


@pytest.mark.parametrize("command", ["deadline", "price"])
def test_mixed_batch_exits_1_with_one_line_per_input_line(
    command: str, deadline_batch: dict, price_batch: dict
) -> None:
    batch, rows = (deadline_batch, DEADLINE_ROWS) if command == "deadline" else (price_batch, PRICE_ROWS)
    result = batch["result"]
    assert result.returncode == 1, str(result)
    assert result.stderr == "", str(result)
    assert len(batch["lines"]) == len(rows), str(result)


@pytest.mark.parametrize(
    ("index", "expectation"),
    [(i, row[2]) for i, row in enumerate(DEADLINE_ROWS)],
    ids=[f"{i + 1:02d}-{row[0]}" for i, row in enumerate(DEADLINE_ROWS)],
)
def test_deadline_batch_line(deadline_batch: dict, index: int, expectation: tuple) -> None:
    _check_row(deadline_batch["lines"], index, expectation)


@pytest.mark.parametrize(
    ("index", "expectation"),
    [(i, row[2]) for i, row in enumerate(PRICE_ROWS)],
    ids=[f"{i + 1:02d}-{row[0]}" for i, row in enumerate(PRICE_ROWS)],
)
def test_price_batch_line(price_batch: dict, index: int, expectation: tuple) -> None:
    _check_row(price_batch["lines"], index, expectation)


# -- good batches, line endings, the edges of the stream ------------------------------


@pytest.mark.parametrize(
    ("command", "requests", "answers"),
    [
        (
            "deadline",
            [GOOD_DEADLINE_REQUEST, OTHER_DEADLINE_REQUEST, GOOD_DEADLINE_REQUEST],
            [GOOD_DEADLINE, OTHER_DEADLINE, GOOD_DEADLINE],
        ),
        (
            "price",
            [OTHER_TICKET, GOOD_TICKET, OTHER_TICKET],
            [OTHER_TICKET_PRICE, GOOD_TICKET_PRICE, OTHER_TICKET_PRICE],
        ),
    ],
    ids=["deadline", "price"],
)
def test_good_batch_exits_0_in_order(command: str, requests: list[dict], answers: list[dict]) -> None:
    result = run("policy", command, "--batch", stdin=jsonl(requests))
    assert result.returncode == 0, str(result)
    assert result.stderr == ""
    assert [json.loads(text) for text in lines_of(result.stdout)] == answers


def test_crlf_line_endings() -> None:
    stdin = "".join(json.dumps(r) + "\r\n" for r in (GOOD_DEADLINE_REQUEST, OTHER_DEADLINE_REQUEST))
    result = run("policy", "deadline", "--batch", stdin=stdin)
    assert result.returncode == 0, str(result)
    assert [json.loads(text) for text in lines_of(result.stdout)] == [GOOD_DEADLINE, OTHER_DEADLINE]


def test_last_line_without_newline_is_answered() -> None:
    stdin = json.dumps(GOOD_TICKET) + "\n" + json.dumps(OTHER_TICKET)
    result = run("policy", "price", "--batch", stdin=stdin)
    assert result.returncode == 0, str(result)
    assert [json.loads(text) for text in lines_of(result.stdout)] == [GOOD_TICKET_PRICE, OTHER_TICKET_PRICE]


@pytest.mark.parametrize("command", ["deadline", "price"])
def test_empty_stdin_answers_nothing(command: str) -> None:
    result = run("policy", command, "--batch", stdin="")
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")


@pytest.mark.parametrize("command", ["deadline", "price"])
def test_only_empty_lines(command: str) -> None:
    result = run("policy", command, "--batch", stdin="\n\n")
    assert result.returncode == 1, str(result)
    assert [json.loads(text) for text in lines_of(result.stdout)] == [EMPTY_LINE_ERROR, EMPTY_LINE_ERROR]


def test_carriage_return_inside_a_line_is_json_whitespace_not_a_line_break() -> None:
    # JSON Lines separates lines with "\n" only; a lone "\r" between tokens is JSON whitespace.
    stdin = json.dumps(GOOD_DEADLINE_REQUEST).replace(", ", ",\r") + "\n" + json.dumps(OTHER_DEADLINE_REQUEST) + "\n"
    result = run("policy", "deadline", "--batch", stdin=stdin)
    assert [json.loads(text) for text in lines_of(result.stdout)] == [GOOD_DEADLINE, OTHER_DEADLINE], str(result)
    assert result.returncode == 0, str(result)


def _huge_minutes_ticket() -> str:
    # An integer too long for Python's int-from-string limit (4300 digits): still just a bad line.
    return json.dumps(GOOD_TICKET).replace('"minutes": 50', '"minutes": ' + "9" * 5000)


def test_huge_integer_is_a_bad_line_and_the_batch_goes_on() -> None:
    stdin = jsonl([GOOD_TICKET, _huge_minutes_ticket(), OTHER_TICKET])
    result = run("policy", "price", "--batch", stdin=stdin)
    assert "Traceback" not in result.stderr, str(result)
    assert result.returncode == 1, str(result)
    lines = lines_of(result.stdout)
    assert len(lines) == 3, str(result)
    assert json.loads(lines[0]) == GOOD_TICKET_PRICE
    error = json.loads(lines[1])["error"]
    assert error.startswith(("input: ", "entries[0].minutes: ")), lines[1]
    assert json.loads(lines[2]) == OTHER_TICKET_PRICE


def test_huge_integer_single_mode_is_bad_input() -> None:
    result = run("policy", "price", stdin=_huge_minutes_ticket())
    assert result.returncode == 2, str(result)
    assert "Traceback" not in result.stderr, str(result)
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1, str(result)
    assert "input: " in result.stderr or "entries[0].minutes: " in result.stderr, str(result)


def test_long_batch_keeps_order_and_count() -> None:
    # Long enough to be written out in several pieces; every third line bad, every third an empty line.
    bad_ticket = {**GOOD_TICKET, "entries": [entry("work", "2026-11-24T10:00", 0)]}
    pattern = [json.dumps(GOOD_TICKET), json.dumps(bad_ticket), "", json.dumps(OTHER_TICKET)]
    count = 3001
    stdin = "".join(pattern[i % len(pattern)] + "\n" for i in range(count))
    result = run("policy", "price", "--batch", stdin=stdin)
    assert result.returncode == 1, result.stderr
    lines = lines_of(result.stdout)
    assert len(lines) == count
    expected = [GOOD_TICKET_PRICE, None, EMPTY_LINE_ERROR, OTHER_TICKET_PRICE]
    for i, text in enumerate(lines):
        want = expected[i % len(expected)]
        if want is None:
            assert_error_line(text, "entries[0].minutes")
        else:
            assert json.loads(text) == want, f"line {i + 1}: {text}"


# -- batch mode takes no single-mode arguments ---------------------------------------------


@pytest.mark.parametrize(
    "options",
    [["--type", "functional"], ["--priority", "high"], ["--reported", "2026-11-24T10:00"], ["--channel", "email"]],
    ids=["type", "priority", "reported", "channel"],
)
def test_deadline_batch_with_single_options_exits_2(options: list[str]) -> None:
    result = run("policy", "deadline", "--batch", *options, stdin=jsonl([GOOD_DEADLINE_REQUEST]))
    assert result.returncode == 2, str(result)
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1, str(result)
    assert options[0] in result.stderr


def test_price_batch_with_file_exits_2(tmp_path: Path) -> None:
    request = tmp_path / "ticket.json"
    request.write_text(json.dumps(GOOD_TICKET))
    result = run("policy", "price", "--batch", str(request), stdin=jsonl([GOOD_TICKET]))
    assert result.returncode == 2, str(result)
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1, str(result)


def test_single_mode_reads_one_object_not_json_lines() -> None:
    # Outside batch mode two objects on stdin are malformed input, not two requests.
    assert_single_error(run("policy", "price", stdin=jsonl([GOOD_TICKET, OTHER_TICKET])), "input", "malformed JSON")
