"""The centre's storage: one schema, two engines (embedded SQLite, PostgreSQL).

Why hand-written SQL over an ORM: the few statements that matter (idempotent
batch insert, gaps-and-islands coverage) are the same text on both engines apart
from placeholders and a couple of type names, and they must be fast.
Sealed records are stored as the HPKE blobs the stations sent (encrypted at rest
under the centre key); the clear columns hold only non-personal metadata.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# Each migration is (version, statements); {blob}/{serial} differ per engine.
MIGRATIONS: list[tuple[int, list[str]]] = [
    (1, [
        """CREATE TABLE stations (
            station_id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE,
            sign_pub {blob} NOT NULL, inbox_pub {blob} NOT NULL,
            status TEXT NOT NULL DEFAULT 'active', enrolled_at BIGINT NOT NULL,
            revoked_at BIGINT)""",
        """CREATE TABLE enrolments (
            code_hash TEXT PRIMARY KEY, station_name TEXT NOT NULL,
            expires_at BIGINT NOT NULL, used_at BIGINT, station_id TEXT)""",
        """CREATE TABLE nonces (
            station_id TEXT NOT NULL, nonce TEXT NOT NULL, ts BIGINT NOT NULL,
            PRIMARY KEY (station_id, nonce))""",
        """CREATE TABLE records (
            record_id TEXT NOT NULL, version INTEGER NOT NULL,
            station_id TEXT NOT NULL, seq BIGINT NOT NULL, kind TEXT NOT NULL,
            meta TEXT NOT NULL, created_at TEXT NOT NULL, suite TEXT NOT NULL,
            enc {blob} NOT NULL, digest {blob} NOT NULL, received_at BIGINT NOT NULL,
            PRIMARY KEY (record_id, version))""",
        "CREATE INDEX records_station_seq ON records (station_id, seq)",
        """CREATE TABLE conflicts (
            id {serial} PRIMARY KEY, record_id TEXT NOT NULL, version INTEGER NOT NULL,
            station_id TEXT NOT NULL, seq BIGINT NOT NULL, kind TEXT NOT NULL,
            meta TEXT NOT NULL, suite TEXT NOT NULL, enc {blob} NOT NULL,
            digest {blob} NOT NULL, received_at BIGINT NOT NULL,
            resolved_at BIGINT, UNIQUE (record_id, version, digest))""",
        """CREATE TABLE cases (
            case_id TEXT PRIMARY KEY, station_id TEXT NOT NULL,
            status TEXT NOT NULL, updated_at BIGINT NOT NULL)""",
        """CREATE TABLE updates (
            id {serial} PRIMARY KEY, station_id TEXT, kind TEXT NOT NULL,
            body TEXT NOT NULL, created_at BIGINT NOT NULL)""",
        "CREATE INDEX updates_station ON updates (station_id, id)",
        """CREATE TABLE catalogue_versions (
            version TEXT PRIMARY KEY, sha256 TEXT NOT NULL, published_at BIGINT NOT NULL)""",
    ]),
    # Each station's last pulse (docs/sync-protocol.md, "Pulse"): what it holds that the
    # centre has not received, and when it was last heard from.
    (2, [
        """CREATE TABLE station_pulse (
            station_id TEXT PRIMARY KEY, last_contact BIGINT NOT NULL,
            head_seq BIGINT NOT NULL, pending BIGINT NOT NULL, newest_at BIGINT)""",
    ]),
    (3, [
        # Every look at personal data: who (an account or "cli:<user>" or
        # "integration:<name>"), what, which case (record id, never a name), why.
        """CREATE TABLE IF NOT EXISTS access_log (
            id {serial} PRIMARY KEY, at BIGINT NOT NULL, actor TEXT NOT NULL,
            action TEXT NOT NULL, case_ref TEXT, reason TEXT)""",
        "CREATE INDEX IF NOT EXISTS access_log_at ON access_log (at)",
        # Systems that fetch the export; only a hash of each key is kept.
        """CREATE TABLE integrations (
            name TEXT PRIMARY KEY, key_hash TEXT NOT NULL UNIQUE, created_at BIGINT NOT NULL,
            revoked_at BIGINT, per_minute INTEGER NOT NULL,
            export_cursor TEXT NOT NULL DEFAULT '', last_used_at BIGINT)""",
        "CREATE INDEX records_received ON records (received_at, record_id, version)",
        # Retention: when the sealed copy was dropped (enc is then empty).
        "ALTER TABLE records ADD COLUMN purged_at BIGINT",
    ]),
    # The back office (issue 21): account roles, the path of each case through the
    # centre, and the residents' progress tokens (hashed). Who looked at which case goes
    # to `access_log` (migration 3), shared with the export.
    (4, [
        # The accounts table the report pages made on first use (center/reports/data.py),
        # so the role can be added to it whichever came first.
        """CREATE TABLE IF NOT EXISTS report_supervisors (
            name TEXT PRIMARY KEY, phc TEXT NOT NULL, created_at BIGINT NOT NULL,
            failures INTEGER NOT NULL DEFAULT 0, retry_at BIGINT NOT NULL DEFAULT 0)""",
        # Every account made before roles existed was a supervisor, and stays one.
        "ALTER TABLE report_supervisors ADD COLUMN role TEXT NOT NULL DEFAULT 'supervisor'",
        # One row per status a case was given at the centre. `needed` (material codes)
        # and `delivery` are catalogue codes; the worker's words are sealed to the
        # centre's own key (`note_sealed`), since a reason may name the resident.
        """CREATE TABLE case_history (
            id {serial} PRIMARY KEY, case_id TEXT NOT NULL, status TEXT NOT NULL,
            at BIGINT NOT NULL, account TEXT NOT NULL, based_on INTEGER NOT NULL,
            needed TEXT NOT NULL DEFAULT '', delivery TEXT NOT NULL DEFAULT '',
            note_sealed TEXT NOT NULL DEFAULT '')""",
        "CREATE INDEX case_history_case ON case_history (case_id, id)",
        # SHA-256 of the resident's progress token → the case it opens (/q/<token>).
        """CREATE TABLE case_tokens (
            token_hash TEXT PRIMARY KEY, case_id TEXT NOT NULL, station_id TEXT NOT NULL)""",
        # When each case worker last opened the inbox: newer arrivals are listed first.
        """CREATE TABLE office_seen (
            account TEXT PRIMARY KEY, seen_at BIGINT NOT NULL)""",
    ]),
    # Repair (docs/sync-protocol.md, "Repair"; issue 18): seqs a station reported past
    # retention (no copy left to resend), and explicit `center station repair` asks.
    (5, [
        """CREATE TABLE past_retention (
            station_id TEXT NOT NULL, seq BIGINT NOT NULL, reported_at BIGINT NOT NULL,
            PRIMARY KEY (station_id, seq))""",
        """CREATE TABLE repair_asks (
            station_id TEXT PRIMARY KEY, asked_at BIGINT NOT NULL)""",
    ]),
]

ENGINE_TYPES = {
    "sqlite": {"blob": "BLOB", "serial": "INTEGER"},
    "postgresql": {"blob": "BYTEA", "serial": "BIGSERIAL"},
}


def _meta_encoder():
    """json.dumps(meta, ensure_ascii=False, sort_keys=True), the C encoder called directly:
    0.7 µs a record instead of 1.6 (JSONEncoder.encode's Python wrapping). Meta is a flat
    object of scalars (checked on arrival), so the circular-reference table it skips is
    not needed. Without the C accelerator, the documented encoder."""
    encoder = json.JSONEncoder(ensure_ascii=False, sort_keys=True)
    try:
        c_encode = json.encoder.c_make_encoder(  # type: ignore[attr-defined,misc]
            None, encoder.default, json.encoder.encode_basestring, None, ": ", ", ",
            True, False, True)
    except (AttributeError, TypeError):
        return encoder.encode
    join = "".join
    return lambda obj: join(c_encode(obj, 0))


_META_JSON = _meta_encoder()


class Replay(Exception):
    """The nonce was seen before: the whole batch is refused, nothing stored."""


class StationChanged(Exception):
    """The station was revoked, removed or given new keys since its key was read."""


@dataclass
class Incoming:
    """One opened record, ready to store."""

    record_id: str
    version: int
    seq: int
    kind: str
    meta: dict[str, Any]
    created_at: str
    suite: str
    enc: bytes
    digest: bytes
    # SHA-256 (hex) of a case's progress token, read from the sealed payload on arrival
    # (the token itself is never stored): what /q/<token> looks the case up by.
    token_hash: str = ""


class Store:
    """Engine-neutral storage; subclasses supply connections and placeholders."""

    engine = "sqlite"

    # --- plumbing -------------------------------------------------------------------
    @contextmanager
    def tx(self) -> Iterator[Any]:  # pragma: no cover - abstract
        raise NotImplementedError
        yield

    def q(self, sql: str) -> str:
        return sql

    def close(self) -> None:
        """Release connections."""

    def migrate(self) -> int:
        """Apply pending migrations; returns the schema version. Safe to run every start."""
        types = ENGINE_TYPES[self.engine]
        with self.tx() as cur:
            cur.execute("CREATE TABLE IF NOT EXISTS schema_migrations ("
                        "version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)")
        with self.tx() as cur:
            if self.engine == "postgresql":
                # Two servers starting together must not both migrate.
                cur.execute("LOCK TABLE schema_migrations IN EXCLUSIVE MODE")
            cur.execute("SELECT version FROM schema_migrations")
            done = {row[0] for row in cur.fetchall()}
            for version, statements in MIGRATIONS:
                if version in done:
                    continue
                for stmt in statements:
                    if stmt.startswith("ALTER TABLE") and self._has_column(cur, stmt):
                        continue  # a table made elsewhere already has it
                    cur.execute(stmt.format(**types))
                cur.execute(self.q("INSERT INTO schema_migrations VALUES (?, ?)"),
                            (version, _now()))
        return max(v for v, _ in MIGRATIONS)

    def _has_column(self, cur: Any, alter: str) -> bool:
        """Whether `ALTER TABLE t ADD COLUMN c …` would add a column `t` already has."""
        words = alter.split()
        table, column = words[2], words[5]
        if self.engine == "postgresql":
            cur.execute("SELECT 1 FROM information_schema.columns WHERE table_name = %s"
                        " AND column_name = %s AND table_schema = current_schema()",
                        (table, column))
            return cur.fetchone() is not None
        cur.execute(f"PRAGMA table_info({table})")
        return any(row[1] == column for row in cur.fetchall())

    def schema_version(self) -> int:
        with self.tx() as cur:
            cur.execute("SELECT MAX(version) FROM schema_migrations")
            return cur.fetchone()[0] or 0

    # --- enrolment -------------------------------------------------------------------
    def add_enrolment(self, code_hash: str, name: str, expires_at: int) -> None:
        with self.tx() as cur:
            cur.execute(self.q("INSERT INTO enrolments (code_hash, station_name, expires_at)"
                               " VALUES (?, ?, ?)"), (code_hash, name, expires_at))

    def enrol(self, code_hash: str, station_id: str, sign_pub: bytes, inbox_pub: bytes,
              now: int) -> str | None:
        """Use a code once; returns the station name, or None if unknown/used/expired."""
        with self.tx() as cur:
            cur.execute(self.q(
                "UPDATE enrolments SET used_at = ?, station_id = ? WHERE code_hash = ?"
                " AND used_at IS NULL AND expires_at > ? RETURNING station_name"),
                (now, station_id, code_hash, now))
            row = cur.fetchone()
            if row is None:
                return None
            name = row[0]
            # A revoked station keeps its row under a new name, so its records stay in the
            # reports and its key keeps getting 401 (docs/sync-protocol.md, "A stolen
            # laptop"); an active one is replaced (new keys for that name); a laptop
            # re-enrolled under its old id replaces its own row.
            cur.execute(self.q("DELETE FROM stations WHERE station_id = ?"), (station_id,))
            cur.execute(self.q("UPDATE stations SET name = name || ' (revoked ' ||"
                               " station_id || ')' WHERE name = ? AND status = 'revoked'"),
                        (name,))
            cur.execute(self.q("DELETE FROM stations WHERE name = ?"), (name,))
            cur.execute(self.q(
                "INSERT INTO stations (station_id, name, sign_pub, inbox_pub, status,"
                " enrolled_at) VALUES (?, ?, ?, ?, 'active', ?)"),
                (station_id, name, sign_pub, inbox_pub, now))
            return name

    def station(self, station_id: str) -> tuple[bytes, bytes, str, str, int] | None:
        """(sign_pub, inbox_pub, status, name, enrolled_at ms) of a station."""
        with self.tx() as cur:
            cur.execute(self.q("SELECT sign_pub, inbox_pub, status, name, enrolled_at"
                               " FROM stations WHERE station_id = ?"), (station_id,))
            row = cur.fetchone()
        return None if row is None else (bytes(row[0]), bytes(row[1]), row[2], row[3],
                                         int(row[4]))

    def find_station(self, name_or_id: str) -> tuple[str, str, bytes] | None:
        """(station_id, name, inbox_pub) by name or id."""
        with self.tx() as cur:
            cur.execute(self.q("SELECT station_id, name, inbox_pub FROM stations"
                               " WHERE name = ? OR station_id = ?"), (name_or_id, name_or_id))
            row = cur.fetchone()
        return None if row is None else (row[0], row[1], bytes(row[2]))

    def stations(self) -> list[tuple[str, str, str]]:
        with self.tx() as cur:
            cur.execute("SELECT station_id, name, status FROM stations ORDER BY name")
            return [tuple(r) for r in cur.fetchall()]

    def revoke(self, name_or_id: str) -> bool:
        with self.tx() as cur:
            cur.execute(self.q("UPDATE stations SET status = 'revoked', revoked_at = ?"
                               " WHERE name = ? OR station_id = ?"),
                        (_now(), name_or_id, name_or_id))
            return cur.rowcount > 0

    # --- push -------------------------------------------------------------------------
    def store_batch(self, station_id: str, nonce: str, ts: int,
                    items: Sequence[Incoming], sign_pub: bytes | None = None) -> list[str]:
        """Store a batch in one transaction; per item "stored" or "conflict".

        Why one transaction with the nonce: a centre killed mid-batch keeps neither
        the records nor the nonce, so the station's retry is accepted as new.
        With `sign_pub` the nonce is spent only while the station is active with that
        key (raises StationChanged otherwise), so a caller may check signatures
        against a cached key.
        """
        now = _now()
        with self.tx() as cur:
            if sign_pub is None:
                cur.execute(self.q("INSERT INTO nonces (station_id, nonce, ts)"
                                   " VALUES (?, ?, ?) ON CONFLICT DO NOTHING"),
                            (station_id, nonce, ts))
            else:
                cur.execute(self.q(
                    "INSERT INTO nonces (station_id, nonce, ts) SELECT ?, ?, ? WHERE EXISTS"
                    " (SELECT 1 FROM stations WHERE station_id = ? AND status = 'active'"
                    " AND sign_pub = ?) ON CONFLICT DO NOTHING"),
                    (station_id, nonce, ts, station_id, sign_pub))
            if cur.rowcount == 0:
                if sign_pub is not None:
                    cur.execute(self.q("SELECT 1 FROM stations WHERE station_id = ? AND"
                                       " status = 'active' AND sign_pub = ?"),
                                (station_id, sign_pub))
                    if cur.fetchone() is None:
                        raise StationChanged(station_id)
                raise Replay(nonce)
            if not items:
                return []
            meta = _META_JSON
            rows = [(i.record_id, i.version, station_id, i.seq, i.kind, meta(i.meta),
                     i.created_at, i.suite, i.enc, i.digest, now) for i in items]
            inserted = self._insert_records(cur, rows)
            # Only keys that were already held need a look: a resend or a conflict.
            held = [i.record_id for i in items
                    if inserted is None or (i.record_id, i.version) not in inserted]
            stored = self._digests(cur, held) if held else {}
            out: list[str] = []
            for item, row in zip(items, rows, strict=True):
                if inserted is not None and (item.record_id, item.version) in inserted:
                    out.append("stored")
                    continue
                have = stored.get((item.record_id, item.version))
                if have is not None and have == (station_id, item.digest):
                    out.append("stored")
                    continue
                cur.execute(self.q(
                    "INSERT INTO conflicts (record_id, version, station_id, seq, kind, meta,"
                    " suite, enc, digest, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                    " ON CONFLICT DO NOTHING"),
                    (*row[:6], *row[7:11]))
                out.append("conflict")
            tokens = [(i.token_hash, i.record_id, station_id) for i, st in zip(items, out,
                                                                              strict=True)
                      if i.token_hash and st == "stored"]
            if tokens:
                # The first case to name a hash keeps it: a station cannot take over
                # another case's progress page by repeating its hash.
                cur.executemany(self.q("INSERT INTO case_tokens (token_hash, case_id,"
                                       " station_id) VALUES (?, ?, ?) ON CONFLICT DO NOTHING"),
                                tokens)
            return out

    _RECORD_COLS = ("record_id, version, station_id, seq, kind, meta, created_at, suite, enc,"
                    " digest, received_at")

    def _insert_records(self, cur: Any, rows: list[tuple]) -> set[tuple[str, int]] | None:
        """Insert rows not yet held; returns the keys inserted, or None if unknown."""
        cur.executemany(f"INSERT INTO records ({self._RECORD_COLS}) VALUES"
                        " (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING", rows)
        return None

    def _digests(self, cur: Any, ids: list[str]) -> dict[tuple[str, int], tuple[str, bytes]]:
        if self.engine == "postgresql":
            cur.execute("SELECT record_id, version, station_id, digest FROM records"
                        " WHERE record_id = ANY(%s)", (list(set(ids)),))
        else:
            uniq = list(set(ids))
            cur.execute("SELECT record_id, version, station_id, digest FROM records"
                        f" WHERE record_id IN ({','.join('?' * len(uniq))})", uniq)
        return {(r[0], r[1]): (r[2], bytes(r[3])) for r in cur.fetchall()}

    def use_nonce(self, station_id: str, nonce: str, ts: int) -> None:
        """Spend a nonce outside a batch (pull); raises Replay when it was spent before."""
        with self.tx() as cur:
            cur.execute(self.q("INSERT INTO nonces (station_id, nonce, ts) VALUES (?, ?, ?)"
                               " ON CONFLICT DO NOTHING"), (station_id, nonce, ts))
            if cur.rowcount == 0:
                raise Replay(nonce)

    def prune_nonces(self, before_ms: int) -> None:
        with self.tx() as cur:
            cur.execute(self.q("DELETE FROM nonces WHERE ts < ?"), (before_ms,))

    # --- pull -------------------------------------------------------------------------
    def add_update(self, station_id: str | None, kind: str, body: dict[str, Any]) -> int:
        with self.tx() as cur:
            return self._add_update(cur, station_id, kind, body)

    def _add_update(self, cur: Any, station_id: str | None, kind: str,
                    body: dict[str, Any]) -> int:
        cur.execute(self.q("INSERT INTO updates (station_id, kind, body, created_at)"
                           " VALUES (?, ?, ?, ?) RETURNING id"),
                    (station_id, kind, json.dumps(body, ensure_ascii=False), _now()))
        return int(cur.fetchone()[0])

    def updates(self, station_id: str, cursor: int, limit: int) -> list[dict[str, Any]]:
        with self.tx() as cur:
            cur.execute(self.q(
                "SELECT id, kind, body FROM updates WHERE id > ? AND"
                " (station_id = ? OR station_id IS NULL) ORDER BY id LIMIT ?"),
                (cursor, station_id, limit))
            return [{"id": r[0], "kind": r[1], **json.loads(r[2])} for r in cur.fetchall()]

    # --- back office ------------------------------------------------------------------
    def find_case(self, case: str) -> tuple[str, str, str] | None:
        """(case record id, station id, case number) for a record id or a case number."""
        with self.tx() as cur:
            cur.execute(self.q("SELECT record_id, station_id, meta FROM records"
                               " WHERE record_id = ? AND version = 1"), (case,))
            row = cur.fetchone()
            if row is None:
                like = f'%"{case}"%'
                cur.execute(self.q("SELECT record_id, station_id, meta FROM records"
                                   " WHERE version = 1 AND meta LIKE ?"), (like,))
                for rid, sid, meta in cur.fetchall():
                    data = _meta_dict(meta)
                    if case in (data.get("case_no"), data.get("case_number")):
                        row = (rid, sid, meta)
                        break
        if row is None:
            return None
        meta = _meta_dict(row[2])
        return row[0], row[1], str(meta.get("case_no") or meta.get("case_number") or "")

    def case_status(self, case_id: str) -> str:
        with self.tx() as cur:
            cur.execute(self.q("SELECT status FROM cases WHERE case_id = ?"), (case_id,))
            row = cur.fetchone()
        return row[0] if row else "accepted"

    def set_case_status(self, case_id: str, station_id: str, status: str,
                        body: dict[str, Any]) -> int:
        with self.tx() as cur:
            cur.execute(self.q(
                "INSERT INTO cases (case_id, station_id, status, updated_at) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (case_id) DO UPDATE SET status = excluded.status,"
                " updated_at = excluded.updated_at"), (case_id, station_id, status, _now()))
            return self._add_update(cur, station_id, "case_status", body)

    def publish_catalogue(self, version: str, sha256: str, body: dict[str, Any]) -> int | None:
        with self.tx() as cur:
            cur.execute(self.q("INSERT INTO catalogue_versions VALUES (?, ?, ?)"
                               " ON CONFLICT DO NOTHING"), (version, sha256, _now()))
            if cur.rowcount == 0:
                return None
            return self._add_update(cur, None, "catalogue", body)

    def catalogue_texts(self) -> list[str]:
        """Every published catalogue's text, oldest first (for the matter codes)."""
        with self.tx() as cur:
            cur.execute("SELECT body FROM updates WHERE kind = 'catalogue' ORDER BY id")
            rows = cur.fetchall()
        out = []
        for (body,) in rows:
            try:
                content = json.loads(body).get("content")
            except (ValueError, AttributeError):
                continue
            if isinstance(content, str):
                out.append(content)
        return out

    # --- reports ----------------------------------------------------------------------
    def coverage(self) -> list[dict[str, Any]]:
        """Per station: contiguous sequence ranges received, and the gaps between them."""
        out = []
        # Only whole positive numbers count: a row of another type (SQLite keeps any type
        # in any column) must not break the report that reads this.
        ok = " AND seq >= 1" + (" AND typeof(seq) = 'integer'" if self.engine == "sqlite"
                                else "")
        for station_id, name, status in self.stations():
            with self.tx() as cur:
                cur.execute(self.q(
                    "SELECT MIN(seq), MAX(seq), COUNT(*) FROM ("
                    " SELECT seq, seq - ROW_NUMBER() OVER (ORDER BY seq) AS grp FROM ("
                    f"  SELECT seq FROM records WHERE station_id = ?{ok}"
                    f"  UNION SELECT seq FROM conflicts WHERE station_id = ?{ok}) s) g"
                    " GROUP BY grp ORDER BY 1"), (station_id, station_id))
                ranges = [(int(a), int(b)) for a, b, _ in cur.fetchall()]
                gone = self._past_retention(cur, station_id)  # see "repair" below
            gaps, lost = [], []
            prev = 0
            for lo, hi in ranges:
                if lo > prev + 1:
                    gaps.extend(_minus(prev + 1, lo - 1, gone))
                    lost.extend(_within(prev + 1, lo - 1, gone))
                prev = hi
            out.append({"station_id": station_id, "name": name, "status": status,
                        "ranges": ranges, "gaps": gaps, "past_retention": lost,
                        "received": sum(b - a + 1 for a, b in ranges)})
        return out

    # --- repair (docs/sync-protocol.md, "Repair") ------------------------------------
    def _held_ranges(self, cur: Any, station_id: str) -> list[tuple[int, int]]:
        """Contiguous seq ranges the centre holds from one station (records, conflicts)."""
        ok = " AND seq >= 1" + (" AND typeof(seq) = 'integer'" if self.engine == "sqlite"
                                else "")
        cur.execute(self.q(
            "SELECT MIN(seq), MAX(seq) FROM ("
            " SELECT seq, seq - ROW_NUMBER() OVER (ORDER BY seq) AS grp FROM ("
            f"  SELECT seq FROM records WHERE station_id = ?{ok}"
            f"  UNION SELECT seq FROM conflicts WHERE station_id = ?{ok}) s) g"
            " GROUP BY grp ORDER BY 1"), (station_id, station_id))
        return [(int(a), int(b)) for a, b in cur.fetchall()]

    def _past_retention(self, cur: Any, station_id: str) -> set[int]:
        ok = " AND typeof(seq) = 'integer'" if self.engine == "sqlite" else ""
        cur.execute(self.q(f"SELECT seq FROM past_retention WHERE station_id = ?{ok}"),
                    (station_id,))
        return {int(r[0]) for r in cur.fetchall()}

    def lacking(self, station_id: str, head_seq: int, tail: bool
                ) -> tuple[list[tuple[int, int]], set[int]]:
        """(what the centre lacks from a station, seqs it reported past retention): the
        gaps up to the highest seq held, and with `tail` on up to `head_seq` (the
        station's pulse), less the seqs reported past retention (nothing left to send)."""
        with self.tx() as cur:
            held = self._held_ranges(cur, station_id)
            gone = self._past_retention(cur, station_id)
        top = min(head_seq, held[-1][1] if held else 0) if not tail else head_seq
        out: list[tuple[int, int]] = []
        prev = 0
        for lo, hi in [*held, (top + 1, top + 1)]:
            for seq_lo, seq_hi in _minus(prev + 1, min(lo - 1, top), gone):
                out.append((seq_lo, seq_hi))
            prev = max(prev, hi)
            if prev >= top:
                break
        return out, gone

    def record_past_retention(self, station_id: str, ranges: list[tuple[int, int]],
                              now: int) -> int:
        """Keep seqs a station says it has no copy of any more; those the centre holds
        are skipped (a station cannot turn a received seq into a lost one)."""
        with self.tx() as cur:
            held = self._held_ranges(cur, station_id)
            rows = [(station_id, s, now) for lo, hi in ranges for s in range(lo, hi + 1)
                    if not any(a <= s <= b for a, b in held)]
            for row in rows:
                cur.execute(self.q(
                    "INSERT INTO past_retention (station_id, seq, reported_at) VALUES"
                    " (?, ?, ?) ON CONFLICT (station_id, seq) DO NOTHING"), row)
        return len(rows)

    def pulse_head(self, station_id: str) -> int | None:
        """The head seq of a station's latest pulse; None if it never sent one."""
        with self.tx() as cur:
            cur.execute(self.q("SELECT head_seq FROM station_pulse WHERE station_id = ?"),
                        (station_id,))
            row = cur.fetchone()
        return row[0] if row is not None and type(row[0]) is int and row[0] >= 0 else None

    def ask_repair(self, station_id: str, now: int) -> None:
        """`center station repair`: the next pull asks for everything up to the head seq."""
        with self.tx() as cur:
            cur.execute(self.q(
                "INSERT INTO repair_asks (station_id, asked_at) VALUES (?, ?)"
                " ON CONFLICT (station_id) DO UPDATE SET asked_at = excluded.asked_at"),
                (station_id, now))

    def repair_asked(self, station_id: str) -> bool:
        with self.tx() as cur:
            cur.execute(self.q("SELECT 1 FROM repair_asks WHERE station_id = ?"),
                        (station_id,))
            return cur.fetchone() is not None

    def clear_repair_ask(self, station_id: str) -> None:
        with self.tx() as cur:
            cur.execute(self.q("DELETE FROM repair_asks WHERE station_id = ?"), (station_id,))

    def record_pulse(self, station_id: str, now: int, head_seq: int, pending: int,
                     newest_at: int | None) -> None:
        """Keep a station's latest pulse; an older one arriving late never replaces it."""
        with self.tx() as cur:
            cur.execute(self.q(
                "INSERT INTO station_pulse (station_id, last_contact, head_seq, pending,"
                " newest_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (station_id) DO UPDATE SET"
                " last_contact = excluded.last_contact, head_seq = excluded.head_seq,"
                " pending = excluded.pending, newest_at = excluded.newest_at"
                " WHERE excluded.last_contact >= station_pulse.last_contact"),
                (station_id, now, head_seq, pending, newest_at))

    def pulses(self) -> list[dict[str, Any]]:
        """Per enrolled station, one query: its pulse (None fields if it never synced) and
        the highest seq and latest arrival the centre holds from it."""
        ok = " AND typeof(seq) = 'integer'" if self.engine == "sqlite" else ""
        with self.tx() as cur:
            cur.execute(
                "SELECT s.station_id, s.name, s.status, s.enrolled_at, p.last_contact,"
                " p.head_seq, p.pending, p.newest_at, r.max_seq, r.last_received"
                " FROM stations s LEFT JOIN station_pulse p ON p.station_id = s.station_id"
                " LEFT JOIN (SELECT station_id, MAX(seq) AS max_seq,"
                "  MAX(received_at) AS last_received FROM records"
                f"  WHERE seq >= 1{ok} GROUP BY station_id) r"
                " ON r.station_id = s.station_id ORDER BY s.name")
            rows = cur.fetchall()
        keys = ("station_id", "name", "status", "enrolled_at", "last_contact", "head_seq",
                "pending", "newest_at", "max_seq", "last_received")
        return [dict(zip(keys, row, strict=True)) for row in rows]

    def counts(self) -> dict[str, int]:
        with self.tx() as cur:
            res = {}
            for table in ("records", "conflicts", "nonces", "updates", "stations"):
                cur.execute(f"SELECT COUNT(*) FROM {table}")
                res[table] = int(cur.fetchone()[0])
            return res

    def record_keys(self) -> list[tuple[str, int, str, int]]:
        """(record_id, version, station_id, seq) of every stored record, for checks."""
        with self.tx() as cur:
            cur.execute("SELECT record_id, version, station_id, seq FROM records")
            return [tuple(r) for r in cur.fetchall()]

    def sealed(self, record_id: str, version: int) -> tuple[str, str, bytes] | None:
        """(station_id, suite, enc) so an authorised caller can open a stored record."""
        with self.tx() as cur:
            cur.execute(self.q("SELECT station_id, suite, enc FROM records"
                               " WHERE record_id = ? AND version = ?"), (record_id, version))
            row = cur.fetchone()
        return None if row is None else (row[0], row[1], bytes(row[2]))


    # --- access records, integrations, retention -------------------------------------
    def log_access(self, actor: str, action: str, case_refs: Sequence[str | None],
                   reason: str = "") -> None:
        """One access record per case looked at (a None ref: an action over no case)."""
        now = _now()
        with self.tx() as cur:
            cur.executemany(self.q("INSERT INTO access_log (at, actor, action, case_ref, reason)"
                                   " VALUES (?, ?, ?, ?, ?)"),
                            [(now, actor, action, ref, reason) for ref in case_refs])

    def access_records(self, limit: int = 1000) -> list[tuple[int, str, str, str | None,
                                                               str | None]]:
        """(at, actor, action, case_ref, reason), newest first."""
        with self.tx() as cur:
            cur.execute(self.q("SELECT at, actor, action, case_ref, reason FROM access_log"
                               " ORDER BY id DESC LIMIT ?"), (limit,))
            return [tuple(r) for r in cur.fetchall()]

    def add_integration(self, name: str, key_hash: str, per_minute: int) -> bool:
        with self.tx() as cur:
            cur.execute(self.q("INSERT INTO integrations (name, key_hash, created_at,"
                               " per_minute) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING"),
                        (name, key_hash, _now(), per_minute))
            return cur.rowcount > 0

    def revoke_integration(self, name: str) -> bool:
        with self.tx() as cur:
            cur.execute(self.q("UPDATE integrations SET revoked_at = ? WHERE name = ?"
                               " AND revoked_at IS NULL"), (_now(), name))
            return cur.rowcount > 0

    def integrations(self) -> list[tuple[str, int, int | None, int, str, int | None]]:
        """(name, created_at, revoked_at, per_minute, export_cursor, last_used_at)."""
        with self.tx() as cur:
            cur.execute("SELECT name, created_at, revoked_at, per_minute, export_cursor,"
                        " last_used_at FROM integrations ORDER BY name")
            return [tuple(r) for r in cur.fetchall()]

    def integration_by_hash(self, key_hash: str) -> tuple[str, int, bool] | None:
        """(name, per_minute, active) of the integration holding this key hash."""
        with self.tx() as cur:
            cur.execute(self.q("SELECT name, per_minute, revoked_at FROM integrations"
                               " WHERE key_hash = ?"), (key_hash,))
            row = cur.fetchone()
        return None if row is None else (row[0], int(row[1]), row[2] is None)

    def note_export(self, name: str, cursor: str, record_ids: Sequence[str]) -> None:
        """An integration fetched a page: its cursor and one access record per case."""
        now = _now()
        with self.tx() as cur:
            cur.execute(self.q("UPDATE integrations SET export_cursor = ?, last_used_at = ?"
                               " WHERE name = ?"), (cursor, now, name))
            cur.executemany(self.q("INSERT INTO access_log (at, actor, action, case_ref,"
                                   " reason) VALUES (?, ?, ?, ?, ?)"),
                            [(now, f"integration:{name}", "export_api", rid, "integration")
                             for rid in record_ids])

    def case_versions_after(self, received_at: int, record_id: str, version: int,
                            before: int, limit: int) -> list[tuple[int, str, int]]:
        """(received_at, record_id, version) of case versions after a cursor position and
        received before `before` (ms), in cursor order."""
        with self.tx() as cur:
            cur.execute(self.q(
                "SELECT received_at, record_id, version FROM records WHERE kind = 'case'"
                " AND received_at < ? AND (received_at > ? OR (received_at = ? AND"
                " (record_id > ? OR (record_id = ? AND version > ?))))"
                " ORDER BY received_at, record_id, version LIMIT ?"),
                (before, received_at, received_at, record_id, record_id, version, limit))
            return [(int(r[0]), r[1], int(r[2])) for r in cur.fetchall()]

    def purgeable_cases(self, done_before: int) -> list[str]:
        """Cases 办结 before `done_before` (ms) that still hold a sealed copy."""
        with self.tx() as cur:
            cur.execute(self.q(
                "SELECT c.case_id FROM cases c WHERE c.status = 'done' AND c.updated_at < ?"
                " AND EXISTS (SELECT 1 FROM records r WHERE r.record_id = c.case_id"
                " AND r.purged_at IS NULL) ORDER BY c.case_id"), (done_before,))
            return [r[0] for r in cur.fetchall()]

    def purge_sealed(self, case_ids: Sequence[str], actor: str, reason: str) -> int:
        """Drop the sealed copies of these cases (clear metadata stays for reports) and
        record it, in one transaction; returns the versions emptied."""
        now, n = _now(), 0
        with self.tx() as cur:
            for cid in case_ids:
                cur.execute(self.q("UPDATE records SET enc = ?, purged_at = ? WHERE"
                                   " record_id = ? AND purged_at IS NULL"), (b"", now, cid))
                n += cur.rowcount
                cur.execute(self.q("UPDATE conflicts SET enc = ? WHERE record_id = ?"),
                            (b"", cid))
            cur.executemany(self.q("INSERT INTO access_log (at, actor, action, case_ref,"
                                   " reason) VALUES (?, ?, ?, ?, ?)"),
                            [(now, actor, "purge", cid, reason) for cid in case_ids])
        return n


class SqliteStore(Store):
    """Embedded: one connection, serialised by a lock (SQLite has one writer anyway)."""

    engine = "sqlite"

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None,
                                     timeout=30)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=FULL")
        self._lock = threading.Lock()

    @contextmanager
    def tx(self) -> Iterator[sqlite3.Cursor]:
        with self._lock:
            cur = self._conn.cursor()
            cur.execute("BEGIN IMMEDIATE")
            try:
                yield cur
            except BaseException:
                cur.execute("ROLLBACK")
                raise
            cur.execute("COMMIT")

    def close(self) -> None:
        self._conn.close()


