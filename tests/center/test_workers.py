"""`center serve --workers 2`: one server process, two push processes fed in arrival order.

These tests run the real server on loopback and look at its real processes: both push
processes take pushes, refusals come back from them unchanged, a push process that dies
is replaced, and none outlives the server (docs/sync-protocol.md, "Push").
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import time
from pathlib import Path
from typing import Any, NamedTuple

import pytest

from shared.protocol import now_ms
from tests.support.tiers import daemon_fixture
from tests.sync.syncrig import (
    Centre,
    add_cases,
    assert_exactly_once,
    client_for,
    make_centre_home,
    make_station,
    signed_push,
)


class Answer(NamedTuple):
    status: int
    connection: str | None
    doc: Any


def _concurrent_pushes(centre: Centre, client, batches: list) -> list[Answer]:
    """Every request connected and sent before any answer is read, so they queue up."""
    return _read_answers(_send_pushes(centre, client, batches))


def _send_pushes(centre: Centre, client, batches: list) -> list[http.client.HTTPConnection]:
    signed = [signed_push(client, records) for records in batches]
    conns = [http.client.HTTPConnection("127.0.0.1", centre.port, timeout=60) for _ in signed]
    for conn in conns:
        conn.connect()
    for conn, (body, headers) in zip(conns, signed, strict=True):
        conn.request("POST", "/v1/push", body=body, headers=headers)
    return conns


def _read_answers(conns: list[http.client.HTTPConnection]) -> list[Answer]:
    answers = []
    for conn in conns:
        resp = conn.getresponse()
        answers.append(Answer(resp.status, resp.getheader("connection"),
                              json.loads(resp.read())))
        conn.close()
    return answers


def _stat(pid: int | str) -> list[str]:
    """/proc/PID/stat's fields after the command name (state, ppid, …); OSError if gone."""
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()


def push_processes(centre: Centre) -> list[int]:
    """The server's push processes (spawned by multiprocessing; not its resource tracker)."""
    assert centre.proc is not None
    found = []
    for proc in Path("/proc").glob("[0-9]*"):  # not /proc/PID/task/*/children: a kernel option
        try:
            if (int(_stat(proc.name)[1]) == centre.proc.pid
                    and b"spawn_main" in (proc / "cmdline").read_bytes()):
                found.append(int(proc.name))
        except (OSError, IndexError, ValueError):  # gone meanwhile
            continue
    return sorted(found)


def cpu_ticks(pid: int) -> int:
    fields = _stat(pid)
    return int(fields[11]) + int(fields[12])


def alive(pid: int) -> bool:
    try:
        return _stat(pid)[0] != "Z"
    except OSError:
        return False


def wait_until(condition, timeout: float = 120.0, poll: float = 0.05) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(poll)
    return condition()


@daemon_fixture
def two_process_centre(tmp_path, db_url):
    centre = Centre(make_centre_home(tmp_path / "centre"), db_url, workers=2)
    centre.start()
    yield centre
    centre.stop()


def test_both_push_processes_take_pushes_and_nothing_is_lost(two_process_centre) -> None:
    centre = two_process_centre
    workers = push_processes(centre)
    assert len(workers) == 2  # both started (and ready) before the server answered
    before = {pid: cpu_ticks(pid) for pid in workers}
    queue = make_station(centre=centre)
    add_cases(queue, 1200)
    client = client_for(queue)
    pending = queue.pending(1200)
    answers = _concurrent_pushes(centre, client, [pending[i::12] for i in range(12)])
    assert [a.status for a in answers] == [200] * 12
    assert all(a.connection != "close" for a in answers)  # one line: no reason to hang up
    assert all(ack["status"] == "stored" for a in answers for ack in a.doc["acks"])
    assert all(cpu_ticks(pid) > before[pid] for pid in workers)  # both opened records
    # The client's own runs on top: two batches in flight, many small ones.
    add_cases(queue, 300, start=1200)
    queue.acknowledge([(r.record_id, r.version) for r in pending])
    client.batch_size = 20
    state = client.run_once()
    assert state.last_error is None and state.pushed == 300
    assert_exactly_once(centre, queue, 1500)
    client.close()


