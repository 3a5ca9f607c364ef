"""`servicedesk policy deadline|price` with a contract's own `service_levels` in the input (POLICY.md §9)."""

from __future__ import annotations

import copy
import json
import tomllib

from whatif_cli import (
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
    single_answer,
    ticket,
)

from servicedesk.policy import default_policy_path

SHIPPED = tomllib.loads(default_policy_path().read_text())["service_levels"]


def premium() -> dict:
    """The shipped table with `high` at 4 office hours and €95."""
    table = copy.deepcopy(SHIPPED)
    for support_type in ("unmanaged", "functional"):
        table[support_type]["high"] = {"response": "4h", "rate": "95.00"}
    return table


def test_a_deadline_under_a_contract_and_without_one_in_one_batch():
    contract = {**deadline_request("unmanaged", "high", "2026-11-27T16:00"), "service_levels": premium()}
    result = run("policy", "deadline", "--batch", stdin=jsonl([contract, GOOD_DEADLINE_REQUEST, contract]))
    assert result.returncode == 0, str(result)
    due = deadline("unmanaged", "high", "2026-11-27T16:00:00+01:00", "2026-11-30T12:00:00+01:00", best_effort=False)
    assert [json.loads(text) for text in lines_of(result.stdout)] == [due, GOOD_DEADLINE, due]


def test_a_price_under_a_contract():
    request = {
        **ticket("unmanaged", "high", entry("work", "2026-11-24T16:30", 60), entry("travel", "2026-11-24T11:00", 90)),
        "service_levels": premium(),
    }
    # 30 office minutes at €95 and 30 evening minutes at the higher of €95 and €85; travel at half of €95
    assert single_answer(run("policy", "price", stdin=jsonl([request]))) == price(
        "166.25",
        None,
        line("work", "2026-11-24T16:30:00+01:00", 60, 60, "95.00"),
        line("travel", "2026-11-24T11:00:00+01:00", 90, 90, "71.25"),
    )


def test_the_shipped_table_as_a_contract_gives_the_same_answer_byte_for_byte():
    plain = run("policy", "price", stdin=jsonl([GOOD_TICKET]))
    contract = run("policy", "price", stdin=jsonl([{**GOOD_TICKET, "service_levels": SHIPPED}]))
    assert plain.stdout == contract.stdout and single_answer(plain) == GOOD_TICKET_PRICE


def test_a_broken_contract_table_names_its_key():
    broken = premium()
    broken["unmanaged"]["high"]["response"] = "4 hours"
    assert_single_error(
        run("policy", "price", stdin=jsonl([{**GOOD_TICKET, "service_levels": broken}])),
        "service_levels.unmanaged.high.response",
        "not a duration",
    )
    result = run(
        "policy",
        "deadline",
        "--batch",
        stdin=jsonl([{**GOOD_DEADLINE_REQUEST, "service_levels": []}, GOOD_DEADLINE_REQUEST]),
    )
    assert result.returncode == 1, str(result)
    first, second = lines_of(result.stdout)
    assert_error_line(first, "service_levels", "must be a table")
    assert json.loads(second) == GOOD_DEADLINE
