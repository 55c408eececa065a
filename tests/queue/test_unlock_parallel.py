"""Passphrase attempts from parallel processes each wait for the back-off (issue 16:
attempts started together all read "no delay" and were all checked)."""

from __future__ import annotations

import multiprocessing as mp

from stationq import KdfParams, Queue
from stationq.errors import TooManyAttemptsError, WrongPassphraseError

from tests.queue.queue_testkit import PASS, SLOT, STATION

# Costly enough (≈ 0.1 s) that unserialised attempts would overlap on any machine.
KDF = KdfParams(memory_cost=32 * 1024, iterations=2, lanes=1)
HOUR = 3600.0


def _attempt(path: str, ready, go, out) -> None:
    q = Queue.open(path, delay_policy=lambda n: HOUR)  # every failure locks for an hour
    ready.wait()
    go.wait()
    try:
        q.unlock(SLOT, "a wrong guess")
        out.put("unlocked")
    except WrongPassphraseError as err:
        out.put(f"wrong:{err.failures}")
    except TooManyAttemptsError as err:
        out.put(f"wait:{err.failures}:{err.retry_after > HOUR - 600}")
    finally:
        q.close()


def test_parallel_wrong_passphrases_are_serialised(tmp_path):
    path = tmp_path / "q.sqlite3"
    Queue.create(path, station_id=STATION, slot=SLOT, passphrase=PASS, kdf=KDF).close()
    n = 6
    ctx = mp.get_context("spawn")
    ready, go, out = ctx.Barrier(n + 1), ctx.Barrier(n), ctx.Queue()
    procs = [ctx.Process(target=_attempt, args=(str(path), ready, go, out)) for _ in range(n)]
    for p in procs:
        p.start()
    ready.wait(timeout=120)  # all have opened the queue; now they try at once
    answers = sorted(out.get(timeout=120) for _ in range(n))
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    # One attempt was checked; each of the others found its delay and waits an hour.
    assert answers == ["wait:1:True"] * (n - 1) + ["wrong:1"]
    q = Queue.open(path)
    try:
        events = [e.event for e in q.audit_entries()]
        assert events.count("unlock_failed") == 1 and events.count("unlock_refused") == n - 1
    finally:
        q.close()
