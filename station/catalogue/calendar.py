"""Working days under the PRC holiday calendar, for the promised date on a receipt.

Why three sources, chosen per year: the State Council fixes each year's days off and the
weekend days swapped for them (调休) in a notice (国务院办公厅《关于 YYYY 年部分节假日安排的
通知》), usually in November for the following year. A year's days come from, first to last:

1. the calendar file the centre published for that year (pulled by sync, validated, kept in
   ``<data dir>/calendars/YYYY.toml``): the way a new notice reaches a station before a new
   ``chinesecalendar`` release does;
2. the ``chinesecalendar`` package (github.com/LKI/chinese-calendar,
   ``chinese_calendar/constants.py``), maintained from each year's notice;
3. otherwise an **estimate**: only the statutory holidays fixed by 《全国年节及纪念日放假办法》
   (as revised by 国务院令第795号, 2024-11-10, in force 2025-01-01, article 2): 元旦 1 day,
   春节 4 days (除夕 and 正月初一至初三), 清明节 1 day, 劳动节 1–2 May, 端午节 1 day, 中秋节 1 day,
   国庆节 1–3 October. Lunar dates come from ``lunardate``, the 清明 solar term from
   ``chinesecalendar``'s solar-term formula. No 补假/调休 is guessed: those come only with
   each year's notice, so every date counted through an estimated year says it is one.
"""

from __future__ import annotations

import logging
import os
import re
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache, lru_cache
from pathlib import Path
from typing import Any, Literal

import chinese_calendar
from lunardate import LunarDate

from station.catalogue.model import CatalogueError, CatalogueFileError

_MAX_DAYS = 3660  # ten years: far beyond any promised time limit; stops runaway loops
MIN_YEAR, MAX_YEAR = 1901, 2099  # what lunardate's tables and the solar-term formula cover
MAX_FILE_BYTES = 64 * 1024
STATUTE = "《全国年节及纪念日放假办法》（国务院令第795号修订）第二条"
Source = Literal["centre", "chinesecalendar", "statutory"]

_log = logging.getLogger("station.catalogue.calendar")

# chinesecalendar names holidays in English (its enum values); we show the 办法's names.
_PACKAGE_NAMES = {
    chinese_calendar.Holiday.new_years_day: "元旦",
    chinese_calendar.Holiday.spring_festival: "春节",
    chinese_calendar.Holiday.tomb_sweeping_day: "清明节",
    chinese_calendar.Holiday.labour_day: "劳动节",
    chinese_calendar.Holiday.dragon_boat_festival: "端午节",
    chinese_calendar.Holiday.mid_autumn_festival: "中秋节",
    chinese_calendar.Holiday.national_day: "国庆节",
}


class HolidayDataError(CatalogueError):
    key = "catalogue.error.holidays"


@dataclass(frozen=True)
class YearDays:
    """One year: days off (with the holiday's name) and weekend days that are worked."""

    year: int
    source: Source
    version: str
    off: Mapping[date, str]
    work: frozenset[date]

    @property
    def estimated(self) -> bool:
        return self.source == "statutory"


@dataclass(frozen=True)
class Day:
    day: date
    working: bool
    estimated: bool
    name: str | None  # the holiday's name on a day off for a holiday, else None
    source: Source


@dataclass(frozen=True)
class Due:
    day: date
    estimated: bool  # some day counted lies in a year with no published notice


