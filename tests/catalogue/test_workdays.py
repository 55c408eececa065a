"""Working days follow the State Council calendar, including the swapped weekend days."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from station.workdays import (
    HolidayDataError,
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


def test_beyond_the_data_only_weekends_count():
    cal = load_calendar()
    assert cal.covers(D(2026, 12, 31)) and not cal.covers(D(2027, 1, 1))
    assert add_working_days(D(2026, 12, 31), 1) == D(2027, 1, 1)  # a Friday, no data yet
    assert add_working_days(D(2027, 1, 1), 1) == D(2027, 1, 4)


def test_holiday_names():
    cal = load_calendar()
    assert cal.holiday_name(D(2026, 2, 17)) == "春节"
    assert cal.holiday_name(D(2026, 3, 17)) is None


def test_negative_is_refused():
    with pytest.raises(ValueError):
        add_working_days(D(2026, 1, 5), -1)


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
    return {"version": "1", "years": [2030],
            "periods": [{"name": "国庆节", "start": D(2030, 10, 1), "end": D(2030, 10, 7),
                         "work": [D(2030, 9, 29)]}]}


def test_parse_a_published_year():
    cal = parse_calendar(good())
    assert not cal.is_working_day(D(2030, 10, 2)) and cal.is_working_day(D(2030, 9, 29))


def test_bad_holiday_data_names_the_entry_and_field():
    data = good()
    data["periods"][0]["work"] = [D(2030, 9, 30)]  # a Monday cannot be a swapped working day
    with pytest.raises(HolidayDataError) as info:
        parse_calendar(data)
    assert (info.value.where, info.value.field) == ("periods[0]", "work")
    assert "periods[0]" in info.value.message()
    data = good()
    data["periods"][0]["end"] = D(2030, 9, 1)
    with pytest.raises(HolidayDataError) as info:
        parse_calendar(data)
    assert info.value.field == "end"
    data = good()
    del data["periods"][0]["name"]
    with pytest.raises(HolidayDataError) as info:
        parse_calendar(data)
    assert (info.value.field, info.value.problem) == ("name", "missing")


def test_the_centre_can_publish_the_next_year():
    from station.workdays import default_path, install_calendar

    text = default_path().read_text(encoding="utf-8").replace(
        "years = [2025, 2026]", "years = [2025, 2026, 2027]", 1)
    text += '\n[[periods]]\nname = "元旦"\nstart = 2027-01-01\nend = 2027-01-03\n'
    install_calendar(text)
    cal = load_calendar()
    assert cal.covers(D(2027, 1, 1)) and not cal.is_working_day(D(2027, 1, 1))
    assert add_working_days(D(2026, 12, 31), 1) == D(2027, 1, 4)
    with pytest.raises(HolidayDataError):
        install_calendar('version = "x"\nyears = ["2027"]\n')
    assert load_calendar().covers(D(2027, 6, 1))  # the bad one was not installed
