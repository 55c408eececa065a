"""The case workers' inbox: every case that arrived, from clear metadata only.

Why clear metadata: listing must not open a single sealed record (opening is a look
at personal data and is recorded); the clear columns the station sends (case
number, matter, line, site, day, the station's status) and the centre's own status
are enough to find a case. The promised date is worked out the way the station
works it out (station.catalogue.matters.due_date: the matter's 承诺时限 in working days from
the day the file was complete), so "overdue" needs no key either. A row whose clear
fields do not parse is listed as damaged, never dropped, never allowed to break the
list.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

CENTRE_STATUSES = ("accepted", "reviewing", "done", "returned")
PAGE_SIZE = 50
MAX_PAGE = 10_000
_CODE = re.compile(r"^[A-Z]{2}\d{2}$")
_LINE = re.compile(r"^[A-Z]{2}$")


@dataclass(frozen=True)
class Row:
    record_id: str
    case_no: str
    station_id: str
    station_name: str
    site: str
    line: str
    matter: str
    matter_name: str
    day: date | None
    station_status: str  # accepted / materials_pending / withdrawn ("" when damaged)
    centre_status: str
    version: int
    first_received: int
    last_received: int
    due: date | None
    due_estimated: bool
    damaged: bool

    def overdue(self, today: date) -> bool:
        return (self.due is not None and self.due < today
                and self.centre_status not in ("done", "returned")
                and self.station_status != "withdrawn")


@dataclass(frozen=True)
class Filters:
    station: str = ""
    site: str = ""
    line: str = ""
    matter: str = ""
    status: str = ""
    date_from: date | None = None
    date_to: date | None = None
    overdue: bool = False
    missing: bool = False
    page: int = 1


class BadFilter(ValueError):
    """A filter value that is not one of the allowed shapes; `field` names it."""

    def __init__(self, field: str) -> None:
        super().__init__(field)
        self.field = field


def parse_filters(q: Any, stations: set[str]) -> Filters:
    """Query parameters, checked: a station must be enrolled, a line/matter a catalogue
    code, a status one of the centre's, dates ISO, the page a small positive number."""
    def text(name: str, limit: int = 80) -> str:
        value = (q.get(name) or "").strip()
        if len(value) > limit:
            raise BadFilter(name)
        return value

    station, site, line, matter, status = (text("station"), text("site"),
                                           text("line").upper(), text("matter").upper(),
                                           text("status"))
    if station and station not in stations:
        raise BadFilter("station")
    if line and not _LINE.match(line):
        raise BadFilter("line")
    if matter and not _CODE.match(matter):
        raise BadFilter("matter")
    if status and status not in CENTRE_STATUSES:
        raise BadFilter("status")
    days = []
    for name in ("from", "to"):
        raw = text(name, 10)
        try:
            days.append(date.fromisoformat(raw) if raw else None)
        except ValueError:
            raise BadFilter(name) from None
    raw_page = text("page", 6) or "1"
    if not raw_page.isdigit() or not 1 <= int(raw_page) <= MAX_PAGE:
        raise BadFilter("page")
    return Filters(station, site, line, matter, status, days[0], days[1],
                   q.get("overdue") == "1", q.get("missing") == "1", int(raw_page))


def rows(store: Any) -> list[Row]:
    """Every case at its latest version, with the centre's status."""
    from center.casefile import centre_catalogue

    catalogue = centre_catalogue(store)  # what the stations record against
    names = {sid: name for sid, name, _ in store.stations()}
    with store.tx() as cur:
        cur.execute("SELECT record_id, version, station_id, meta, created_at, received_at"
                    " FROM records WHERE kind = 'case' ORDER BY record_id, version")
        versions = cur.fetchall()
        cur.execute("SELECT case_id, status FROM cases")
        statuses = {r[0]: r[1] for r in cur.fetchall()}
    grouped: dict[str, list[tuple]] = {}
    for v in versions:
        grouped.setdefault(v[0], []).append(v)
    out = []
    for rid, vs in grouped.items():
        out.append(_row(rid, vs, statuses.get(rid, "accepted"), names, catalogue))
    return out