class PostgresStore(Store):
    """City-wide: psycopg 3 with a connection pool; one transaction per call."""

    engine = "postgresql"

    def __init__(self, url: str, max_size: int = 8, wait_s: float = 10.0) -> None:
        import psycopg
        from psycopg_pool import ConnectionPool

        psycopg.connect(url, connect_timeout=int(wait_s)).close()  # fail fast and quietly
        self._pool = ConnectionPool(url, min_size=1, max_size=max_size, open=True,
                                    kwargs={"autocommit": False}, configure=self._configure)
        try:
            self._pool.wait(timeout=wait_s)
        except Exception:
            self._pool.close()
            raise

    def q(self, sql: str) -> str:
        return sql.replace("?", "%s")

    @contextmanager
    def tx(self) -> Iterator[Any]:
        with self._pool.connection() as conn, conn.transaction(), conn.cursor() as cur:
            yield cur

    # A batch goes in by binary COPY: a few round trips per batch instead of a statement
    # per record. New records (the usual case) are copied straight into `records`; if
    # any is held already (a resend, a conflict), that COPY fails on the key and the batch
    # goes through a per-connection staging table and INSERT … ON CONFLICT DO NOTHING.
    _STAGING = ("CREATE TEMP TABLE IF NOT EXISTS incoming_records ("
                " record_id TEXT, version INTEGER, station_id TEXT, seq BIGINT, kind TEXT,"
                " meta TEXT, created_at TEXT, suite TEXT, enc BYTEA, digest BYTEA,"
                " received_at BIGINT) ON COMMIT DELETE ROWS")
    _STAGING_TYPES = ("text", "int4", "text", "int8", "text", "text", "text", "text", "bytea",
                      "bytea", "int8")

    def _configure(self, conn: Any) -> None:
        """Each pooled connection gets its staging table once (temp tables live as long
        as their connection)."""
        conn.execute(self._STAGING)
        conn.commit()

    def _copy(self, cur: Any, table: str, rows: list[tuple]) -> None:
        with cur.copy(f"COPY {table} ({self._RECORD_COLS}) FROM STDIN (FORMAT BINARY)") as copy:
            copy.set_types(self._STAGING_TYPES)
            for row in rows:
                copy.write_row(row)

    def _insert_records(self, cur: Any, rows: list[tuple]) -> set[tuple[str, int]] | None:
        from psycopg.errors import UniqueViolation

        cur.execute("SAVEPOINT batch")
        try:
            self._copy(cur, "records", rows)
        except UniqueViolation:
            cur.execute("ROLLBACK TO SAVEPOINT batch")
        else:
            return {(r[0], r[1]) for r in rows}
        self._copy(cur, "incoming_records", rows)
        cur.execute(f"INSERT INTO records ({self._RECORD_COLS}) SELECT {self._RECORD_COLS}"
                    " FROM incoming_records ON CONFLICT DO NOTHING RETURNING record_id, version")
        return {(r[0], r[1]) for r in cur.fetchall()}

    def close(self) -> None:
        self._pool.close()


