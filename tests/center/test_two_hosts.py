"""Two centre hosts: two `center serve` processes on different ports over one PostgreSQL
database (docs/deploy-centre.md, "Two centre hosts"), stations alternating between them.

Every record version must be stored exactly once and coverage be complete whichever
host took which batch — even when the same batch reaches both at the same moment —
and a supervisor signed in at one host is signed in at the other.
"""

from __future__ import annotations

import threading
from pathlib import Path

import httpx
import pytest

from tests.center.deployrig import log_in, station_home
from tests.sync.syncrig import (
    Centre,
    add_cases,
    client_for,
    enrol_station,
    make_centre_home,
    make_station,
    signed_push,
)

SUPERVISOR = ("amy", "long-enough-password")


@pytest.fixture
def two_hosts(tmp_path, postgres):
    db = postgres.new_database()
    home = make_centre_home(tmp_path / "centre")  # one keys.json, copied to both hosts
    hosts = [Centre(home, db), Centre(home, db, workers=2)]
    for host in hosts:
        host.start()
    yield hosts
    for host in hosts:
        host.stop()


def _sync(home: Path, queue, url: str) -> None:
    with station_home(home):
        client = client_for(queue, url=url)
        try:
            state = client.run_once()
        finally:
            client.close()
    assert state.last_error is None, state.last_error


def test_stations_alternating_between_hosts_store_exactly_once(tmp_path, two_hosts) -> None:
    a, b = two_hosts
    stations = []
    for i, name in enumerate(["闵行-01", "闵行-02", "闵行-03"]):
        home = tmp_path / f"station-{i}"
        home.mkdir()
        with station_home(home):
            queue = make_station(name)
            enrol_station(queue, a, name, url=two_hosts[i % 2].url)  # enrolled at either
        stations.append((home, queue))
    total = 0
    for rnd in range(6):
        for i, (home, queue) in enumerate(stations):
            with station_home(home):
                add_cases(queue, 7, start=total)
            _sync(home, queue, two_hosts[(rnd + i) % 2].url)
        total += 7
    # The same batch at both hosts at once: one copy stored, both answers acknowledge it.
    home, queue = stations[0]
    with station_home(home):
        add_cases(queue, 40, start=total)
        client = client_for(queue)
        pending = queue.pending(40)
        requests = [signed_push(client, pending) for _ in two_hosts]
        client.close()
    answers: list[httpx.Response] = []

    def push(host: Centre, body: bytes, headers: dict) -> None:
        answers.append(httpx.post(host.url + "/v1/push", content=body, headers=headers,
                                  timeout=120))

    threads = [threading.Thread(target=push, args=(host, *req))
               for host, req in zip(two_hosts, requests, strict=True)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert [r.status_code for r in answers] == [200, 200]
    assert all(ack["status"] == "stored" for r in answers for ack in r.json()["acks"])
    _sync(home, queue, b.url)  # the station's own run: resends, acknowledged again

    store = a.store()
    try:
        keys = store.record_keys()
        assert len(keys) == len({(k[0], k[1]) for k in keys}) == 3 * total + 40
        assert store.counts()["conflicts"] == 0
        ranges = {c["station_id"]: (c["ranges"], c["gaps"]) for c in store.coverage()}
    finally:
        store.close()
    for n, (_home, q) in enumerate(stations):
        expected = total + (40 if n == 0 else 0)
        assert ranges[q.station_id] == ([(1, expected)], [])
        counts = q.stats().counts
        assert counts["pending"] == 0 and counts["sent"] == 0
        assert counts["acknowledged"] == expected


def test_a_supervisor_signed_in_at_one_host_is_signed_in_at_the_other(two_hosts) -> None:
    """Depends on where sessions live: today a cookie signed with a key kept in the
    database; with server-side sessions, a row in it — either way shared by both."""
    a, b = two_hosts
    out = a.cli("supervisor", "add", SUPERVISOR[0], "--password-stdin",
                input=SUPERVISOR[1] + "\n")
    assert out.returncode == 0, out.stderr
    with httpx.Client(base_url=a.url, timeout=60) as at_a:
        assert log_in(at_a, *SUPERVISOR).status_code == 303
        cookies = at_a.cookies
        with httpx.Client(base_url=b.url, timeout=60, cookies=cookies) as at_b:
            page = at_b.get("/reports")
            assert page.status_code == 200 and SUPERVISOR[0] in page.text
            assert at_b.get("/reports/report.pdf").status_code == 200
    with httpx.Client(base_url=b.url, timeout=60) as stranger:
        assert stranger.get("/reports").status_code == 303  # no cookie, no pages
    # Removed at one host: the other refuses the same cookie at once.
    assert b.cli("supervisor", "remove", SUPERVISOR[0]).returncode == 0
    with httpx.Client(base_url=a.url, timeout=60, cookies=cookies) as at_a:
        assert at_a.get("/reports").status_code == 303
