"""`station calendar`: agrees with chinesecalendar and the published notices, marks estimates."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date

import chinese_calendar
import pytest
from click.testing import CliRunner

from station.cli import cli
from tests.calendar.reference import days_of, reference

RUNNER = CliRunner()
STATION = [sys.executable, "-c", "from station.cli import main; main()"]  # as `station`


def run(*args: str):
    return RUNNER.invoke(cli, ["calendar", *args], catch_exceptions=False)


def day_json(day: date) -> dict:
    result = run("day", day.isoformat(), "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


@pytest.mark.parametrize("year", [2025, 2026])
def test_day_agrees_with_chinesecalendar_and_the_notice_every_day(year):
    off, work = reference(year)
    for day in days_of(year):
        got = day_json(day)
        assert set(got) == {"date", "working_day", "estimated", "name"}
        assert got["date"] == day.isoformat() and got["estimated"] is False
        assert got["working_day"] is chinese_calendar.is_workday(day), day
        assert got["working_day"] is (day in work or (day.weekday() < 5 and day not in off))
        if day in off:  # a holiday's day off is named; the notice may join two festivals
            assert got["name"] and got["name"] in off[day].split("、"), (day, got["name"])
        else:
            assert got["name"] is None, day


@pytest.mark.parametrize("day", ["2027-01-01", "2027-02-05", "2027-02-08", "2027-04-05",
                                 "2027-06-09", "2027-09-15", "2027-10-01"])
def test_2027_statutory_weekdays_are_estimated_days_off(day):
    assert date.fromisoformat(day).weekday() < 5
    got = day_json(date.fromisoformat(day))
    assert got["working_day"] is False and got["estimated"] is True and got["name"]


def test_2027_ordinary_days_are_estimated_too():
    assert day_json(date(2027, 3, 3)) == {"date": "2027-03-03", "working_day": True,
                                          "estimated": True, "name": None}
    assert day_json(date(2027, 3, 6))["working_day"] is False  # a Saturday


def test_due_through_2027_says_it_is_an_estimate():
    # Dec 8–31 give 18 working days; 1 Jan is 元旦; the 20th is Tuesday 5 January.
    result = run("due", "--from", "2026-12-07", "--days", "20", "--json")
    assert json.loads(result.output) == {"from": "2026-12-07", "days": 20,
                                         "due": "2027-01-05", "estimated": True}
    result = run("due", "--from", "2026-12-07", "--days", "20")
    assert "预计 2027-01-05" in result.output and "以当年放假安排为准" in result.output


def test_due_within_published_years_is_firm():
    result = run("due", "--from", "2026-09-30", "--days", "1", "--json")
    assert json.loads(result.output) == {"from": "2026-09-30", "days": 1,
                                         "due": "2026-10-08", "estimated": False}
    assert "预计" not in run("due", "--from", "2026-09-30", "--days", "1").output


def test_readable_lines():
    assert run("day", "2027-01-01").output.splitlines() == [
        "2027-01-01（星期五）放假：元旦。",
        "2027 年的放假安排尚未发布，以上按《全国年节及纪念日放假办法》推算，以当年放假安排为准。"]
    assert run("day", "2026-02-14").output.strip() == "2026-02-14（星期六）调休上班，是工作日。"
    assert run("day", "2026-12-07").output.strip() == "2026-12-07（星期一）是工作日。"


@pytest.mark.parametrize("args, words", [
    (["day", "2026-13-01"], "不是有效日期"),
    (["day", "2027-W01-1"], "不是有效日期"),
    (["day", "20270101"], "不是有效日期"),
    (["day", "1899-01-01"], "不是有效日期"),
    (["due", "--from", "2026-02-30", "--days", "3"], "不是有效日期"),
    (["due", "--from", "2026-12-07", "--days", "-1"], "不是有效的工作日数"),
    (["due", "--from", "2026-12-07", "--days", "二十"], "不是有效的工作日数"),
    (["due", "--from", "2026-12-07", "--days", "1001"], "不是有效的工作日数"),
    (["due", "--from", "2099-12-01", "--days", "900"], "超出了日历能推算的范围"),
])
def test_bad_input_exits_2_with_a_sentence(args, words):
    result = run(*args)
    assert result.exit_code == 2, result.output
    assert words in result.stderr and "Traceback" not in result.output


def test_the_installed_command_exits_2_with_a_sentence():
    """The same refusal from a real process: exit status and stderr as a shell sees them."""
    proc = subprocess.run([*STATION, "calendar", "day", "2026-13-01"],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 2, proc
    assert "不是有效日期" in proc.stderr and "Traceback" not in proc.stderr + proc.stdout


def test_the_installed_command_prints_json():
    proc = subprocess.run([*STATION, "calendar", "day", "2027-02-08", "--json"],
                          capture_output=True, text=True, timeout=300, check=True)
    assert json.loads(proc.stdout) == {"date": "2027-02-08", "working_day": False,
                                       "estimated": True, "name": "春节"}
