"""Access records: every look at a resident's data at the centre, written before the
data is shown.

Why written first: a page that fails half-way has still been asked for; a record
without a page is harmless, a page without a record is not. A record holds who,
when, what (view / print / export / lookup), which case (record id and case number,
never a name or an ID number) and, for exports, why. Supervisors see counts per
worker; admins see the records themselves.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

ACTIONS = ("view", "print", "export", "lookup")
MAX_REASON = 200


@dataclass(frozen=True)
class Access:
    at: int
    account: str
    role: str
    action: str
    case_id: str
    case_no: str
    reason: str


def record(store: Any, *, account: str, role: str, action: str, case_id: str,
           case_no: str = "", reason: str = "") -> None:
    if action not in ACTIONS:
        raise ValueError(f"action must be one of {ACTIONS}")
    with store.tx() as cur:
        cur.execute(store.q("INSERT INTO office_access (at, account, role, action, case_id,"
                            " case_no, reason) VALUES (?, ?, ?, ?, ?, ?, ?)"),
                    (int(time.time() * 1000), account[:64], role[:16], action, case_id[:80],
                     case_no[:40], reason[:MAX_REASON]))


def records(store: Any, *, limit: int = 200, offset: int = 0, account: str | None = None,
            case_id: str | None = None) -> list[Access]:
    """Newest first."""
    where, args = [], []
    if account:
        where.append("account = ?")
        args.append(account)
    if case_id:
        where.append("case_id = ?")
        args.append(case_id)
    sql = ("SELECT at, account, role, action, case_id, case_no, reason FROM office_access"
           + (" WHERE " + " AND ".join(where) if where else "")
           + " ORDER BY id DESC LIMIT ? OFFSET ?")
    with store.tx() as cur:
        cur.execute(store.q(sql), (*args, limit, offset))
        return [Access(int(r[0]), str(r[1]), str(r[2]), str(r[3]), str(r[4]), str(r[5]),
                       str(r[6])) for r in cur.fetchall()]


def counts(store: Any, since_ms: int = 0) -> list[tuple[str, str, int]]:
    """(account, action, number of records) since `since_ms`: what supervisors see."""
    with store.tx() as cur:
        cur.execute(store.q("SELECT account, action, COUNT(*) FROM office_access WHERE at >= ?"
                            " GROUP BY account, action ORDER BY account, action"), (since_ms,))
        return [(str(r[0]), str(r[1]), int(r[2])) for r in cur.fetchall()]
