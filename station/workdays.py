"""Working days under the PRC holiday calendar, for the promised date on a receipt.

Why data and not a rule: the State Council fixes holidays and the weekend days swapped for
them (调休) a year at a time, so they live in ``station/data/holidays.toml`` and the centre
publishes the next year's file. For a year the file does not cover, Monday-Friday count as
working days and ``covers()`` tells the caller the date is only an estimate.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from station.catalogue import CatalogueError, CatalogueFileError, read_toml
from station.datafile import UpdatableDataFile

_MAX_DAYS = 3660  # ten years: far beyond any promised time limit; stops runaway loops


class HolidayDataError(CatalogueError):
    key = "catalogue.error.holidays"


@dataclass(frozen=True)
class Period:
    name: str
    start: date
    end: date
    work: tuple[date, ...] = ()


@dataclass(frozen=True)
class WorkCalendar:
    version: str
    years: frozenset[int]
    off: frozenset[date]
    extra_work: frozenset[date]
    periods: tuple[Period, ...] = ()

    def covers(self, day: date) -> bool:
        """True when ``day``'s year is in the published data (not the weekends-only guess)."""
        return day.year in self.years

    def is_working_day(self, day: date) -> bool:
        if day in self.extra_work:
            return True
        if day in self.off:
            return False
        return day.weekday() < 5

    def holiday_name(self, day: date) -> str | None:
        for p in self.periods:
            if p.start <= day <= p.end:
                return p.name
        return None

    def add_working_days(self, start: date, n: int) -> date:
        """The n-th working day after ``start``; n = 0 is ``start`` itself (即办)."""
        if n < 0:
            raise ValueError("n must be >= 0")
        day = start
        remaining = n
        for _ in range(_MAX_DAYS):
            if remaining == 0:
                return day
            day += timedelta(days=1)
            if self.is_working_day(day):
                remaining -= 1
        raise ValueError("n is too large")

    def working_days_between(self, start: date, end: date) -> int:
        """Working days in (start, end] — how far into its time limit a case is."""
        count = 0
        day = start
        while day < end:
            day += timedelta(days=1)
            count += self.is_working_day(day)
        return count


def default_path() -> Path:
    return HOLIDAYS_FILE.packaged_path()


def installed_path() -> Path:
    return HOLIDAYS_FILE.installed_path()


def load_calendar(path: str | Path | None = None) -> WorkCalendar:
    """A given file, else the centre's installed update, else the packaged holiday data."""
    return HOLIDAYS_FILE.load(path)


def install_calendar(text: str) -> WorkCalendar:
    """Validate holiday data the centre published (e.g. next year's) and put it in force."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise CatalogueFileError("catalogue.error.syntax", path="holidays",
                                 detail=str(err)) from None
    calendar = parse_calendar(data)
    HOLIDAYS_FILE.install(text)
    return calendar


def _load(path: Path) -> WorkCalendar:
    return parse_calendar(read_toml(path))


HOLIDAYS_FILE = UpdatableDataFile("holidays.toml", _load, logger="station.workdays")


def _need(table: dict[str, Any], key: str, kind: type, where: str, expected: str) -> Any:
    if key not in table:
        raise HolidayDataError(where, key, "missing")
    value = table[key]
    if not isinstance(value, kind) or isinstance(value, bool) is not (kind is bool):
        raise HolidayDataError(where, key, "type", expected=expected)
    return value


def parse_calendar(data: dict[str, Any]) -> WorkCalendar:
    version = _need(data, "version", str, "holidays", "text")
    years = _need(data, "years", list, "holidays", "list")
    if not all(isinstance(y, int) and not isinstance(y, bool) for y in years):
        raise HolidayDataError("holidays", "years", "type", expected="list")
    periods: list[Period] = []
    off: set[date] = set()
    work: set[date] = set()
    for i, raw in enumerate(data.get("periods", [])):
        where = f"periods[{i}]"
        if not isinstance(raw, dict):
            raise HolidayDataError(where, "-", "type", expected="table")
        unknown = set(raw) - {"name", "start", "end", "work"}
        if unknown:
            raise HolidayDataError(where, sorted(unknown)[0], "unknown")
        name = _need(raw, "name", str, where, "text")
        start = _need(raw, "start", date, where, "date")
        end = _need(raw, "end", date, where, "date")
        if end < start or (end - start).days > 15:
            raise HolidayDataError(where, "end", "range", low=start.isoformat(), high="+15")
        extra = tuple(raw.get("work", []))
        if not all(isinstance(d, date) for d in extra):
            raise HolidayDataError(where, "work", "type", expected="date")
        for d in extra:
            if d.weekday() < 5:  # a swapped working day is always a weekend day
                raise HolidayDataError(where, "work", "choice", value=d.isoformat(),
                                       allowed="周六/周日")
        day = start
        while day <= end:
            off.add(day)
            day += timedelta(days=1)
        work.update(extra)
        periods.append(Period(name=name, start=start, end=end, work=extra))
    clash = off & work
    if clash:
        raise HolidayDataError("periods", "work", "duplicate")
    return WorkCalendar(version=version, years=frozenset(years), off=frozenset(off),
                        extra_work=frozenset(work), periods=tuple(periods))


def add_working_days(start: date, n: int, calendar: WorkCalendar | None = None) -> date:
    """Promised date for a time limit of n working days from ``start`` (0 = same day)."""
    return (calendar or load_calendar()).add_working_days(start, n)


def is_working_day(day: date, calendar: WorkCalendar | None = None) -> bool:
    return (calendar or load_calendar()).is_working_day(day)
