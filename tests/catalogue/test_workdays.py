"""Working days follow the State Council calendar, including the swapped weekend days."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from station.catalogue.calendar import (
    HolidayDataError,
    WorkCalendar,
    add_working_days,
    is_working_day,
    load_calendar,
    parse_calendar,
)

D = date


def test_zero_is_the_same_day_even_on_a_holiday():
    assert add_working_days(D(2026, 10, 3), 0) == D(2026, 10, 3)
    assert add_working_days(D(2026, 11, 23), 0) == D(2026, 11, 23)


def test_national_day_2026():
    assert not any(is_working_day(D(2026, 10, d)) for d in range(1, 8))
    assert is_working_day(D(2026, 9, 20))   # Sunday, worked for the holiday
    assert is_working_day(D(2026, 10, 10))  # Saturday, worked for the holiday
    assert add_working_days(D(2026, 9, 30), 1) == D(2026, 10, 8)
    assert add_working_days(D(2026, 9, 30), 3) == D(2026, 10, 10)
    assert add_working_days(D(2026, 9, 30), 4) == D(2026, 10, 12)
    assert add_working_days(D(2026, 9, 18), 1) == D(2026, 9, 20)


def test_mid_autumn_2026_has_no_swapped_day():
    assert add_working_days(D(2026, 9, 24), 1) == D(2026, 9, 28)


def test_spring_festival_2026():
    assert is_working_day(D(2026, 2, 14)) and is_working_day(D(2026, 2, 28))
    assert not any(is_working_day(D(2026, 2, d)) for d in range(15, 24))
    assert add_working_days(D(2026, 2, 13), 1) == D(2026, 2, 14)
    assert add_working_days(D(2026, 2, 13), 2) == D(2026, 2, 24)
    # 13, 14(Sat), 24-28(Sat), then 13 weekdays of March: 20 working days.
    assert add_working_days(D(2026, 2, 12), 20) == D(2026, 3, 18)


def test_2025_holidays():
    assert add_working_days(D(2025, 9, 30), 1) == D(2025, 10, 9)
    assert is_working_day(D(2025, 10, 11)) and is_working_day(D(2025, 1, 26))
    assert add_working_days(D(2025, 1, 27), 1) == D(2025, 2, 5)


def test_new_year_2026_swap():
    assert add_working_days(D(2025, 12, 31), 1) == D(2026, 1, 4)  # Sunday worked


def test_beyond_the_notices_the_statutory_holidays_count_as_an_estimate():
    cal = load_calendar()
    assert cal.covers(D(2026, 12, 31)) and not cal.covers(D(2027, 1, 1))
    # 1 January 2027 (a Friday) is 元旦 by law even before the 2027 notice (issue 15).
    assert add_working_days(D(2026, 12, 31), 1) == D(2027, 1, 4)
    assert cal.due(D(2026, 12, 31), 1).estimated
    assert not cal.due(D(2026, 12, 30), 1).estimated
    assert cal.estimated_between(D(2026, 12, 7), D(2027, 1, 5))
    assert not cal.estimated_between(D(2026, 12, 7), D(2026, 12, 31))


def test_holiday_names():
    cal = load_calendar()
    assert cal.holiday_name(D(2026, 2, 17)) == "春节"
    assert cal.holiday_name(D(2026, 3, 17)) is None


def test_negative_is_refused():
    with pytest.raises(ValueError):
        add_working_days(D(2026, 1, 5), -1)


@settings(deadline=None)  # per-example timing is no check: neighbours slow any example
@given(st.dates(min_value=D(2025, 1, 1), max_value=D(2027, 6, 30)), st.integers(0, 60))
def test_the_promised_day_is_n_working_days_away(start, n):
    cal = load_calendar()
    end = cal.add_working_days(start, n)
    assert cal.working_days_between(start, end) == n
    if n:
        assert cal.is_working_day(end)
        # ... and it is the first such day: the day before is still short of n.
        assert cal.working_days_between(start, end - timedelta(days=1)) == n - 1


def good() -> dict:
    """A year's file as the centre publishes it (docs/CONTRACTS.md): the notice's periods."""
    from station.catalogue.calendar import statutory_days

    periods = [{"name": name, "start": day, "end": day}
               for day, name in statutory_days(2030).items() if day.month != 10]
    periods.append({"name": "国庆节", "start": D(2030, 10, 1), "end": D(2030, 10, 7),
                    "work": [D(2030, 9, 29)]})
    return {"version": "1", "year": 2030, "periods": periods}


def test_parse_a_published_year():
    cal = WorkCalendar({2030: parse_calendar(good())})
    assert not cal.is_working_day(D(2030, 10, 2)) and cal.is_working_day(D(2030, 9, 29))
    assert not cal.day(D(2030, 10, 7)).estimated and cal.holiday_name(D(2030, 10, 7)) == "国庆节"


def test_bad_holiday_data_names_the_entry_and_field():
    data = good()
    data["periods"][-1]["work"] = [D(2030, 9, 30)]  # a Monday cannot be a swapped working day
    with pytest.raises(HolidayDataError) as info:
        parse_calendar(data)
    where = f"periods[{len(data['periods'])}]"
    assert (info.value.where, info.value.field) == (where, "work")
    assert where in info.value.message()
    data = good()
    data["periods"][-1]["end"] = D(2030, 9, 1)
    with pytest.raises(HolidayDataError) as info:
        parse_calendar(data)
    assert info.value.field == "end"
    data = good()
    del data["periods"][0]["name"]
    with pytest.raises(HolidayDataError) as info:
        parse_calendar(data)
    assert (info.value.field, info.value.problem) == ("name", "missing")


def test_the_centre_can_publish_the_next_year():
    from station.catalogue.calendar import install_calendar, statutory_days

    periods = "".join(f'[[periods]]\nname = "{name}"\nstart = {day}\nend = {day}\n'
                      for day, name in statutory_days(2027).items() if day != D(2027, 1, 1))
    text = ('version = "2027.1"\nyear = 2027\n[[periods]]\nname = "元旦"\n'
            "start = 2027-01-01\nend = 2027-01-03\n" + periods)
    install_calendar(text)
    cal = load_calendar()
    assert cal.covers(D(2027, 1, 1)) and not cal.is_working_day(D(2027, 1, 1))
    assert add_working_days(D(2026, 12, 31), 1) == D(2027, 1, 4)
    assert not cal.due(D(2026, 12, 7), 20).estimated
    with pytest.raises(HolidayDataError):
        install_calendar('version = "x"\nyear = "2027"\nperiods = []\n')
    assert load_calendar().covers(D(2027, 6, 1))  # the bad one was not installed
