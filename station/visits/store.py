"""Appointments in the encrypted queue: one record of kind ``visit`` per appointment.

Why the queue and not a table of its own: an appointment is personal data (name,
ID number, phone, address) that must reach the centre exactly like a case, so it
rides the same local + sealed copies and syncs without new code. Every change
(scheduled, visited, no-show …) is a new version, which is a unit of sync. Only
codes travel in clear: the visit number, day, half-day, team, status, community
and channel (where the request came from) — lists and the run-sheet header work
while the station is locked; everything else is in the encrypted payload.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time

from stationq import Queue

from station.cases import queue_open as queue_access
from station.cases.queue_open import translated as _translated
from station.visits.address import address_from_payload
from station.visits.model import TRANSITIONS, Appointment, Contact, Slot, VisitError

VISIT_KIND = "visit"
# 2: the address is kept as typed with its parts ({text, site, parts, rest});
# schema-1 records ({community, building, unit, room}) still load.
PAYLOAD_SCHEMA = 2
CLEAR_KEYS = ("visit", "date", "slot", "team", "visit_status", "community", "channel")
# Open = its status can still change (a no-show may be rescheduled): staff must be able
# to read it on the day they act on it, whatever retention says (see ``held_versions``).
OPEN_STATUSES: frozenset[str] = frozenset(s for s, after in TRANSITIONS.items() if after)


@dataclass(frozen=True)
class VisitRow:
    """An appointment's latest version from clear metadata only (no unlock needed)."""

    visit_id: str
    record_id: str
    version: int
    day: date | None
    half: str
    team: str
    status: str
    community: str
    source: str
    created_at: datetime


def clear_meta(appt: Appointment) -> dict[str, str]:
    """The only unencrypted fields: codes, a day, a team, a community name."""
    return {
        "visit": appt.id,
        "date": appt.slot.day.isoformat() if appt.slot else "",
        "slot": appt.slot.half if appt.slot else "",
        "team": appt.team,
        "visit_status": appt.status,
        # A site from the station's own list, never a part read from the address.
        "community": appt.address.site,
        "channel": appt.source,
    }


def _hm(t: time) -> str:
    return t.strftime("%H:%M")


def payload(appt: Appointment, *, staff: str = "", at: datetime | None = None) -> dict:
    family = appt.family
    return {
        "schema": PAYLOAD_SCHEMA,
        "id": appt.id,
        "id_number": appt.id_number,
        "name": appt.name,
        "address": appt.address.payload(),
        "phone": appt.phone,
        "reason": appt.reason,
        "approved_by": appt.approved_by,
        "disability_cert": appt.disability_cert,
        "matters": list(appt.matters),
        "status": appt.status,
        "family": None if family is None else {"name": family.name, "phone": family.phone,
                                               "relation": family.relation},
        "preferred_days": [d.isoformat() for d in appt.preferred_days],
        "preferred_half": appt.preferred_half,
        "window": None if appt.window is None else [_hm(appt.window[0]), _hm(appt.window[1])],
        "slot": None if appt.slot is None else {"day": appt.slot.day.isoformat(),
                                                "half": appt.slot.half},
        "team": appt.team,
        "cases": list(appt.cases),
        "notes": list(appt.notes),
        "source": appt.source,
        "outcome": appt.outcome,
        "request_uid": appt.request_uid,
        "staff": staff,
        "at": at.isoformat() if at else None,
    }


def _time(text: str) -> time:
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))


def from_payload(data: Mapping) -> Appointment:
    family = data.get("family")
    window = data.get("window")
    slot = data.get("slot")
    return Appointment(
        id=str(data["id"]), id_number=str(data.get("id_number") or ""), name=str(data["name"]),
        address=address_from_payload(data.get("address")),
        phone=str(data["phone"]), reason=data["reason"],
        matters=tuple(data.get("matters") or ()), status=data["status"],
        family=None if not family else Contact(family["name"], family["phone"],
                                               family.get("relation", "")),
        disability_cert=str(data.get("disability_cert") or ""),
        preferred_days=tuple(date.fromisoformat(d) for d in data.get("preferred_days") or ()),
        preferred_half=data.get("preferred_half"),
        window=None if not window else (_time(window[0]), _time(window[1])),
        slot=None if not slot else Slot(date.fromisoformat(slot["day"]), slot["half"]),
        team=str(data.get("team") or ""), cases=tuple(data.get("cases") or ()),
        notes=tuple(data.get("notes") or ()), source=data.get("source", "desk"),
        approved_by=str(data.get("approved_by") or ""), outcome=str(data.get("outcome") or ""),
        request_uid=str(data.get("request_uid") or ""),
    )


