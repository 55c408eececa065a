"""UUIDv7 ids (RFC 9562): time-ordered, so new ids land at the end of the index.

Why hand-written: Python 3.11's ``uuid`` has no ``uuid7``. Within one millisecond a
12-bit counter in ``rand_a`` keeps ids of this process strictly increasing
(RFC 9562 §6.2, method 1); ``rand_b`` stays random so ids of two stations never clash.
"""

from __future__ import annotations

import os
import threading
import time
import uuid
from datetime import UTC, datetime

_lock = threading.Lock()
_last_ms = -1
_counter = 0


def _uuid7_int(now_ms: int | None) -> int:
    global _last_ms, _counter
    rand = int.from_bytes(os.urandom(10))  # 62 bits of rand_b, 10 for a fresh counter
    with _lock:
        ms = time.time_ns() // 1_000_000 if now_ms is None else now_ms
        if ms <= _last_ms:
            ms = _last_ms
            _counter += 1
            if _counter > 0xFFF:  # counter exhausted: borrow the next millisecond
                ms += 1
                _counter = 0
        else:
            # Start low in the range so a burst has room to count up.
            _counter = (rand >> 64) & 0x3FF
        _last_ms = ms
        counter = _counter
    return ((ms & ((1 << 48) - 1)) << 80 | 0x7 << 76 | counter << 64 | 0b10 << 62
            | rand & ((1 << 62) - 1))


def uuid7(now_ms: int | None = None) -> uuid.UUID:
    return uuid.UUID(int=_uuid7_int(now_ms))


def uuid7_str(now_ms: int | None = None) -> str:
    """``str(uuid7(now_ms))`` without building the UUID object (this runs on every append)."""
    h = f"{_uuid7_int(now_ms):032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def new_id() -> str:
    return uuid7_str()


def uuid7_time(record_id: str) -> datetime:
    """The creation time encoded in a UUIDv7 (millisecond precision)."""
    ms = uuid.UUID(record_id).int >> 80
    return datetime.fromtimestamp(ms / 1000, tz=UTC)


def uuid7_bound(when: datetime, upper: bool = False) -> str:
    """The smallest (or largest) UUIDv7 string at ``when``'s millisecond, for id range scans."""
    ms = int(when.timestamp() * 1000)
    low = ms << 80 | 0x7 << 76 | 0b10 << 62
    if upper:
        low |= (0xFFF << 64) | ((1 << 62) - 1)
    return str(uuid.UUID(int=low))
