"""Record ids: UUIDv7 (RFC 9562) that carry the station's sequence number.

Why the seq inside the id: a record's first version is then found by its primary key
(the seq) instead of through an index on the id, and an append writes one B-tree leaf
less per commit (schema v4; see bench/RESULTS.md). RFC 9562 §6.2 (method 1) allows a
dedicated counter in ``rand_a`` and the top of ``rand_b``; ours is the seq, 32 bits,
which also keeps ids of one station strictly increasing within a millisecond. The
remaining 42 bits of ``rand_b`` are random, so ids of two stations never clash (they
would need the same millisecond, the same seq and the same 42 random bits).

Why hand-written: Python 3.11's ``uuid`` has no ``uuid7``.
"""

from __future__ import annotations

import os
import uuid
from datetime import UTC, datetime

SEQ_LIMIT = 1 << 32  # 4 billion versions per station


def record_id(seq: int, ms: int) -> str:
    """The id of the record whose version 1 has ``seq``, created at unix ``ms``.

    Callers keep ``ms`` from going back (see Queue), so ids rise with seq.
    """
    if not 0 < seq < SEQ_LIMIT:
        raise ValueError("seq out of the id's 32-bit range")
    rand = int.from_bytes(os.urandom(6)) >> 6  # 42 bits
    # unix_ts_ms (48) | ver 7, seq bits 31-20 (12) | var 0b10, seq bits 19-6 (14)
    # | seq bits 5-0 (6), random (42). One %-format: this runs on every append.
    return "%08x-%04x-7%03x-%04x-%012x" % (  # noqa: UP031
        (ms >> 16) & 0xFFFFFFFF, ms & 0xFFFF, seq >> 20, 0x8000 | (seq >> 6) & 0x3FFF,
        (seq & 0x3F) << 42 | rand)


def seq_in_id(text: str) -> int | None:
    """The seq an id made by ``record_id`` carries; None when it cannot be one.

    Ids of schema v3 files (and any other text) decode to some number or to None;
    a caller checks that the row at that seq has this id before trusting it.
    """
    if len(text) != 36 or text[8] != "-" or text[13] != "-" or text[18] != "-":
        return None
    try:
        high, mid, low = int(text[15:18], 16), int(text[19:23], 16), int(text[24:36], 16)
    except ValueError:
        return None
    return high << 20 | (mid & 0x3FFF) << 6 | low >> 42


def id_ms(text: str) -> int:
    """The unix milliseconds at the head of a UUIDv7 (0 for a damaged id: verify()
    reports it, and the next id then takes the clock's time)."""
    try:
        return int(text[:8] + text[9:13], 16)
    except (TypeError, ValueError):
        return 0


def uuid7_time(text: str) -> datetime:
    """The creation time encoded in a UUIDv7 (millisecond precision)."""
    ms = uuid.UUID(text).int >> 80
    return datetime.fromtimestamp(ms / 1000, tz=UTC)


def uuid7_bound(when: datetime, upper: bool = False) -> str:
    """The smallest (or largest) UUIDv7 string at ``when``'s millisecond, for id ranges."""
    ms = int(when.timestamp() * 1000)
    low = ms << 80 | 0x7 << 76 | 0b10 << 62
    if upper:
        low |= (0xFFF << 64) | ((1 << 62) - 1)
    return str(uuid.UUID(int=low))
