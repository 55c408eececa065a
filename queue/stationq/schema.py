"""On-disk schema and its forward migrations.

Why ``PRAGMA user_version``: SQLite keeps it in the file header, so the version
changes atomically with the migration's transaction. Migrations only ever move
forward; a file written by a newer library is refused instead of guessed at.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

from stationq.errors import SchemaError

# state codes stored in records.state
PENDING, SENT, ACKNOWLEDGED, PURGED, CONFLICT = 0, 1, 2, 3, 4
STATE_NAMES = {PENDING: "pending", SENT: "sent", ACKNOWLEDGED: "acknowledged",
               PURGED: "purged", CONFLICT: "conflict"}


def _v1(db: sqlite3.Connection) -> None:
    db.execute("CREATE TABLE meta (k TEXT PRIMARY KEY, v) WITHOUT ROWID")
    db.execute(
        """CREATE TABLE slots (
            name TEXT PRIMARY KEY,
            kind TEXT NOT NULL CHECK (kind IN ('passphrase', 'recovery')),
            kdf TEXT,              -- Argon2id parameters + salt (passphrase slots)
            suite TEXT,            -- HPKE suite (recovery slot)
            wrapped BLOB NOT NULL, -- nonce || AES-GCM(KEK, DEK), or the HPKE blob
            created_at REAL NOT NULL
        )"""
    )
    db.execute(
        """CREATE TABLE records (
            seq INTEGER PRIMARY KEY,       -- per-station, gapless: rows are never deleted
            record_id TEXT NOT NULL,       -- UUIDv7, shared by all versions of a record
            version INTEGER NOT NULL,      -- 1, 2, ... (each version is its own sync unit)
            kind TEXT NOT NULL,
            created_at REAL NOT NULL,      -- unix time the record (version 1) was created
            updated_at REAL NOT NULL,      -- unix time of this row's last change
            state INTEGER NOT NULL DEFAULT 0,
            attempts INTEGER NOT NULL DEFAULT 0,
            last_error TEXT,
            meta TEXT NOT NULL DEFAULT '{}',  -- clear, non-personal metadata (JSON object)
            key_id TEXT,                   -- DEK id the local copy is under
            suite TEXT,                    -- HPKE suite of the sealed copy
            sealed_sha BLOB,               -- SHA-256 of the sealed copy (station cannot open it)
            audit_n INTEGER,               -- this row's own audit event (append/amend) ...
            audit_hash BLOB,               -- ... and its chain hash (see audit.py)
            local BLOB,                    -- nonce || AES-256-GCM(DEK, zlib(JSON payload))
            sealed BLOB                    -- HPKE enc || ciphertext of zlib(JSON envelope)
        )"""
    )
    db.execute("CREATE UNIQUE INDEX records_id ON records(record_id, version)")
    db.execute(
        """CREATE TABLE audit (
            n INTEGER PRIMARY KEY,
            at REAL NOT NULL,
            event TEXT NOT NULL,
            fields TEXT NOT NULL,          -- clear, non-personal JSON object
            prev BLOB NOT NULL,
            hash BLOB NOT NULL             -- SHA-256(prev || "n\x1fat\x1fevent\x1ffields")
        )"""
    )


def _v2(db: sqlite3.Connection) -> None:
    # pending(limit) walks only records still awaiting an ack, in seq order, so its cost
    # does not grow with the acknowledged history (see the EXPLAIN QUERY PLAN test).
    db.execute("CREATE INDEX records_unacked ON records(seq) WHERE state < 2")


def _v3(db: sqlite3.Connection) -> None:
    # An append no longer writes a leaf of a pending index (one B-tree page less per
    # commit). Versions never sent (attempts = 0) are found by seq range from a low-water
    # mark, meta 'unsent_from', which only moves forward; the few versions sent but not
    # yet acknowledged (a retry, a refusal waiting for a person) have this small index.
    db.execute("CREATE INDEX records_tried ON records(seq) WHERE state < 2 AND attempts > 0")
    db.execute("INSERT OR REPLACE INTO meta VALUES ('unsent_from', coalesce("
               "(SELECT min(seq) FROM records WHERE state < 2 AND attempts = 0), "
               "(SELECT coalesce(max(seq), 0) + 1 FROM records)))")
    db.execute("DROP INDEX records_unacked")


def _v4(db: sqlite3.Connection) -> None:
    # New record ids carry their seq (see ids.py), so a record's version 1 is found by
    # primary key and an append no longer writes a leaf of the id index. Later versions
    # keep an index of their own (written only by amendments), as do the ids of rows
    # written before this step ('id_seq_from': the first seq whose id carries it; the
    # literal bound is what lets SQLite use that partial index).
    first = db.execute("SELECT coalesce(max(seq), 0) + 1 FROM records").fetchone()[0]
    db.execute("INSERT OR REPLACE INTO meta VALUES ('id_seq_from', ?)", (first,))
    db.execute("CREATE UNIQUE INDEX records_versions ON records(record_id, version) "
               "WHERE version > 1")
    if first > 1:
        db.execute(f"CREATE UNIQUE INDEX records_legacy_id ON records(record_id, version) "
                   f"WHERE seq < {int(first)}")
    db.execute("DROP INDEX records_id")


def _v5(db: sqlite3.Connection) -> None:
    # Record rows from here on carry the SHA-256 of their clear metadata in their own
    # audit entry (see audit.py), so verify() finds a flipped metadata byte; rows
    # already written keep their entries (their metadata was never hashed, and
    # re-hashing it now would vouch for whatever the file holds today).
    # (OR IGNORE: a file whose mark is already there keeps it.)
    first = db.execute("SELECT coalesce(max(seq), 0) + 1 FROM records").fetchone()[0]
    db.execute("INSERT OR IGNORE INTO meta VALUES ('meta_bound_from', ?)", (first,))


MIGRATIONS: list[Callable[[sqlite3.Connection], None]] = [_v1, _v2, _v3, _v4, _v5]
LATEST = len(MIGRATIONS)


def version(db: sqlite3.Connection) -> int:
    return db.execute("PRAGMA user_version").fetchone()[0]


def migrate(db: sqlite3.Connection, upto: int = LATEST) -> int:
    """Bring the file to ``upto``, one transaction per step; returns the version reached."""
    current = version(db)
    if current > LATEST:
        raise SchemaError(
            f"The queue file has schema version {current}, newer than this library "
            f"understands ({LATEST}); upgrade the station software."
        )
    while current < upto:
        db.execute("BEGIN IMMEDIATE")
        try:
            current = version(db)  # another process may have migrated meanwhile
            if current >= upto:
                db.execute("ROLLBACK")
                break
            MIGRATIONS[current](db)
            current += 1
            db.execute(f"PRAGMA user_version = {current}")
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
    return current
