"""What a pushed record's clear fields may hold, checked before the centre believes any.

Why: a valid signature proves which laptop sent a record, not that the record is sane.
Every laptop keeps its signing key unprotected (sync runs while it is locked), so whoever
holds a laptop can sign anything. The clear fields feed reports and the back office, so
each must be exactly what an honest station writes (station/cases/codec.py `clear_meta`,
station/visits/store.py `clear_meta`, stationq/clearmeta.py) and nothing else; the
centre then also checks them against the sealed envelope it opens (center/app.py).

Cheap on purpose (the fleet bench wants ≥ 10,000 records/s): fixed-shape fields are one
set look-up or one regex; only the few free-text fields (site, team, community) run the
personal-data patterns, and their verdicts are cached by value (a batch repeats them).

A refusal is (code, field): stable words for programs and the station's message
catalogue (`sync.refused_<code>`), never the value itself (it may be personal data).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import Any

from stationq import clearmeta
from stationq.errors import ClearMetaError

# Enumerations as the station writes them (tests/center/test_record_rules.py holds them
# to the station's own definitions).
KINDS = ("case", "visit")
CASE_STATUSES = frozenset({"accepted", "materials_pending", "withdrawn"})  # intake.STATUSES
VISIT_STATUSES = frozenset({"requested", "scheduled", "visited", "no_show", "cancelled",
                            "rescheduled"})  # visits.model.Status
CHANNELS = frozenset({"desk", "centre", "manual"})  # visits.model.Appointment.source
SLOTS = frozenset({"", "am", "pm"})
RATINGS = frozenset({"", "1", "2", "3", "4", "5"})  # 好差评 1–5; "" = not rated

CASE_REQUIRED = frozenset({"case_no", "matter", "line", "site", "staff", "date", "status",
                           "rating"})
CASE_ALLOWED = CASE_REQUIRED | {"visit"}
VISIT_REQUIRED = frozenset({"visit", "date", "slot", "team", "visit_status", "community",
                            "channel"})

MAX_TEXT = clearmeta.MAX_VALUE_LEN  # the station's own cap on a clear value
# Records written before enrolment are sealed and sent at enrolment (docs/sync-protocol.md,
# "Enrolment"): a kit may be used offline for a while first.
PRE_ENROLMENT = timedelta(days=30)
CLOCK_SKEW = timedelta(minutes=10)  # a laptop clock may run ahead of the centre's
DAYS_BACK = timedelta(days=3660)  # an outing or visit day: within ten years back …
DAYS_AHEAD = timedelta(days=400)  # … and a visit booked at most about a year ahead

_A = re.ASCII
_UUID7 = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}\Z",
                    _A).match
_CASE_NO = re.compile(r"([A-Za-z0-9]{1,40})-([0-9]{6})-[0-9]{3,6}\Z", _A).match
_VISIT_ID = re.compile(r"V-([A-Za-z0-9]{1,40})-([0-9]{6})-[0-9]{3,6}\Z", _A).match
_STAFF = re.compile(r"[A-Za-z0-9_.@-]{1,64}\Z", _A).match  # stationq key-slot names
_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}\Z", _A).match
# C0/C1 controls, zero-width and bidirectional controls, line/paragraph separators,
# surrogates, BOM: text must show as itself (Unicode TR #9 for the bidi controls).
_HIDDEN = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069"
                     "\ufeff\ufff9-\ufffb\ud800-\udfff]").search

Refusal = tuple[str, str]  # (code, field)


@dataclass(frozen=True)
class Bounds:
    """What one push from one station may claim; made once per batch."""

    station_id: str
    lo_ms: int  # record ids and creation times: not before this …
    hi_ms: int  # … nor after this
    first_day: date
    last_day: date
    matters: Mapping[str, str]  # matter code → its line's prefix (the published catalogue)
    # Verdicts on texts a batch repeats (days, YYMMDD parts), kept for the batch.
    days: dict[str, bool] = field(default_factory=dict, compare=False)

    @property
    def id_range(self) -> tuple[str, str]:
        """The first 13 characters of the lowest and highest UUIDv7 in range: lowercase
        hex in fixed width compares as text as the times compare as numbers."""
        lo, hi = self.lo_ms, self.hi_ms
        return f"{lo >> 16:08x}-{lo & 0xFFFF:04x}", f"{hi >> 16:08x}-{hi & 0xFFFF:04x}"

    def day_ok(self, text: str) -> bool:
        ok = self.days.get(text)
        if ok is None:
            day = real_day(text)
            ok = self.days[text] = day is not None and self.first_day <= day <= self.last_day
        return ok

    @classmethod
    def make(cls, station_id: str, enrolled_at_ms: int, matters: Mapping[str, str],
             now: datetime | None = None) -> Bounds:
        now = now or datetime.now(UTC)
        lo = min(enrolled_at_ms, int(now.timestamp() * 1000))
        return cls(station_id, lo - int(PRE_ENROLMENT.total_seconds() * 1000),
                   int((now + CLOCK_SKEW).timestamp() * 1000), (now - DAYS_BACK).date(),
                   (now + DAYS_AHEAD).date(), matters)


@lru_cache(maxsize=4096)
def real_day(text: str) -> date | None:
    """A real calendar date written YYYY-MM-DD (so not 2026-13-45), else None."""
    if not _DAY(text):
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


@lru_cache(maxsize=4096)
def _label(key: str, text: str) -> str | None:
    """A free-text field (site, team, community): short, visible, not personal data."""
    if len(text) > MAX_TEXT or _HIDDEN(text):
        return "bad_value"
    try:
        clearmeta.validate({key: text}, (key,))
    except ClearMetaError:
        return "personal_data"
    return None


@lru_cache(maxsize=1024)
def _yymmdd(text: str) -> bool:
    return real_day(f"20{text[:2]}-{text[2:4]}-{text[4:]}") is not None


def created_ms(text: Any) -> int | None:
    """Milliseconds of an ISO 8601 creation time (no zone: UTC), else None."""
    if type(text) is not str or not 0 < len(text) <= 64:
        return None
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    try:
        return int(when.timestamp() * 1000)
    except (OverflowError, ValueError):
        return None


def id_ms(record_id: str) -> int:
    """The unix milliseconds a UUIDv7 starts with (RFC 9562 §5.7)."""
    return int(record_id[:8] + record_id[9:13], 16)


def check(record_id: Any, kind: Any, meta: Any, created: int | None, bounds: Bounds,
          id_range: tuple[str, str] | None = None) -> Refusal | None:
    """None when the clear fields are what an honest station writes; else why not.
    `created` is `created_ms` of the clear creation time; `id_range` is
    `bounds.id_range`, which a caller checking a batch computes once."""
    if type(record_id) is not str or not _UUID7(record_id):
        return "bad_record_id", "record_id"
    lo, hi = id_range or bounds.id_range
    if not lo <= record_id[:13] <= hi:
        return "record_time", "record_id"
    if created is None or not bounds.lo_ms <= created <= bounds.hi_ms:
        return "bad_created_at", "created_at"
    if type(meta) is not dict:
        return "meta_keys", "meta"
    if kind == "case":
        return _case(meta, bounds)
    if kind == "visit":
        return _visit(meta, bounds)
    return "unknown_kind", "kind"


def _texts(meta: dict[str, Any]) -> Refusal | None:
    try:
        "".join(meta.values())  # one C call: raises unless every value is text
        return None
    except TypeError:
        pass
    for key, value in meta.items():
        if type(value) is not str:
            return "not_text", key
    return None  # pragma: no cover - join raised, so some value is not text


def _day(text: str, bounds: Bounds, empty_ok: bool) -> bool:
    return bounds.day_ok(text) if text else empty_ok


def _own_code(match: re.Match[str] | None, bounds: Bounds) -> str | None:
    if match is None:
        return "bad_value"
    prefix, yymmdd = match.groups()
    if prefix != bounds.station_id:
        return "foreign_case_no"
    return None if _yymmdd(yymmdd) else "bad_value"  # a real day


def _case(meta: dict[str, Any], bounds: Bounds) -> Refusal | None:
    keys = meta.keys()
    if not (keys >= CASE_REQUIRED and keys <= CASE_ALLOWED):
        return "meta_keys", "meta"
    if (bad := _texts(meta)) is not None:
        return bad
    if (code := _own_code(_CASE_NO(meta["case_no"]), bounds)) is not None:
        return code, "case_no"
    line = bounds.matters.get(meta["matter"])
    if line is None:
        return "unknown_matter", "matter"
    if meta["line"] != line:
        return "line_mismatch", "line"
    if not _day(meta["date"], bounds, empty_ok=False):
        return "bad_date", "date"
    if meta["status"] not in CASE_STATUSES:
        return "bad_value", "status"
    if meta["rating"] not in RATINGS:
        return "bad_value", "rating"
    staff = meta["staff"]
    if not _STAFF(staff):
        return "bad_value", "staff"
    if (code := _label("staff", staff)) is not None:
        return code, "staff"
    if (code := _label("site", meta["site"])) is not None:
        return code, "site"
    if "visit" in meta and (code := _own_code(_VISIT_ID(meta["visit"]), bounds)) is not None:
        return code, "visit"
    return None


def _visit(meta: dict[str, Any], bounds: Bounds) -> Refusal | None:
    if meta.keys() != VISIT_REQUIRED:
        return "meta_keys", "meta"
    if (bad := _texts(meta)) is not None:
        return bad
    if (code := _own_code(_VISIT_ID(meta["visit"]), bounds)) is not None:
        return code, "visit"
    if not _day(meta["date"], bounds, empty_ok=True):
        return "bad_date", "date"
    if meta["slot"] not in SLOTS or (meta["slot"] == "") != (meta["date"] == ""):
        return "bad_value", "slot"
    if meta["visit_status"] not in VISIT_STATUSES:
        return "bad_value", "visit_status"
    if meta["channel"] not in CHANNELS:
        return "bad_value", "channel"
    for key in ("team", "community"):
        if (code := _label(key, meta[key])) is not None:
            return code, key
    return None


def matters_of(catalogue: Any) -> dict[str, str]:
    """Matter code → its line's prefix, for one catalogue (station.catalogue.model.Catalogue)."""
    prefix = {ln.name: ln.prefix for ln in catalogue.lines}
    return {m.code: prefix.get(m.line, "") for m in catalogue.matters}


DETAIL = {
    "bad_record_id": "record_id must be a UUIDv7 as the station's queue writes it",
    "record_time": "the time in record_id lies before the station's enrolment or in the"
                   " future",
    "bad_created_at": "created_at must be an ISO 8601 time between the station's enrolment"
                      " and now",
    "unknown_kind": "kind must be case or visit",
    "meta_keys": "meta must hold exactly the clear fields of its kind",
    "not_text": "meta values are text",
    "bad_value": "the value is not in the field's format",
    "personal_data": "the value looks like personal data (ID number, phone, e-mail)",
    "foreign_case_no": "the case or visit number carries another station's prefix",
    "unknown_matter": "matter is not in the published catalogue",
    "line_mismatch": "line is not the matter's line",
    "bad_date": "the date is not a real calendar date in the allowed window",
    "meta_mismatch": "the clear fields differ from the sealed envelope's",
}
