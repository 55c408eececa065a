"""Today's outing: which site the pop-up stands at and who is on duty.

Why a file of its own: the choice is made once in the morning and must survive
a restart of the laptop during the day; it holds only a site name and staff
slot ids (nothing personal), so it lives in clear text beside the config.
An outing from another day is simply not "current" — staff choose again.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from shared.errors import StationError
from station import paths


@dataclass(frozen=True)
class Outing:
    day: date
    site: str
    staff_ids: tuple[str, ...]


def outing_file() -> Path:
    return paths.data_dir() / "outing.json"


def current(today: date, path: Path | None = None) -> Outing | None:
    """The outing chosen for ``today``, or None (none chosen, or it was another day's)."""
    path = path or outing_file()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        outing = Outing(date.fromisoformat(data["day"]), str(data["site"]),
                        tuple(str(s) for s in data["staff_ids"]))
    except (FileNotFoundError, ValueError, KeyError, TypeError):
        return None
    return outing if outing.day == today else None


def start(today: date, site: str, staff_ids: Iterable[str], known_staff: Iterable[str],
          path: Path | None = None) -> Outing:
    """Validate and store today's outing (replacing an earlier one for today)."""
    from shared.text import check_text

    site = check_text(site or "", "text.field_site").strip()
    if not site:
        raise StationError("service.site_empty")
    known = set(known_staff)
    ids = tuple(dict.fromkeys(s for s in staff_ids))  # keep order, drop repeats
    if not ids:
        raise StationError("service.no_staff_on_duty")
    unknown = [s for s in ids if s not in known]
    if unknown:
        raise StationError("service.staff_unknown", staff=", ".join(unknown))
    outing = Outing(today, site, ids)
    path = path or outing_file()
    from station.private_files import write_private_text

    write_private_text(path, json.dumps({"day": today.isoformat(), "site": site,
                                         "staff_ids": list(ids)}, ensure_ascii=False))
    return outing
