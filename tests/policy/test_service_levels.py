"""A contract's own service levels: its rate card and response times replace the policy file's, nothing else."""

from __future__ import annotations

import copy
import tomllib
from datetime import timedelta
from decimal import Decimal

import pytest

from servicedesk.policy import PolicyFileError, Priority, SupportType, default_policy_path
from servicedesk.policy.config import read_service_levels
from tests.policy.helpers import at, price, travel, work

SHIPPED = tomllib.loads(default_policy_path().read_text())["service_levels"]


def premium() -> dict:
    """The shipped table with `high` at 4 office hours and €95, and functional standard moved up to high."""
    table = copy.deepcopy(SHIPPED)
    for support_type in ("unmanaged", "functional"):
        table[support_type]["high"] = {"response": "4h", "rate": "95.00"}
    table["managed"]["high"] = {"response": "4h", "rate": "free"}
    table["functional"]["standard"] = {"instead": "high"}
    return table


@pytest.fixture(scope="module")
def contract_policy(policy):
    return policy.with_service_levels(read_service_levels(premium(), critical_priority=policy.config.critical_priority))


def test_the_contract_sets_response_times_and_rates(policy, contract_policy):
    assert contract_policy.response_time(SupportType.UNMANAGED, Priority.HIGH) == timedelta(hours=4)
    assert contract_policy.hourly_rate(SupportType.UNMANAGED, Priority.HIGH) == Decimal("95.00")
    assert contract_policy.effective_priority(SupportType.FUNCTIONAL, Priority.STANDARD) is Priority.HIGH
    assert policy.response_time(SupportType.UNMANAGED, Priority.HIGH) == timedelta(hours=8)  # unchanged
    assert contract_policy.timeline is policy.timeline


def test_a_deadline_under_the_contract(policy, contract_policy):
    # Fri 16:00 + 4 office hours = Mon 12:00 (the policy file's 8 hours: Mon 16:00)
    kwargs = {"support_type": SupportType.UNMANAGED, "priority": Priority.HIGH, "reported": at("2026-11-27 16:00")}
    assert contract_policy.response_deadline(**kwargs).response_due == at("2026-11-30 12:00")
    assert policy.response_deadline(**kwargs).response_due == at("2026-11-30 16:00")


def test_a_price_under_the_contract_keeps_the_bands_fair_use_and_travel(contract_policy):
    # 30 office minutes at €95 + 30 minutes of the evening band: the higher of €95 and €85
    assert price(contract_policy, "unmanaged", "high", [work("2026-11-24 16:30", 60)]).total_cents == 9500
    # night band: €125 is higher than the contract's €95
    assert price(contract_policy, "unmanaged", "high", [work("2026-11-24 23:00", 60)]).total_cents == 12500
    # travel at half the contract rate, the policy's minimum
    assert price(contract_policy, "unmanaged", "high", [travel("2026-11-24 11:00", 90)]).total_cents == 7125
    assert price(contract_policy, "unmanaged", "high", [travel("2026-11-24 11:00", 30)]).total_cents == 3250
    # fair use and the phone surcharge are the policy file's
    assert price(contract_policy, "functional", "standard", [work("2026-11-24 11:00", 5)]).free_reason == "fair_use"
    by_phone = price(contract_policy, "functional", "standard", [work("2026-11-24 11:00", 20)], channel="phone")
    assert by_phone.total_cents == 4750 + 2375  # 30 billed minutes and the 15-minute surcharge, at €95


def _broken(change) -> dict:
    table = premium()
    change(table)
    return table


@pytest.mark.parametrize(
    ("table", "key", "message"),
    [
        (
            _broken(lambda t: t["unmanaged"]["high"].update(response="4 hours")),
            "service_levels.unmanaged.high.response",
            "not a duration",
        ),
        (
            _broken(lambda t: t["unmanaged"]["high"].update(rate="95,00")),
            "service_levels.unmanaged.high.rate",
            "not an amount",
        ),
        (
            _broken(lambda t: t["unmanaged"]["high"].update(rate=95)),
            "service_levels.unmanaged.high.rate",
            "must be a string",
        ),
        (_broken(lambda t: t["unmanaged"].pop("direct")), "service_levels.unmanaged.direct", "is missing"),
        (_broken(lambda t: t.pop("functional")), "service_levels.functional", "is missing"),
        (_broken(lambda t: t.update(hardware={})), "service_levels.hardware", "unknown key"),
        (_broken(lambda t: t["managed"].update(direct={"instead": "high"})), "service_levels", "critical incidents"),
        (
            _broken(lambda t: t["managed"].update(high={"instead": "standard"})),
            "service_levels.managed.high.instead",
            "not offered",
        ),
        ("premium", "service_levels", "must be a table"),
    ],
)
def test_a_broken_contract_table_names_its_key(policy, table, key, message):
    with pytest.raises(PolicyFileError) as raised:
        read_service_levels(table, critical_priority=policy.config.critical_priority, source="contract 7")
    named = {p.key: p for p in raised.value.problems}
    assert message in named[key].message
    assert named[key].file == "contract 7"


def test_the_shipped_table_as_a_contract_changes_nothing(policy):
    same = policy.with_service_levels(read_service_levels(SHIPPED, critical_priority=policy.config.critical_priority))
    assert same.config.service_levels == policy.config.service_levels
    assert same.config.instead == policy.config.instead
