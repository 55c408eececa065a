"""Where each year's days come from, and the statutory estimate checked against the world."""

from __future__ import annotations

import tomllib
from datetime import date, datetime, timedelta

import chinese_calendar
import pytest

from station.catalogue import calendar as workdays
from station.catalogue.calendar import (
    HolidayDataError,
    WorkCalendar,
    install_calendar,
    load_calendar,
    parse_calendar,
    parse_calendar_text,
    statutory_days,
)
from tests.calendar.reference import notice_text, reference

D = date


@pytest.mark.parametrize("year", [2025, 2026])
def test_the_statutory_days_are_off_in_the_real_notices(year):
    """Lunar dates (lunardate) and the 清明 term (chinesecalendar's formula) land where the
    State Council's notices put the holidays — the first two years under the 2024 rules."""
    off, _ = reference(year)
    assert set(statutory_days(year)) <= set(off)
    assert len(statutory_days(year)) == 13  # 1 + 4 + 1 + 2 + 1 + 1 + 3, none coinciding


@pytest.mark.parametrize("year", range(2008, 2025))
def test_the_unchanged_statutory_days_were_off_every_year_since_2008(year):
    """Before 2025 除夕 and 2 May were not statutory, but 元旦, 初一–初三, 清明, 1 May, 端午,
    中秋 and 1–3 October were (2007 revision): chinesecalendar's data must have them off."""
    eve = min(d for d, n in statutory_days(year).items() if n == "春节")
    for day in statutory_days(year):
        if day in (eve, D(year, 5, 2)):
            continue
        assert chinese_calendar.is_holiday(day), (day, statutory_days(year)[day])


def test_2027_statutory_days():
    assert statutory_days(2027) == {
        D(2027, 1, 1): "元旦", D(2027, 2, 5): "春节", D(2027, 2, 6): "春节",
        D(2027, 2, 7): "春节", D(2027, 2, 8): "春节", D(2027, 4, 5): "清明节",
        D(2027, 5, 1): "劳动节", D(2027, 5, 2): "劳动节", D(2027, 6, 9): "端午节",
        D(2027, 9, 15): "中秋节", D(2027, 10, 1): "国庆节", D(2027, 10, 2): "国庆节",
        D(2027, 10, 3): "国庆节"}


def test_coinciding_festivals_are_named_together():
    assert statutory_days(2028)[D(2028, 10, 3)] == "中秋节、国庆节"


def test_sources_by_year():
    cal = load_calendar()
    assert cal.year(2026).source == "chinesecalendar" and not cal.year(2026).estimated
    assert cal.year(2027).source == "statutory" and cal.year(2027).estimated
    assert cal.year(2027).work == frozenset()  # no 调休 is ever guessed


@pytest.mark.parametrize("year", [2025, 2026])
def test_the_real_notices_pass_the_strict_check(year):
    days = parse_calendar_text(notice_text(year))
    off, work = reference(year)
    assert days.year == year and set(days.off) == set(off) and days.work == work


def test_a_published_year_wins_over_the_package():
    days = install_calendar(notice_text(2026))
    assert days.source == "centre"
    cal = load_calendar()
    assert cal.year(2026).source == "centre" and cal.year(2025).source == "chinesecalendar"
    assert cal.day(D(2026, 9, 26)).name == "中秋节"


def test_a_damaged_installed_file_is_skipped():
    install_calendar(notice_text(2026))
    folder = workdays.calendars_dir()

    def put(name: str, text: str) -> None:  # as an install does: a new file renamed in
        (folder / "new.tmp").write_text(text, encoding="utf-8")
        (folder / "new.tmp").replace(folder / name)

    put("2026.toml", notice_text(2026).replace("year = 2026", "year = 20"))
    assert load_calendar().year(2026).source == "chinesecalendar"
    put("2025.toml", notice_text(2026))
    assert load_calendar().year(2025).source == "chinesecalendar"  # names another year


def mutated(year: int, change) -> dict:
    data = tomllib.loads(notice_text(year))
    change(data)
    return data


def _set(path, value):
    def change(data):
        target = data
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value
    return change


@pytest.mark.parametrize("change, field, problem", [
    (_set(["year"], True), "year", "type"),
    (_set(["year"], 2026.0), "year", "type"),
    (_set(["year"], 2025), "start", "range"),  # the dates are 2026's
    (_set(["year"], 1999), "year", "range"),
    (_set(["version"], ""), "version", "empty"),
    (_set(["version"], "v\x1b[2J"), "version", "format"),
    (_set(["extra"], 1), "extra", "unknown"),
    (_set(["periods", 0, "start"], datetime(2026, 1, 1, 8)), "start", "type"),
    (_set(["periods", 0, "name"], "元" * 21), "name", "format"),
    (_set(["periods", 0, "typo"], "x"), "typo", "unknown"),
    (_set(["periods", 0, "work"], [D(2026, 1, 5)]), "work", "choice"),  # a Monday
    (_set(["periods", 0, "work"], "2026-01-04"), "work", "type"),
    (_set(["periods", 5, "end"], D(2026, 10, 1)), "start", "duplicate"),  # into 国庆
    (_set(["periods", 1, "work"], [D(2026, 2, 14), D(2026, 2, 15)]), "work", "duplicate"),
    (_set(["periods", 2, "start"], D(2026, 4, 6)), "清明节", "statutory"),  # 4-5 left working
    (_set(["periods"], []), "periods", "range"),
])
def test_untrusted_files_are_refused_with_the_field_named(change, field, problem):
    with pytest.raises(HolidayDataError) as info:
        parse_calendar(mutated(2026, change))
    assert (info.value.field, info.value.problem) == (field, problem)
    assert info.value.message()  # a worded sentence, both locales carry the problem


def test_not_toml_or_too_big_is_refused():
    from station.catalogue.model import CatalogueFileError

    with pytest.raises(CatalogueFileError):
        parse_calendar_text("year = = 2027")
    with pytest.raises(HolidayDataError):
        parse_calendar_text(notice_text(2026) + "#" * workdays.MAX_FILE_BYTES)


def test_estimate_is_only_where_the_count_went():
    cal = WorkCalendar()
    assert cal.due(D(2026, 12, 30), 1) == workdays.Due(D(2026, 12, 31), False)
    assert cal.due(D(2026, 12, 31), 0) == workdays.Due(D(2026, 12, 31), False)
    assert cal.due(D(2026, 12, 31), 1) == workdays.Due(D(2027, 1, 4), True)
    assert cal.due(D(2027, 2, 4), 1).day == D(2027, 2, 9)  # 除夕 to 初三 off
    start = D(2026, 12, 7)
    assert cal.working_days_between(start, cal.add_working_days(start, 20)) == 20
    assert cal.add_working_days(start, 20) - start == timedelta(days=29)


def test_doctor_warns_before_residents_get_estimates():
    from station.catalogue.calendar import calendar_check

    check = calendar_check(D(2026, 12, 7))
    assert check.status == "warn" and "2027" in check.detail and "center calendar" in check.hint
    assert calendar_check(D(2026, 3, 1)).status == "warn"  # 2027 is next year already
    assert calendar_check(D(2025, 6, 1)).status == "ok"
    install_calendar(notice_text(2026))
    ok = calendar_check(D(2025, 6, 1))
    assert ok.status == "ok" and "2026.1" in ok.detail and "chinesecalendar" in ok.detail
