"""The report period from `--date` or `--from`/`--to`, for `station report` and `center report`.

Why here: both commands take the same options and must refuse the same input with the
same sentence; the centre must not load the station's commands to parse a date.
"""

from __future__ import annotations

from datetime import date

from shared.errors import StationError


def parse_day(value: str | None) -> date | None:
    if value is None:
        return None
    text = value.strip()
    try:
        if len(text) != 10 or text[4] != "-" or text[7] != "-":
            raise ValueError(text)  # only 2026-11-22, never the ambiguous 20261122
        return date.fromisoformat(text)
    except ValueError:
        raise StationError("reports.bad_date", value=value[:20]) from None


def period(day: str | None, start: str | None, end: str | None,
           today: date | None = None) -> tuple[date, date]:
    """--date D, or --from/--to (either end alone means up to/from today), else today."""
    today = today or date.today()
    if day and (start or end):
        raise StationError("reports.date_and_range")
    if day:
        d = parse_day(day)
        return d, d  # type: ignore[return-value]
    lo = parse_day(start) or (parse_day(end) if end else today)
    hi = parse_day(end) or today
    if lo > hi:  # type: ignore[operator]
        raise StationError("reports.bad_range", start=lo.isoformat(), end=hi.isoformat())
    return lo, hi  # type: ignore[return-value]
