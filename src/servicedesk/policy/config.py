"""Reading a policy file (TOML) into checked, plain values; every problem is named."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from importlib import resources
from itertools import pairwise
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from servicedesk.policy.vocabulary import WEEKDAYS, Channel, Priority, SupportType

DEFAULT_POLICY_NAME = "default.toml"

_DURATION = re.compile(r"^(?:(\d+)h)?(?:(\d+)m)?$")
_TIME_RANGE = re.compile(r"^(\d\d):(\d\d)-(\d\d):(\d\d)$")
_AMOUNT = re.compile(r"^\d+(?:\.\d{1,2})?$")

#: Minutes from midnight; a day range is (start, end) with start < end <= 24:00.
DayRange = tuple[int, int]


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with a policy file."""

    file: str
    key: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.key}: {self.message}"


class PolicyFileError(Exception):
    """A policy file that cannot be used; `problems` lists every reason."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


@dataclass(frozen=True, slots=True)
class ServiceLevel:
    """One cell of the support type x priority table."""

    response_minutes: int  # office time
    rate_cents: int | None  # None: free (managed service)


@dataclass(frozen=True, slots=True)
class BandSpec:
    """A billing time band outside office hours."""

    key: str
    label: str
    minimum_rate_cents: int
    windows: dict[int, tuple[DayRange, ...]]  # ISO weekday (1 = Monday) -> ranges


@dataclass(frozen=True, slots=True)
class PrepaidSettings:
    """Prepaid hours (strippenkaart, POLICY.md §9): how long a bundle lasts, its value and when to tell."""

    validity_months: int
    base_rate_cents: int
    low_share: Fraction  # below this share of its value left, the main contact is told
    expiry_notice_days: int


@dataclass(frozen=True, slots=True)
class ProjectSettings:
    """Projects (POLICY.md §10): the budget shares at which the lead agent is warned, and how long a quote is valid."""

    budget_warning_shares: tuple[Fraction, ...]  # ascending, e.g. (4/5, 1)
    quote_validity_days: int = 30  # from the day it is sent


@dataclass(frozen=True, slots=True)
class ServiceLevels:
    """A rate card and response times per support type x priority: the policy file's, or a contract's own."""

    levels: dict[tuple[SupportType, Priority], ServiceLevel]
    instead: dict[tuple[SupportType, Priority], Priority]


#: The settings of a policy file without a [prepaid] or [projects] table: POLICY.md's decisions.
DEFAULT_PREPAID = PrepaidSettings(
    validity_months=12, base_rate_cents=6500, low_share=Fraction(1, 5), expiry_notice_days=30
)
DEFAULT_PROJECTS = ProjectSettings(budget_warning_shares=(Fraction(4, 5), Fraction(1)))


@dataclass(frozen=True, slots=True)
class PolicyConfig:
    """Every setting of a policy file, checked and converted to plain values."""

    source: str
    time_zone: ZoneInfo
    holiday_country: str
    holiday_subdivision: str | None
    open_holidays: frozenset[str]
    extra_closed_dates: frozenset[date]
    office_hours: dict[int, DayRange]  # ISO weekday -> range
    service_levels: dict[tuple[SupportType, Priority], ServiceLevel]
    instead: dict[tuple[SupportType, Priority], Priority]
    critical_priority: Priority
    best_effort_target_minutes: int
    closed_day_band: str
    otherwise_band: str
    bands: dict[str, BandSpec]
    currency: str
    unit_minutes: int
    max_entry_minutes: int
    vat_percent: Decimal
    fair_use_max_minutes: int
    fair_use_channels: dict[SupportType, frozenset[Channel]]
    surcharge_minutes: int
    surcharge_support_types: frozenset[SupportType]
    surcharge_channels: frozenset[Channel]
    travel_rate_factor: Fraction
    travel_minimum_cents: int
    prepaid: PrepaidSettings = DEFAULT_PREPAID
    projects: ProjectSettings = DEFAULT_PROJECTS


def default_policy_path() -> Path:
    """The policy file shipped with the package (equal to POLICY.md)."""
    return Path(str(resources.files("servicedesk.policy").joinpath(DEFAULT_POLICY_NAME)))


def read_policy_file(path: str | Path) -> PolicyConfig:
    """Read and check a policy file; raise PolicyFileError naming every problem."""
    name = str(path)
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise PolicyFileError([Problem(name, "(file)", f"cannot be read: {exc.strerror or exc}")]) from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise PolicyFileError([Problem(name, "(file)", "is not UTF-8 text")]) from None
    except tomllib.TOMLDecodeError as exc:
        raise PolicyFileError([Problem(name, "(file)", f"is not valid TOML: {exc}")]) from None
    return _Reader(name).read(data)


def read_service_levels(table: Any, *, critical_priority: Priority, source: str = "contract") -> ServiceLevels:
    """Check a contract's own service levels, shaped like a policy file's [service_levels] table.

    Raises PolicyFileError naming every problem by its key (e.g. `service_levels.managed.high.response`), as for
    a policy file. The priority of critical incidents must be offered for every support type here too.
    """
    reader = _Reader(source)
    levels, instead = reader.service_levels(reader.table({"service_levels": table}, "service_levels", "service_levels"))
    if any((support_type, critical_priority) in instead for support_type in SupportType):
        reader.problem("service_levels", f"'{critical_priority}' (critical incidents) must be offered for every type")
    if reader.problems:
        raise PolicyFileError(reader.problems)
    return ServiceLevels(levels, instead)


def format_amount(cents: int) -> str:
    """Cents as a euro amount string with two decimals, e.g. 3250 -> '32.50'."""
    sign = "-" if cents < 0 else ""
    cents = abs(cents)
    return f"{sign}{cents // 100}.{cents % 100:02d}"


def _printable(key: str) -> str:
    """A key as it can stand in a one-line message."""
    return key if key.isprintable() else key.encode("unicode_escape").decode("ascii")


class _Absent(dict):
    """A table that is missing or broken; its own keys are then not reported as missing too."""


class _Reader:
    """Walks the TOML tree, converting values and collecting problems."""

    def __init__(self, file: str):
        self.file = file
        self.problems: list[Problem] = []

    def problem(self, key: str, message: str) -> None:
        self.problems.append(Problem(self.file, key, message))

    # -- generic pieces -------------------------------------------------------

    def table(self, parent: dict, key: str, path: str, *, required: bool = True) -> dict:
        value = parent.get(key)
        if value is None:
            if required:
                self.problem(path, "is missing")
            return _Absent()
        if not isinstance(value, dict):
            self.problem(path, "must be a table")
            return _Absent()
        return value

    def known_keys(self, table: dict, path: str, allowed: set[str] | tuple[str, ...]) -> None:
        for key in table:
            if key not in allowed:
                prefix = f"{path}." if path else ""
                self.problem(
                    f"{prefix}{_printable(key)}", f"unknown key (expected one of: {', '.join(sorted(allowed))})"
                )

    def value(self, table: dict, key: str, path: str, kind: type, *, required: bool = True) -> Any:
        if key not in table:
            if required and not isinstance(table, _Absent):
                self.problem(path, "is missing")
            return None
        value = table[key]
        if (kind is int and isinstance(value, bool)) or not isinstance(value, kind):
            self.problem(path, f"must be a {_KIND_NAMES[kind]}")
            return None
        return value

    def duration(self, table: dict, key: str, path: str, *, positive: bool = True) -> int | None:
        text = self.value(table, key, path, str)
        if text is None:
            return None
        match = _DURATION.match(text.strip())
        if not text.strip() or not match:
            self.problem(path, f"{text!r} is not a duration like '8h', '90m' or '1h30m'")
            return None
        minutes = int(match.group(1) or 0) * 60 + int(match.group(2) or 0)
        if positive and minutes <= 0:
            self.problem(path, "must be longer than zero")
            return None
        return minutes

    def amount_cents(self, table: dict, key: str, path: str) -> int | None:
        text = self.value(table, key, path, str)
        if text is None:
            return None
        if not _AMOUNT.match(text):
            self.problem(path, f"{text!r} is not an amount like '65.00' (at most two decimals)")
            return None
        return int(Decimal(text) * 100)

    def decimal(self, table: dict, key: str, path: str) -> Decimal | None:
        text = self.value(table, key, path, str)
        if text is None:
            return None
        try:
            number = Decimal(text)
        except InvalidOperation:
            number = None
        if number is None or not number.is_finite():
            self.problem(path, f"{text!r} is not a number")
            return None
        return number

    def day_range(self, text: Any, path: str) -> DayRange | None:
        if not isinstance(text, str):
            self.problem(path, "must be a time range like '09:00-17:00'")
            return None
        match = _TIME_RANGE.match(text.strip())
        if not match:
            self.problem(path, f"{text!r} is not a time range like '09:00-17:00'")
            return None
        h1, m1, h2, m2 = (int(g) for g in match.groups())
        if h1 > 23 or m1 > 59 or m2 > 59 or h2 > 24 or (h2 == 24 and m2):
            self.problem(path, f"{text!r} has a time of day that does not exist")
            return None
        start, end = h1 * 60 + m1, h2 * 60 + m2
        if start >= end:
            self.problem(path, f"{text!r} must end after it starts, on the same day")
            return None
        return start, end

    def enum_list(self, table: dict, key: str, path: str, enum: type, *, required: bool = True) -> frozenset:
        items = self.value(table, key, path, list, required=required)
        if items is None:
            return frozenset()
        chosen = set()
        for i, item in enumerate(items):
            member = self.enum_value(item, f"{path}[{i}]", enum)
            if member is not None:
                chosen.add(member)
        return frozenset(chosen)

    def enum_value(self, item: Any, path: str, enum: type) -> Any:
        try:
            return enum(item)
        except ValueError:
            self.problem(path, f"{item!r} is not one of: {', '.join(m.value for m in enum)}")
            return None

    # -- the sections ---------------------------------------------------------

    def read(self, data: dict) -> PolicyConfig:
        sections = (
            "calendar",
            "office_hours",
            "service_levels",
            "critical",
            "after_hours",
            "time_bands",
            "billing",
            "fair_use",
            "phone_surcharge",
            "travel",
            "prepaid",
            "projects",
        )
        self.known_keys(data, "", sections)
        calendar = self.calendar(self.table(data, "calendar", "calendar"))
        office_hours = self.office_hours(self.table(data, "office_hours", "office_hours"))
        levels, instead = self.service_levels(self.table(data, "service_levels", "service_levels"))
        critical = self.table(data, "critical", "critical")
        self.known_keys(critical, "critical", ("priority",))
        critical_priority = None
        if (text := self.value(critical, "priority", "critical.priority", str)) is not None:
            critical_priority = self.enum_value(text, "critical.priority", Priority)
            if critical_priority is not None and any((t, critical_priority) in instead for t in SupportType):
                self.problem("critical.priority", f"'{critical_priority}' is not offered for every support type")
        after_hours = self.table(data, "after_hours", "after_hours")
        self.known_keys(after_hours, "after_hours", ("best_effort_target",))
        target = self.duration(after_hours, "best_effort_target", "after_hours.best_effort_target")
        bands = self.time_bands(self.table(data, "time_bands", "time_bands"), office_hours)
        billing = self.billing(self.table(data, "billing", "billing"))
        fair_use = self.fair_use(self.table(data, "fair_use", "fair_use"))
        surcharge = self.phone_surcharge(self.table(data, "phone_surcharge", "phone_surcharge"))
        travel = self.travel(self.table(data, "travel", "travel"))
        # Tables added after the first policy files were written: a file without them keeps POLICY.md's defaults.
        prepaid = self.prepaid(self.table(data, "prepaid", "prepaid", required=False))
        projects = self.projects(self.table(data, "projects", "projects", required=False))
        if self.problems:
            raise PolicyFileError(self.problems)
        return PolicyConfig(
            source=self.file,
            **calendar,
            office_hours=office_hours,
            service_levels=levels,
            instead=instead,
            critical_priority=critical_priority,
            best_effort_target_minutes=target,
            **bands,
            **billing,
            **fair_use,
            **surcharge,
            **travel,
            prepaid=prepaid,
            projects=projects,
        )

    def calendar(self, table: dict) -> dict:
        keys = ("time_zone", "holiday_country", "holiday_subdivision", "open_holidays", "extra_closed_dates")
        self.known_keys(table, "calendar", keys)
        time_zone = None
        if (name := self.value(table, "time_zone", "calendar.time_zone", str)) is not None:
            try:
                time_zone = ZoneInfo(name)
            except (ZoneInfoNotFoundError, ValueError):
                self.problem("calendar.time_zone", f"{name!r} is not a known time zone (e.g. 'Europe/Amsterdam')")
        country = self.value(table, "holiday_country", "calendar.holiday_country", str)
        subdivision = self.value(table, "holiday_subdivision", "calendar.holiday_subdivision", str, required=False)
        open_holidays = self.value(table, "open_holidays", "calendar.open_holidays", list, required=False) or []
        known_names = self.holiday_names(country, subdivision or None)
        names = set()
        for i, holiday in enumerate(open_holidays):
            path = f"calendar.open_holidays[{i}]"
            if not isinstance(holiday, str):
                self.problem(path, "must be a string")
            elif known_names is not None and holiday not in known_names:
                self.problem(
                    path, f"{holiday!r} is not a holiday of {country} (known: {', '.join(sorted(known_names))})"
                )
            else:
                names.add(holiday)
        dates = set()
        for i, text in enumerate(
            self.value(table, "extra_closed_dates", "calendar.extra_closed_dates", list, required=False) or []
        ):
            path = f"calendar.extra_closed_dates[{i}]"
            try:
                dates.add(date.fromisoformat(text) if isinstance(text, str) else text if type(text) is date else None)
            except ValueError:
                self.problem(path, f"{text!r} is not a date like '2026-12-24'")
                continue
            if None in dates:
                dates.discard(None)
                self.problem(path, "must be a date like '2026-12-24'")
        return {
            "time_zone": time_zone,
            "holiday_country": country,
            "holiday_subdivision": subdivision or None,
            "open_holidays": frozenset(names),
            "extra_closed_dates": frozenset(dates),
        }

    def holiday_names(self, country: str | None, subdivision: str | None) -> set[str] | None:
        import holidays
        from holidays.registry import EntityLoader

        if country is None:
            return None
        # Only the country's own module is loaded (holidays.list_supported_countries loads all of them, and a
        # process that takes in one mail pays that).
        if country not in EntityLoader.get_country_codes():
            self.problem(
                "calendar.holiday_country", f"{country!r} is not a country the holidays package knows (e.g. 'NL')"
            )
            return None
        if subdivision and subdivision not in getattr(holidays, country).subdivisions:
            self.problem("calendar.holiday_subdivision", f"{subdivision!r} is not a subdivision of {country}")
            return None
        names: set[str] = set()
        # Some holidays come only every few years (e.g. Liberation Day in NL).
        calendar = holidays.country_holidays(country, subdiv=subdivision, years=range(2020, 2031), language="en_US")
        for name in calendar.values():
            names.update(part.strip() for part in name.split(";"))
        return names

    def office_hours(self, table: dict) -> dict[int, DayRange]:
        self.known_keys(table, "office_hours", WEEKDAYS)
        hours = {}
        for number, day in enumerate(WEEKDAYS, start=1):
            if day in table:
                day_range = self.day_range(table[day], f"office_hours.{day}")
                if day_range:
                    hours[number] = day_range
        return hours

    def service_levels(self, table: dict) -> tuple[dict, dict]:
        self.known_keys(table, "service_levels", tuple(SupportType))
        levels: dict[tuple[SupportType, Priority], ServiceLevel] = {}
        instead: dict[tuple[SupportType, Priority], Priority] = {}
        for support_type in SupportType:
            path = f"service_levels.{support_type}"
            row = self.table(table, support_type, path)
            self.known_keys(row, path, tuple(Priority))
            for priority in Priority:
                cell_path = f"{path}.{priority}"
                cell = self.table(row, priority, cell_path, required=bool(row))
                if "instead" in cell:
                    self.known_keys(cell, cell_path, ("instead",))
                    target = self.enum_value(cell["instead"], f"{cell_path}.instead", Priority)
                    if target is not None:
                        instead[support_type, priority] = target
                elif cell:
                    self.known_keys(cell, cell_path, ("response", "rate"))
                    response = self.duration(cell, "response", f"{cell_path}.response")
                    rate: int | None = None
                    if cell.get("rate") != "free":
                        rate = self.amount_cents(cell, "rate", f"{cell_path}.rate")
                    if response is not None:
                        levels[support_type, priority] = ServiceLevel(response, rate)
            if not isinstance(row, _Absent) and not any((support_type, p) in levels for p in Priority):
                self.problem(path, "must offer at least one priority (a response time and a rate)")
            for priority in Priority:
                target = instead.get((support_type, priority))
                if target is not None and (target == priority or (support_type, target) in instead):
                    self.problem(f"{path}.{priority}.instead", f"'{target}' is not offered for {support_type} either")
        return levels, instead

    def time_bands(self, table: dict, office_hours: dict[int, DayRange]) -> dict:
        self.known_keys(table, "time_bands", ("closed_days", "otherwise", "bands"))
        bands_table = self.table(table, "bands", "time_bands.bands")
        bands: dict[str, BandSpec] = {}
        for key, spec in bands_table.items():
            path = f"time_bands.bands.{key}"
            if key == "office":
                self.problem(path, "'office' is the office-hours band and cannot be redefined")
                continue
            if not isinstance(spec, dict):
                self.problem(path, "must be a table")
                continue
            self.known_keys(spec, path, ("label", "minimum_rate", *WEEKDAYS))
            label = self.value(spec, "label", f"{path}.label", str)
            rate = self.amount_cents(spec, "minimum_rate", f"{path}.minimum_rate")
            windows: dict[int, tuple[DayRange, ...]] = {}
            for number, day in enumerate(WEEKDAYS, start=1):
                ranges = self.value(spec, day, f"{path}.{day}", list, required=False) or []
                parsed = [self.day_range(text, f"{path}.{day}[{i}]") for i, text in enumerate(ranges)]
                if parsed and all(parsed):
                    windows[number] = tuple(sorted(parsed))
            if label is not None and rate is not None:
                bands[key] = BandSpec(key, label, rate, windows)
        self.check_band_overlaps(bands, office_hours)
        closed = self.value(table, "closed_days", "time_bands.closed_days", str)
        otherwise = self.value(table, "otherwise", "time_bands.otherwise", str)
        for key, name in (("closed_days", closed), ("otherwise", otherwise)):
            if name is not None and name not in bands and bands_table:
                self.problem(f"time_bands.{key}", f"{name!r} is not a band defined under time_bands.bands")
        return {"closed_day_band": closed, "otherwise_band": otherwise, "bands": bands}

    def check_band_overlaps(self, bands: dict[str, BandSpec], office_hours: dict[int, DayRange]) -> None:
        for number, day in enumerate(WEEKDAYS, start=1):
            claimed = [("office_hours", office_hours[number])] if number in office_hours else []
            for band in bands.values():
                claimed += [(f"time_bands.bands.{band.key}.{day}", r) for r in band.windows.get(number, ())]
            claimed.sort(key=lambda item: item[1])
            for (path_a, (_, end_a)), (path_b, (start_b, _)) in pairwise(claimed):
                if start_b < end_a:
                    where = path_a if path_a == "office_hours" else path_a.rsplit(".", 1)[0]
                    self.problem(path_b, f"overlaps {where} on {day}")

    def billing(self, table: dict) -> dict:
        self.known_keys(table, "billing", ("currency", "unit", "max_entry", "vat_percent"))
        currency = self.value(table, "currency", "billing.currency", str)
        if currency is not None and not re.fullmatch(r"[A-Z]{3}", currency):
            self.problem("billing.currency", f"{currency!r} is not a three-letter currency code like 'EUR'")
        unit = self.duration(table, "unit", "billing.unit")
        max_entry = self.duration(table, "max_entry", "billing.max_entry")
        vat = self.decimal(table, "vat_percent", "billing.vat_percent")
        if vat is not None and not Decimal(0) <= vat <= Decimal(100):
            self.problem("billing.vat_percent", "must be between 0 and 100")
        return {"currency": currency, "unit_minutes": unit, "max_entry_minutes": max_entry, "vat_percent": vat}

    def fair_use(self, table: dict) -> dict:
        self.known_keys(table, "fair_use", ("max_work", *SupportType))
        channels = {t: self.enum_list(table, t, f"fair_use.{t}", Channel, required=False) for t in SupportType}
        return {
            "fair_use_max_minutes": self.duration(table, "max_work", "fair_use.max_work", positive=False),
            "fair_use_channels": channels,
        }

    def phone_surcharge(self, table: dict) -> dict:
        self.known_keys(table, "phone_surcharge", ("duration", "support_types", "channels"))
        return {
            "surcharge_minutes": self.duration(table, "duration", "phone_surcharge.duration", positive=False),
            "surcharge_support_types": self.enum_list(
                table, "support_types", "phone_surcharge.support_types", SupportType
            ),
            "surcharge_channels": self.enum_list(table, "channels", "phone_surcharge.channels", Channel),
        }

    def travel(self, table: dict) -> dict:
        self.known_keys(table, "travel", ("rate_factor", "minimum"))
        factor = self.decimal(table, "rate_factor", "travel.rate_factor")
        if factor is not None and factor <= 0:
            self.problem("travel.rate_factor", "must be more than 0")
            factor = None
        return {
            "travel_rate_factor": Fraction(factor) if factor is not None else None,
            "travel_minimum_cents": self.amount_cents(table, "minimum", "travel.minimum"),
        }

    def percent(self, table: dict, key: str, path: str) -> Fraction | None:
        number = self.decimal(table, key, path)
        if number is not None and not Decimal(0) < number <= Decimal(100):
            self.problem(path, "must be more than 0 and at most 100")
            return None
        return None if number is None else Fraction(number) / 100

    def prepaid(self, table: dict) -> PrepaidSettings:
        keys = ("validity_months", "base_rate", "low_percent", "expiry_notice_days")
        self.known_keys(table, "prepaid", keys)
        if not table:
            return DEFAULT_PREPAID
        months = self.value(table, "validity_months", "prepaid.validity_months", int)
        if months is not None and months <= 0:
            self.problem("prepaid.validity_months", "must be more than 0")
        base_rate = self.amount_cents(table, "base_rate", "prepaid.base_rate")
        if base_rate == 0:
            self.problem("prepaid.base_rate", "must be more than 0")
        low = self.percent(table, "low_percent", "prepaid.low_percent")
        days = self.value(table, "expiry_notice_days", "prepaid.expiry_notice_days", int)
        if days is not None and days < 0:
            self.problem("prepaid.expiry_notice_days", "must be 0 or more")
        return PrepaidSettings(months, base_rate, low, days)  # type: ignore[arg-type]  # problems raise first

    def projects(self, table: dict) -> ProjectSettings:
        self.known_keys(table, "projects", ("budget_warning_percents", "quote_validity_days"))
        if not table:
            return DEFAULT_PROJECTS
        path = "projects.budget_warning_percents"
        items = self.value(table, "budget_warning_percents", path, list) or []
        shares = [self.percent({"p": item}, "p", f"{path}[{i}]") for i, item in enumerate(items)]
        if shares and all(shares) and list(shares) != sorted(set(shares)):
            self.problem(path, "must go up, each share once")
        days = self.value(table, "quote_validity_days", "projects.quote_validity_days", int, required=False)
        if days is not None and days <= 0:
            self.problem("projects.quote_validity_days", "must be more than 0")
        if days is None:
            days = DEFAULT_PROJECTS.quote_validity_days
        return ProjectSettings(tuple(s for s in shares if s is not None), days)


_KIND_NAMES = {str: "string", list: "list", dict: "table", int: "whole number", bool: "true or false"}
