"""The stations table: which station has gone quiet, and what it holds that the centre
has not received (issue 18). One row per enrolled station, never-synced ones too.

Why from the pulse and not from records alone: a station that stops syncing leaves a
gapless sequence behind, so only its own last word (head seq, pending count) shows
what is still on its laptop.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

DAY_MS = 86_400_000
DEFAULT_SILENT_DAYS = 3
KEYS = ("station_id", "name", "last_contact", "head_seq", "received_max_seq", "missing",
        "pending_at_station", "silent_days", "gaps")


def _iso(ms: Any) -> str | None:
    """A stored ms time as ISO 8601 UTC; None for a missing or nonsensical value (one bad
    row must not break the table)."""
    if type(ms) is not int or not 0 <= ms < 2**62:
        return None
    try:
        return datetime.fromtimestamp(ms / 1000, UTC).isoformat(timespec="seconds")
    except (OverflowError, OSError, ValueError):
        return None


def _count(value: Any) -> int | None:
    return value if type(value) is int and value >= 0 else None


def station_rows(store: Any, now_ms: int, silent_days: int = DEFAULT_SILENT_DAYS
                 ) -> list[dict[str, Any]]:
    """Rows with the KEYS above plus `status`, `never_synced`, `last_received`,
    `newest_at`, `past_retention` and `silent` (true when an active station has not
    been heard from for `silent_days` whole days). Silent stations first, then by name."""
    coverage = store.coverage()
    gaps = {c["station_id"]: c["gaps"] for c in coverage}
    # Seqs the station reported past retention (docs/sync-protocol.md, "Repair"): named
    # on their own, not counted as gaps (nothing is left to resend them from).
    lost = {c["station_id"]: c.get("past_retention", []) for c in coverage}
    rows = []
    for p in store.pulses():
        contact = p["last_contact"] if type(p["last_contact"]) is int else None
        since = contact if contact is not None else p["enrolled_at"]
        days = max(0, (now_ms - since) // DAY_MS) if type(since) is int else None
        head = _count(p["head_seq"])
        received = _count(p["max_seq"]) or 0
        row = {
            "station_id": p["station_id"], "name": p["name"],
            "last_contact": _iso(contact), "head_seq": head,
            "received_max_seq": received,
            "missing": max(0, head - received) if head is not None else 0,
            "pending_at_station": _count(p["pending"]),
            "silent_days": days,
            "gaps": [list(g) for g in gaps.get(p["station_id"], [])],
            "past_retention": [list(g) for g in lost.get(p["station_id"], [])],
            "status": p["status"], "never_synced": contact is None,
            "last_received": _iso(p["last_received"]), "newest_at": _iso(p["newest_at"]),
        }
        row["silent"] = p["status"] == "active" and (days is None or days >= silent_days)
        rows.append(row)
    rows.sort(key=lambda r: (not r["silent"], r["name"]))
    return rows


def alerting(rows: list[dict[str, Any]]) -> bool:
    """True when cron should alert: a station is silent, or the centre lacks seqs."""
    return any(r["silent"] or r["gaps"] for r in rows)
