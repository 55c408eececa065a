"""The day and half-day of a home visit as staff type it: ``2026-11-25 上午``.

Why here: the booking and the reschedule forms read the same thing. Staff see and type
the half-day in their language (issue 17: ``am``/``pm`` showed in zh mode); the
stored values stay ``am``/``pm`` (station.visits.model.Slot), which are accepted too.
"""

from __future__ import annotations

from datetime import date

from shared.i18n import catalogue, t

HALVES = ("am", "pm")


def _words() -> dict[str, str]:
    words = {h: h for h in HALVES}
    for texts in catalogue().values():
        for half in HALVES:
            label = texts.get(f"visits.half_{half}", "")
            if label:
                words[label.casefold()] = half
    return words


def slot_text(day: date, half: str) -> str:
    return f"{day:%Y-%m-%d} {t(f'visits.half_{half}')}"


def parse_slot(text: str) -> tuple[date, str]:
    """(day, "am"|"pm"); the half-day defaults to the morning. ValueError if unreadable."""
    parts = text.split()
    if not parts or len(parts) > 2:
        raise ValueError("when")
    day = date.fromisoformat(parts[0])
    half = _words().get(parts[1].casefold()) if len(parts) > 1 else "am"
    if half is None:
        raise ValueError("half")
    return day, half
