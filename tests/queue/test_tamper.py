"""Any flipped byte of any stored ciphertext is reported for that record alone."""

from __future__ import annotations

import random
import shutil
import sqlite3
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from stationq import Queue
from stationq.errors import DamagedRecordError, StorageError

from tests.queue.queue_testkit import PASS, SLOT


@pytest.fixture
def filled(make_queue, centre, tmp_path, clock) -> Path:
    _, key = centre
    q = make_queue(key)
    infos = [q.append("case", {"name": f"测试{i}", "n": i, "pad": "x" * 500 * i},
                      {"matter": "A01"}) for i in range(4)]
    q.amend(infos[1].record_id, {"name": "改"}, reason="r")
    q.lock()
    q.append("case", {"name": "locked"})  # sealed only
    q.close()  # checkpoints: everything is in the main file
    return tmp_path / "q.sqlite3"


def _rows(path: Path) -> list[tuple[int, str, int, bytes | None, bytes | None]]:
    db = sqlite3.connect(path)
    rows = db.execute("SELECT seq, record_id, version, local, sealed FROM records").fetchall()
    db.close()
    return rows


def _flip_in_sql(path: Path, seq: int, column: str, pos: int) -> None:
    db = sqlite3.connect(path)
    blob = bytearray(db.execute(f"SELECT {column} FROM records WHERE seq = ?", (seq,)
                                ).fetchone()[0])
    blob[pos] ^= 0x01 << random.randrange(8)
    db.execute(f"UPDATE records SET {column} = ? WHERE seq = ?", (bytes(blob), seq))
    db.commit()
    db.close()


def _verify(path: Path, clock):
    q = Queue.open(path, clock=clock)
    q.unlock(SLOT, PASS)
    report = q.verify()
    return q, report


def test_every_ciphertext_byte_position_class_is_detected(filled, tmp_path, clock):
    random.seed(7)
    rows = _rows(filled)
    cases = 0
    for seq, rid, version, local, sealed in rows:
        for column, blob in (("local", local), ("sealed", sealed)):
            if blob is None:
                continue
            positions = {0, 11, 12, len(blob) // 2, len(blob) - 17, len(blob) - 1,
                         random.randrange(len(blob))}
            for pos in positions:
                copy = tmp_path / f"copy-{seq}-{column}-{pos}.sqlite3"
                shutil.copy(filled, copy)
                _flip_in_sql(copy, seq, column, pos)
                q, report = _verify(copy, clock)
                assert [(p.seq, p.record_id, p.version) for p in report.records] == [
                    (seq, rid, version)], (column, pos, str(report))
                assert not (report.integrity or report.sequence or report.audit)
                if column == "local":
                    with pytest.raises(DamagedRecordError):
                        q.get(rid, version)
                for other_seq, other_rid, other_version, other_local, _ in rows:
                    if other_seq != seq and other_local is not None:
                        q.get(other_rid, other_version)  # every other record still reads
                q.close()
                cases += 1
    assert cases >= 40


def test_flip_in_the_raw_file_bytes(filled, tmp_path, clock):
    """Flip a byte of a ciphertext where it lies in the file, below SQLite."""
    for seq, rid, _version, local, _sealed in _rows(filled):
        if local is None:
            continue
        copy = tmp_path / f"raw-{seq}.sqlite3"
        shutil.copy(filled, copy)
        data = bytearray(copy.read_bytes())
        at = data.find(local[:48])
        assert at > 0 and data.find(local[:48], at + 1) == -1
        data[at + 30] ^= 0x80
        copy.write_bytes(bytes(data))
        q, report = _verify(copy, clock)
        assert report.damaged == [rid]
        assert [p.seq for p in report.records] == [seq]
        q.close()


def test_altered_clear_binding_is_detected(filled, tmp_path, clock):
    """The AAD binds kind and version: relabelling a row breaks its tag and its audit entry."""
    copy = tmp_path / "relabel.sqlite3"
    shutil.copy(filled, copy)
    db = sqlite3.connect(copy)
    db.execute("UPDATE records SET kind = 'visit' WHERE seq = 2")
    db.commit()
    db.close()
    q, report = _verify(copy, clock)
    assert {p.seq for p in report.records} == {2}
    problems = " / ".join(p.problem for p in report.records)
    assert "fails authentication" in problems and "audit entry" in problems
    assert len(report.audit) == 1 and "audit entry" in report.audit[0]
    q.close()