class WorkCalendar:
    """Answers per day; each year's source is chosen once, on first use."""

    def __init__(self, published: Mapping[int, YearDays] | None = None) -> None:
        self.published = dict(published or {})
        self._years: dict[int, YearDays] = {}

    def year(self, year: int) -> YearDays:
        found = self._years.get(year)
        if found is None:
            found = self.published.get(year) or _package_year(year) or statutory_year(year)
            self._years[year] = found
        return found

    def day(self, day: date) -> Day:
        y = self.year(day.year)
        working = day in y.work or (day.weekday() < 5 and day not in y.off)
        return Day(day, working, y.estimated, None if working else y.off.get(day), y.source)

    def covers(self, day: date) -> bool:
        """True when ``day``'s year comes from a published notice, not the estimate."""
        return not self.year(day.year).estimated

    def is_working_day(self, day: date) -> bool:
        return self.day(day).working

    def holiday_name(self, day: date) -> str | None:
        return self.day(day).name

    def due(self, start: date, n: int) -> Due:
        """The n-th working day after ``start`` (n = 0: ``start`` itself, 即办)."""
        if n < 0:
            raise ValueError("n must be >= 0")
        day, remaining, estimated = start, n, False
        for _ in range(_MAX_DAYS):
            if remaining == 0:
                return Due(day, estimated)
            day += timedelta(days=1)
            info = self.day(day)
            estimated = estimated or info.estimated
            remaining -= info.working
        raise ValueError("n is too large")

    def add_working_days(self, start: date, n: int) -> date:
        return self.due(start, n).day

    def estimated_between(self, start: date, end: date) -> bool:
        """Whether a count over (start, end] passed through an estimated year."""
        if end <= start:
            return False
        first = (start + timedelta(days=1)).year
        return any(self.year(y).estimated for y in range(first, end.year + 1))

    def working_days_between(self, start: date, end: date) -> int:
        """Working days in (start, end] — how far into its time limit a case is."""
        count = 0
        day = start
        while day < end:
            day += timedelta(days=1)
            count += self.is_working_day(day)
        return count


# ── the three sources ───────────────────────────────────────────────────────────────────


def _days(year: int) -> Iterator[date]:
    day = date(year, 1, 1)
    while day.year == year:
        yield day
        day += timedelta(days=1)


def _check_year(year: int) -> None:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ValueError(f"no calendar for year {year}")


@cache
def _package_year(year: int) -> YearDays | None:
    """chinesecalendar's days for ``year``, or None when its data stops before it."""
    _check_year(year)
    try:
        chinese_calendar.is_workday(date(year, 1, 1))
    except NotImplementedError:  # the package raises this for a year it has no notice for
        return None
    off: dict[date, str] = {}
    work: set[date] = set()
    for day in _days(year):
        holiday, name = chinese_calendar.get_holiday_detail(day)
        weekend = day.weekday() >= 5
        if holiday and (name or not weekend):
            off[day] = _package_name(name)
        elif not holiday and weekend:
            work.add(day)
    version = f"chinesecalendar {getattr(chinese_calendar, '__version__', '?')}"
    return YearDays(year, "chinesecalendar", version, off, frozenset(work))


def _package_name(name: str | None) -> str:
    try:
        return _PACKAGE_NAMES.get(chinese_calendar.Holiday(name), name or "")
    except ValueError:
        return name or ""


@cache
def statutory_days(year: int) -> dict[date, str]:
    """The days off article 2 of the 办法 fixes for ``year``, nothing else."""
    _check_year(year)
    names: dict[date, list[str]] = {}

    def add(day: date, name: str) -> None:
        names.setdefault(day, []).append(name)

    add(date(year, 1, 1), "元旦")
    new_year = LunarDate(year, 1, 1).to_solar_date()  # 正月初一 of the lunar year starting in it
    for k in range(-1, 3):  # 除夕, 初一, 初二, 初三
        add(new_year + timedelta(days=k), "春节")
    add(qingming(year), "清明节")
    add(date(year, 5, 1), "劳动节")
    add(date(year, 5, 2), "劳动节")
    add(LunarDate(year, 5, 5).to_solar_date(), "端午节")
    add(LunarDate(year, 8, 15).to_solar_date(), "中秋节")
    for d in (1, 2, 3):
        add(date(year, 10, d), "国庆节")
    return {day: "、".join(n) for day, n in sorted(names.items())}


