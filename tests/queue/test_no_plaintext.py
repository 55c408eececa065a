"""A stolen laptop: the raw bytes of the database, its WAL and SHM hold no personal data."""

from __future__ import annotations

from pathlib import Path

from tests.queue.queue_testkit import SLOT

NAMES = ["欧阳娜娜", "司马懿明", "Zhangsan Lisiwu"]
IDS = ["11010519491231002X", "440301198703154417"]
PHONES = ["13812345678", "15987654321"]
ADDRESS = "幸福路88弄7号1203室"


def _needles() -> list[bytes]:
    needles = []
    for text in [*NAMES, *IDS, *PHONES, ADDRESS]:
        for enc in ("utf-8", "gbk", "utf-16-le", "utf-16-be"):
            needles.append(text.encode(enc))
    return needles


def _raw(path: Path) -> dict[str, bytes]:
    out = {}
    for suffix in ("", "-wal", "-shm"):
        f = Path(str(path) + suffix)
        if f.exists():
            out[f.name] = f.read_bytes()
    return out


def _leaks(path: Path) -> list[str]:
    found = []
    for name, data in _raw(path).items():
        for needle in _needles():
            if needle in data:
                found.append(f"{name}: {needle!r}")
    return found


def _fill(q) -> None:
    for i, name in enumerate(NAMES):
        info = q.append("case", {"name": name, "id": IDS[i % 2], "phone": PHONES[i % 2],
                                 "address": ADDRESS, "agent": {"name": NAMES[-1 - i]}},
                        {"matter": "A01", "site": "xinhua", "staff": SLOT})
        q.amend(info.record_id, {"name": name + "改", "id": IDS[0], "phone": PHONES[0]},
                reason=f"{name} 电话 {PHONES[1]}")
        q.get(info.record_id)
        q.audit("print", id=info.record_id, document="receipt")


def test_no_personal_data_in_db_wal_or_shm(make_queue, centre, tmp_path, clock):
    _, key = centre
    q = make_queue(key)
    _fill(q)
    q.lock()
    _fill_locked = q.append("case", {"name": NAMES[0], "id": IDS[1]}, {"matter": "A02"})
    assert _fill_locked.has_sealed
    path = tmp_path / "q.sqlite3"
    assert Path(str(path) + "-wal").stat().st_size > 0  # the WAL is really checked, unmerged
    assert _leaks(path) == []
    q.unlock(SLOT, "correct horse battery staple")
    q.acknowledge(q.pending())
    clock.advance(3 * 86400)
    q.purge()
    q.close()
    assert _leaks(path) == []


def test_no_personal_data_before_enrolment(make_queue, tmp_path):
    q = make_queue()
    _fill(q)
    assert _leaks(tmp_path / "q.sqlite3") == []
    q.close()


def test_the_check_itself_finds_plaintext(tmp_path):
    """Guard against a vacuous test: the same scan finds names stored in clear."""
    import sqlite3

    path = tmp_path / "plain.sqlite3"
    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("CREATE TABLE t (x)")
    db.execute("INSERT INTO t VALUES (?)", (NAMES[0].encode("gbk"),))
    db.commit()
    assert len(_leaks(path)) == 1  # exactly the GBK encoding of that name
    db.close()