def _sql(path: Path, sql: str, *args) -> None:
    db = sqlite3.connect(path)
    db.execute(sql, args)
    db.commit()
    db.close()


@pytest.mark.parametrize("locked", [False, True])
def test_every_flipped_byte_of_the_clear_metadata_is_found(filled, tmp_path, clock, locked):
    """The metadata is in each row's own audit entry (schema v5): any byte flipped in the
    stored text is reported for that record alone, locked or not, and the quick per-row
    check (``damaged``) names it too."""
    rows = sqlite3.connect(filled).execute("SELECT seq, record_id, version, meta "
                                           "FROM records").fetchall()
    local_of = dict(sqlite3.connect(filled).execute(
        "SELECT seq, local IS NOT NULL FROM records").fetchall())
    cases = 0
    for seq, rid, version, meta in rows:
        raw = meta.encode()
        for pos in range(len(raw)):
            copy = tmp_path / f"meta-{seq}-{pos}.sqlite3"
            shutil.copy(filled, copy)
            flipped = bytearray(raw)
            flipped[pos] ^= 0x04
            _sql(copy, "UPDATE records SET meta = ? WHERE seq = ?",
                 bytes(flipped).decode("utf-8", "replace"), seq)
            q = Queue.open(copy, clock=clock)
            if not locked:
                q.unlock(SLOT, PASS)
            report = q.verify()
            assert {(p.seq, p.record_id) for p in report.records} == {(seq, rid)}, pos
            assert any("audit entry" in p.problem for p in report.records)
            if not locked and local_of[seq]:  # the local copy's AAD binds it too
                assert any("fails authentication" in p.problem for p in report.records)
            assert list(q.damaged([(rid, version)])) == [(rid, version)]
            others = [(r, v) for s, r, v, _ in rows if s != seq]
            assert q.damaged(others) == {}
            q.close()
            cases += 1
    assert cases >= 20


@pytest.mark.parametrize("state", [2, 3, 4])
def test_a_row_marked_done_without_the_centre_saying_so_is_found(filled, tmp_path, clock,
                                                                 state):
    """An unsent row flipped to acknowledged / purged / conflict leaves pending() for good;
    only the audit chain's acknowledge and conflict events can put it there."""
    copy = tmp_path / "state.sqlite3"
    shutil.copy(filled, copy)
    _sql(copy, "UPDATE records SET state = ? WHERE seq = 3", state)
    q = Queue.open(copy, clock=clock)
    report = q.verify()
    assert [p.seq for p in report.records] == [3]
    assert "never" in report.records[0].problem
    info = q.list(all_versions=True)[2]
    assert q.damaged([info]) == {info.key: report.records[0].problem}
    q.close()


def test_states_the_centre_gave_verify_clean(make_queue, centre, clock):
    _, key = centre
    q = make_queue(key)
    infos = [q.append("case", {"n": i}, {"matter": "A01"}) for i in range(5)]
    q.mark_sent(infos)
    q.acknowledge(infos[:2])
    q.acknowledge(infos[:1])  # a resend acknowledged again
    q.mark_conflict(infos[2:3], "conflict at centre")
    q.purge(datetime.now() + timedelta(days=3))
    report = q.verify()
    assert report.ok, str(report)
    assert q.damaged(infos) == {}
    q.close()


def test_clean_copy_verifies(filled, clock):
    q, report = _verify(filled, clock)
    assert report.ok and report.aead_checked and report.records_checked == 6
    q.close()


def test_page_level_damage_is_reported_not_raised(filled, tmp_path, clock):
    """Garbage over any whole page: a typed StorageError or a failed report, never a crash
    with a raw SQLite exception and never a clean bill of health."""
    data = filled.read_bytes()
    page_size = int.from_bytes(data[16:18], "big")
    outcomes = set()
    for victim in range(1, len(data) // page_size):  # page 1 holds the header: skip it
        copy = tmp_path / f"page-{victim}.sqlite3"
        damaged = bytearray(data)
        damaged[victim * page_size:(victim + 1) * page_size] = bytes([0xA5]) * page_size
        copy.write_bytes(bytes(damaged))
        try:
            q = Queue.open(copy, clock=clock)
            q.unlock(SLOT, PASS)
        except StorageError:
            outcomes.add("refused")
            continue
        report = q.verify()
        assert not report.ok, f"page {victim}"
        outcomes.add("reported")
        q.close()
    assert outcomes == {"refused", "reported"}
