"""Record ids carry their seq (schema v4): found by primary key, rising with seq, and
files from schema v3 (ids without it) keep working through their own index."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest
from stationq import TEST_KDF, Queue, ids, schema
from stationq.errors import NotFoundError

from tests.queue.queue_testkit import PASS, SLOT, STATION, downgrade, v3_style_id


def _index_names(q: Queue) -> set[str]:
    return {name for (name,) in q._db.execute(
        "SELECT name FROM sqlite_master WHERE type = 'index' AND name LIKE 'records_%'")}


def _plan(q: Queue, sql: str, params) -> str:
    return " | ".join(r[3] for r in q._db.execute("EXPLAIN QUERY PLAN " + sql, params))


def test_ids_carry_their_seq_and_rise_with_it(make_queue, clock):
    q = make_queue()
    start = clock.now
    infos = []
    for _ in range(50):
        infos.append(q.append("case", {"i": 1}))
        clock.advance(0.0004)  # several ids per millisecond: the seq keeps them ordered
    rids = [i.record_id for i in infos]
    assert rids == sorted(rids) and len(set(rids)) == 50
    assert all(r[14] == "7" and r[19] in "89ab" for r in rids)  # version 7, RFC variant
    assert [ids.seq_in_id(r) for r in rids] == [i.seq for i in infos]
    assert abs(q.info(rids[0]).record_created_at.timestamp() - start) < 0.001


def test_ids_keep_rising_when_the_clock_goes_back(make_queue, clock):
    """A laptop's clock may be set back; the next ids stay above the last one (their time
    is held at the newest id's), while created_at tells the clock as it was."""
    q = make_queue()
    first = q.append("case", {})
    clock.advance(-3600)
    second = q.append("case", {})
    q.close()
    reopened = Queue.open(q.path, clock=clock)  # the floor comes from the file, too
    reopened.unlock(SLOT, PASS)
    third = reopened.append("case", {})
    assert first.record_id < second.record_id < third.record_id
    assert ids.id_ms(second.record_id) == ids.id_ms(first.record_id)
    assert reopened.info(second.record_id).created_at.timestamp() == pytest.approx(clock.now)
    assert reopened.verify().ok
    reopened.close()


def test_two_stations_never_share_an_id(tmp_path, clock):
    rids = set()
    for n in range(20):
        q = Queue.create(tmp_path / f"{n}.sqlite3", station_id=f"st-{n}", slot=SLOT,
                         passphrase=PASS, kdf=TEST_KDF, clock=clock)
        rids |= {q.append("case", {}).record_id for _ in range(3)}  # same clock, same seqs
        q.close()
    assert len(rids) == 60


def test_an_append_writes_no_id_index(make_queue):
    q = make_queue()
    assert _index_names(q) == {"records_versions", "records_tried"}
    assert schema.version(q._db) == schema.LATEST == 5


def test_lookups_use_the_primary_key_and_the_versions_index(make_queue):
    q = make_queue()
    info = q.append("case", {"v": 1})
    q.amend(info.record_id, {"v": 2}, reason="fix")
    q._db.execute("ANALYZE")
    params = {"rid": info.record_id, "hint": info.seq, "v": 2}
    for sql in (f"SELECT * FROM ({q._versions_sql})", q._seq_of_sql):
        plan = _plan(q, sql, params)
        assert "USING INTEGER PRIMARY KEY (rowid=?)" in plan, plan
        assert "INDEX records_versions (record_id=?" in plan, plan
        assert "SCAN records" not in plan, plan
    assert [h.version for h in q.history(info.record_id)] == [1, 2]


def test_unknown_and_malformed_ids_are_not_found(make_queue):
    q = make_queue()
    real = q.append("case", {})
    fake = ids.record_id(real.seq, 1)  # carries the right seq, but is not this record's id
    for rid in (fake, "not-an-id", "01900000-0000-7000-8000-00000000000g", ""):
        with pytest.raises(NotFoundError):
            q.info(rid)
        with pytest.raises(NotFoundError):
            q.amend(rid, {}, reason="x")
        assert q.acknowledge([(rid, 1)]) == 0
    assert q.info(real.record_id).state == "pending"


