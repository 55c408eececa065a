"""Plain value types the queue hands out: clear fields only, never a payload."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from stationq.ids import uuid7_time

Key = tuple[str, int]  # (record_id, version): the unit of sync


@dataclass(frozen=True)
class RecordInfo:
    record_id: str
    version: int
    seq: int
    kind: str
    state: str  # pending | sent | acknowledged | purged | conflict
    created_at: datetime  # when this version was written
    updated_at: datetime  # last change of this row (state, purge)
    meta: dict[str, str]
    attempts: int
    last_error: str | None
    has_local: bool  # local copy present (readable while unlocked)
    has_sealed: bool  # sealed copy present (awaiting acknowledgement)

    @property
    def key(self) -> Key:
        return (self.record_id, self.version)

    @property
    def record_created_at(self) -> datetime:
        """When version 1 was created (from the UUIDv7, millisecond precision)."""
        return uuid7_time(self.record_id)

    @classmethod
    def written(cls, record_id: str, version: int, seq: int, kind: str, at: datetime,
                 meta: dict[str, str], has_local: bool, has_sealed: bool) -> RecordInfo:
        """A version just written (pending, no attempts yet), equal to what ``__init__``
        builds but without its twelve ``object.__setattr__`` calls: every append returns
        one of these, and the append's own work is what the benchmark weighs."""
        info = object.__new__(cls)
        object.__setattr__(info, "__dict__", {
            "record_id": record_id, "version": version, "seq": seq, "kind": kind,
            "state": "pending", "created_at": at, "updated_at": at, "meta": meta,
            "attempts": 0, "last_error": None, "has_local": has_local, "has_sealed": has_sealed})
        return info


@dataclass(frozen=True)
class SealedRecord:
    """One record version ready to push: ``enc`` is HPKE ``enc || ciphertext``."""

    record_id: str
    version: int
    seq: int
    kind: str
    meta: dict[str, str]
    created_at: datetime
    suite: str
    enc: bytes

    @property
    def key(self) -> Key:
        return (self.record_id, self.version)

    @classmethod
    def fetched(cls, row: tuple, meta: dict[str, str], created_at: datetime) -> SealedRecord:
        """One from a ``pending()`` row (record_id, version, seq, kind, _, _, suite, enc),
        equal to what ``__init__`` builds without its eight ``object.__setattr__`` calls:
        the sync client asks for hundreds at a time (see RecordInfo.written)."""
        item = object.__new__(cls)
        object.__setattr__(item, "__dict__", {
            "record_id": row[0], "version": row[1], "seq": row[2], "kind": row[3],
            "meta": meta, "created_at": created_at, "suite": row[6], "enc": row[7]})
        return item


@dataclass(frozen=True)
class ReadResult:
    payload: dict[str, Any]
    reason: str | None  # the amendment reason (None for version 1)
    info: RecordInfo


@dataclass(frozen=True)
class Retention:
    """How long local copies stay after their day.

    The local copy of a version is removed by ``purge()`` once the station's local
    date is past the day it was written plus ``local_days`` (0 = end of the outing
    day), and only when the data is safe elsewhere (sealed or acknowledged) and the
    caller does not hold it (``purge(keep=...)``).
    """

    local_days: int = 0


@dataclass(frozen=True)
class SlotInfo:
    name: str
    kind: str  # passphrase | recovery
    created_at: datetime
    kdf: dict[str, int] | None


@dataclass(frozen=True)
class AuditEntry:
    n: int
    at: datetime
    event: str
    fields: dict[str, Any]
    hash: bytes


@dataclass(frozen=True)
class Stats:
    counts: dict[str, int]  # per state name
    total: int
    oldest_pending_age: timedelta | None  # age of the oldest version not yet acknowledged
    awaiting_seal: int  # versions written before enrolment, sealed by set_centre_key
    unlocked: bool


@dataclass(frozen=True)
class RecordProblem:
    seq: int
    record_id: str
    version: int
    problem: str


@dataclass(frozen=True)
class PurgeResult:
    local_removed: int  # local copies deleted by this purge
    purged: int  # versions that became tombstones
    kept: int = 0  # expired local copies spared because the caller held them (``keep``)


@dataclass
class VerifyReport:
    integrity: list[str] = field(default_factory=list)  # SQLite integrity_check lines
    sequence: list[str] = field(default_factory=list)  # gaps and version holes
    records: list[RecordProblem] = field(default_factory=list)
    audit: list[str] = field(default_factory=list)
    aead_checked: bool = False  # local copies authenticated (only possible while unlocked)
    records_checked: int = 0

    @property
    def ok(self) -> bool:
        return not (self.integrity or self.sequence or self.records or self.audit)

    @property
    def damaged(self) -> list[str]:
        return sorted({p.record_id for p in self.records})

    def __str__(self) -> str:
        if self.ok:
            auth = "local copies authenticated" if self.aead_checked else "locked: tags unchecked"
            return f"queue ok: {self.records_checked} record versions, {auth}"
        lines = [*self.integrity, *self.sequence, *self.audit]
        lines += [f"seq {p.seq} ({p.record_id} v{p.version}): {p.problem}" for p in self.records]
        return "queue damaged:\n  " + "\n  ".join(lines)


@dataclass
class ResendResult:
    """What ``Queue.resend`` did with the seqs the centre asked for again."""

    resent: list[int] = field(default_factory=list)  # back in pending(), sealed afresh
    waiting: list[int] = field(default_factory=list)  # asked while locked: at next unlock
    past_retention: list[int] = field(default_factory=list)  # no copy left to send
    unsent: list[int] = field(default_factory=list)  # still pending here: the push sends
