"""The queue: one SQLite file holding every record version, its two ciphertexts and the audit.

Why one transaction per append with as little around it as possible: each commit costs
one fsync of the WAL (``synchronous=FULL``), which dominates; everything else (JSON,
AES-GCM, the zlib + HPKE sealed copy, the audit hash) is computed in memory around it,
and on a fast disk that Python work is most of the rest (see bench/RESULTS.md). An
append is a single INSERT, committed on its own, that carries the cached next sequence
number and audit tail and only lands while they are still current (the seq is the
primary key; another connection's audit event is checked in the same statement), so two
connections or processes can never hand out the same number and a crash can never leave
a gap (rows are never deleted). Anything else falls back to ``BEGIN IMMEDIATE``.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import re
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from stationq import audit as audit_chain
from stationq import clearmeta, ids, integrity, keys, schema, sealing
from stationq.errors import (
    DamagedRecordError,
    InvalidArgumentError,
    LockedError,
    NotFoundError,
    NotReadableError,
    StorageError,
)
from stationq.ids import uuid7_bound
from stationq.model import (
    AuditEntry,
    Key,
    PurgeResult,
    ReadResult,
    RecordInfo,
    ResendResult,
    Retention,
    SealedRecord,
    Stats,
    VerifyReport,
)
from stationq.schema import ACKNOWLEDGED, PURGED, STATE_NAMES
from stationq.slots import RECOVERY_SLOT, KeySlots, check_slot_name, default_delay

_KIND_RE = re.compile(r"[a-z][a-z0-9_.-]{0,31}\Z")
_COUNTER_RE = re.compile(r"[a-z0-9][a-z0-9_./-]{0,63}\Z")
# The error a version keeps when the centre could not open its sealed copy (see reseal).
UNOPENABLE = "cannot_open"
_INFO_COLS = ("record_id, version, seq, kind, state, created_at, updated_at, meta, attempts, "
              "last_error, local IS NOT NULL, sealed IS NOT NULL")
_MAX_ERROR_LEN = 200
_INSERT_HEAD = ("INSERT INTO records (seq, record_id, version, kind, created_at, updated_at, meta, "
                "key_id, suite, sealed_sha, audit_n, audit_hash, local, sealed) ")
_INSERT = _INSERT_HEAD + "VALUES (?1, ?2, ?3, ?4, ?5, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)"
# The same insert as a transaction of its own (autocommit), valid only while the cached
# seq (?1) and audit number (?10) are current: it inserts nothing if another connection
# added an audit event since, and fails on the seq primary key if it added a record.
_APPEND = (_INSERT_HEAD + "SELECT ?1, ?2, ?3, ?4, ?5, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13 "
           "WHERE NOT EXISTS (SELECT 1 FROM audit WHERE n >= ?10)")
# Every version never sent (state < 2, attempts = 0) has a seq >= this mark (see schema v3).
_UNSENT_MARK = "coalesce((SELECT v FROM meta WHERE k = 'unsent_from'), 0)"
# The seqs of many (seq, record_id) keys of version 1 at once (see _update_rows): each
# key's row by its primary key, if it has that id. Parameter :keys, a JSON array of
# [seq, record_id] pairs; the caller appends the UPDATE's own conditions.
_BATCH_MATCH = ("SELECT seq FROM (SELECT json_extract(value, '$[0]') AS s,"
                " json_extract(value, '$[1]') AS r FROM json_each(:keys)) AS k, records"
                " WHERE seq = k.s AND record_id = k.r AND version = 1")
# An UPDATE's WHERE for the rows of :seqs (a JSON array), replacing ``seq = :seq``.
_BY_SEQS = " WHERE seq IN (SELECT value FROM json_each(:seqs))"
DEFAULT_RETENTION = Retention()
PAGE_SIZE = 2048


def _ts(value: float) -> datetime:
    return datetime.fromtimestamp(value, tz=UTC)


def _epoch(value: datetime | date | float | None, default: float) -> float:
    if value is None:
        return default
    if isinstance(value, (int, float)):
        return float(value)
    if not isinstance(value, datetime):  # a date: local midnight
        value = datetime(value.year, value.month, value.day)
    return value.timestamp()  # naive datetimes are station local time


# allow_nan=False: NaN/Infinity are not JSON, and the centre must parse what we send.
_ENCODE = sealing.compact_json


def _json(payload: Mapping[str, Any]) -> bytes:
    if type(payload) is not dict and not isinstance(payload, Mapping):
        raise InvalidArgumentError("The payload must be a JSON object (a dict).")
    try:
        return _ENCODE(payload).encode()
    except (TypeError, ValueError, RecursionError) as exc:
        raise InvalidArgumentError(f"The payload is not JSON-serialisable: {type(exc).__name__}."
                                   ) from None


def _local_plain(body: bytes, reason: str | None) -> bytes:
    # Local plaintext is {"r": reason, "p": payload}; built by hand to avoid a second dump.
    head = b'{"r":null' if reason is None else b'{"r":' + json.dumps(reason).encode()
    return head + b',"p":' + body + b"}"


def _as_keys(items: Iterable[Key | SealedRecord | RecordInfo]) -> list[Key]:
    out = []
    for item in items:
        if type(item) is tuple and type(item[0]) is str and type(item[1]) is int:
            out.append(item[:2])  # already a key (the sync client's batches)
        elif isinstance(item, (tuple, list)):  # lists too: keys often come back from JSON
            out.append((str(item[0]), int(item[1])))
        else:
            out.append((item.record_id, item.version))
    return out


def _storage_errors(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Turn SQLite's own errors into a typed ``StorageError`` at the public surface."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except sqlite3.IntegrityError:
            raise  # a constraint the queue itself broke: a bug, not a damaged disk
        except sqlite3.DatabaseError as exc:
            raise StorageError(str(exc)) from exc

    return wrapper


class Queue(KeySlots):
    """An encrypted, crash-safe, gapless local queue of record versions (see README.md)."""

    def __init__(self, db: sqlite3.Connection, path: Path, *, clock: Callable[[], float],
                 delay_policy: Callable[[int], float]) -> None:
        self._db = db
        self.path = path
        self._clock = clock
        self._delay_policy = delay_policy
        self._lock = threading.RLock()
        self._dek: bytearray | None = None
        self._cipher: keys.LocalCipher | None = None
        self._next_seq: int | None = None
        self._audit_tail: tuple[int, bytes] | None = None
        self._id_floor: int | None = None  # ms of the newest record id: new ids never go back
        self._tx_seq: int | None = None
        self._tx_tail: tuple[int, bytes] | None = None
        self._tx_floor: int | None = None
        self._data_version = -1
        self._meta_cache: dict[tuple, tuple[dict[str, str], str]] = {}
        self._append_cursor = db.cursor()  # reused (under the lock) by the one-statement append
        # Rows one UPDATE of _update_rows changes: its statement journal (the old copy of
        # each page it changes, to undo that statement alone) stays in memory up to
        # SQLite's 64 KiB spill size, and past it goes to a temporary file, two write calls
        # a page (24 rows of 2 KiB pages fit, 26 did not: their index pages count too).
        page = db.execute("PRAGMA page_size").fetchone()[0]
        self._rows_per_update = max(1, 32 * 1024 // (page + 4))
        self._load_settings()

    # ---------------------------------------------------------------- open / create

    @staticmethod
    def _connect(path: Path, new: bool = False) -> sqlite3.Connection:
        private_files(path)
        db = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=10)
        if new:  # small pages: an append dirties 3 B-tree leaves, each page is written whole
            db.execute(f"PRAGMA page_size = {PAGE_SIZE}")
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=FULL")
        return db

    @classmethod
    def create(cls, path: str | os.PathLike[str], *, station_id: str, slot: str,
               passphrase: str, centre_key: sealing.CentreKey | None = None,
               retention: Retention = DEFAULT_RETENTION, kdf: keys.KdfParams = keys.DEFAULT_KDF,
               clear_keys: Iterable[str] = clearmeta.DEFAULT_CLEAR_KEYS,
               clock: Callable[[], float] = time.time,
               delay_policy: Callable[[int], float] = default_delay) -> Queue:
        """A new queue file with its first staff slot; returned unlocked for that member."""
        path = Path(path)
        if path.exists() and path.stat().st_size > 0:
            raise InvalidArgumentError(f"Refusing to create a queue over the existing file {path}.")
        if not station_id or "\x1f" in station_id:
            raise InvalidArgumentError("station_id must be a non-empty identifier.")
        check_slot_name(slot)
        if not passphrase:
            raise InvalidArgumentError("A slot passphrase must not be empty.")
        allowed = sorted(set(clear_keys))
        for key in allowed:
            clearmeta.check_key(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        db = cls._connect(path, new=True)
        schema.migrate(db)
        dek, key_id, now = os.urandom(32), os.urandom(8).hex(), clock()
        settings = {
            "station_id": station_id, "key_id": key_id, "key_check": keys.key_check(dek, key_id),
            "created_at": now, "retention_days": retention.local_days,
            "clear_keys": json.dumps(allowed), "failures": 0, "retry_at": 0.0,
        }
        db.execute("BEGIN IMMEDIATE")
        db.executemany("INSERT INTO meta VALUES (?, ?)", settings.items())
        db.execute("COMMIT")
        queue = cls(db, path, clock=clock, delay_policy=delay_policy)
        queue._set_dek(dek)
        with queue._lock, queue._write() as tx:
            queue._insert_slot(tx, slot, passphrase, kdf)
            queue._audit(tx, "create", {"slot": slot, "key_id": key_id})
        if centre_key is not None:
            queue.set_centre_key(centre_key)
        return queue

    @classmethod
    def open(cls, path: str | os.PathLike[str], *, clock: Callable[[], float] = time.time,
             delay_policy: Callable[[int], float] = default_delay) -> Queue:
        """Open an existing queue, locked; applies pending forward migrations."""
        path = Path(path)
        if not path.exists():
            raise InvalidArgumentError(f"No queue file at {path}.")
        db = cls._connect(path)
        schema.migrate(db)
        return cls(db, path, clock=clock, delay_policy=delay_policy)

    def close(self) -> None:
        with self._lock:
            self.lock()
            self._db.close()

    def __enter__(self) -> Queue:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _load_settings(self) -> None:
        rows = dict(self._db.execute("SELECT k, v FROM meta"))
        self.station_id: str = rows["station_id"]
        self.key_id: str = rows["key_id"]
        self._key_check: bytes = rows["key_check"]
        self.retention = Retention(int(rows["retention_days"]))
        self.clear_keys = frozenset(json.loads(rows["clear_keys"]))
        # Records from this seq on have ids that carry their seq (schema v4).
        self._ids_from = int(rows.get("id_seq_from", 1))
        # Records from this seq on bind their clear metadata into their audit entry (v5).
        self._bound_from = int(rows.get("meta_bound_from", 1))
        self._init_version_sql()
        self._centre: sealing.CentreKey | None = None
        self._sealer: sealing.Sealer | None = None
        if rows.get("centre_suite"):
            self._centre = sealing.CentreKey(rows["centre_suite"], rows["centre_key"])
            self._sealer = sealing.Sealer(self._centre)

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction. The next seq and the audit tail are cached between
        transactions (saving two SELECTs per append); ``PRAGMA data_version`` tells when
        another connection wrote, and any failure drops the cache."""
        self._db.execute("BEGIN IMMEDIATE")
        version = self._db.execute("PRAGMA data_version").fetchone()[0]
        if version != self._data_version:  # another connection wrote: caches are stale
            self._forget_tail()
            self._data_version = version
        self._tx_seq, self._tx_tail, self._tx_floor = (self._next_seq, self._audit_tail,
                                                       self._id_floor)
        try:
            yield self._db
            self._db.execute("COMMIT")
        except BaseException:
            if self._db.in_transaction:
                self._db.execute("ROLLBACK")
            self._forget_tail()
            raise
        self._next_seq, self._audit_tail, self._id_floor = (self._tx_seq, self._tx_tail,
                                                            self._tx_floor)

    def _forget_tail(self) -> None:
        """Drop the cached next seq, audit tail and id floor (re-read on the next write)."""
        self._next_seq = self._audit_tail = self._id_floor = None

    def _init_version_sql(self) -> None:
        """SQL that finds the versions of one record, one UNION ALL arm per way in (v4):
        version 1 by the seq its id carries (primary key), later versions by their
        partial index, and rows older than v4 by theirs. Each arm repeats its index's
        WHERE term literally, which is what lets SQLite use a partial index.
        Parameters: :rid, :hint (the seq the id carries, or None) and, for ``_seq_of``, :v.
        """
        first = self._ids_from
        arms = ["SELECT {cols} FROM records WHERE seq = :hint AND record_id = :rid "
                f"AND version = 1 {{v1}} AND seq >= {first}",
                "SELECT {cols} FROM records WHERE record_id = :rid AND version > 1 {vn}"]
        if first > 1:
            arms.append("SELECT {cols} FROM records WHERE record_id = :rid {vn} "
                        f"AND version = 1 AND seq < {first}")
        template = " UNION ALL ".join(arms)
        self._versions_sql = template.format(cols=_INFO_COLS, v1="", vn="")
        self._seq_of_sql = "SELECT (" + template.format(cols="seq", v1="AND :v = 1",
                                                        vn="AND version = :v") + ")"

    def _versions(self, record_id: str, order: str) -> list[tuple]:
        """Rows (``_INFO_COLS``) of a record's versions, ordered by ``order``."""
        return self._db.execute(f"SELECT * FROM ({self._versions_sql}) ORDER BY {order}",
                                {"rid": record_id, "hint": ids.seq_in_id(record_id)}
                                ).fetchall()

    def _seq_of(self, record_id: str, version: int) -> int | None:
        """The seq of one version's row; None for a key this queue does not hold."""
        return self._db.execute(self._seq_of_sql, {
            "rid": record_id, "hint": ids.seq_in_id(record_id), "v": version}
        ).fetchall()[0][0]

    def _audit(self, tx: sqlite3.Connection, event: str, fields: dict[str, Any] | str,
               head: bool = True) -> int:
        text = fields if isinstance(fields, str) else audit_chain.fields_json(fields)
        n, prev = self._tx_tail or audit_chain.tail(tx, self.station_id)
        digest = audit_chain.insert(tx, n + 1, prev, self._clock(), event, text)
        self._tx_tail = (n + 1, digest)
        if head:  # appends are anchored by their records instead (see verify)
            tx.execute("INSERT OR REPLACE INTO meta VALUES ('audit_head', ?)",
                       (json.dumps([n + 1, digest.hex()]),))
        return n + 1

    def _meta_value(self, key: str, default: Any = None) -> Any:
        row = self._db.execute("SELECT v FROM meta WHERE k = ?", (key,)).fetchone()
        return default if row is None else row[0]

    # ---------------------------------------------------------------- keys (see slots.py)

    @property
    def centre_key(self) -> sealing.CentreKey | None:
        return self._centre

    # ---------------------------------------------------------------- enrolment

    def set_centre_key(self, key: sealing.CentreKey) -> int:
        """Record the centre's key, add the recovery slot and seal every unsealed version.

        Needs the queue unlocked (the local copies are the only source before enrolment).
        Returns how many versions were sealed. Replacing a different key is refused.
        """
        with self._lock:
            if self._centre == key:
                return 0
            if self._centre is not None:
                raise InvalidArgumentError(
                    "This queue is already bound to another centre key; re-enrolment with a "
                    "new key is not supported.")
            dek = self._require_unlocked("enrolment (sealing earlier records)")
            sealer = sealing.Sealer(key)
            recovery = sealing.seal_bytes(key, dek, sealing.recovery_info(self.station_id,
                                                                          self.key_id))
            sealed = 0
            with self._write() as tx:
                tx.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)",
                               [("centre_suite", key.suite), ("centre_key", key.public_key)])
                tx.execute("INSERT OR REPLACE INTO slots VALUES (?, 'recovery', NULL, ?, ?, ?)",
                           (RECOVERY_SLOT, key.suite, recovery, self._clock()))
                rows = tx.execute(
                    "SELECT seq, record_id, version, kind, created_at, updated_at, meta, "
                    "local FROM records WHERE sealed IS NULL AND local IS NOT NULL "
                    "AND state < 2 ORDER BY seq").fetchall()
                for seq, rid, version, kind, created, updated, meta, local in rows:
                    plain = self._decrypt(rid, version, kind, seq, local, meta)
                    if plain is None:
                        continue  # damaged: stays unsealed; verify() reports it
                    envelope = sealing.make_envelope(
                        record_id=rid, version=version, seq=seq, kind=kind,
                        meta=json.loads(meta), created_at=created, updated_at=updated,
                        payload=plain["p"])
                    envelope["reason"] = plain["r"]
                    blob = sealer.seal(self.station_id, rid, version, envelope)
                    tx.execute("UPDATE records SET suite = ?, sealed = ?, sealed_sha = ? "
                               "WHERE seq = ?", (key.suite, blob, hashlib.sha256(blob).digest(),
                                                 seq))
                    sealed += 1
                self._audit(tx, "enrol", {"centre_key": key.fingerprint, "suite": key.suite,
                                          "sealed": sealed})
            self._centre, self._sealer = key, sealer
            return sealed

    # ---------------------------------------------------------------- writing records

    def _decrypt(self, rid: str, version: int, kind: str, seq: int, blob: bytes,
                 meta_text: str) -> dict[str, Any] | None:
        assert self._cipher is not None
        return self._cipher.decrypt(blob, self._local_aad(rid, version, kind, seq, self.key_id,
                                                          meta_text))

    def _local_aad(self, rid: str, version: int, kind: str, seq: int, key_id: str,
                   meta_text: str) -> bytes:
        """AAD of a row's local copy: with its metadata digest from schema v5 on."""
        sha = audit_chain.meta_digest(str(meta_text)) if seq >= self._bound_from else None
        return keys.local_aad(rid, version, kind, seq, key_id, sha)

    def _clean_meta(self, meta: Mapping[str, str] | None) -> tuple[dict[str, str], str]:
        """Validated clear metadata and its JSON; cached, as the same few values repeat.

        A hit needs items equal to ones validated before, so it needs no checks of its own.
        """
        try:
            hit = self._meta_cache.get(() if meta is None else tuple(meta.items()))
        except (TypeError, AttributeError):  # not a mapping, unhashable values: see below
            hit = None
        if hit is not None:
            return dict(hit[0]), hit[1]
        if meta is not None and not isinstance(meta, Mapping):
            raise InvalidArgumentError("Clear metadata must be a dict of strings.")
        try:
            cache_key: tuple | None = tuple(meta.items()) if meta else ()
            hash(cache_key)
        except TypeError:  # unhashable values: let validate() explain
            cache_key = None
        clean = clearmeta.validate(meta, self.clear_keys)
        text = json.dumps(clean, ensure_ascii=False, separators=(",", ":"))
        if cache_key is not None:
            if len(self._meta_cache) >= 4096:
                self._meta_cache.clear()
            self._meta_cache[cache_key] = (dict(clean), text)
        return clean, text

    def _write_version(self, kind: str, payload: Mapping[str, Any],
                       meta: tuple[dict[str, str], str], record_id: str | None,
                       reason: str | None) -> RecordInfo:
        body = _json(payload)
        if self._cipher is None and self._sealer is None:
            raise LockedError("recording before enrolment (no centre key to seal to)")
        with self._write() as tx:
            return self._stage_version(tx, kind, body, meta, record_id, reason)

    def _version_row(self, seq: int, tail: tuple[int, bytes], kind: str, body: bytes,
                     meta_json: str, meta_dict: dict[str, str], rid: str, version: int,
                     reason: str | None, now: float) -> tuple:
        """The parameters of ``_INSERT`` for one version: encrypted, sealed and chained."""
        cipher = self._cipher
        local = key_id = None
        meta_sha = audit_chain.meta_digest(meta_json) if seq >= self._bound_from else None
        if cipher is not None:
            key_id = self.key_id
            local = cipher.encrypt(_local_plain(body, reason),
                                   keys.local_aad(rid, version, kind, seq, key_id, meta_sha))
        suite = digest = blob = None
        if self._sealer is not None:
            suite, digest, blob = self._seal(rid, version, seq, kind, meta_dict, now, reason,
                                             body)
        n = tail[0] + 1  # the row is its own audit entry (see audit.py), metadata included
        return (seq, rid, version, kind, now, meta_json, key_id, suite, digest, n,
                audit_chain.record_hash(tail[1], n, now, rid, kind, local is None, seq, version,
                                        meta_sha),
                local, blob)

    def _seal(self, rid: str, version: int, seq: int, kind: str, meta: dict[str, str],
              now: float, reason: str | None, body: bytes) -> tuple[str, bytes, bytes]:
        """(suite, SHA-256, blob) of the sealed copy of a new version."""
        assert self._sealer is not None
        header = sealing.make_envelope(record_id=rid, version=version, seq=seq, kind=kind,
                                       meta=meta, created_at=now, updated_at=now, payload={})
        del header["payload"]  # appended as raw JSON by seal_raw
        header["reason"] = reason
        blob = self._sealer.seal_raw(self.station_id, rid, version, header, body)
        return self._sealer.key.suite, hashlib.sha256(blob).digest(), blob

    @staticmethod
    def _new_info(row: tuple, meta_dict: dict[str, str]) -> RecordInfo:
        return RecordInfo.written(row[1], row[2], row[0], row[3], _ts(row[4]), meta_dict,
                                   row[11] is not None, row[12] is not None)

    def _stage_version(self, tx: sqlite3.Connection, kind: str, body: bytes,
                       meta: tuple[dict[str, str], str], record_id: str | None,
                       reason: str | None) -> RecordInfo:
        """Insert one version inside the caller's transaction."""
        now = self._clock()
        seq = self._tx_seq or tx.execute(
            "SELECT coalesce(max(seq), 0) + 1 FROM records").fetchone()[0]
        if record_id is None:
            floor = self._tx_floor
            if floor is None:
                last = tx.execute("SELECT record_id FROM records WHERE version = 1 "
                                  "ORDER BY seq DESC LIMIT 1").fetchone()
                floor = 0 if last is None else ids.id_ms(last[0])
            self._tx_floor = max(int(now * 1000), floor)
            rid, version = ids.record_id(seq, self._tx_floor), 1
        else:
            latest = self._versions(record_id, "version DESC LIMIT 1")
            if not latest:
                raise NotFoundError(record_id)
            rid, version = record_id, latest[0][1] + 1
        tail = self._tx_tail or audit_chain.tail(tx, self.station_id)
        row = self._version_row(seq, tail, kind, body, meta[1], meta[0], rid, version, reason,
                                now)
        tx.execute(_INSERT, row)
        self._tx_seq, self._tx_tail = seq + 1, (row[9], row[10])
        return self._new_info(row, meta[0])

    def append(self, kind: str, payload: Mapping[str, Any], meta: Mapping[str, str] | None = None
               ) -> RecordInfo:
        """Store a new record (version 1). Locked: sealed-only, if the station is enrolled.

        With the next seq and audit tail cached, the append is one autocommit INSERT: a
        transaction of its own (one fsync), that inserts only if no other connection has
        added a record or an audit event since the cache was taken (see ``_APPEND``);
        otherwise it runs again in a ``BEGIN IMMEDIATE`` transaction with fresh values.
        """
        if type(kind) is not str or kind not in _KINDS_SEEN:
            _check_kind(kind)
        meta_dict, meta_json = self._clean_meta(meta)
        body = _json(payload)
        try:  # _storage_errors, inline: this is the hot path
            with self._lock:
                if self._cipher is None and self._sealer is None:
                    raise LockedError("recording before enrolment (no centre key to seal to)")
                seq, tail, floor = self._next_seq, self._audit_tail, self._id_floor
                if (seq is not None and tail is not None and floor is not None
                        and not self._db.in_transaction):
                    now = self._clock()
                    ms = max(int(now * 1000), floor)
                    rid = ids.record_id(seq, ms)
                    row = self._version_row(seq, tail, kind, body, meta_json, meta_dict, rid, 1,
                                            None, now)
                    try:
                        inserted = self._append_cursor.execute(_APPEND, row).rowcount
                    except sqlite3.IntegrityError:
                        inserted = 0  # the seq is taken
                    except BaseException:
                        self._forget_tail()
                        raise
                    if inserted:
                        self._next_seq, self._audit_tail = seq + 1, (row[9], row[10])
                        self._id_floor = ms
                        return RecordInfo.written(rid, 1, seq, kind, _ts(now), meta_dict,
                                                   row[11] is not None, row[12] is not None)
                    self._forget_tail()  # another connection wrote
                with self._write() as tx:
                    return self._stage_version(tx, kind, body, (meta_dict, meta_json), None, None)
        except sqlite3.IntegrityError:
            raise
        except sqlite3.DatabaseError as exc:
            raise StorageError(str(exc)) from exc

    def append_many(self, items: Iterable[tuple[str, Mapping[str, Any], Mapping[str, str] | None]]
                    ) -> list[RecordInfo]:
        """Append several (kind, payload, meta) records in one transaction: all or none.

        For imports and bulk work: one fsync for the lot instead of one per record.
        """
        staged = []
        for kind, payload, meta in items:
            _check_kind(kind)
            staged.append((kind, _json(payload), self._clean_meta(meta)))
        with self._lock:
            if self._cipher is None and self._sealer is None:
                raise LockedError("recording before enrolment (no centre key to seal to)")
            with self._write() as tx:
                return [self._stage_version(tx, kind, body, meta, None, None)
                        for kind, body, meta in staged]

    def amend(self, record_id: str, payload: Mapping[str, Any], *, reason: str,
              meta: Mapping[str, str] | None = None) -> RecordInfo:
        """A new version of a record (new seq, synced on its own); earlier versions stay.

        ``reason`` is stored encrypted with the payload (it may name the resident);
        ``meta=None`` keeps the previous version's clear metadata.
        """
        if not reason or not reason.strip():
            raise InvalidArgumentError("An amendment needs a reason.")
        with self._lock:
            rows = self._versions(record_id, "version DESC LIMIT 1")
            if not rows:
                raise NotFoundError(record_id)
            kind, meta_json = rows[0][3], rows[0][7]
            clean = (json.loads(meta_json), meta_json) if meta is None else self._clean_meta(meta)
            return self._write_version(kind, payload, clean, record_id, reason)

    def audit(self, event: str, **fields: str | int | float | bool | None) -> int:
        """Record a caller's event (e.g. a print) in the chain; fields are clear, so checked."""
        _check_kind(event)
        for key, value in fields.items():
            clearmeta.check_key(key)
            if value is not None and not isinstance(value, bool):
                clearmeta.validate({key: str(value)}, {key})  # 13812345678 as an int, too
        with self._lock, self._write() as tx:
            return self._audit(tx, event, dict(fields))

    # ---------------------------------------------------------------- reading

    def _row_info(self, row: tuple) -> RecordInfo:
        rid, version, seq, kind, state, created, updated, meta, attempts, err, loc, sld = row
        return RecordInfo(rid, version, seq, kind, STATE_NAMES.get(state, f"unknown:{state}"),
                          _ts(created), _ts(updated), _meta_or_empty(meta), attempts, err,
                          bool(loc), bool(sld))

    def info(self, record_id: str, version: int | None = None) -> RecordInfo:
        """Clear fields of one version (latest by default); works locked, not audited."""
        with self._lock:
            rows = self._versions(record_id, "version DESC")
        for row in rows:
            if version is None or row[1] == version:
                return self._row_info(row)
        raise NotFoundError(record_id, version)

    def history(self, record_id: str) -> list[RecordInfo]:
        with self._lock:
            rows = self._versions(record_id, "version")
        if not rows:
            raise NotFoundError(record_id)
        return [self._row_info(r) for r in rows]

    def read(self, record_id: str, version: int | None = None) -> ReadResult:
        """Payload and amendment reason of one version (unlocked only; audited as a read)."""
        with self._lock:
            self._require_unlocked("reading a record")
            info = self.info(record_id, version)
            blob, key_id, meta_text = self._db.execute(
                "SELECT local, key_id, meta FROM records WHERE seq = ?", (info.seq,)).fetchone()
            if blob is None:
                why = ("it was appended while the queue was locked (sealed copy only)"
                       if key_id is None else "it was removed after the retention window")
                raise NotReadableError(info.record_id, info.version, why)
            plain = self._decrypt(info.record_id, info.version, info.kind, info.seq, blob,
                                  meta_text)
            if plain is None:
                raise DamagedRecordError(info.record_id, info.version)
            with self._write() as tx:
                self._audit(tx, "read", {"id": info.record_id, "version": info.version,
                                         "seq": info.seq})
            return ReadResult(plain["p"], plain["r"], info)

    def get(self, record_id: str, version: int | None = None) -> dict[str, Any]:
        """The payload of one version (latest by default); unlocked only, audited."""
        return self.read(record_id, version).payload

    def list(self, kind: str | None = None, since: datetime | date | None = None,
             until: datetime | date | None = None, *, all_versions: bool = False,
             **meta: str) -> list[RecordInfo]:
        """Records by kind, creation time (of version 1; ``until`` exclusive) and clear
        metadata equality, in seq order; latest version of each unless ``all_versions``."""
        where, args = [], {}
        if kind is not None:
            where.append("AND kind = :kind")
            args["kind"] = kind
        for i, (key, value) in enumerate(meta.items()):
            clearmeta.check_key(key)
            # A row whose metadata is no longer JSON matches every filter (instead of
            # failing the whole query): the caller sees it, damaged() names it.
            where.append(f"AND (NOT json_valid(meta) OR json_extract(meta, :mk{i}) = :mv{i})")
            args[f"mk{i}"], args[f"mv{i}"] = f'$."{key}"', value
        if not all_versions:  # no later version (later versions have their own index)
            where.append("AND NOT EXISTS (SELECT 1 FROM records n WHERE n.record_id = "
                         "r.record_id AND n.version > 1 AND n.version > r.version)")
        filters = " ".join(where)
        with self._lock:
            if since is None and until is None:
                sql = f"SELECT {_INFO_COLS} FROM records r WHERE 1 {filters} ORDER BY seq"
            else:
                sql = self._time_range_sql(since, until, filters, args)
            rows = self._db.execute(sql, args).fetchall()
        return [self._row_info(r) for r in rows]

    def _time_range_sql(self, since: datetime | date | None, until: datetime | date | None,
                        filters: str, args: dict[str, Any]) -> str:
        """A creation-time range without scanning the table: ids of version 1 rise with
        seq (see ids.py), so the range is a seq range found by binary search; later
        versions and pre-v4 rows come from their partial indexes by id range."""
        ids_in = ""
        if since is not None:
            ids_in += " AND record_id >= :lo"
            args["lo"] = uuid7_bound(datetime.fromtimestamp(_epoch(since, 0), tz=UTC))
        if until is not None:
            ids_in += " AND record_id < :hi"
            args["hi"] = uuid7_bound(datetime.fromtimestamp(_epoch(until, 0), tz=UTC))
        top = self._db.execute("SELECT coalesce(max(seq), 0) FROM records").fetchone()[0]
        args["first"] = self._first_seq_with_id_from(args.get("lo"), top)
        args["end"] = top + 1 if until is None else self._first_seq_with_id_from(args["hi"], top)
        first = self._ids_from
        arms = [f"SELECT {_INFO_COLS} FROM records r WHERE seq >= :first AND seq < :end "
                f"AND version = 1{ids_in} {filters}",
                f"SELECT {_INFO_COLS} FROM records r WHERE version > 1{ids_in} {filters}"]
        if first > 1:
            arms.append(f"SELECT {_INFO_COLS} FROM records r WHERE seq < {first} "
                        f"AND version = 1{ids_in} {filters}")
        return " UNION ALL ".join(arms) + " ORDER BY seq"

    def _first_seq_with_id_from(self, bound: str | None, top: int) -> int:
        """The smallest seq (from the first v4 seq on) at or after which every version 1
        has an id >= ``bound`` (``top + 1`` when none has; the first v4 seq for None)."""
        lo, hi = self._ids_from, top + 1
        if bound is None:
            return lo
        while lo < hi:
            mid = (lo + hi) // 2
            row = self._db.execute("SELECT record_id FROM records WHERE seq >= ? "
                                   "AND version = 1 ORDER BY seq LIMIT 1", (mid,)).fetchone()
            if row is None or row[0] >= bound:
                hi = mid
            else:
                lo = mid + 1
        return lo

    # ---------------------------------------------------------------- sync side

    # Versions sent before come from their index (records_tried), versions never sent from
    # the seq range that starts at the unsent mark (see schema v3); SQLite merges the two
    # in seq order and stops at the limit. Parameters: after_seq, limit.
    _PENDING_COLS = "record_id, version, seq, kind, meta, created_at, suite, sealed"
    PENDING_SQL = (f"SELECT {_PENDING_COLS} FROM records WHERE state < 2 AND attempts > 0 "
                   "AND seq > ?1 AND sealed IS NOT NULL "
                   f"UNION ALL SELECT {_PENDING_COLS} FROM records "
                   f"WHERE seq >= max(?1 + 1, {_UNSENT_MARK}) AND state < 2 AND attempts = 0 "
                   "AND sealed IS NOT NULL ORDER BY seq LIMIT ?2")

    def pending(self, limit: int = 500, after_seq: int = 0) -> list[SealedRecord]:
        """Sealed versions not yet acknowledged (pending or sent), oldest first. Works locked.

        ``after_seq`` lets a client page through or pipeline batches.
        """
        with self._lock:  # the sync worker thread shares this connection with the UI
            rows = self._db.execute(self.PENDING_SQL, (after_seq, limit)).fetchall()
        parsed: dict[str, dict[str, str]] = {}  # a batch may repeat metadata texts
        out = []
        for row in rows:
            meta = parsed.get(row[4])
            if meta is None:
                meta = parsed[row[4]] = sealing.loads_json(row[4])
            else:  # each record its own dict, as a caller may change one
                meta = dict(meta)
            out.append(SealedRecord.fetched(row, meta, _ts(row[5])))
        return out

    def _update_rows(self, tx: sqlite3.Connection, sql: str,
                     items: Iterable[Key | SealedRecord | RecordInfo], **extra: Any) -> list[int]:
        """Run ``sql`` (an UPDATE whose WHERE names the row as ``seq = :seq``; parameters
        :now and ``extra``) on the row of each key; returns the seqs it changed.

        The usual key, a version 1 whose id carries its seq, needs no lookup. Those are
        matched all at once (``_BATCH_MATCH``, the same test as one statement per key) and
        updated by seq a few dozen rows per statement: a statement's own set-up and
        tear-down in SQLite, not its row's work, was most of a push's per-key CPU (one
        statement per key: ~1,000 per 500-record batch for mark_sent and acknowledge;
        callgrind: 9 % fewer instructions for the station's whole push this way). The
        others (amendments, rows from before v4, unknown ids, keys matched by no row,
        and any list naming a key twice) go one statement each, after a lookup, as before.
        """
        params = {"now": self._clock(), **extra}
        keys = _as_keys(items)
        direct: list[tuple[int, str]] = []
        rest: list[tuple[Key, int | None]] = []
        ids_from = self._ids_from
        for key in keys:
            hint = ids.seq_in_id(key[0])
            if key[1] == 1 and hint is not None and hint >= ids_from:
                direct.append((hint, key[0]))
            else:
                rest.append((key, hint))
        if len(set(direct)) < len(direct):  # a key twice: each time counts, as it did
            return self._update_each(tx, sql, keys, params)
        changed: list[int] = []
        if direct:
            head, _, cond = sql.partition(" WHERE seq = :seq")
            # Inside this write transaction nothing else changes these rows, so the rows
            # this finds are exactly the ones the UPDATEs below change.
            changed = [seq for (seq,) in tx.execute(_BATCH_MATCH + cond, {
                **params, "keys": json.dumps(direct)})]
            step = self._rows_per_update
            for i in range(0, len(changed), step):
                tx.execute(head + _BY_SEQS + cond,
                           {**params, "seqs": json.dumps(changed[i:i + step])})
            if len(changed) < len(direct):  # not found by the join: looked up below
                done = set(changed)
                rest += [((rid, 1), hint) for hint, rid in direct if hint not in done]
        for (rid, version), hint in rest:
            seq = self._seq_of(rid, version)
            if (seq is not None and (seq != hint or version != 1)
                    and tx.execute(sql, {**params, "seq": seq}).rowcount):
                changed.append(seq)
        return changed

    def _update_each(self, tx: sqlite3.Connection, sql: str, keys: list[Key],
                     params: dict[str, Any]) -> list[int]:
        """``_update_rows`` one statement per key, in order (a key given twice counts twice)."""
        direct = sql + " AND record_id = :rid AND version = 1"
        changed = []
        for rid, version in keys:
            hint = ids.seq_in_id(rid)
            if (version == 1 and hint is not None and hint >= self._ids_from
                    and tx.execute(direct, {**params, "seq": hint, "rid": rid}).rowcount):
                changed.append(hint)
                continue
            seq = self._seq_of(rid, version)
            if (seq is not None and (seq != hint or version != 1)
                    and tx.execute(sql, {**params, "seq": seq}).rowcount):
                changed.append(seq)
        return changed

    def _update_keys(self, sql: str, items: Iterable[Key | SealedRecord | RecordInfo], *,
                     audit_as: str | None = None, **extra: Any) -> int:
        """``_update_rows`` in a transaction of its own, which moves the unsent mark and,
        with ``audit_as``, adds one audit event for the batch; returns the count changed."""
        with self._write() as tx:
            seqs = self._update_rows(tx, sql, items, **extra)
            if seqs:
                _advance_unsent_mark(tx)
                if audit_as is not None:
                    self._audit(tx, audit_as, {"count": len(seqs), "seqs": _ranges(seqs)})
        return len(seqs)

    def mark_sent(self, keys_: Iterable[Key | SealedRecord]) -> int:
        """Note a push attempt (state sent, attempts + 1). Sent versions stay in pending()."""
        with self._lock:
            return self._update_keys(
                "UPDATE records SET state = 1, attempts = attempts + 1, updated_at = :now "
                "WHERE seq = :seq AND state < 2", keys_)

    def record_failure(self, keys_: Iterable[Key | SealedRecord], error: str) -> int:
        """Keep the last push error (clear text: no personal data) and return to pending."""
        with self._lock:
            return self._update_keys(
                "UPDATE records SET state = 0, updated_at = :now, last_error = :err "
                "WHERE seq = :seq AND state < 2", keys_, err=str(error)[:_MAX_ERROR_LEN])

    def mark_conflict(self, keys_: Iterable[Key | SealedRecord], error: str) -> int:
        """The centre refused the version as a conflict: it leaves pending() until amended."""
        with self._lock:
            return self._update_keys(
                "UPDATE records SET state = 4, updated_at = :now, last_error = :err "
                "WHERE seq = :seq AND state < 2", keys_, audit_as="conflict",
                err=str(error)[:_MAX_ERROR_LEN])

    def acknowledge(self, acks: Iterable[Key | SealedRecord]) -> int:
        """The centre holds these versions: drop their sealed copies. Idempotent; audited."""
        with self._lock:
            return self._update_keys(
                "UPDATE records SET state = 2, updated_at = :now, sealed = NULL "
                "WHERE seq = :seq AND state IN (0, 1, 4)", acks, audit_as="acknowledge")

    # ---------------------------------------------------------------- unopenable copies

    def mark_unopenable(self, keys_: Iterable[Key | SealedRecord], error: str = UNOPENABLE
                        ) -> int:
        """The centre could not open these sealed copies: back to pending with the error
        ``UNOPENABLE`` (kept out of ``purge`` until resealed: the local copy is then the only
        good one). ``reseal_unopenable`` seals them again once the queue is unlocked."""
        with self._lock:
            return self._update_keys(
                "UPDATE records SET state = 0, updated_at = :now, last_error = :err "
                "WHERE seq = :seq AND state < 2", keys_, err=UNOPENABLE)

    def unopenable(self) -> list[Key]:
        """Versions the centre refused as unopenable and not resealed yet (works locked)."""
        with self._lock:
            return [(rid, v) for rid, v in self._db.execute(
                "SELECT record_id, version FROM records WHERE state < 2 AND attempts > 0 "
                "AND last_error = ? ORDER BY seq", (UNOPENABLE,))]

    def reseal(self, keys_: Iterable[Key | SealedRecord | RecordInfo]) -> int:
        """Seal these versions again from their local copies (unlocked; versions the centre
        has not acknowledged). A version without an intact local copy, or whose clear
        fields fail their audit entry, is left as it is. Audited; returns how many."""
        with self._lock:
            self._require_unlocked("sealing a record again")
            if self._sealer is None:
                return 0
            done = []
            with self._write() as tx:
                for rid, version in _as_keys(keys_):
                    seq = self._seq_of(rid, version)
                    row = None if seq is None else tx.execute(
                        "SELECT kind, created_at, meta, local, state FROM records "
                        "WHERE seq = ?", (seq,)).fetchone()
                    if row is None or row[3] is None or row[4] not in (0, 1):
                        continue
                    if not audit_chain.row_entry_ok(tx, self.station_id, seq):
                        continue
                    plain = self._decrypt(rid, version, row[0], seq, row[3], row[2])
                    if plain is None:
                        continue
                    suite, digest, blob = self._seal(rid, version, seq, row[0],
                                                     json.loads(row[2]), row[1], plain["r"],
                                                     _json(plain["p"]))
                    tx.execute("UPDATE records SET suite = ?, sealed = ?, sealed_sha = ?, "
                               "last_error = NULL, updated_at = ? WHERE seq = ?",
                               (suite, blob, digest, self._clock(), seq))
                    done.append(seq)
                if done:
                    self._audit(tx, "reseal", {"count": len(done), "seqs": _ranges(done)})
            return len(done)

    def reseal_unopenable(self) -> int:
        """``reseal`` every version the centre refused as unopenable; 0 while locked."""
        if not self.unlocked:
            return 0
        return self.reseal(self.unopenable())

    # ---------------------------------------------------------------- repair

    # Seqs the centre asked for while the queue was locked, as ranges ("1-3,7").
    _RESEND_KEY = "resend_wanted"
    MAX_RESEND = 5000  # a bound on what one request (or the waiting list) may name

    def resend(self, seqs: Iterable[int]) -> ResendResult:
        """The centre lacks these acknowledged versions (docs/sync-protocol.md, "Repair"):
        put each back in ``pending()``, its sealed copy if it still has one, else sealed
        again from the local copy (unlocked only; asked while locked, the seqs wait for
        ``resend_waiting`` at the next unlock). A version with no copy left is past
        retention; one not acknowledged yet is already on its way. Audited as "resend",
        so ``verify`` sees why an acknowledged row is pending again."""
        wanted = sorted({s for s in seqs if type(s) is int and s >= 1})[:self.MAX_RESEND]
        out = ResendResult()
        with self._lock, self._write() as tx:
            unlocked = self._sealer is not None and self.unlocked
            for seq in wanted:
                row = tx.execute("SELECT record_id, version, kind, created_at, meta, local, "
                                 "sealed, state FROM records WHERE seq = ?", (seq,)).fetchone()
                if row is None:
                    continue
                rid, version, kind, created, meta, local, sealed, state = row
                if state in (0, 1, 4):  # not acknowledged (or held as a conflict)
                    out.unsent.append(seq)
                    continue
                if sealed is None and local is None:
                    out.past_retention.append(seq)
                    continue
                if sealed is None and not unlocked:
                    out.waiting.append(seq)
                    continue
                if sealed is None:
                    if not audit_chain.row_entry_ok(tx, self.station_id, seq):
                        continue  # altered clear fields: never sent on; verify names it
                    plain = self._decrypt(rid, version, kind, seq, local, meta)
                    if plain is None:
                        continue
                    suite, digest, blob = self._seal(rid, version, seq, kind, json.loads(meta),
                                                     created, plain["r"], _json(plain["p"]))
                    tx.execute("UPDATE records SET suite = ?, sealed = ?, sealed_sha = ? "
                               "WHERE seq = ?", (suite, blob, digest, seq))
                tx.execute("UPDATE records SET state = 0, attempts = max(attempts, 1), "
                           "last_error = NULL, updated_at = ? WHERE seq = ?",
                           (self._clock(), seq))
                out.resent.append(seq)
            if out.resent:
                self._audit(tx, "resend", {"count": len(out.resent),
                                           "seqs": _ranges(out.resent)})
            waiting = set(out.waiting)
            if not out.waiting:  # what was waiting and is now settled leaves the list
                before = {s for lo, hi in integrity.parse_ranges(
                    self._meta_value(self._RESEND_KEY, "")) for s in range(lo, hi + 1)}
                waiting = before - set(wanted)
            else:
                waiting |= {s for lo, hi in integrity.parse_ranges(
                    self._meta_value(self._RESEND_KEY, "")) for s in range(lo, hi + 1)}
            text = _ranges(sorted(waiting)[:self.MAX_RESEND]) if waiting else ""
            tx.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (self._RESEND_KEY, text))
        return out

    def resend_waiting(self) -> ResendResult:
        """``resend`` what the centre asked for while the queue was locked; call at unlock."""
        text = self._meta_value(self._RESEND_KEY, "")
        seqs = [s for lo, hi in integrity.parse_ranges(text) if 1 <= lo <= hi
                for s in range(lo, min(hi, lo + self.MAX_RESEND) + 1)]
        if not seqs or not self.unlocked:
            return ResendResult(waiting=seqs)
        return self.resend(seqs)

    # ---------------------------------------------------------------- counters, secrets

    def next_number(self, name: str, start: Callable[[], int] | None = None) -> int:
        """The next value of a persisted counter (1, 2, 3 … never handed out twice).

        Why in the queue file: a number drawn here survives with the records it labels,
        and a record that goes missing leaves its number used. ``start`` gives the value
        already used when the counter does not exist yet (called once, inside the
        transaction). Works locked.
        """
        if not isinstance(name, str) or not _COUNTER_RE.match(name):
            raise InvalidArgumentError("A counter name is 1-64 chars of a-z 0-9 _ . - /")
        key = f"counter/{name}"
        with self._lock, self._write() as tx:
            row = tx.execute("SELECT v FROM meta WHERE k = ?", (key,)).fetchone()
            current = row[0] if row is not None and type(row[0]) is int else None
            if current is None:
                current = max(0, int(start())) if start is not None else 0
            tx.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, current + 1))
            return current + 1

    def derived_secret(self, label: str) -> bytes:
        """32 bytes derived from the data key for ``label`` (HKDF-SHA256, RFC 5869): a
        caller's own key that exists only while the queue is unlocked — e.g. the private
        half of a key pair others may seal to while the station is locked. Unlocked only."""
        if not isinstance(label, str) or not _COUNTER_RE.match(label):
            raise InvalidArgumentError("A label is 1-64 chars of a-z 0-9 _ . - /")
        with self._lock:
            dek = self._require_unlocked("deriving a key")
            return keys.derive(dek, f"stationq/derived/1\x1f{label}\x1f{self.key_id}")

    def damaged(self, items: Iterable[Key | SealedRecord | RecordInfo]) -> dict[Key, str]:
        """The quick per-row form of ``verify()`` for a list on screen: each named version
        whose clear fields fail its audit entry, or whose state contradicts the chain,
        with the problem (no personal data). Works locked; a cost of two lookups a row."""
        out: dict[Key, str] = {}
        spans = None
        with self._lock:
            for rid, version in _as_keys(items):
                seq = self._seq_of(rid, version)
                if seq is None:
                    continue
                if not audit_chain.row_entry_ok(self._db, self.station_id, seq):
                    out[(rid, version)] = integrity.ROW_ALTERED
                    continue
                state = self._db.execute("SELECT state FROM records WHERE seq = ?",
                                         (seq,)).fetchone()[0]
                if state not in STATE_NAMES:
                    out[(rid, version)] = f"unknown state {state!r}"
                elif state >= ACKNOWLEDGED:
                    spans = spans or integrity.state_spans(self._db)
                    problem = integrity.state_problem(state, seq, *spans)
                    if problem is not None:
                        out[(rid, version)] = problem
        return out

    # ---------------------------------------------------------------- retention

    def _cutoff(self, now: float, retention: Retention) -> float:
        """Start of the station-local day ``retention.local_days`` days before ``now``'s day."""
        today = datetime.fromtimestamp(now).date()
        start = datetime.combine(today - timedelta(days=retention.local_days),
                                 datetime.min.time())
        return start.timestamp()

    def _held_seqs(self, keep: Iterable[Key | SealedRecord | RecordInfo]) -> list[int]:
        """The seqs of the versions named in ``keep``; unknown keys are ignored."""
        seqs = [self._seq_of(rid, version) for rid, version in _as_keys(keep)]
        return [seq for seq in seqs if seq is not None]

    # A local copy may go once it is past the cutoff and the data is safe elsewhere
    # (acknowledged, or sealed and waiting), unless the caller holds it.
    # A copy the centre could not open is not safe there: its local copy stays.
    _EXPIRED = ("local IS NOT NULL AND created_at < ? "
                "AND (state = 2 OR (state < 2 AND sealed IS NOT NULL "
                f"AND last_error IS NOT '{UNOPENABLE}'))")

    def purge(self, now: datetime | float | None = None, *,
              keep: Iterable[Key | SealedRecord | RecordInfo] = (),
              retention: Retention | None = None) -> PurgeResult:
        """Remove expired local copies whose data is safe elsewhere; acknowledged versions
        without a local copy become tombstones (state purged). Audited.

        ``keep`` holds versions the caller still has to read after their window (an
        appointment still open, say): their local copies stay and they are not
        tombstoned. The queue stores no hold — the caller passes its current list every
        time, so a hold ends the first purge after the caller drops it, and the queue
        never has to know why. ``retention`` is this call's window (default: the one
        given at ``create``), so a station can change it in its own settings.
        """
        window = self.retention if retention is None else retention
        if (not isinstance(window, Retention) or not isinstance(window.local_days, int)
                or window.local_days < 0):
            raise InvalidArgumentError("retention must be a Retention with local_days >= 0.")
        with self._lock:
            at = _epoch(now, self._clock())
            cutoff = self._cutoff(at, window)
            self._db.execute("PRAGMA secure_delete = ON")  # freed pages are zeroed
            try:
                with self._write() as tx:
                    held = json.dumps(self._held_seqs(keep))
                    kept = [seq for (seq,) in tx.execute(
                        f"SELECT seq FROM records WHERE {self._EXPIRED} "
                        "AND seq IN (SELECT value FROM json_each(?))", (cutoff, held))]
                    removed = tx.execute(
                        f"UPDATE records SET local = NULL, updated_at = ? WHERE {self._EXPIRED} "
                        "AND seq NOT IN (SELECT value FROM json_each(?))",
                        (at, cutoff, held)).rowcount
                    purged = tx.execute(
                        "UPDATE records SET state = 3, updated_at = ? "
                        "WHERE state = 2 AND local IS NULL", (at,)).rowcount
                    self._audit(tx, "purge", {"local_removed": removed, "purged": purged,
                                              "kept": len(kept), "kept_seqs": _ranges(kept),
                                              "cutoff": cutoff,
                                              "local_days": window.local_days})
            finally:
                self._db.execute("PRAGMA secure_delete = OFF")
            self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # old pages leave the WAL too
            return PurgeResult(removed, purged, len(kept))

    # ---------------------------------------------------------------- reports

    def stats(self, now: datetime | float | None = None) -> Stats:
        at = _epoch(now, self._clock())
        counts = dict.fromkeys(STATE_NAMES.values(), 0)
        with self._lock:
            for state, n in self._db.execute(
                "SELECT state, count(*) FROM records GROUP BY state"
            ):
                counts[STATE_NAMES.get(state, f"unknown:{state}")] = n
            firsts = [row for row in (
                self._db.execute("SELECT seq, created_at FROM records WHERE state < 2 AND "
                                 "attempts > 0 ORDER BY seq LIMIT 1").fetchone(),
                self._db.execute(f"SELECT seq, created_at FROM records WHERE seq >= "
                                 f"{_UNSENT_MARK} AND state < 2 AND attempts = 0 "
                                 "ORDER BY seq LIMIT 1").fetchone()) if row is not None]
            first = min(firsts)[1:] if firsts else None
            waiting = self._db.execute("SELECT count(*) FROM records WHERE state < 2 "
                                       "AND sealed IS NULL").fetchone()[0]
        age = None if first is None else timedelta(seconds=max(0.0, at - first[0]))
        return Stats(counts, sum(counts.values()), age, waiting, self.unlocked)

    def pending_count(self) -> int:
        """Versions awaiting acknowledgement (pending + sent), cheap enough for a status bar
        at any size (``stats()`` scans the whole table): an index count of those sent before
        plus the never-sent ones from the unsent mark on (see schema v3)."""
        with self._lock:
            return self._db.execute(
                "SELECT (SELECT count(*) FROM records WHERE state < 2 AND attempts > 0) + "
                f"(SELECT count(*) FROM records WHERE seq >= {_UNSENT_MARK} AND state < 2 "
                "AND attempts = 0)").fetchone()[0]

    def pulse(self) -> tuple[int, int, float | None]:
        """(head seq, versions awaiting acknowledgement, unix time of the newest version):
        what the sync client tells the centre so it can see records it has not received
        yet, even from a station that stops syncing (docs/sync-protocol.md, "Pulse")."""
        with self._lock:
            head, newest = self._db.execute(
                "SELECT max(seq), max(created_at) FROM records").fetchone()
        return int(head or 0), self.pending_count(), newest

    def audit_entries(self, after: int = 0, limit: int = 1000) -> list[AuditEntry]:
        """Audit events numbered after ``after`` (clear fields) — e.g. for the sync client."""
        out = []
        with self._lock:
            for n, at, event, fields, digest in audit_chain.events(
                self._db, after, self._seq_before_event(after)
            ):
                out.append(AuditEntry(n, _ts(at), event, json.loads(fields), digest))
                if len(out) >= limit:
                    break
        return out

    def _seq_before_event(self, n: int) -> int:
        """Largest seq whose audit event is <= n (binary search: audit_n grows with seq)."""
        lo, hi = 0, self._db.execute("SELECT coalesce(max(seq), 0) FROM records").fetchone()[0]
        while lo < hi:
            mid = (lo + hi + 1) // 2
            row = self._db.execute("SELECT audit_n FROM records WHERE seq = ?", (mid,)).fetchone()
            if row is None or row[0] is None:
                return 0  # damaged sequence: fall back to a full walk
            lo, hi = (mid, hi) if row[0] <= n else (lo, mid - 1)
        return lo

    # ---------------------------------------------------------------- integrity

    def verify(self) -> VerifyReport:
        """Check everything that can be checked; one damaged record never hides another."""
        with self._lock:
            return integrity.verify(self._db, station_id=self.station_id, key_id=self.key_id,
                                    cipher=self._cipher, enrolled=self._centre is not None)


