"""SIGKILL at random moments loses nothing that was acknowledged to the caller.

A forked child appends, amends and acknowledges in a loop, writing each returned
sequence number to a pipe; the parent kills it at a random moment, reopens the
queue, runs verify() and checks that every append reported before the kill is
present and readable. Forking (rather than spawning) keeps each round at a few
milliseconds, so hundreds of kills fit in a short run.
"""

from __future__ import annotations

import os
import random
import signal
import time
from pathlib import Path

import pytest
from stationq import TEST_KDF, Queue
from stationq.sealing import generate_centre_keys

from tests.queue.queue_testkit import PASS, SLOT, STATION

KILLS = 220


def _child(path: Path, wfd: int, seed: int) -> None:
    """Runs in the forked child; never returns."""
    try:
        rnd = random.Random(seed)
        q = Queue.open(path)
        q.unlock(SLOT, PASS)
        os.write(wfd, b"R\n")  # ready: the parent may start its random countdown
        mine: list[str] = []
        i = 0
        while True:
            info = q.append("case", {"name": "压力测试", "i": i, "pad": "x" * rnd.randrange(3000)},
                            {"matter": "A01"})
            os.write(wfd, f"A {info.record_id} {info.version} {info.seq}\n".encode())
            mine.append(info.record_id)
            if rnd.random() < 0.2:
                amended = q.amend(rnd.choice(mine), {"i": i, "amended": True}, reason="r")
                os.write(wfd, f"A {amended.record_id} {amended.version} {amended.seq}\n".encode())
            if rnd.random() < 0.3:
                batch = q.pending(rnd.randrange(1, 6))
                q.mark_sent(batch)
                q.acknowledge(batch)
                line = " ".join(f"{s.record_id}:{s.version}" for s in batch)
                os.write(wfd, f"K {line}\n".encode())
            i += 1
    finally:
        os._exit(0)


def _run_child_and_kill(path: Path, seed: int, rnd: random.Random) -> list[str]:
    rfd, wfd = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - child
        os.close(rfd)
        _child(path, wfd, seed)
    os.close(wfd)
    chunks = []
    if rnd.random() < 0.85:  # mostly kill mid-work; sometimes while opening or unlocking
        # Mid-work by the child's own progress (1-3 appends reported), not by a wall-clock
        # budget that a loaded machine spends before the child even runs.
        appends = rnd.randint(1, 3)
        while b"".join(chunks).count(b"\nA ") < appends:
            chunk = os.read(rfd, 65536)
            if not chunk:
                break
            chunks.append(chunk)
    time.sleep(rnd.uniform(0.0, 0.02))
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    while chunk := os.read(rfd, 65536):
        chunks.append(chunk)
    os.close(rfd)
    return [line for line in b"".join(chunks).decode().splitlines() if line != "R"]


@pytest.mark.slow
def test_sigkill_at_random_moments_loses_nothing(tmp_path):
    path = tmp_path / "crash.sqlite3"
    _, key = generate_centre_keys()
    Queue.create(path, station_id=STATION, slot=SLOT, passphrase=PASS, kdf=TEST_KDF,
                 centre_key=key).close()
    rnd = random.Random(20261122)
    returned: dict[tuple[str, int], int] = {}
    acked: set[tuple[str, int]] = set()
    kills_with_progress = 0
    for kill in range(KILLS):
        lines = _run_child_and_kill(path, seed=kill, rnd=rnd)
        fresh = []
        for line in lines:
            tag, *rest = line.split()
            if tag == "A":
                rid, version, seq = rest[0], int(rest[1]), int(rest[2])
                returned[(rid, version)] = seq
                fresh.append((rid, version))
            else:
                acked.update((k.split(":")[0], int(k.split(":")[1])) for k in rest)
        kills_with_progress += bool(fresh)

        q = Queue.open(path)
        q.unlock(SLOT, PASS)
        report = q.verify()
        assert report.ok, f"after kill {kill}: {report}"
        rows = {r.key: r for r in q.list(all_versions=True)}
        assert [r.seq for r in rows.values()] == list(range(1, len(rows) + 1))
        for key_, seq in returned.items():
            assert rows[key_].seq == seq, f"after kill {kill}: {key_} lost or renumbered"
        for key_ in acked:
            assert rows[key_].state == "acknowledged"
        for rid, version in fresh:
            assert q.get(rid, version)  # readable, not just present
        q.close()
    assert kills_with_progress > KILLS // 2  # the kills did land mid-work, not only at start
    assert len(returned) > KILLS
