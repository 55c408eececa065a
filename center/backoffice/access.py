"""Access records from the back office: every look at a resident's data at the centre,
written before the data is shown.

Why written first: a page that fails half-way has still been asked for; a record
without a page is harmless, a page without a record is not. The records go to the
centre's one `access_log` (center/db.py, migration 3), which the export and the purge
write too: who (`web:<account>` for a person at the web pages, `cli:<user>` and
`integration:<name>` from the other paths), when, what (view / print / lookup here;
export, export_api, purge there), which case (its record id, never a name or an ID
number) and, for exports, why. Supervisors see counts per worker; admins see the
records themselves.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

ACTIONS = ("view", "print", "lookup")
WEB = "web:"


@dataclass(frozen=True)
class Access:
    at: int
    actor: str
    action: str
    case_id: str
    case_no: str
    reason: str

    @property
    def account(self) -> str:
        """The web account's name; other actors as they are recorded."""
        return self.actor.removeprefix(WEB)


def record(store: Any, *, account: str, action: str, case_id: str) -> None:
    if action not in ACTIONS:
        raise ValueError(f"action must be one of {ACTIONS}")
    store.log_access(WEB + account, action, [case_id])


def records(store: Any, limit: int = 500) -> list[Access]:
    """Newest first, each with its case number from the clear metadata."""
    rows = store.access_records(limit)
    numbers = _case_numbers(store, {r[3] for r in rows if r[3]})
    return [Access(int(at), str(actor), str(action), str(ref or ""),
                   numbers.get(ref or "", ""), str(reason or ""))
            for at, actor, action, ref, reason in rows]


def counts(store: Any, since_ms: int = 0) -> list[tuple[str, str, int]]:
    """(actor, action, number of records) since `since_ms`: what supervisors see."""
    with store.tx() as cur:
        cur.execute(store.q("SELECT actor, action, COUNT(*) FROM access_log WHERE at >= ?"
                            " GROUP BY actor, action ORDER BY actor, action"), (since_ms,))
        return [(str(r[0]).removeprefix(WEB), str(r[1]), int(r[2])) for r in cur.fetchall()]


def _case_numbers(store: Any, ids: set[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    chunk = sorted(ids)
    for start in range(0, len(chunk), 500):
        part = chunk[start:start + 500]
        with store.tx() as cur:
            cur.execute(store.q("SELECT record_id, meta FROM records WHERE version = 1 AND"
                                f" record_id IN ({','.join('?' * len(part))})"), tuple(part))
            for rid, meta in cur.fetchall():
                try:
                    value = json.loads(meta).get("case_no")
                except (TypeError, ValueError, AttributeError):
                    value = None
                out[rid] = value[:40] if isinstance(value, str) else ""
    return out
