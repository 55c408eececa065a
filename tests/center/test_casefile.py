"""The centre opens real sealed cases into typed files; a bad row is an entry, not a crash."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from stationq import TEST_KDF, Queue
from stationq.sealing import centre_key_for

from center import keys as ckeys
from center.casefile import CaseFile, Unreadable, case_ids, open_case, open_cases
from center.db import Incoming, SqliteStore
from station.catalogue.answers import clean_answers
from station.catalogue.loader import load_catalogue
from tests.center.casegen import record_cases


def _sync_direct(queue, store) -> None:
    """The records as a push would store them (the push path itself is tested in tests/sync)."""
    rows = [Incoming(r.record_id, r.version, r.seq, r.kind, r.meta, r.created_at.isoformat(),
                     r.suite, r.enc, r.record_id.encode() + bytes([r.version]))
            for r in queue.pending(limit=10_000)]
    store.store_batch(queue.station_id, "n1", 0, rows)


@pytest.fixture
def world(tmp_path):
    keys = ckeys.generate()
    queue = Queue.create(tmp_path / "q.db", station_id="st-test-1", slot="s01",
                         passphrase="pw-12345678", kdf=TEST_KDF,
                         centre_key=centre_key_for(keys.x25519))
    store = SqliteStore(tmp_path / "c.db")
    store.migrate()
    yield keys, queue, store
    store.close()
    queue.close()


@pytest.mark.slow  # every matter, recorded, sealed and opened
def test_every_matter_opens_typed_and_equal(world) -> None:
    keys, queue, store = world
    n = len(load_catalogue())
    recorded = record_cases(queue, n, today=date(2026, 12, 1))
    _sync_direct(queue, store)
    files = list(open_cases(store, keys, case_ids(store)))
    assert [f.record_id for f in files] == [rid for rid, _ in recorded]
    assert all(isinstance(f, CaseFile) for f in files), [f for f in files
                                                          if isinstance(f, Unreadable)]
    cat = load_catalogue()
    for f in files:
        local = queue.read(f.record_id).payload
        assert f.case_no == local["case_no"] and f.matter == local["matter"]
        assert f.resident.name == local["resident"]["name"]
        assert f.resident.id_number == local["resident"]["id"]["number"]
        assert f.resident.phone == local["answers"].get("phone", "")
        assert {a.code: a.text for a in f.answers} == local["answers"]
        typed = clean_answers(cat.get(f.matter), local["answers"], delivery=f.delivery,
                              today=f.outing_date)
        assert {a.code: a.value for a in f.answers} == typed
        assert all(a.problem == "" for a in f.answers)
        assert [m.code for m in f.received] == local["materials"]
        assert [m.code for m in f.missing] == local["missing"]
        assert [v.version for v in f.versions] == list(range(1, len(f.versions) + 1))
    amended = [f for f in files if len(f.versions) == 2]
    assert amended and all(f.versions[1].reason_code == "amend"
                           and f.versions[1].reason.startswith("补交材料") for f in amended)
    assert any(isinstance(a.value, Decimal) for f in files for a in f.answers)
    assert any(isinstance(a.value, date) for f in files for a in f.answers)
    # Nothing personal in a repr (a stray log line).
    assert files[0].resident.name not in repr(files[0])


def test_bad_rows_become_unreadable_entries(world) -> None:
    keys, queue, store = world
    recorded = record_cases(queue, 3, amend_every=0)
    queue.append("case", {"not": "a case"}, {"case_no": "X-1", "matter": "MZ01"})
    _sync_direct(queue, store)
    ids = case_ids(store)
    with store.tx() as cur:  # a flipped byte in one stored blob
        cur.execute("UPDATE records SET enc = ? WHERE record_id = ?",
                    (b"\x00" * 80, recorded[1][0]))
    out = list(open_cases(store, keys, ids))
    assert isinstance(out[0], CaseFile) and isinstance(out[2], CaseFile)
    assert out[1] == Unreadable(recorded[1][0], 1, "cannot_open", recorded[1][1],
                                out[1].matter)
    assert isinstance(out[3], Unreadable) and out[3].reason == "bad_payload"
    other = ckeys.generate()  # the wrong centre key opens nothing, raises nothing
    assert all(isinstance(x, Unreadable) and x.reason == "cannot_open"
               for x in open_cases(store, other, ids))
    assert open_case(store, keys, "no-such-id") is None
