"""The policy engine: one object that answers every question of POLICY.md for one policy file."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from servicedesk.policy.calendar import OFFICE, BusinessCalendar
from servicedesk.policy.config import PolicyConfig, ServiceLevels, default_policy_path, read_policy_file
from servicedesk.policy.pricing import Pricer, TicketPrice, TicketWork, cents_to_decimal
from servicedesk.policy.project_time import ProjectPrice, ProjectWork, price_project_time
from servicedesk.policy.timeline import MINUTE_US, Timeline, from_us, to_us
from servicedesk.policy.vocabulary import Channel, Priority, SupportType


@dataclass(frozen=True, slots=True)
class ResponseDeadline:
    """When a ticket must have its response (diagnosis made, recovery started)."""

    support_type: SupportType
    priority: Priority  # effective
    reported: datetime
    response_due: datetime
    best_effort: bool  # after-hours urgent line: a clock-hour target, a miss is no breach


OFFICE_LABEL = "kantoortijd"  # the office-hours band's label (the other bands' come from the policy file)


@dataclass(frozen=True, slots=True)
class Band:
    """A billing time band: office hours, or a band with a minimum hourly rate."""

    key: str
    label: str
    minimum_rate: Decimal | None  # None for office hours: the ticket's rate applies


class Policy:
    """POLICY.md as code: priorities, rates, the business calendar, deadlines and prices.

    Plain values in and out; every instant is an aware datetime, every amount a Decimal.
    """

    def __init__(self, config: PolicyConfig, *, timeline: Timeline | None = None):
        self.config = config
        self.time_zone = config.time_zone
        # A policy derived from another (a contract's service levels) shares its calendar and timeline.
        self.timeline = timeline or Timeline(BusinessCalendar(config))
        self.calendar = self.timeline.calendar
        self._pricer = Pricer(config, self.timeline, config.service_levels)
        self._lowest_rate = {
            support_type: min(self._rate_cents(support_type, p) for p in self.offered_priorities(support_type))
            for support_type in SupportType
        }

    def with_service_levels(self, service_levels: ServiceLevels) -> Policy:
        """This policy with a contract's own rate card and response times (POLICY.md §9).

        Everything else (calendar, bands, units, fair use, travel, critical incidents) stays this policy's.
        Check the contract's table with `read_service_levels` first.
        """
        config = replace(self.config, service_levels=service_levels.levels, instead=service_levels.instead)
        return Policy(config, timeline=self.timeline)

    # -- priorities and rates -------------------------------------------------

    def offered_priorities(self, support_type: SupportType) -> tuple[Priority, ...]:
        """The priorities a ticket of this type can have, lowest first."""
        return tuple(p for p in Priority if (support_type, p) in self.config.service_levels)

    def effective_priority(self, support_type: SupportType, priority: Priority, *, critical: bool = False) -> Priority:
        """The priority a ticket is handled at: critical incidents and cells not offered move up."""
        if critical:
            return self.config.critical_priority
        return self.config.instead.get((support_type, priority), priority)

    def hourly_rate(self, support_type: SupportType, priority: Priority) -> Decimal | None:
        """The hourly rate of a (type, effective priority) cell; None where support is free."""
        cents = self.config.service_levels[support_type, self.effective_priority(support_type, priority)].rate_cents
        return None if cents is None else cents_to_decimal(cents)

    def response_time(self, support_type: SupportType, priority: Priority) -> timedelta:
        """The response time in office time of a (type, priority) cell."""
        level = self.config.service_levels[support_type, self.effective_priority(support_type, priority)]
        return timedelta(minutes=level.response_minutes)

    def is_raised(self, support_type: SupportType, priority: Priority) -> bool:
        """Whether this priority carries a higher rate than the lowest of its support type."""
        effective = self.effective_priority(support_type, priority)
        return self._rate_cents(support_type, effective) > self._lowest_rate[support_type]

    def lowest_priority(self, support_type: SupportType) -> Priority:
        """The priority a reporter who may not raise priority gets."""
        return self.offered_priorities(support_type)[0]

    def _rate_cents(self, support_type: SupportType, priority: Priority) -> int:
        return self.config.service_levels[support_type, priority].rate_cents or 0

    # -- the calendar ---------------------------------------------------------

    def is_office_time(self, instant: datetime) -> bool:
        return self.timeline.band_at(to_us(instant)) == OFFICE

    def is_closed(self, day: date) -> bool:
        return self.calendar.is_closed(day)

    def band_at(self, instant: datetime) -> Band:
        """The billing band of an instant."""
        key = self.timeline.band_at(to_us(instant))
        if key == OFFICE:
            return Band(OFFICE, OFFICE_LABEL, None)
        band = self.config.bands[key]
        return Band(key, band.label, cents_to_decimal(band.minimum_rate_cents))

    def office_time_between(self, start: datetime, end: datetime) -> timedelta:
        """Office time passed between two instants; zero when end is not after start."""
        return timedelta(microseconds=self.timeline.office_time_between(to_us(start), to_us(end)))

    def add_office_time(self, start: datetime, office_time: timedelta) -> datetime:
        """The earliest instant at which `office_time` of office time has passed since `start`."""
        due = self.timeline.add_office_time(to_us(start), office_time // timedelta(microseconds=1))
        return from_us(due, self.time_zone)

    # -- deadlines and prices -------------------------------------------------

    def response_deadline(
        self,
        *,
        support_type: SupportType,
        priority: Priority,
        reported: datetime,
        channel: Channel = Channel.EMAIL,
        critical: bool = False,
    ) -> ResponseDeadline:
        """The response deadline of a ticket reported at `reported` (an aware datetime)."""
        effective = self.effective_priority(support_type, priority, critical=critical)
        level = self.config.service_levels[support_type, effective]
        reported_us = to_us(reported)
        best_effort = (
            channel == Channel.PHONE_AFTER_HOURS
            and effective == Priority.DIRECT
            and self.timeline.band_number_at(reported_us) != 0
        )
        if best_effort:
            due_us = reported_us + self.config.best_effort_target_minutes * MINUTE_US
        else:
            due_us = self.timeline.add_office_time(reported_us, level.response_minutes * MINUTE_US)
        return ResponseDeadline(
            support_type=support_type,
            priority=effective,
            reported=reported.astimezone(self.time_zone),
            response_due=from_us(due_us, self.time_zone),
            best_effort=best_effort,
        )

    def reclassified_deadline(
        self,
        *,
        support_type: SupportType,
        priority: Priority,
        reported: datetime,
        changed: datetime,
        old_due: datetime,
        channel: Channel = Channel.EMAIL,
        critical: bool = False,
    ) -> ResponseDeadline:
        """The response deadline after an agent changes type, priority or the critical flag at `changed` (POLICY.md
        §4): recomputed from the report (R) while that lies ahead; once R has passed, the new response time counts
        from the change (N), but never past the deadline the ticket had (`old_due`, O) while O is still ahead:
        min(N, O), else N. Never a moment already past."""
        recomputed = self.response_deadline(
            support_type=support_type, priority=priority, reported=reported, channel=channel, critical=critical
        )
        if recomputed.response_due > changed:
            return recomputed
        changed_us = to_us(changed)
        if recomputed.best_effort:
            due_us = changed_us + self.config.best_effort_target_minutes * MINUTE_US
        else:
            level = self.config.service_levels[support_type, recomputed.priority]
            due_us = self.timeline.add_office_time(changed_us, level.response_minutes * MINUTE_US)
        if old_due > changed:
            due_us = min(due_us, to_us(old_due))
        return ResponseDeadline(
            support_type=support_type,
            priority=recomputed.priority,
            reported=recomputed.reported,
            response_due=from_us(due_us, self.time_zone),
            best_effort=recomputed.best_effort,
        )

    def price(self, work: TicketWork) -> TicketPrice:
        """The price of a ticket's time entries, with the reason when it is free."""
        effective = self.effective_priority(work.support_type, work.priority, critical=work.critical)
        return self._pricer.price(work, effective, to_us)

    def price_project_time(self, work: ProjectWork) -> ProjectPrice:
        """The price of a time-and-materials project's time entries at the project's hourly rate."""
        return price_project_time(self._pricer, work, to_us)


_default: Policy | None = None


def load_policy(path: str | Path | None = None) -> Policy:
    """The policy of a file (default: the shipped one); raises PolicyFileError on problems."""
    global _default
    if path is None:
        if _default is None:
            _default = Policy(read_policy_file(default_policy_path()))
        return _default
    return Policy(read_policy_file(path))
