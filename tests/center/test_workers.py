"""`center serve --workers 2`: busy workers hand their keep-alive connections back.

A worker that still has pushes waiting answers with `Connection: close`, so the
station's next batch is accepted by whichever worker is free (docs/sync-protocol.md,
"Push"). These tests run the real two-process server on loopback.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import httpx
from syncrig import (
    Centre,
    add_cases,
    assert_exactly_once,
    client_for,
    make_centre_home,
    make_station,
    signed_push,
)


def _concurrent_pushes(centre: Centre, client, batches: list) -> list[httpx.Response]:
    signed = [signed_push(client, records) for records in batches]  # ready before any is sent
    with ThreadPoolExecutor(len(batches)) as pool:
        return list(pool.map(lambda push: httpx.post(
            centre.url + "/v1/push", content=push[0], headers=push[1], timeout=60), signed))


def test_a_busy_worker_closes_the_connection_and_nothing_is_lost(tmp_path, db_url) -> None:
    centre = Centre(make_centre_home(tmp_path / "centre"), db_url, workers=2)
    centre.start()
    try:
        queue = make_station(centre=centre)
        add_cases(queue, 1200)
        client = client_for(queue)
        pending = queue.pending(1200)
        # Twelve pushes at once on twelve connections: the workers have pushes waiting
        # when they answer the first ones.
        answers = _concurrent_pushes(centre, client, [pending[i::12] for i in range(12)])
        assert [a.status_code for a in answers] == [200] * 12
        closing = [a for a in answers if a.headers.get("connection") == "close"]
        assert 1 <= len(closing) < 12  # the last answer of each worker keeps its connection
        assert all(ack["status"] == "stored" for a in answers for ack in a.json()["acks"])
        # The client follows the closes (httpx reconnects) and acknowledges everything.
        add_cases(queue, 300, start=1200)
        queue.acknowledge([(r.record_id, r.version) for r in pending])
        client.batch_size = 20  # many small batches, two in flight
        state = client.run_once()
        assert state.last_error is None and state.pushed == 300
        assert_exactly_once(centre, queue, 1500)
        client.close()
    finally:
        centre.stop()


def test_a_single_worker_keeps_connections_open(centre: Centre) -> None:
    queue = make_station(centre=centre)
    add_cases(queue, 80)
    client = client_for(queue)
    pending = queue.pending(80)
    answers = _concurrent_pushes(centre, client, [pending[i::4] for i in range(4)])
    assert [a.status_code for a in answers] == [200] * 4
    assert all(a.headers.get("connection") != "close" for a in answers)
    client.close()
