"""`--policy FILE` on every command, and `servicedesk policy check [FILE]`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from whatif_cli import (
    GOOD_DEADLINE_REQUEST,
    deadline,
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

UNMANAGED_STANDARD = '[service_levels.unmanaged]\nstandard = { response = "24h", rate = "65.00" }'
FUNCTIONAL_HIGH = (
    '[service_levels.functional]\nstandard = { response = "24h", rate = "65.00" }\n'
    'high = { response = "8h", rate = "85.00" }'
)


def _policy_text(*replacements: tuple[str, str]) -> str:
    text = default_policy_path().read_text(encoding="utf-8")
    for old, new in replacements:
        assert text.count(old) == 1, f"the shipped policy no longer contains {old!r} once"
        text = text.replace(old, new)
    return text


@pytest.fixture
def custom_policy(tmp_path: Path) -> Path:
    """The shipped policy with unmanaged/standard at 70.00 an hour."""
    path = tmp_path / "custom.toml"
    path.write_text(_policy_text((UNMANAGED_STANDARD, UNMANAGED_STANDARD.replace("65.00", "70.00"))))
    return path


@pytest.fixture
def broken_policy(tmp_path: Path) -> Path:
    """Two problems: a rate that is no amount, and an unknown key."""
    path = tmp_path / "broken.toml"
    path.write_text(
        _policy_text(
            (UNMANAGED_STANDARD, UNMANAGED_STANDARD.replace("65.00", "abc")),
            ("[travel]\n", '[travel]\ncolour = "red"\n'),
        )
    )
    return path


BROKEN_KEYS = ["service_levels.unmanaged.standard.rate", "travel.colour"]

HOUR_OF_UNMANAGED = ticket("unmanaged", "standard", entry("work", "2026-11-24T10:00", 60))


def _hour_price(amount: str) -> dict:
    return price(amount, None, line("work", "2026-11-24T10:00:00+01:00", 60, 60, amount))


# -- a valid custom policy changes the answers ---------------------------------------------


def test_shipped_policy_price() -> None:
    assert single_answer(run("policy", "price", stdin=json.dumps(HOUR_OF_UNMANAGED))) == _hour_price("65.00")


@pytest.mark.parametrize(
    "where",
    ["before-policy", "before-subcommand", "after-subcommand", "after-subcommand-with-equals"],
)
def test_custom_policy_changes_the_price(custom_policy: Path, where: str) -> None:
    args = {
        "before-policy": ["--policy", str(custom_policy), "policy", "price"],
        "before-subcommand": ["policy", "--policy", str(custom_policy), "price"],
        "after-subcommand": ["policy", "price", "--policy", str(custom_policy)],
        "after-subcommand-with-equals": ["policy", "price", f"--policy={custom_policy}"],
    }[where]
    assert single_answer(run(*args, stdin=json.dumps(HOUR_OF_UNMANAGED))) == _hour_price("70.00")


def test_custom_policy_in_price_batch(custom_policy: Path) -> None:
    result = run("policy", "price", "--batch", "--policy", str(custom_policy), stdin=jsonl([HOUR_OF_UNMANAGED] * 2))
    assert result.returncode == 0, str(result)
    assert [json.loads(text) for text in lines_of(result.stdout)] == [_hour_price("70.00")] * 2


def test_custom_policy_changes_the_deadline(tmp_path: Path) -> None:
    path = tmp_path / "fast.toml"
    path.write_text(_policy_text((FUNCTIONAL_HIGH, FUNCTIONAL_HIGH.replace('"8h"', '"4h"'))))
    options = ["--type", "functional", "--priority", "high", "--reported", "2026-11-24T10:00"]
    shipped = single_answer(run("policy", "deadline", *options))
    custom = single_answer(run("policy", "deadline", *options, "--policy", str(path)))
    assert shipped == deadline("functional", "high", "2026-11-24T10:00:00+01:00", "2026-11-25T10:00:00+01:00", False)
    assert custom == deadline("functional", "high", "2026-11-24T10:00:00+01:00", "2026-11-24T14:00:00+01:00", False)


def test_critical_comes_before_managed_service(tmp_path: Path) -> None:
    # With the shipped policy a critical incident is handled at direct, which is never free as a
    # managed service; handled at high instead, both reasons apply and critical must be reported.
    path = tmp_path / "critical-high.toml"
    path.write_text(_policy_text(('priority = "direct"', 'priority = "high"')))
    request = ticket("managed", "high", entry("work", "2026-11-24T10:00", 60), critical=True)
    answer = single_answer(run("policy", "price", "--policy", str(path), stdin=json.dumps(request)))
    assert answer == price("0.00", "critical", line("work", "2026-11-24T10:00:00+01:00", 60, 60, "0.00"))


# -- policy check ---------------------------------------------------------------------------


def test_check_valid_file(custom_policy: Path) -> None:
    result = run("policy", "check", str(custom_policy))
    assert (result.returncode, result.stdout, result.stderr) == (0, f"{custom_policy}: ok\n", "")


def test_check_policy_given_with_option(custom_policy: Path) -> None:
    result = run("--policy", str(custom_policy), "policy", "check")
    assert (result.returncode, result.stdout, result.stderr) == (0, f"{custom_policy}: ok\n", "")


def test_check_shipped_policy() -> None:
    result = run("policy", "check")
    assert result.returncode == 0, str(result)
    assert result.stderr == ""
    assert result.stdout == f"{default_policy_path()}: ok\n"


def _assert_broken_policy_reported(result, path: Path) -> None:
    assert result.returncode == 2, str(result)
    assert result.stdout == "", str(result)
    problems = lines_of(result.stderr)
    assert len(problems) == len(BROKEN_KEYS), str(result)
    for problem, key in zip(sorted(problems), sorted(BROKEN_KEYS), strict=True):
        assert problem.startswith(f"{path}: "), problem
        assert f" {key}: " in problem, problem


def test_check_broken_file(broken_policy: Path) -> None:
    _assert_broken_policy_reported(run("policy", "check", str(broken_policy)), broken_policy)


def test_check_unreadable_and_invalid_toml(tmp_path: Path) -> None:
    missing = run("policy", "check", str(tmp_path / "missing.toml"))
    assert missing.returncode == 2 and missing.stdout == "" and missing.stderr.count("\n") == 1, str(missing)
    assert missing.stderr.startswith(f"{tmp_path / 'missing.toml'}: "), str(missing)
    bad = tmp_path / "bad.toml"
    bad.write_text("x = [")
    invalid = run("policy", "check", str(bad))
    assert invalid.returncode == 2 and invalid.stdout == "" and invalid.stderr.count("\n") == 1, str(invalid)
    assert invalid.stderr.startswith(f"{bad}: "), str(invalid)


def test_check_one_line_per_problem_even_for_a_key_with_a_newline(tmp_path: Path) -> None:
    path = tmp_path / "odd.toml"
    path.write_text(_policy_text(("[travel]\n", '[travel]\n"odd\\nkey" = 1\n')))
    result = run("policy", "check", str(path))
    assert result.returncode == 2, str(result)
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1, f"one problem must be one line\n{result}"


# -- a broken policy given with --policy: nothing runs ----------------------------------------

BROKEN_RUNS = {
    "deadline": (
        [
            "policy",
            "deadline",
            "--type",
            "functional",
            "--priority",
            "high",
            "--reported",
            "2026-11-24T10:00",
            "--policy",
            "{path}",
        ],
        "",
    ),
    "deadline-batch": (["policy", "deadline", "--batch", "--policy", "{path}"], jsonl([GOOD_DEADLINE_REQUEST])),
    "price": (["policy", "price", "--policy", "{path}"], json.dumps(HOUR_OF_UNMANAGED)),
    "price-batch": (["policy", "price", "--batch", "--policy", "{path}"], jsonl([HOUR_OF_UNMANAGED])),
    "option-before-policy": (["--policy", "{path}", "policy", "price"], json.dumps(HOUR_OF_UNMANAGED)),
    "check-with-option": (["policy", "check", "--policy", "{path}"], ""),
    "django-command": (["--policy", "{path}", "check"], ""),
}


@pytest.mark.parametrize("name", list(BROKEN_RUNS))
def test_broken_policy_exits_2_naming_file_and_keys(broken_policy: Path, name: str) -> None:
    args, stdin = BROKEN_RUNS[name]
    result = run(*(arg.replace("{path}", str(broken_policy)) for arg in args), stdin=stdin)
    _assert_broken_policy_reported(result, broken_policy)


def test_valid_policy_option_lets_a_django_command_run(custom_policy: Path) -> None:
    result = run("--policy", str(custom_policy), "check")
    assert result.returncode == 0, str(result)
    assert "no issues" in result.stdout, str(result)
