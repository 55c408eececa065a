"""`center serve --workers 2`: busy workers hand their keep-alive connections back.

A worker that still has pushes waiting answers with `Connection: close`, so the
station's next batch is accepted by whichever worker is free (docs/sync-protocol.md,
"Push"). These tests run the real two-process server on loopback.
"""

from __future__ import annotations

import http.client
import json
from typing import Any, NamedTuple

from syncrig import (
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
    signed = [signed_push(client, records) for records in batches]
    conns = [http.client.HTTPConnection("127.0.0.1", centre.port, timeout=60) for _ in signed]
    for conn in conns:
        conn.connect()
    for conn, (body, headers) in zip(conns, signed, strict=True):
        conn.request("POST", "/v1/push", body=body, headers=headers)
    answers = []
    for conn in conns:
        resp = conn.getresponse()
        answers.append(Answer(resp.status, resp.getheader("connection"),
                              json.loads(resp.read())))
        conn.close()
    return answers


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
        assert [a.status for a in answers] == [200] * 12
        closing = [a for a in answers if a.connection == "close"]
        assert 1 <= len(closing) < 12  # the last answer of each worker keeps its connection
        assert all(ack["status"] == "stored" for a in answers for ack in a.doc["acks"])
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
    assert [a.status for a in answers] == [200] * 4
    assert all(a.connection != "close" for a in answers)
    client.close()
