"""The reports' routes in the centre's app: supervisor pages and the stations' day check.

Why the reconcile check is a signed endpoint like push: it tells a station which
of its records the centre holds, so only that enrolled station may ask, with a
fresh nonce, and the answer is signed by the centre. The station sends its own
manifest for the days, which the centre keeps, so the centre's report names the
same differing records (docs/reports.md).
"""

from __future__ import annotations

import re
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from center.db import Replay
from center.guard import guard
from center.reports import data, web
from center.validate import BadRequest, pulse
from shared.reports.reconcile import Entry, compare

DAY_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
MAX_DAYS = 93
MAX_ENTRIES = 200_000
KINDS_RE = re.compile(r"^[a-z_]{1,32}$")
STATES = frozenset({"pending", "sent", "acknowledged", "purged", "conflict"})


def manifest_days(doc: dict[str, Any]) -> dict[str, list[Entry]]:
    """`days`: {"YYYY-MM-DD": [[record_id, version, seq, kind, state], …]}, checked."""
    days = doc.get("days")
    if not isinstance(days, dict) or not 0 < len(days) <= MAX_DAYS:
        raise BadRequest("bad_field", f"days must be an object of 1 to {MAX_DAYS} days",
                         field="days")
    out: dict[str, list[Entry]] = {}
    total = 0
    for day, rows in days.items():
        if not DAY_RE.match(day) or not isinstance(rows, list):
            raise BadRequest("bad_field", "days keys are YYYY-MM-DD, values lists", field="days")
        total += len(rows)
        if total > MAX_ENTRIES:
            raise BadRequest("too_many", f"at most {MAX_ENTRIES} record versions", 413)
        entries = []
        for row in rows:
            if (not isinstance(row, list) or len(row) != 5 or not isinstance(row[0], str)
                    or not 0 < len(row[0]) <= 80 or type(row[1]) is not int
                    or type(row[2]) is not int or not 0 < row[1] < 2**31
                    or not 0 < row[2] < 2**62 or not isinstance(row[3], str)
                    or not KINDS_RE.match(row[3]) or row[4] not in STATES):
                raise BadRequest("bad_field", "each entry is [record_id, version, seq, kind,"
                                 " state]", field="days")
            entries.append(Entry.from_list(row))
        out[day] = entries
    return out


def _check(store: Any, station_id: str, days: dict[str, list[Entry]],
           head_seq: int | None = None) -> list[dict[str, Any]]:
    from center.reports.report import centre_entries_for

    data.ensure_tables(store)
    at = data.save_claim(store, station_id, days, head_seq)
    theirs = centre_entries_for(store, station_id, sorted(days))
    out = []
    for day in sorted(days):
        diff = compare(day, days[day], theirs[day])
        diff.checked_at, diff.head_seq = at, head_seq
        out.append(diff.to_dict())
    return out


def report_routes(centre: Any) -> list[Route]:
    from shared.protocol import RECONCILE_PATH, TIME_WINDOW_S, now_ms

    async def reconcile(request: Request) -> Response:
        doc, station_id, ts, nonce = await centre.authenticate(request, RECONCILE_PATH)
        days = manifest_days(doc)
        beat = pulse(doc, now_ms(), TIME_WINDOW_S * 1000, required=False)
        try:
            await run_in_threadpool(centre.store.use_nonce, station_id, nonce, ts)
        except Replay as err:
            raise BadRequest("replayed_nonce", "this request was seen before", 409) from err
        if beat is not None:
            await run_in_threadpool(centre.store.record_pulse, station_id, now_ms(), *beat)
        result = await run_in_threadpool(_check, centre.store, station_id, days,
                                         beat[0] if beat else None)
        return centre.signed(RECONCILE_PATH, {"v": 1, "nonce": nonce, "days": result,
                                              "server_ts": now_ms()})

    return [Route(RECONCILE_PATH, guard(reconcile), methods=["POST"]),
            *web.routes(centre.store)]