def _row(rid: str, vs: list[tuple], centre_status: str, names: dict[str, str],
         catalogue: Any) -> Row:
    from station.catalogue import matters

    last = vs[-1]
    meta = _meta(last[3])
    damaged = False
    try:
        day = date.fromisoformat(str(meta.get("date")))
    except ValueError:
        day, damaged = None, True
    code = meta.get("matter") if isinstance(meta.get("matter"), str) else ""
    status = meta.get("status")
    if status not in ("accepted", "materials_pending", "withdrawn"):
        status, damaged = "", True
    matter_name, due, estimated = "", None, False
    try:
        m = catalogue.get(code)
        matter_name = m.display_name
    except Exception:  # a code the catalogue does not know: still listed
        m, damaged = None, True
    if m is not None and status == "accepted":
        start = _complete_since(vs)
        if start is not None:
            due, estimated = matters.due_date(m, start), matters.due_estimated(m, start)
    return Row(record_id=rid, case_no=_short(meta.get("case_no"), 40),
               station_id=str(last[2]), station_name=names.get(last[2], ""),
               site=_short(meta.get("site"), 80), line=_short(meta.get("line"), 4),
               matter=code[:8], matter_name=matter_name, day=day,
               station_status=status or "", centre_status=centre_status,
               version=int(last[1]), first_received=int(vs[0][5]),
               last_received=int(last[5]), due=due, due_estimated=estimated, damaged=damaged)


def _complete_since(vs: list[tuple]) -> date | None:
    """The day the file became complete: the first version of the latest run of
    "accepted" versions (the station's rule: the time limit runs from that day)."""
    start = None
    for v in vs:
        meta = _meta(v[3])
        if meta.get("status") == "accepted":
            if start is None:
                start = _version_day(v, meta)
        else:
            start = None
    return start


def _version_day(v: tuple, meta: dict[str, Any]) -> date | None:
    if int(v[1]) == 1:
        try:
            return date.fromisoformat(str(meta.get("date")))
        except ValueError:
            return None
    try:
        return datetime.fromisoformat(str(v[4])).astimezone().date()
    except ValueError:
        return datetime.fromtimestamp(int(v[5]) / 1000, UTC).astimezone().date()


def _meta(raw: Any) -> dict[str, Any]:
    try:
        meta = json.loads(raw)
    except (TypeError, ValueError):
        return {}
    return meta if isinstance(meta, dict) else {}


def _short(value: Any, limit: int) -> str:
    return value[:limit] if isinstance(value, str) else ""


def select(all_rows: list[Row], f: Filters, seen_at: int, today: date
           ) -> tuple[list[Row], int]:
    """The filtered rows of one page, new since `seen_at` first, then newest first;
    and the number of matching rows."""
    def keep(r: Row) -> bool:
        return ((not f.station or r.station_id == f.station)
                and (not f.site or r.site == f.site)
                and (not f.line or r.line == f.line)
                and (not f.matter or r.matter == f.matter)
                and (not f.status or r.centre_status == f.status)
                and (f.date_from is None or (r.day is not None and r.day >= f.date_from))
                and (f.date_to is None or (r.day is not None and r.day <= f.date_to))
                and (not f.overdue or r.overdue(today))
                and (not f.missing or r.station_status == "materials_pending"))

    hits = [r for r in all_rows if keep(r)]
    hits.sort(key=lambda r: (r.last_received > seen_at, r.last_received, r.case_no),
              reverse=True)
    start = (f.page - 1) * PAGE_SIZE
    return hits[start:start + PAGE_SIZE], len(hits)


def seen_at(store: Any, account: str) -> int:
    with store.tx() as cur:
        cur.execute(store.q("SELECT seen_at FROM office_seen WHERE account = ?"), (account,))
        row = cur.fetchone()
    return int(row[0]) if row else 0


def mark_seen(store: Any, account: str, at: int) -> None:
    with store.tx() as cur:
        cur.execute(store.q("INSERT INTO office_seen (account, seen_at) VALUES (?, ?)"
                            " ON CONFLICT (account) DO UPDATE SET seen_at = excluded.seen_at"),
                    (account, at))