def _meta_or_empty(text: object) -> dict[str, str]:
    """A row's clear metadata; {} when the stored text is not a JSON object (damaged:
    ``verify()`` and ``damaged()`` report it), so one row never breaks a list."""
    try:
        meta = json.loads(text)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return {}
    return meta if isinstance(meta, dict) else {}


def private_files(path: Path) -> None:
    """The queue file (created if missing) and its -wal/-shm side files: owner only (0600).

    SQLite gives a new -wal/-shm file the main file's mode, so the main file is made
    0600 before SQLite opens it; files an older version left 0644 are tightened too.
    """
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
    except OSError:
        return  # e.g. a read-only place: sqlite3 will say what is wrong
    for side in (path, Path(f"{path}-wal"), Path(f"{path}-shm"), Path(f"{path}-journal")):
        try:
            if side.stat().st_mode & 0o077:
                side.chmod(0o600)
        except OSError:
            continue


def _advance_unsent_mark(tx: sqlite3.Connection) -> None:
    """Move the unsent mark up to the oldest version still never sent (or past the end).

    The mark only ever moves forward: a version leaves the never-sent set (attempts = 0,
    state < 2) for good, and new versions get higher seqs. Each call walks from the old
    mark, so over the queue's life every row is stepped over at most once.
    """
    mark = tx.execute(f"SELECT {_UNSENT_MARK}").fetchone()[0]
    row = tx.execute("SELECT seq FROM records WHERE seq >= ? AND state < 2 AND attempts = 0 "
                     "ORDER BY seq LIMIT 1", (mark,)).fetchone()
    new = row[0] if row is not None else tx.execute(
        "SELECT coalesce(max(seq), 0) + 1 FROM records").fetchone()[0]
    if new != mark:
        tx.execute("INSERT OR REPLACE INTO meta VALUES ('unsent_from', ?)", (new,))