class VisitStore:
    """Appointments over an open ``stationq.Queue`` (the same one cases live in)."""

    def __init__(self, queue: Queue) -> None:
        self._q = queue

    def rows(self, **meta: str) -> list[VisitRow]:
        """Latest version of each appointment, oldest first; works locked."""
        with _translated():
            infos = self._q.list(kind=VISIT_KIND, **meta)
        return [VisitRow(
            visit_id=i.meta["visit"], record_id=i.record_id, version=i.version,
            day=date.fromisoformat(i.meta["date"]) if i.meta.get("date") else None,
            half=i.meta.get("slot", ""), team=i.meta.get("team", ""),
            status=i.meta.get("visit_status", ""), community=i.meta.get("community", ""),
            source=i.meta.get("channel", ""), created_at=i.record_created_at.astimezone(),
        ) for i in infos]

    def next_id(self, station_id: str, day: date) -> str:
        """V-<station>-<YYMMDD>-<NNN>: what a resident quotes on the phone; no personal data."""
        prefix = f"V-{station_id}-{day:%y%m%d}-"
        used = [r.visit_id for r in self.rows() if r.visit_id.startswith(prefix)]
        return f"{prefix}{len(used) + 1:03d}"

    def _row(self, visit_id: str) -> VisitRow:
        visit_id = (visit_id or "").strip().upper()
        rows = self.rows(visit=visit_id) if visit_id else []
        if not rows:
            raise VisitError("visits.unknown", visit=visit_id[:30])
        return rows[0]

    def get(self, visit_id: str) -> Appointment:
        row = self._row(visit_id)
        with _translated():
            return from_payload(self._q.read(row.record_id, row.version).payload)

    def history(self, visit_id: str) -> list[Appointment]:
        """Versions still held here, oldest first (retention may have removed earlier ones)."""
        row = self._row(visit_id)
        return [from_payload(r.payload)
                for r in queue_access.read_history(self._q, row.record_id, row.version)]

    def all(self, **meta: str) -> list[Appointment]:
        """Every matching appointment still readable here, decrypted (needs an unlocked
        queue). A closed one whose local copy retention removed is left out: its clear
        row (``rows``) and the centre's copy remain."""
        out = []
        with _translated():
            infos = queue_access.with_local_copy(self._q.list(kind=VISIT_KIND, **meta))
            for info in infos:
                out.append(from_payload(self._q.read(info.record_id, info.version).payload))
        return out

    def held_versions(self) -> list[tuple[str, int]]:
        """The latest version of every open appointment: what retention must not remove
        (``Queue.purge(keep=...)``). From clear metadata, so it works locked."""
        with _translated():
            infos = self._q.list(kind=VISIT_KIND)
        return [i.key for i in infos if i.meta.get("visit_status") in OPEN_STATUSES]

    def add(self, appt: Appointment, *, staff: str, at: datetime) -> Appointment:
        with _translated():
            self._q.append(VISIT_KIND, payload(appt, staff=staff, at=at), clear_meta(appt))
        return appt

    def save(self, appt: Appointment, *, reason_code: str, staff: str,
             at: datetime) -> Appointment:
        """A new version; the reason the queue keeps is a code, staff's words are encrypted."""
        row = self._row(appt.id)
        with _translated():
            self._q.amend(row.record_id, payload(appt, staff=staff, at=at), reason=reason_code,
                          meta=clear_meta(appt))
        return appt

    def linked_cases(self, visit_id: str) -> list[str]:
        """Case numbers recorded in visit mode for this appointment (clear ``visit`` key)."""
        with _translated():
            infos = self._q.list(kind="case", visit=visit_id)
        return [i.meta["case_no"] for i in infos if "case_no" in i.meta]
