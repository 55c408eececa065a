"""The queue's API end to end on real files: records, versions, sync states, retention."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from stationq import TEST_KDF, Queue, Retention
from stationq.errors import (
    ClearMetaError,
    InvalidArgumentError,
    LockedError,
    NotFoundError,
    NotReadableError,
    SchemaError,
)
from stationq.sealing import open_envelope, open_sealed

from tests.queue.queue_testkit import PASS, SLOT, STATION, downgrade

CASE = {"name": "李秀英", "id": "110101194003071234", "matter": "A01", "answers": {"k": 1}}


def test_append_get_amend_history(make_queue):
    q = make_queue()
    info = q.append("case", CASE, {"matter": "A01", "site": "xinhua", "date": "2026-11-22"})
    assert (info.seq, info.version, info.state) == (1, 1, "pending")
    assert q.get(info.record_id) == CASE
    amended = q.amend(info.record_id, {**CASE, "name": "李秀瑛"}, reason="name typo")
    assert (amended.record_id, amended.version, amended.seq) == (info.record_id, 2, 2)
    assert amended.meta == info.meta  # kept when meta=None
    assert q.get(info.record_id)["name"] == "李秀瑛"
    assert q.get(info.record_id, 1)["name"] == "李秀英"
    assert q.read(info.record_id).reason == "name typo"
    assert [h.version for h in q.history(info.record_id)] == [1, 2]
    with pytest.raises(NotFoundError):
        q.amend("01900000-0000-7000-8000-000000000000", CASE, reason="x")
    with pytest.raises(InvalidArgumentError):
        q.amend(info.record_id, CASE, reason="  ")


def test_list_by_kind_date_and_meta(make_queue, clock):
    q = make_queue()
    a = q.append("case", {"x": 1}, {"matter": "A01", "site": "s1"})
    clock.advance(86400)
    b = q.append("visit", {"x": 2}, {"matter": "A02", "site": "s1"})
    c = q.append("case", {"x": 3}, {"matter": "A01", "site": "s2"})
    q.amend(a.record_id, {"x": 4}, reason="fix")
    assert [r.record_id for r in q.list(kind="case")] == [c.record_id, a.record_id]
    assert [r.version for r in q.list(kind="case", all_versions=True)] == [1, 1, 2]
    assert [r.record_id for r in q.list(site="s1")] == [b.record_id, a.record_id]
    assert [r.record_id for r in q.list(matter="A01", site="s2")] == [c.record_id]
    day2 = datetime.fromtimestamp(clock.now - 10, tz=UTC)
    assert {r.record_id for r in q.list(since=day2)} == {b.record_id, c.record_id}
    assert [r.record_id for r in q.list(until=day2)] == [a.record_id]


def test_clear_meta_rejects_undeclared_keys_and_personal_values(make_queue):
    q = make_queue()
    for meta in ({"name": "x"}, {"matter": "110101194003071234"}, {"site": "138 1234 5678"},
                 {"ref": "someone@example.org"}, {"matter": "1234567"}, {"matter": 5}):
        with pytest.raises(ClearMetaError) as err:
            q.append("case", {"x": 1}, meta)
        for value in meta.values():
            assert str(value) not in str(err.value)  # the value never leaks via the message
    assert q.stats().total == 0
    assert q.append("case", {"x": 1}, {"date": "2026-11-22", "staff": "s01"}).seq == 1


def test_custom_clear_keys(make_queue):
    q = make_queue(clear_keys=["matter", "desk"])
    q.append("case", {}, {"desk": "d2"})
    with pytest.raises(ClearMetaError):
        q.append("case", {}, {"site": "x"})


def test_locked_queue_keeps_recording_sealed_only(make_queue, centre):
    priv, key = centre
    q = make_queue(key)
    q.lock()
    assert not q.unlocked
    info = q.append("case", CASE, {"matter": "A01"})
    assert (info.has_local, info.has_sealed) == (False, True)
    with pytest.raises(LockedError):
        q.get(info.record_id)
    (sealed,) = q.pending()
    assert open_sealed(priv, sealed.suite, STATION, info.record_id, 1, sealed.enc) == CASE
    assert q.list()[0].meta == {"matter": "A01"}  # clear metadata still listable
    q.unlock(SLOT, PASS)
    with pytest.raises(NotReadableError) as err:
        q.get(info.record_id)
    assert "locked" in str(err.value)


def test_locked_before_enrolment_refuses_to_record(make_queue):
    q = make_queue()
    q.lock()
    with pytest.raises(LockedError):
        q.append("case", CASE)
    assert q.stats().total == 0


def test_enrolment_seals_earlier_records(make_queue, centre):
    priv, key = centre
    q = make_queue()
    infos = [q.append("case", {"i": i}, {"matter": "A01"}) for i in range(3)]
    q.amend(infos[0].record_id, {"i": 10}, reason="r")
    assert q.pending() == []
    assert q.stats().awaiting_seal == 4
    assert q.set_centre_key(key) == 4
    assert q.set_centre_key(key) == 0  # idempotent
    pend = q.pending()
    assert [p.seq for p in pend] == [1, 2, 3, 4]
    env = open_envelope(priv, pend[3].suite, STATION, pend[3].record_id, 2, pend[3].enc)
    assert (env["payload"], env["reason"], env["seq"], env["kind"]) == ({"i": 10}, "r", 4, "case")
    assert q.stats().awaiting_seal == 0
    assert q.verify().ok


def test_sync_states_and_pending_order(make_queue, centre, clock):
    _, key = centre
    q = make_queue(key)
    infos = [q.append("case", {"i": i}) for i in range(6)]
    assert [p.seq for p in q.pending(4)] == [1, 2, 3, 4]
    assert [p.seq for p in q.pending(2, after_seq=4)] == [5, 6]
    assert q.mark_sent(q.pending(3)) == 3
    assert q.info(infos[0].record_id).state == "sent"
    assert q.info(infos[0].record_id).attempts == 1
    assert q.record_failure([infos[1].key], "centre unreachable") == 1
    failed = q.info(infos[1].record_id)
    assert (failed.state, failed.last_error) == ("pending", "centre unreachable")
    assert q.acknowledge([infos[0].key, infos[2].key, ("nope", 1)]) == 2
    assert q.acknowledge([infos[0].key]) == 0  # idempotent
    assert q.mark_conflict([infos[3].key], "same id, different content") == 1
    assert [p.seq for p in q.pending()] == [2, 5, 6]
    clock.advance(30)
    stats = q.stats()
    assert stats.counts == {"pending": 3, "sent": 0, "acknowledged": 2, "purged": 0,
                            "conflict": 1}
    assert stats.oldest_pending_age == timedelta(seconds=30)
    acked = q.info(infos[0].record_id)
    assert (acked.has_sealed, acked.has_local) == (False, True)
    assert q.verify().ok


def test_retention_purge_and_tombstones(make_queue, centre, clock):
    _, key = centre
    q = make_queue(key, retention=Retention(local_days=1))
    a = q.append("case", CASE, {"matter": "A01"})
    b = q.append("case", CASE, {"matter": "A02"})
    q.acknowledge([a.key])
    assert q.purge() == (0, 0) or q.purge().local_removed == 0  # same day: nothing goes
    clock.advance(86400)
    assert q.purge().local_removed == 0  # within local_days=1
    clock.advance(2 * 86400)
    result = q.purge()
    assert (result.local_removed, result.purged) == (2, 1)
    tomb = q.info(a.record_id)
    assert (tomb.state, tomb.has_local, tomb.has_sealed, tomb.meta) == (
        "purged", False, False, {"matter": "A01"})
    still = q.info(b.record_id)  # not acknowledged: sealed copy stays for sync
    assert (still.state, still.has_local, still.has_sealed) == ("pending", False, True)
    with pytest.raises(NotReadableError):
        q.get(a.record_id)
    assert any(e.event == "purge" for e in q.audit_entries())
    assert q.verify().ok


def test_purge_keeps_local_copy_when_nothing_else_holds_the_data(make_queue, clock):
    q = make_queue()  # not enrolled: the local copy is the only copy
    a = q.append("case", CASE)
    clock.advance(10 * 86400)
    assert q.purge().local_removed == 0
    assert q.get(a.record_id) == CASE


def test_reopen_keeps_everything(make_queue, centre, tmp_path, clock):
    _, key = centre
    q = make_queue(key)
    a = q.append("case", CASE, {"matter": "A01"})
    q.close()
    q2 = Queue.open(tmp_path / "q.sqlite3", clock=clock)
    assert not q2.unlocked
    assert q2.centre_key == key
    q2.unlock(SLOT, PASS)
    assert q2.get(a.record_id) == CASE
    b = q2.append("case", CASE)
    assert b.seq == 2
    assert q2.verify().ok
    q2.close()


def test_refuses_to_create_over_existing_file(make_queue, tmp_path):
    make_queue()
    with pytest.raises(InvalidArgumentError):
        Queue.create(tmp_path / "q.sqlite3", station_id=STATION, slot=SLOT, passphrase=PASS,
                     kdf=TEST_KDF)


def test_payload_must_be_json_object(make_queue):
    q = make_queue()
    with pytest.raises(InvalidArgumentError):
        q.append("case", {"when": datetime.now()})
    with pytest.raises(InvalidArgumentError):
        q.append("Bad Kind", {})
    with pytest.raises(InvalidArgumentError):
        q.append("case", {"x": float("nan")})
    with pytest.raises(InvalidArgumentError):
        q.append("case", {}, [("matter", "A01")])
    with pytest.raises(InvalidArgumentError):
        q.append("case", {}, [])  # empty, but still not a mapping
    cyclic: dict = {}
    cyclic["self"] = cyclic
    with pytest.raises(InvalidArgumentError):
        q.append("case", cyclic)
    for kind in (5, ["case"], None, "case" * 9):
        with pytest.raises(InvalidArgumentError):
            q.append(kind, {})
    assert q.stats().total == 0


def test_metadata_from_the_cache_is_a_fresh_dict(make_queue):
    q = make_queue()
    first = q.append("case", {}, {"matter": "A01"})
    first.meta["matter"] = "changed by the caller"
    assert q.append("case", {}, {"matter": "A01"}).meta == {"matter": "A01"}
    assert q.info(first.record_id).meta == {"matter": "A01"}


def _index_names(q: Queue) -> set[str]:
    return {name for (name,) in q._db.execute(
        "SELECT name FROM sqlite_master WHERE type = 'index' AND name LIKE 'records_%'")}


def test_forward_migration_from_v1(tmp_path, clock):
    import sqlite3

    from stationq import schema

    path = tmp_path / "old.sqlite3"
    q = Queue.create(path, station_id=STATION, slot=SLOT, passphrase=PASS, kdf=TEST_KDF,
                     clock=clock)
    q.append("case", CASE)
    q.close()
    downgrade(path, 1)
    q = Queue.open(path, clock=clock)
    assert schema.version(q._db) == schema.LATEST
    assert _index_names(q) == {"records_versions", "records_legacy_id", "records_tried"}
    assert q.pending_count() == 1
    q.close()
    db = sqlite3.connect(path, isolation_level=None)
    db.execute(f"PRAGMA user_version = {schema.LATEST + 1}")
    db.close()
    with pytest.raises(SchemaError):
        Queue.open(path)


def test_forward_migration_from_v2_sets_the_unsent_mark(tmp_path, clock, centre):
    """v3 drops the pending index for the sent-only index plus the unsent mark."""
    _, key = centre
    path = tmp_path / "v2.sqlite3"
    q = Queue.create(path, station_id=STATION, slot=SLOT, passphrase=PASS, kdf=TEST_KDF,
                     clock=clock, centre_key=key)
    infos = [q.append("case", {"i": i}) for i in range(8)]
    q.mark_sent(infos[:5])
    q.acknowledge([infos[0], infos[2], infos[3]])  # 2 (seq) is sent, 4 and 5 too
    q.close()
    downgrade(path, 2)
    q = Queue.open(path, clock=clock)
    assert _index_names(q) == {"records_versions", "records_legacy_id", "records_tried"}
    assert q._db.execute("SELECT v FROM meta WHERE k = 'unsent_from'").fetchone()[0] == 6
    assert [p.seq for p in q.pending(500)] == [2, 5, 6, 7, 8]
    assert q.pending_count() == 5
    assert q.verify().ok
    q.close()


def test_caller_audit_events(make_queue):
    q = make_queue()
    a = q.append("case", CASE)
    n = q.audit("print", id=a.record_id, document="receipt")
    entries = q.audit_entries()
    assert entries[-1].n == n and entries[-1].event == "print"
    assert entries[-1].fields == {"id": a.record_id, "document": "receipt"}
    with pytest.raises(ClearMetaError):
        q.audit("print", note="13812345678")
    assert [e.event for e in q.audit_entries(after=n - 1)] == ["print"]
    assert q.verify().ok


def test_audit_entries_page_through_both_homes(make_queue):
    q = make_queue()
    for i in range(5):
        q.append("case", {"i": i})
        q.audit("print", document="receipt")
    all_entries = q.audit_entries()
    assert [e.n for e in all_entries] == list(range(1, len(all_entries) + 1))
    assert [e.n for e in q.audit_entries(after=6, limit=3)] == [7, 8, 9]
    assert q.audit_entries(after=7)[0].n == 8


def test_codes_with_digits_are_not_mistaken_for_personal_data(make_queue):
    q = make_queue()
    for value in ("S13-261122-001", "st-test-01-261122-013", "2026-11-22", "A01", "3",
                  "01a1118f-ef40-716c-88f6-2e6946e52b2d"):
        q.append("case", {}, {"case_no": value})
    for value in ("+86 139-1234-5678", "1101 0519 4912 3100 2X", "(021) 64371234"):
        with pytest.raises(ClearMetaError):
            q.append("case", {}, {"case_no": value})


def test_append_many_is_one_all_or_nothing_transaction(make_queue, centre):
    _, key = centre
    q = make_queue(key)
    infos = q.append_many([("case", {"i": i}, {"matter": "A01"}) for i in range(100)])
    assert [i.seq for i in infos] == list(range(1, 101))
    assert q.get(infos[57].record_id) == {"i": 57}
    with pytest.raises(ClearMetaError):
        q.append_many([("case", {"i": 1}, None), ("case", {"i": 2}, {"name": "x"})])
    assert q.stats().total == 100
    assert len(q.pending(500)) == 100
    assert q.verify().ok


def test_threads_share_one_queue(make_queue, centre):
    """The sync worker pushes from its thread while the desk appends from another."""
    import threading

    _, key = centre
    q = make_queue(key)
    errors: list[BaseException] = []

    def desk():
        try:
            for i in range(150):
                q.append("case", {"i": i}, {"matter": "A01"})
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    def sync():
        try:
            for _ in range(150):
                batch = q.pending(7)
                q.mark_sent(batch)
                q.acknowledge(batch)
                q.stats()
        except BaseException as exc:  # pragma: no cover
            errors.append(exc)

    threads = [threading.Thread(target=desk), threading.Thread(target=sync)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert [r.seq for r in q.list(all_versions=True)] == list(range(1, 151))
    assert q.verify().ok


def test_pending_count_matches_stats(make_queue, centre):
    _, key = centre
    q = make_queue(key)
    infos = [q.append("case", {"i": i}) for i in range(5)]
    q.mark_sent([infos[0].key])
    q.acknowledge([infos[1].key])
    counts = q.stats().counts
    assert q.pending_count() == counts["pending"] + counts["sent"] == 4


def test_two_connections_interleave_without_gaps_or_forks(make_queue, centre, tmp_path, clock):
    """The cached next seq / audit tail are dropped when another connection wrote."""
    _, key = centre
    a = make_queue(key)
    b = Queue.open(tmp_path / "q.sqlite3", clock=clock)
    b.unlock(SLOT, PASS)
    try:
        for i in range(10):
            writer = a if i % 3 else b
            writer.append("case", {"i": i})
            (b if writer is a else a).audit("print", document="receipt")
        seqs = [r.seq for r in a.list(all_versions=True)]
        assert seqs == list(range(1, 11))
        assert a.verify().ok and b.verify().ok
    finally:
        b.close()


def test_single_statement_append_notices_the_other_connection(make_queue, centre, tmp_path,
                                                              clock):
    """An append straight after another connection's append or audit event (nothing in
    between that would refresh the cache) must neither reuse a seq nor fork the chain."""
    _, key = centre
    a = make_queue(key)
    b = Queue.open(tmp_path / "q.sqlite3", clock=clock)
    try:
        a.append("case", {"i": 0})  # a's cache now holds the next seq and the audit tail
        b.append("case", {"i": 1})  # takes the seq a has cached
        assert a.append("case", {"i": 2}).seq == 3
        b.audit("print", document="receipt")  # takes the audit number a has cached
        assert a.append("case", {"i": 3}).seq == 4
        assert a.append("case", {"i": 4}).seq == 5  # the cache is good again
        assert [r.seq for r in a.list(all_versions=True)] == [1, 2, 3, 4, 5]
        numbers = [e.n for e in a.audit_entries()]
        assert numbers == list(range(1, len(numbers) + 1))
        assert a.verify().ok and b.verify().ok
    finally:
        b.close()


def test_everything_the_readme_lists_as_working_locked(make_queue, centre, clock):
    """README "What works while locked", call by call, on a locked enrolled queue."""
    _, key = centre
    q = make_queue(key)
    a = q.append("case", CASE, {"matter": "A01"})
    q.lock()
    b = q.append("case", CASE, {"matter": "A02"})
    c = q.amend(a.record_id, CASE, reason="locked amend")
    assert q.append_many([("case", {"i": 1}, None)])[0].has_local is False
    assert [p.seq for p in q.pending()] == [1, 2, 3, 4]
    assert q.mark_sent([b.key]) == 1
    assert q.record_failure([b.key], "offline") == 1
    assert q.mark_conflict([(a.record_id, 1)], "conflict") == 1
    assert q.acknowledge([c.key]) == 1
    clock.advance(3 * 86400)
    assert q.purge().purged == 1  # c: acknowledged and never had a local copy
    assert q.stats().counts["purged"] == 1 and q.pending_count() == 2
    assert len(q.list(all_versions=True)) == 4 and q.info(b.record_id).seq == 2
    assert [h.version for h in q.history(a.record_id)] == [1, 2]
    q.audit("print", document="receipt")
    assert q.audit_entries()[-1].event == "print"
    report = q.verify()
    assert report.ok and not report.aead_checked
    for call in (lambda: q.get(a.record_id), lambda: q.read(a.record_id),
                 lambda: q.add_slot("s02", "x"), lambda: q.rotate_slot(SLOT, "x"),
                 lambda: q.remove_slot(SLOT)):
        with pytest.raises(LockedError):
            call()
    assert not q.unlocked


def test_pending_gives_plain_values_with_their_own_metadata(make_queue, centre):
    """pending() builds its records without the dataclass __init__: they must still equal
    ones built the ordinary way, and each must own its metadata dict."""
    from dataclasses import replace

    from stationq.model import SealedRecord

    _, key = centre
    q = make_queue(key)
    a = q.append("case", CASE, {"matter": "A01"})
    q.append("case", CASE, {"matter": "A01"})
    first, second = q.pending(10)
    rebuilt = SealedRecord(first.record_id, first.version, first.seq, first.kind,
                           {"matter": "A01"}, a.created_at, first.suite, first.enc)
    assert first == rebuilt and hash(first.key) == hash(rebuilt.key)
    assert replace(first, seq=9).seq == 9
    first.meta["matter"] = "changed by the caller"
    assert second.meta == {"matter": "A01"}
    with pytest.raises(AttributeError):
        first.seq = 5  # still frozen