def qingming(year: int) -> date:
    """The 清明 solar term's day (between 4 and 6 April)."""
    terms = chinese_calendar.get_solar_terms(date(year, 4, 1), date(year, 4, 30))
    return next(day for day, name in terms if name == "清明")


def statutory_year(year: int) -> YearDays:
    return YearDays(year, "statutory", STATUTE, statutory_days(year), frozenset())


# ── the centre's published file for a year ──────────────────────────────────────────────

_TOP = {"version", "year", "notice", "periods"}
_PERIOD = {"name", "start", "end", "work"}
_TEXT = re.compile(r"[^\x00-\x1f\x7f]+")


def _need(table: dict[str, Any], key: str, kind: type, where: str, expected: str) -> Any:
    if key not in table:
        raise HolidayDataError(where, key, "missing")
    value = table[key]
    # bool is an int and a datetime is a date: neither may pass for the other here.
    if type(value) is not kind:
        raise HolidayDataError(where, key, "type", expected=expected)
    return value


def _text(table: dict[str, Any], key: str, where: str, longest: int) -> str:
    value = _need(table, key, str, where, "text")
    if not value.strip():
        raise HolidayDataError(where, key, "empty")
    if len(value) > longest or not _TEXT.fullmatch(value):
        raise HolidayDataError(where, key, "format", example="元旦")
    return value


def _in_year(day: date, year: int, where: str, key: str) -> date:
    if day.year != year:
        raise HolidayDataError(where, key, "range", low=f"{year}-01-01", high=f"{year}-12-31")
    return day


def parse_calendar(data: dict[str, Any]) -> YearDays:
    """One year's notice as the centre publishes it. Untrusted: everything is checked."""
    unknown = set(data) - _TOP
    if unknown:
        raise HolidayDataError("calendar", sorted(unknown)[0], "unknown")
    version = _text(data, "version", "calendar", 40)
    year = _need(data, "year", int, "calendar", "integer")
    if not 2000 <= year <= MAX_YEAR:
        raise HolidayDataError("calendar", "year", "range", low=2000, high=MAX_YEAR)
    if "notice" in data:
        _text(data, "notice", "calendar", 100)
    periods = _need(data, "periods", list, "calendar", "list")
    if not 1 <= len(periods) <= 20:
        raise HolidayDataError("calendar", "periods", "range", low=1, high=20)
    off: dict[date, str] = {}
    work: set[date] = set()
    for i, raw in enumerate(periods):
        where = f"periods[{i + 1}]"
        if type(raw) is not dict:
            raise HolidayDataError(where, "-", "type", expected="table")
        unknown = set(raw) - _PERIOD
        if unknown:
            raise HolidayDataError(where, sorted(unknown)[0], "unknown")
        name = _text(raw, "name", where, 20)
        start = _in_year(_need(raw, "start", date, where, "date"), year, where, "start")
        end = _in_year(_need(raw, "end", date, where, "date"), year, where, "end")
        if end < start or (end - start).days > 15:
            raise HolidayDataError(where, "end", "range", low=start.isoformat(), high="+15")
        extra = raw.get("work", [])
        if type(extra) is not list or len(extra) > 10 or any(type(d) is not date for d in extra):
            raise HolidayDataError(where, "work", "type", expected="date")
        for d in extra:
            _in_year(d, year, where, "work")
            if d.weekday() < 5:  # a swapped working day is always a weekend day
                raise HolidayDataError(where, "work", "choice", value=d.isoformat(),
                                       allowed="周六/周日")
            if d in work:
                raise HolidayDataError(where, "work", "duplicate")
        day = start
        while day <= end:
            if day in off:
                raise HolidayDataError(where, "start", "duplicate")
            off[day] = name
            day += timedelta(days=1)
        work.update(extra)
    if off.keys() & work:
        raise HolidayDataError("periods", "work", "duplicate")
    # A notice never takes a statutory day away; a file that does is for another year or
    # mistyped, and would make every promise that year wrong.
    for day, name in statutory_days(year).items():
        if day not in off:
            raise HolidayDataError("periods", name, "statutory", value=day.isoformat())
    return YearDays(year, "centre", version, off, frozenset(work))


