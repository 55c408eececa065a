"""The 2025 and 2026 State Council notices, read independently of station.catalogue.calendar.

Why a reader of its own: the reference must not share code with what it checks. The files
(notice_2025.toml, notice_2026.toml) are the station's former hand-kept holidays.toml split
per year; they agree day by day with chinesecalendar and were checked against a second
library when written (issue 15).
"""

from __future__ import annotations

import tomllib
from datetime import date, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent


def notice_text(year: int) -> str:
    return (HERE / f"notice_{year}.toml").read_text(encoding="utf-8")


def reference(year: int) -> tuple[dict[date, str], set[date]]:
    """(days off → the notice's name for the period, swapped working days)."""
    data = tomllib.loads(notice_text(year))
    off: dict[date, str] = {}
    work: set[date] = set()
    for p in data["periods"]:
        day = p["start"]
        while day <= p["end"]:
            off[day] = p["name"]
            day += timedelta(days=1)
        work.update(p.get("work", []))
    return off, work


def days_of(year: int):
    day = date(year, 1, 1)
    while day.year == year:
        yield day
        day += timedelta(days=1)