def open_store(url: str | None, home: Path) -> Store:
    """`None` or `sqlite:///path` → SQLite; `postgresql://…` → PostgreSQL."""
    if url and url.startswith(("postgresql://", "postgres://")):
        return PostgresStore(url)
    if url and url.startswith("sqlite:///"):
        return SqliteStore(Path(url.removeprefix("sqlite:///")))
    if url:
        raise ValueError("db url must be sqlite:///PATH or postgresql://…")
    return SqliteStore(home / "center.sqlite3")


def _meta_dict(text: Any) -> dict[str, Any]:
    """Stored metadata as a dict; {} for a row that is not one (never fatal)."""
    try:
        value = json.loads(text)
    except (TypeError, ValueError, RecursionError):
        return {}
    return value if isinstance(value, dict) else {}


def _now() -> int:
    import time

    return int(time.time() * 1000)


def _minus(lo: int, hi: int, gone: set[int]) -> list[tuple[int, int]]:
    """The range lo..hi less the seqs in `gone`, as ranges; walks `gone`, never the range
    (a hostile row's seq can open a gap of billions)."""
    out: list[tuple[int, int]] = []
    start = lo
    for seq in sorted(s for s in gone if lo <= s <= hi):
        if seq > start:
            out.append((start, seq - 1))
        start = seq + 1
    if start <= hi:
        out.append((start, hi))
    return out


def _within(lo: int, hi: int, gone: set[int]) -> list[tuple[int, int]]:
    """The seqs of `gone` inside lo..hi, as ranges."""
    out: list[list[int]] = []
    for seq in sorted(s for s in gone if lo <= s <= hi):
        if out and seq == out[-1][1] + 1:
            out[-1][1] = seq
        else:
            out.append([seq, seq])
    return [(a, b) for a, b in out]
