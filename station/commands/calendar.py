"""`station calendar day | due`: the working-day calendar the promised dates come from.

Why a command: staff answer "is the centre open that day?" and "when will it be done?" on
the phone, and scripts check a due date; both see whether the answer is an estimate.
"""

from __future__ import annotations

import contextlib
import json
import re
from datetime import date

import click

from shared.echo import echo
from shared.i18n import t
from station.catalogue import calendar as workdays

MAX_DAYS = 1000  # working days; every catalogue time limit is far below this
_ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")  # only this form: no week dates


def _fail(key: str, **params: object) -> None:
    """A sentence on stderr and exit 2 (bad usage), as click does for its own checks."""
    echo(t(key, **params), err=True)
    raise click.exceptions.Exit(2)


def _date(text: str) -> date:
    day = None
    if _ISO_DAY.fullmatch(text.strip()):
        with contextlib.suppress(ValueError):
            day = date.fromisoformat(text.strip())
    if day is None or not workdays.MIN_YEAR <= day.year <= workdays.MAX_YEAR:
        _fail("calendar.bad_date", value=text, low=workdays.MIN_YEAR, high=workdays.MAX_YEAR)
    return day  # type: ignore[return-value]


def _days(text: str) -> int:
    value = text.strip()
    if not value.isascii() or not value.isdigit() or int(value) > MAX_DAYS:
        _fail("calendar.bad_days", value=text, high=MAX_DAYS)
    return int(value)


def _weekday(day: date) -> str:
    return t("calendar.weekdays").split()[day.weekday()]


def day_json(info: workdays.Day) -> dict[str, object]:
    return {"date": info.day.isoformat(), "working_day": info.working,
            "estimated": info.estimated, "name": info.name}


@click.group(name="calendar", help=t("calendar.help_group"))
def command() -> None:
    pass


@command.command(name="day", help=t("calendar.help_day"))
@click.argument("day_text", metavar="DATE")
@click.option("--json", "as_json", is_flag=True, help=t("cli.help_json"))
def day_(day_text: str, as_json: bool) -> None:
    day = _date(day_text)
    info = workdays.load_calendar().day(day)
    if as_json:
        echo(json.dumps(day_json(info), ensure_ascii=False))
        return
    words = {"date": day.isoformat(), "weekday": _weekday(day)}
    if info.working:
        key = "calendar.day_swapped" if day.weekday() >= 5 else "calendar.day_working"
        echo(t(key, **words))
    elif info.name:
        echo(t("calendar.day_holiday", name=info.name, **words))
    else:
        echo(t("calendar.day_rest", **words))
    if info.estimated:
        echo(t("calendar.estimate_note", year=day.year))


@command.command(name="due", help=t("calendar.help_due"))
@click.option("--from", "start_text", required=True, metavar="DATE", help=t("calendar.help_from"))
@click.option("--days", "days_text", required=True, metavar="N", help=t("calendar.help_days"))
@click.option("--json", "as_json", is_flag=True, help=t("cli.help_json"))
def due_(start_text: str, days_text: str, as_json: bool) -> None:
    start, n = _date(start_text), _days(days_text)
    try:
        due = workdays.load_calendar().due(start, n)
    except ValueError:  # the count ran past the last year any calendar source knows
        _fail("calendar.too_far", start=start.isoformat(), days=n, high=workdays.MAX_YEAR)
        raise
    if as_json:
        echo(json.dumps({"from": start.isoformat(), "days": n,
                               "due": due.day.isoformat(), "estimated": due.estimated}))
        return
    key = "calendar.due_line_estimated" if due.estimated else "calendar.due_line"
    echo(t(key, start=start.isoformat(), days=n, due=due.day.isoformat()))
