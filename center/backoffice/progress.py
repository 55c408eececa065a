"""The residents' progress page, `/q/<token>`: what a resident may know of their case,
from clear data only.

Why no key and no personal data: the page is public (anyone holding the receipt's QR
may open it), so it shows the matter, the status in plain words, the promised date
(and whether it is an estimate), what to bring if the case came back, and where and
when to collect — all catalogue codes and dates the centre holds in clear — and never
a name, an ID number or a phone. The token is 160 random bits made at the station
(station/cases/model.py); the centre holds only its SHA-256 (`case_tokens`), so a copy of
the database opens no page either.

Why a throttle per client: 2^160 tokens cannot be guessed, but a page that answers
without limit still invites trying and costs the centre. Each client address gets
`MISSES` unknown tokens per `WINDOW_S`; past that every /q/ request from it gets 429
until the window passes. Policy after OWASP's "Blocking Brute Force Attacks"
(https://owasp.org/www-community/controls/Blocking_Brute_Force_Attacks). An unknown
token and a malformed one get the same 404 page, and both cost one hash and one
indexed lookup, so the answer says nothing about which it was.
"""

from __future__ import annotations

import hashlib
import re
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from datetime import date
from typing import Any

from center.backoffice.actions import history
from center.backoffice.inbox import _row

TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{22,64}$")
MISSES = 20
REQUESTS = 120
WINDOW_S = 600
MAX_CLIENTS = 100_000


@dataclass(frozen=True)
class Progress:
    matter: str
    matter_name: str
    status: str  # accepted / materials_pending / reviewing / done / returned / withdrawn
    due: date | None
    due_estimated: bool
    needed: tuple[str, ...]  # material names to bring (退回 or 材料待补)
    delivery: str  # how the result reaches the resident (办结), a code
    collect_where: str
    collect_when: str
    site: str
    updated: date | None


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def find(store: Any, token: str) -> Progress | None:
    """The progress of the case the token opens, or None (unknown or malformed)."""
    digest = token_hash(token if TOKEN_RE.match(token or "") else "-")
    with store.tx() as cur:
        cur.execute(store.q("SELECT case_id FROM case_tokens WHERE token_hash = ?"), (digest,))
        row = cur.fetchone()
    if row is None or not TOKEN_RE.match(token or ""):
        return None
    return progress_of(store, str(row[0]))


def progress_of(store: Any, case_id: str) -> Progress | None:
    from center.casefile import centre_catalogue

    with store.tx() as cur:
        cur.execute(store.q("SELECT record_id, version, station_id, meta, created_at,"
                            " received_at FROM records WHERE record_id = ? AND kind = 'case'"
                            " ORDER BY version"), (case_id,))
        versions = cur.fetchall()
    if not versions:
        return None
    catalogue = centre_catalogue(store)
    status = store.case_status(case_id)
    row = _row(case_id, versions, status, {}, catalogue)
    try:
        m = catalogue.get(row.matter)
    except Exception:  # an unknown code: the page still says what it can
        m = None
    names = {x.code: x.name for x in m.materials} if m is not None else {}
    steps = history(store, case_id)
    last = steps[-1] if steps else None
    shown = status
    needed: tuple[str, ...] = ()
    if row.station_status == "withdrawn":
        shown = "withdrawn"
    elif status == "returned" and last is not None:
        needed = tuple(names.get(c, c) for c in last.needed)
        if row.version > last.based_on:
            shown = "reviewing"  # the resident came back; the centre looks again
    elif status == "accepted" and row.station_status == "materials_pending":
        # The station's list of what is missing is sealed; the page points to the
        # 一次性告知单 the resident was given, which names it.
        shown = "materials_pending"
    contact = catalogue.contact_for(m) if m is not None else catalogue.centre
    delivery = last.delivery if (last is not None and status == "done") else ""
    where, when = "", ""
    if delivery == "centre":
        where = "，".join(p for p in (contact.name, contact.address) if p)
        when = contact.hours
    elif delivery == "visit":
        where = row.site
    updated = date.fromtimestamp(last.at / 1000) if last is not None else None
    return Progress(matter=row.matter, matter_name=row.matter_name, status=shown,
                    due=row.due if shown not in ("done", "withdrawn") else None,
                    due_estimated=row.due_estimated, needed=needed, delivery=delivery,
                    collect_where=where, collect_when=when, site=row.site, updated=updated)


class Throttle:
    """Per client address: at most MISSES unknown tokens and REQUESTS requests per
    WINDOW_S (fixed windows). In memory: one centre process answers a client's burst."""

    def __init__(self, misses: int = MISSES, requests: int = REQUESTS,
                 window_s: float = WINDOW_S, clock: Any = time.monotonic) -> None:
        self.misses, self.requests, self.window_s = misses, requests, window_s
        self._clock = clock
        self._lock = threading.Lock()
        self._clients: OrderedDict[str, list[float]] = OrderedDict()

    def _entry(self, client: str) -> list[float]:
        now = self._clock()
        entry = self._clients.get(client)
        if entry is None or now - entry[0] >= self.window_s:
            entry = [now, 0, 0]
            self._clients[client] = entry
            while len(self._clients) > MAX_CLIENTS:
                self._clients.popitem(last=False)
        self._clients.move_to_end(client)
        return entry

    def allow(self, client: str) -> int:
        """0 when the request may be answered, else seconds until the window ends."""
        with self._lock:
            entry = self._entry(client)
            entry[1] += 1
            if entry[1] > self.requests or entry[2] >= self.misses:
                return max(1, int(entry[0] + self.window_s - self._clock()) + 1)
            return 0

    def missed(self, client: str) -> None:
        with self._lock:
            self._entry(client)[2] += 1
