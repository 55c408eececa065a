"""Formatting shared by the documents: dates in words, IDs always masked."""

from __future__ import annotations

import re
from datetime import date, datetime

from shared.i18n import t
from station.people import mask_id

_WHOLE_ID = re.compile(r"^\s*\d{15}(\d{2}[\dXx])?\s*$")


def safe_id(text: str) -> str:
    """Masked as given; a whole ID number that slipped through is masked here."""
    if _WHOLE_ID.match(text or ""):
        return mask_id(text)
    return text


def fmt_date(day: date | None) -> str:
    if day is None:
        return ""
    return t("documents.date", y=day.year, m=day.month, d=day.day,
             weekday=t(f"documents.weekday_{day.weekday()}"))


def fmt_datetime(when: datetime) -> str:
    return t("documents.datetime", date=fmt_date(when.date()), time=when.strftime("%H:%M"))