def _ranges(seqs: Iterable[int]) -> str:
    """'1-3,7' for [1, 2, 3, 7]: compact and clear for audit fields and reports."""
    out: list[str] = []
    ordered = sorted(seqs)
    i = 0
    while i < len(ordered):
        j = i
        while j + 1 < len(ordered) and ordered[j + 1] == ordered[j] + 1:
            j += 1
        out.append(str(ordered[i]) if i == j else f"{ordered[i]}-{ordered[j]}")
        i = j + 1
    return ",".join(out)


_KINDS_SEEN: set[str] = set()  # accepted kinds, so an append skips the regex


def _check_kind(kind: str) -> None:
    if type(kind) is str and kind in _KINDS_SEEN:
        return
    if not isinstance(kind, str) or not _KIND_RE.match(kind):
        raise InvalidArgumentError("A kind/event is 1-32 chars: a-z first, then a-z 0-9 _ . -")
    if type(kind) is str and len(_KINDS_SEEN) < 1024:
        _KINDS_SEEN.add(kind)


for _name in ("mark_unopenable", "unopenable", "reseal", "next_number", "derived_secret",
              "damaged", "unlock", "unlock_with_key", "add_slot",
              "rotate_slot", "remove_slot", "slots",
              "set_centre_key", "append_many", "amend", "audit", "info", "history",
              "read", "list", "pending", "mark_sent", "record_failure", "mark_conflict",
              "acknowledge", "purge", "stats", "pending_count", "audit_entries",
              "recovery_blob", "close"):
    setattr(Queue, _name, _storage_errors(getattr(Queue, _name)))
Queue.create = classmethod(_storage_errors(Queue.create.__func__))  # type: ignore[method-assign]
Queue.open = classmethod(_storage_errors(Queue.open.__func__))  # type: ignore[method-assign]

__all__ = ["ACKNOWLEDGED", "PURGED", "Queue", "default_delay"]
