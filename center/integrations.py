"""The export for a system that fetches: `GET /v1/export?cursor=…` with a key.

Why a key per integration, kept hashed: a leaked database copy must not let anyone
fetch residents' data, and one district system can be cut off (`center integration
revoke`) without touching the others. Why a cursor: the caller asks for what arrived
after what it already has, so each case version is delivered once per pass; the cursor
is opaque to it (docs/export.md).
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any

KEY_PREFIX = "ldx_"
MAX_LIMIT = 500
DEFAULT_LIMIT = 100
# Versions received in the last second are held back: one pushed in the same
# millisecond as the page's last row, but committed after the page was read, would
# otherwise sort before the cursor and be skipped.
SETTLE_MS = 1000


def new_key() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(32)


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


class BadCursor(ValueError):
    pass


def encode_cursor(received_at: int, record_id: str, version: int) -> str:
    raw = json.dumps([received_at, record_id, version], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(text: str) -> tuple[int, str, int]:
    if not text:
        return 0, "", 0
    try:
        if len(text) > 400:
            raise ValueError
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        at, rid, version = json.loads(raw)
        if (type(at) is not int or type(version) is not int or not isinstance(rid, str)
                or at < 0 or version < 0 or len(rid) > 80):
            raise ValueError
    except (ValueError, TypeError) as err:
        raise BadCursor(text) from err
    return at, rid, version


@dataclass
class _Bucket:
    tokens: float
    at: float


@dataclass
class RateLimiter:
    """A token bucket per integration: `per_minute` requests, refilled continuously.
    In memory, per centre process (behind several processes each keeps its own)."""

    clock: Any = time.monotonic
    _buckets: dict[str, _Bucket] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def allow(self, name: str, per_minute: int) -> float:
        """0 when allowed (a token is spent), else seconds until the next token."""
        now = self.clock()
        with self._lock:
            b = self._buckets.get(name)
            if b is None:
                b = self._buckets[name] = _Bucket(float(per_minute), now)
            b.tokens = min(float(per_minute), b.tokens + (now - b.at) * per_minute / 60)
            b.at = now
            if b.tokens >= 1:
                b.tokens -= 1
                return 0.0
            return (1 - b.tokens) * 60 / per_minute


def bearer(header: str | None) -> str | None:
    if not header:
        return None
    scheme, _, token = header.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token or len(token) > 200:
        return None
    return token


def authorised(store: Any, header: str | None) -> tuple[str, int] | None:
    """(integration name, per minute) for an active key; None for any other."""
    token = bearer(header)
    if token is None:
        return None
    found = store.integration_by_hash(key_hash(token))
    if found is None or not found[2]:
        return None
    return found[0], found[1]


def export_page(store: Any, keys: Any, name: str, cursor: str, limit: int,
                now_ms: int | None = None) -> dict[str, Any]:
    """One page: the case versions after `cursor` as export documents (docs/export.md),
    the next cursor, and whether more wait. Recorded per case."""
    from center.casefile import centre_catalogue, open_cases
    from center.export import case_doc

    at, rid, version = decode_cursor(cursor)
    now_ms = now_ms if now_ms is not None else int(time.time() * 1000)
    want = limit
    while True:
        rows = store.case_versions_after(at, rid, version, now_ms - SETTLE_MS, want + 1)
        more = len(rows) > want
        if not more or rows[want][1] != rows[want - 1][1]:
            rows = rows[:want]
            break
        # The page would end inside one case's versions: end it before that case, so
        # the case comes whole on the next page (or widen a page that is that case alone).
        last = rows[want - 1][1]
        head = rows[:want]
        while head and head[-1][1] == last:
            head.pop()
        if head:
            rows = head
            break
        want *= 2
    next_cursor = encode_cursor(*rows[-1]) if rows else cursor
    # A case amended since the caller's last page comes again, whole, at its new version.
    ids = list(dict.fromkeys(r[1] for r in rows))
    docs = [case_doc(item) for item in open_cases(store, keys, ids, centre_catalogue(store))]
    store.note_export(name, next_cursor, ids)
    return {"cases": docs, "cursor": next_cursor, "more": more}
