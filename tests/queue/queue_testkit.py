"""Constants and helpers shared by the queue tests (imported by module name: no packages here)."""

from __future__ import annotations

STATION = "st-test-01"
SLOT, PASS = "s01", "correct horse battery staple"


class FakeClock:
    """Seconds since the epoch; only moves when a test says so."""

    def __init__(self, start: float = 1_790_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def v3_style_id(seq: int, ms: int) -> str:
    """An id as schema v3 made them: UUIDv7 with random bits where v4 puts the seq."""
    import os

    rand = int.from_bytes(os.urandom(10))
    return "%08x-%04x-7%03x-%04x-%012x" % (  # noqa: UP031
        (ms >> 16) & 0xFFFFFFFF, ms & 0xFFFF, rand >> 68, 0x8000 | (rand >> 48) & 0x3FFF,
        rand & 0xFFFFFFFFFFFF)


def downgrade(path, to: int) -> None:
    """Make a current file look like one written at schema version ``to`` (1, 2 or 3).

    Only the schema goes back; rows keep their ids. A test that needs ids as v3 wrote
    them writes its rows with ``v3_style_id`` (monkeypatched over ``ids.record_id``).
    """
    import sqlite3

    db = sqlite3.connect(path, isolation_level=None)
    db.execute("DROP INDEX records_versions")
    db.execute("DROP INDEX IF EXISTS records_legacy_id")
    db.execute("CREATE UNIQUE INDEX records_id ON records(record_id, version)")
    db.execute("DELETE FROM meta WHERE k = 'id_seq_from'")
    if to < 3:
        db.execute("DROP INDEX records_tried")
        db.execute("DELETE FROM meta WHERE k = 'unsent_from'")
    if to == 2:
        db.execute("CREATE INDEX records_unacked ON records(seq) WHERE state < 2")
    db.execute(f"PRAGMA user_version = {to}")
    db.close()