def _brute_force(q: Queue, since: datetime | None, until: datetime | None,
                 all_versions: bool) -> list[tuple[str, int]]:
    rows = q._db.execute("SELECT record_id, version FROM records ORDER BY seq").fetchall()
    latest = {}
    for rid, version in rows:
        latest[rid] = max(latest.get(rid, 0), version)
    out = []
    for rid, version in rows:
        born = ids.uuid7_time(rid)
        if since is not None and born < since.replace(microsecond=since.microsecond // 1000
                                                      * 1000):
            continue
        if until is not None and born >= until.replace(microsecond=until.microsecond // 1000
                                                       * 1000):
            continue
        if all_versions or version == latest[rid]:
            out.append((rid, version))
    return out


def _spread(q: Queue, clock, n: int, rng: random.Random) -> None:
    made = []
    for _ in range(n):
        clock.advance(rng.choice([0.0003, 0.4, 3600, 86400 / 3]))
        if made and rng.random() < 0.25:
            q.amend(rng.choice(made), {"a": 1}, reason="fix")
        else:
            made.append(q.append("case", {"n": len(made)}, {"matter": rng.choice("AB")})
                        .record_id)


def _check_ranges(q: Queue, rng: random.Random, clock, start: float) -> None:
    for _ in range(40):
        a, b = sorted(rng.uniform(start - 600, clock.now + 600) for _ in range(2))
        since = datetime.fromtimestamp(a, tz=UTC) if rng.random() < 0.8 else None
        until = datetime.fromtimestamp(b, tz=UTC) if rng.random() < 0.8 else None
        for all_versions in (False, True):
            got = [(r.record_id, r.version) for r in
                   q.list(since=since, until=until, all_versions=all_versions)]
            assert got == _brute_force(q, since, until, all_versions), (since, until)


def test_time_ranges_match_a_full_scan(make_queue, clock):
    q = make_queue()
    rng, start = random.Random(7), clock.now
    _spread(q, clock, 300, rng)
    _check_ranges(q, rng, clock, start)
    day = datetime.fromtimestamp(start + 86400, tz=UTC)
    assert [r.meta["matter"] for r in q.list(since=day, matter="A")] == \
        ["A"] * len(q.list(since=day, matter="A"))


def test_a_time_range_scans_no_table(make_queue, clock):
    q = make_queue()
    _spread(q, clock, 200, random.Random(3))
    q._db.execute("ANALYZE")
    since = datetime.fromtimestamp(clock.now - 86400, tz=UTC)
    args: dict = {}
    sql = q._time_range_sql(since, None, "", args)
    plan = _plan(q, sql, args)
    assert "SCAN records" not in plan, plan
    assert "USING INTEGER PRIMARY KEY (rowid>? AND rowid<?)" in plan, plan
    assert "INDEX records_versions (record_id>?" in plan, plan


