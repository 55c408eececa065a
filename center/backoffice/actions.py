"""Moving a case through the centre: 审批中, 办结 (and how the result reaches the
resident), 退回 (with a reason and the materials still needed).

Why one function for the web page and `center case set-status`: both must check the
same transitions, seal the same words and send the same update down to the station
(the pull, docs/sync-protocol.md), so the station, the case page and the resident's
progress page all tell the same story. The worker's reason may name the resident: it
travels sealed to the station's inbox key and is kept sealed to the centre's own key;
only catalogue codes (materials, delivery) are kept in clear.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import uuid
from dataclasses import dataclass
from typing import Any

from center.errors import CenterError
from shared.protocol import NEXT_STATUS, STATUS_ZH, open_for_station, seal_for_station
from shared.text import is_plain

DELIVERIES = ("centre", "visit", "post")
MAX_NOTE = 200
CENTRE_UID = "centre-history"  # the HPKE info label of notes sealed to the centre itself


@dataclass(frozen=True)
class HistoryEntry:
    status: str
    at: int  # ms since the epoch
    account: str
    based_on: int  # the case version the worker was looking at
    needed: tuple[str, ...]
    delivery: str
    note_sealed: str


def allowed_next(store: Any, case_id: str, current: str, latest_version: int) -> tuple[str, ...]:
    """The protocol's transitions, and one more: a case sent back (退回) may move on once
    the station has sent a newer version (the resident came back with what was asked)."""
    if current == "returned":
        last = history(store, case_id)
        based = last[-1].based_on if last else latest_version
        return ("reviewing", "done", "returned") if latest_version > based else ()
    return NEXT_STATUS.get(current, ())


def latest_version(store: Any, case_id: str) -> int:
    with store.tx() as cur:
        cur.execute(store.q("SELECT MAX(version) FROM records WHERE record_id = ?"), (case_id,))
        row = cur.fetchone()
    return int(row[0] or 0) if row else 0


def move(store: Any, *, case_ref: str, status: str, account: str, centre_x25519_pub: bytes,
         note: str = "", needed: tuple[str, ...] = (), delivery: str = "",
         matter_materials: tuple[str, ...] | None = None) -> tuple[str, str]:
    """Give a case its next status; returns (record id, case number).

    Raises CenterError with a sentence for the worker: unknown case, a move the rules do
    not allow, a 退回 without a reason, a 办结 without the way the result reaches the
    resident, a material the matter does not list, text with control characters."""
    note = (note or "").strip()
    if not is_plain(note) or len(note) > MAX_NOTE:
        raise CenterError("office.bad_note", limit=MAX_NOTE)
    found = store.find_case(case_ref)
    if found is None:
        raise CenterError("center.no_case", case=case_ref[:40])
    case_id, station_id, case_no = found
    current = store.case_status(case_id)
    version = latest_version(store, case_id)
    if status not in allowed_next(store, case_id, current, version):
        if current == "returned" and status in ("reviewing", "done"):
            raise CenterError("office.returned_waits")
        raise CenterError("center.bad_transition", old=STATUS_ZH.get(current, current),
                          new=STATUS_ZH.get(status, status))
    if status == "returned" and not note:
        raise CenterError("center.note_required")
    if status == "done" and delivery not in DELIVERIES:
        raise CenterError("office.delivery_required")
    if status != "done":
        delivery = ""
    needed = tuple(dict.fromkeys(needed)) if status == "returned" else ()
    if matter_materials is not None and any(c not in matter_materials for c in needed):
        raise CenterError("office.bad_material")
    station = store.station(station_id)
    if station is None:
        raise CenterError("center.no_case", case=case_ref[:40])
    uid = uuid.uuid4().hex
    body: dict[str, Any] = {"uid": uid, "case_id": case_id, "case_no": case_no,
                            "status": status, "at": _now_iso()}
    if delivery:
        body["delivery"] = delivery  # a catalogue code, not personal
    if note or needed:
        body["sealed"] = seal_for_station(station[1], station_id, uid,
                                          {"note": note} | (
                                              {"needed": list(needed)} if needed else {}))
    sealed_here = (seal_for_station(centre_x25519_pub, CENTRE_UID, uid, {"note": note})
                   if note else "")
    store.set_case_status(case_id, station_id, status, body)
    add_history(store, case_id, HistoryEntry(status, _now_ms(), account, version, needed,
                                             delivery, f"{uid}:{sealed_here}" if note else ""))
    return case_id, case_no


def add_history(store: Any, case_id: str, entry: HistoryEntry) -> None:
    with store.tx() as cur:
        cur.execute(store.q("INSERT INTO case_history (case_id, status, at, account, based_on,"
                            " needed, delivery, note_sealed) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"),
                    (case_id, entry.status, entry.at, entry.account, entry.based_on,
                     json.dumps(list(entry.needed)), entry.delivery, entry.note_sealed))


def history(store: Any, case_id: str) -> list[HistoryEntry]:
    """The case's path through the centre, oldest first; a damaged row is shown as far
    as it reads (never stops the page)."""
    with store.tx() as cur:
        cur.execute(store.q("SELECT status, at, account, based_on, needed, delivery,"
                            " note_sealed FROM case_history WHERE case_id = ? ORDER BY id"),
                    (case_id,))
        rows = cur.fetchall()
    out = []
    for status, at, account, based_on, needed, delivery, note in rows:
        try:
            codes = tuple(str(c)[:40] for c in json.loads(needed or "[]"))
        except (TypeError, ValueError):
            codes = ()
        out.append(HistoryEntry(str(status), int(at), str(account), int(based_on), codes,
                                str(delivery or ""), str(note or "")))
    return out


def open_note(x25519_private: Any, note_sealed: str) -> str:
    """The worker's words from a history row (`uid:blob`), "" when none or damaged."""
    uid, _, blob = (note_sealed or "").partition(":")
    if not blob:
        return ""
    try:
        return str(open_for_station(x25519_private, CENTRE_UID, uid, blob).get("note", ""))
    except (ValueError, TypeError, AttributeError):
        return ""


def centre_pub_from_home(home: Any) -> bytes:
    """The centre's X25519 public key (center init's keys file), for the CLI."""
    from center import keys

    return base64.b64decode(keys.load_public(home)["hpke_x25519"])


def _now_iso() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def _now_ms() -> int:
    import time

    return int(time.time() * 1000)