def test_a_refusal_in_a_push_process_keeps_its_status_and_reason(two_process_centre) -> None:
    centre = two_process_centre
    queue = make_station(centre=centre)
    add_cases(queue, 5)
    skewed = client_for(queue, clock=lambda: now_ms() + 600_000)
    state = skewed.run_once()
    assert state.last_error_code == "clock_skew" and "600" in state.last_error
    body, headers = signed_push(skewed, queue.pending(5))
    skewed.close()
    conn = http.client.HTTPConnection("127.0.0.1", centre.port, timeout=60)
    conn.request("POST", "/v1/push", body=body.replace(b'"v":1', b'"v":1 '), headers=headers)
    resp = conn.getresponse()
    assert resp.status == 401 and json.loads(resp.read())["error"] == "bad_signature"
    conn.close()
    assert queue.stats().counts["pending"] == 5
    ok = client_for(queue)
    assert ok.run_once().pushed == 5
    assert_exactly_once(centre, queue, 5)
    ok.close()


def test_a_push_process_that_dies_is_replaced(two_process_centre) -> None:
    centre = two_process_centre
    queue = make_station(centre=centre)
    add_cases(queue, 200)
    os.kill(push_processes(centre)[0], signal.SIGKILL)
    client = client_for(queue, batch_size=50, max_batch=50)
    # Until all are in, however long the replacement takes to start on a loaded machine.
    deadline = time.monotonic() + 120
    while queue.stats().counts["acknowledged"] < 200 and time.monotonic() < deadline:
        state = client.run_once()
        # At most the one batch the dead process had or was about to get fails, and
        # only as "send it again" (503), never as a refusal of the records.
        assert state.last_error_code in (None, "server")
    assert_exactly_once(centre, queue, 200)
    assert len(push_processes(centre)) >= 1
    client.close()


def test_a_push_cut_short_by_a_dying_process_is_answered_send_again(two_process_centre) -> None:
    centre = two_process_centre
    queue = make_station(centre=centre)
    add_cases(queue, 2000)
    client = client_for(queue)
    workers = push_processes(centre)
    before = {pid: cpu_ticks(pid) for pid in workers}
    pending = queue.pending(2000)
    conns = _send_pushes(centre, client, [pending[i::2] for i in range(2)])
    # Kill both push processes once one of them is opening records.
    assert wait_until(lambda: any(cpu_ticks(p) > before[p] for p in workers), poll=0.002)
    for pid in workers:
        os.kill(pid, signal.SIGKILL)
    answers = [(a.status, a.doc.get("error")) for a in _read_answers(conns)]
    assert (503, "push_interrupted") in answers
    assert set(answers) <= {(503, "push_interrupted"), (200, None)}
    # Stored or not, a resend is acknowledged, and fresh processes take it.
    state = client.run_once()
    assert state.last_error is None
    assert_exactly_once(centre, queue, 2000)
    assert len(push_processes(centre)) >= 1
    client.close()


@pytest.mark.daemon
@pytest.mark.parametrize("how", ["terminate", "sigkill"])
def test_no_push_process_outlives_the_server(tmp_path, how) -> None:
    centre = Centre(make_centre_home(tmp_path / "centre"), None, workers=2)
    centre.start()
    try:
        workers = push_processes(centre)
        assert len(workers) == 2
        if how == "terminate":
            centre.stop()  # SIGTERM: the server shuts its pool down
        else:
            # Only the server process, as an administrator's `kill -9` would: its push
            # processes hold database connections and must follow it.
            os.kill(centre.proc.pid, signal.SIGKILL)
            centre.proc.wait()
        assert wait_until(lambda: not any(alive(pid) for pid in workers))
    finally:
        centre.kill()


def test_a_single_process_keeps_connections_open(centre: Centre) -> None:
    queue = make_station(centre=centre)
    add_cases(queue, 80)
    client = client_for(queue)
    pending = queue.pending(80)
    answers = _concurrent_pushes(centre, client, [pending[i::4] for i in range(4)])
    assert [a.status for a in answers] == [200] * 4
    assert all(a.connection != "close" for a in answers)
    client.close()