def test_a_v3_file_keeps_its_ids_and_its_records(tmp_path, clock, centre, monkeypatch):
    """Rows written before v4 have ids that do not carry their seq: after the migration
    they are found through their own partial index, and new records get v4 ids."""
    _, key = centre
    path = tmp_path / "v3.sqlite3"
    rng = random.Random(11)
    with monkeypatch.context() as m:
        m.setattr(ids, "record_id", v3_style_id)
        q = Queue.create(path, station_id=STATION, slot=SLOT, passphrase=PASS, kdf=TEST_KDF,
                         clock=clock, centre_key=key)
        q._ids_from = 10**9  # look records up as v3 did: by id alone
        q._init_version_sql()
        start = clock.now
        _spread(q, clock, 60, rng)
        old = q.list()
        q.close()
    downgrade(path, 3)
    assert any(ids.seq_in_id(i.record_id) != i.seq for i in old if i.version == 1)

    q = Queue.open(path, clock=clock)
    q.unlock(SLOT, PASS)
    assert schema.version(q._db) == schema.LATEST
    assert _index_names(q) == {"records_versions", "records_legacy_id", "records_tried"}
    assert q.verify().ok
    for info in old:
        assert q.info(info.record_id) == info
        assert q.get(info.record_id)["n" if info.version == 1 else "a"] is not None
    amended = q.amend(old[0].record_id, {"a": 2}, reason="after the upgrade")
    assert amended.version == len(q.history(old[0].record_id))
    _spread(q, clock, 60, rng)
    new = q.append("case", {"n": -1})
    assert ids.seq_in_id(new.record_id) == new.seq
    _check_ranges(q, rng, clock, start)

    legacy_v1 = [(i.record_id, 1) for i in old]
    assert q.mark_sent(legacy_v1) == len(old)
    assert q.acknowledge([*legacy_v1, (new.record_id, 1)]) == len(old) + 1
    assert q.info(old[1].record_id, 1).state == "acknowledged"
    plan = _plan(q, q._seq_of_sql,
                 {"rid": old[1].record_id, "hint": ids.seq_in_id(old[1].record_id), "v": 1})
    assert "INDEX records_legacy_id (record_id=?" in plan and "SCAN records" not in plan, plan
    assert q.verify().ok
    q.close()


def test_verify_reports_an_id_that_does_not_carry_its_seq(make_queue):
    q = make_queue()
    a = q.append("case", {})
    b = q.append("case", {})
    c = q.append("case", {})
    swapped = ids.record_id(a.seq, 1)  # same seq, but an earlier time than its neighbours
    q._db.execute("UPDATE records SET record_id = ? WHERE seq = ?", (swapped, b.seq))
    q._db.execute("UPDATE records SET record_id = ? WHERE seq = ?",
                  (ids.record_id(c.seq, 1), c.seq))
    report = q.verify()
    assert any(f"seq {b.seq}) has an id that does not carry its seq" in line
               for line in report.sequence), report.sequence
    assert any(f"seq {c.seq}) has an id lower than the record before it" in line
               for line in report.sequence), report.sequence
    assert not any(f"seq {a.seq})" in line for line in report.sequence)


def test_an_id_beyond_the_seq_range_is_refused():
    with pytest.raises(ValueError):
        ids.record_id(ids.SEQ_LIMIT, 1)
    with pytest.raises(ValueError):
        ids.record_id(0, 1)


def test_state_updates_reach_every_kind_of_key_once(make_queue, centre):
    """The one-statement path (version 1 by the seq its id carries) and the looked-up
    path (amendments) change the same rows, once; repeats and strangers change nothing."""
    _, key = centre
    q = make_queue(key)
    a, b = q.append("case", {"n": 1}), q.append("case", {"n": 2})
    a2 = q.amend(a.record_id, {"n": 3}, reason="fix")
    keys = [a.key, a2.key, b.key]
    assert q.mark_sent(keys) == 3
    assert q.mark_sent([(b.record_id, 2), ("not-an-id", 1)]) == 0
    assert q.record_failure([a2.key], "timeout") == 1
    assert q.mark_conflict([b.key], "conflict at centre") == 1
    assert q.acknowledge(keys) == 3
    assert q.acknowledge(keys) == 0  # idempotent
    assert [(i.version, i.state, i.attempts) for i in q.history(a.record_id)] == \
        [(1, "acknowledged", 1), (2, "acknowledged", 1)]
    events = [e for e in q.audit_entries() if e.event in ("conflict", "acknowledge")]
    assert [(e.event, e.fields["seqs"]) for e in events] == \
        [("conflict", str(b.seq)), ("acknowledge", "1-3")]
    assert q.verify().ok