def parse_calendar_text(text: str) -> YearDays:
    if len(text.encode("utf-8")) > MAX_FILE_BYTES:
        raise HolidayDataError("calendar", "-", "range", low=0, high=f"{MAX_FILE_BYTES} B")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise CatalogueFileError("catalogue.error.syntax", path="calendar",
                                 detail=str(err)) from None
    return parse_calendar(data)


def calendars_dir() -> Path:
    from station.paths import data_dir

    return data_dir() / "calendars"


def install_calendar(text: str) -> YearDays:
    """Validate a year's file the centre published and put it in force, atomically."""
    days = parse_calendar_text(text)
    folder = calendars_dir()
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{days.year}.toml"
    tmp = target.with_suffix(".toml.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(target)
    return days


def installed_years() -> dict[int, YearDays]:
    """The published files in force; a damaged one is skipped (that year falls back)."""
    out: dict[int, YearDays] = {}
    for path in sorted(calendars_dir().glob("[0-9][0-9][0-9][0-9].toml")):
        try:
            days = parse_calendar_text(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, CatalogueError, CatalogueFileError):
            _log.warning("installed calendar %s unusable; ignored", path.name)
            continue
        if str(days.year) != path.stem:
            _log.warning("installed calendar %s names another year; ignored", path.name)
            continue
        out[days.year] = days
    return out


@cache
def _folder(home: str | None) -> str:
    """calendars_dir() as text; it depends only on STATION_HOME (see station.paths)."""
    return str(calendars_dir())


def _stamp() -> tuple[str, int]:
    """The folder's change time: every install renames a file into it, which moves it.

    One stat per lookup (reports ask per day); a file edited in place by hand is seen
    after the next install or restart."""
    folder = _folder(os.environ.get("STATION_HOME"))
    try:
        return folder, os.stat(folder).st_mtime_ns
    except OSError:
        return folder, 0


@lru_cache(maxsize=8)
def _calendar(stamp: tuple[str, int]) -> WorkCalendar:
    return WorkCalendar(installed_years())


def load_calendar() -> WorkCalendar:
    """The calendar in force: a fresh install is seen at once (cached by file times)."""
    return _calendar(_stamp())


def add_working_days(start: date, n: int, calendar: WorkCalendar | None = None) -> date:
    """Promised date for a time limit of n working days from ``start`` (0 = same day)."""
    return (calendar or load_calendar()).add_working_days(start, n)


def due(start: date, n: int, calendar: WorkCalendar | None = None) -> Due:
    return (calendar or load_calendar()).due(start, n)


def is_working_day(day: date, calendar: WorkCalendar | None = None) -> bool:
    return (calendar or load_calendar()).is_working_day(day)


def due_estimated(since: date, due_day: date | None) -> bool:
    """Whether a promised date counted from ``since`` rests on the estimate (see above)."""
    return due_day is not None and load_calendar().estimated_between(since, due_day)


def calendar_check(today: date | None = None):
    """`station doctor`: whether this year and next come from a published notice.

    Why next year too: from autumn on, promised dates reach into it; staff should know
    before residents do that those dates are estimates."""
    from shared.i18n import t
    from station.checks import Check

    today = today or date.today()
    cal = load_calendar()
    missing = [y for y in (today.year, today.year + 1) if cal.year(y).estimated]
    if missing:
        return Check("calendar", "warn", t("calendar.doctor_estimate", year=missing[0]),
                     t("calendar.doctor_hint"))
    sources = "、".join(sorted({cal.year(y).version for y in (today.year, today.year + 1)}))
    return Check("calendar", "ok", t("calendar.doctor_ok", first=today.year,
                                     last=today.year + 1, sources=sources))
