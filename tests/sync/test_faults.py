"""Fault injection: after every fault, each record is at the centre exactly once,
the station's states are right and the centre's coverage has no gaps."""

from __future__ import annotations

import base64
import dataclasses
import random
import threading
import time

import httpx
import pytest

from shared.protocol import now_ms
from tests.sync.syncrig import (
    Centre,
    Proxy,
    add_cases,
    assert_exactly_once,
    client_for,
    make_station,
    signed_push,
)


class Recorder(httpx.BaseTransport):
    """Real HTTP underneath; can also capture requests undelivered or deliver them twice."""

    def __init__(self, mode: str = "pass") -> None:
        self.inner = httpx.HTTPTransport()
        self.mode = mode
        self.requests: list[httpx.Request] = []
        self.duplicate_statuses: list[int] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        request.read()
        self.requests.append(request)
        if self.mode == "capture":
            raise httpx.ConnectError("held back", request=request)
        response = self.inner.handle_request(request)
        if self.mode == "duplicate":
            response.read()
            again = self.inner.handle_request(httpx.Request(
                request.method, request.url, headers=request.headers, content=request.content))
            again.read()
            self.duplicate_statuses.append(again.status_code)
        return response


def stored_count(centre: Centre) -> int:
    store = centre.store()
    try:
        return store.counts()["records"]
    finally:
        store.close()


def test_connection_cut_mid_request(centre: Centre) -> None:
    queue = make_station(centre=centre)
    add_cases(queue, 60)
    proxy = Proxy(centre.port)
    # Batches of 20 (a request of ≈ 6.8 KB) whatever the cuts do to the adaptive size, so
    # each cut lands where it says: in the headers (40, 400 bytes), early and mid body
    # (1500, 4000), and in the second batch on a reused connection (9000: the first
    # batch arrives whole, so 20 records are stored).
    client = client_for(queue, url=proxy.url, batch_size=20, min_batch=20, max_batch=20,
                        pipeline=1)
    for cut, stored in ((40, 0), (400, 0), (1500, 0), (4000, 0), (9000, 20)):
        proxy.cut_up = cut
        state = client.run_once()
        assert state.last_error_code == "network", (cut, state.last_error)
        assert stored_count(centre) == stored, cut
    proxy.cut_up = None
    assert proxy.cuts == 5
    state = client.run_once()
    assert state.last_error is None
    assert_exactly_once(centre, queue, 60)
    client.close()
    proxy.close()


def test_connection_cut_mid_response(centre: Centre) -> None:
    queue = make_station(centre=centre)
    add_cases(queue, 40)
    proxy = Proxy(centre.port)
    client = client_for(queue, url=proxy.url, batch_size=20, max_batch=20, pipeline=1)
    for cut in (5, 120, 400):  # status line, headers, part of the signed body
        proxy.cut_down = cut
        state = client.run_once()
        assert state.last_error_code == "network"
        assert queue.stats().counts["acknowledged"] == 0  # no proof of storage, no ack
    assert stored_count(centre) == 20  # the first batch did arrive, three times over
    state = client.run_once()
    assert state.last_error is None
    assert_exactly_once(centre, queue, 40)
    client.close()
    proxy.close()


@pytest.mark.parametrize("delay", [0.15, 0.4])
def test_centre_killed_mid_batch_and_restarted(centre: Centre, delay: float) -> None:
    queue = make_station(centre=centre)
    add_cases(queue, 1500)
    client = client_for(queue, batch_size=500, max_batch=500)
    worker = threading.Thread(target=client.run_once)
    worker.start()
    time.sleep(delay * random.uniform(0.8, 1.2))
    centre.kill()
    worker.join(30)
    assert client.state.last_error_code in ("network", "offline", None)
    centre.start()
    state = client.run_once()
    assert state.last_error is None, state.last_error
    assert_exactly_once(centre, queue, 1500)
    client.close()


def test_duplicated_and_reordered_deliveries(centre: Centre) -> None:
    queue = make_station(centre=centre)
    add_cases(queue, 30)
    # Every request arrives twice: the copy is refused as a replay, nothing doubles.
    dup = Recorder("duplicate")
    client = client_for(queue, batch_size=10, max_batch=10, transport=dup)
    assert client.run_once().last_error is None
    assert dup.duplicate_statuses and set(dup.duplicate_statuses) == {409}
    # Batches held back and then delivered in reverse order, after newer records.
    add_cases(queue, 30, start=30)
    held = Recorder("capture")
    late = client_for(queue, batch_size=10, max_batch=10, transport=held)
    assert late.run_once().last_error_code == "offline"
    pushes = [r for r in held.requests if r.url.path.endswith("/push")]
    assert 1 <= len(pushes) <= 2  # the client stops at the first failure
    later = [queue.pending(10, after_seq=50), queue.pending(10, after_seq=40)]
    for body, headers in (signed_push(late, batch) for batch in later):
        assert httpx.post(centre.url + "/v1/push", content=body, headers=headers,
                          timeout=60).status_code == 200
    assert httpx.post(centre.url + pushes[0].url.path, content=pushes[0].content,
                      headers=dict(pushes[0].headers), timeout=60).status_code == 200
    assert client.run_once().last_error is None
    assert_exactly_once(centre, queue, 60)
    client.close()
    late.close()


def test_clock_skew_is_refused_with_the_skew(centre: Centre) -> None:
    queue = make_station(centre=centre)
    add_cases(queue, 5)
    skewed = client_for(queue, clock=lambda: now_ms() + 600_000)
    state = skewed.run_once()
    assert state.last_error_code == "clock_skew" and state.online is True
    assert "600" in state.last_error  # "相差 +600 秒"
    assert stored_count(centre) == 0 and queue.stats().counts["pending"] == 5
    skewed.close()
    ok = client_for(queue)
    assert ok.run_once().last_error is None
    assert_exactly_once(centre, queue, 5)
    ok.close()


def test_wrong_key_is_refused(centre: Centre) -> None:
    from station.sync.identity import StationKeys

    queue = make_station(centre=centre)
    add_cases(queue, 5)
    client = client_for(queue)
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    client.keys = StationKeys(Ed25519PrivateKey.generate(), client.keys.inbox)
    state = client.run_once()
    assert state.last_error_code == "bad_signature"
    assert stored_count(centre) == 0 and queue.stats().counts["pending"] == 5
    client.close()


def test_revoked_station_is_refused(centre: Centre) -> None:
    queue = make_station("闵行-02", centre=centre)
    add_cases(queue, 5)
    client = client_for(queue)
    assert client.run_once().last_error is None
    add_cases(queue, 5, start=5)
    assert centre.cli("station", "revoke", "闵行-02").returncode == 0
    state = client.run_once()
    assert state.last_error_code == "station_revoked" and "吊销" in state.last_error
    assert stored_count(centre) == 5 and queue.stats().counts["pending"] == 5
    client.close()


def test_replayed_batch_is_refused(centre: Centre) -> None:
    queue = make_station(centre=centre)
    add_cases(queue, 8)
    rec = Recorder()
    client = client_for(queue, transport=rec)
    assert client.run_once().last_error is None
    push = next(r for r in rec.requests if r.url.path.endswith("/push"))
    again = httpx.post(centre.url + push.url.path, content=push.content,
                       headers=dict(push.headers), timeout=60)
    assert again.status_code == 409 and again.json()["error"] == "replayed_nonce"
    assert_exactly_once(centre, queue, 8)
    client.close()


class Tampering:
    """The queue as the client sees it, with one ciphertext byte flipped in transit."""

    def __init__(self, queue, victim_seq: int) -> None:
        self.queue, self.victim_seq = queue, victim_seq

    def pending(self, limit: int = 500, after_seq: int = 0):
        out = []
        for rec in self.queue.pending(limit, after_seq=after_seq):
            if rec.seq == self.victim_seq:
                enc = bytearray(rec.enc)
                enc[-5] ^= 0x01
                rec = dataclasses.replace(rec, enc=bytes(enc))
            out.append(rec)
        return out

    def __getattr__(self, name):
        return getattr(self.queue, name)


def test_tampered_ciphertext_is_rejected_alone(centre: Centre) -> None:
    queue = make_station(centre=centre)
    add_cases(queue, 10)
    client = client_for(Tampering(queue, victim_seq=4))
    state = client.run_once()
    assert state.rejected == 1 and state.pushed == 9
    assert stored_count(centre) == 9
    [bad] = [r for r in queue.list() if r.state != "acknowledged"]
    # the centre could not open it: sealed again at once from the local copy (unlocked)
    assert bad.seq == 4 and bad.state == "pending" and bad.last_error is None
    assert queue.unopenable() == []
    client.close()
    clean = client_for(queue)
    assert clean.run_once().last_error is None
    assert_exactly_once(centre, queue, 10)
    clean.close()


def test_same_id_different_content_is_a_conflict_never_an_overwrite(centre: Centre) -> None:
    from stationq import sealing

    queue = make_station(centre=centre)
    [rid, _other] = add_cases(queue, 2)
    client = client_for(queue)
    [rec, _] = queue.list()
    # Someone else's content under this record's (id, version) reaches the centre first.
    # Its clear fields are the record's own (the centre refuses any that differ from the
    # sealed envelope's, or that break its schema); only the sealed content differs.
    at = rec.created_at.timestamp()
    forged = sealing.seal(queue.centre_key, queue.station_id, rid, 1, sealing.make_envelope(
        record_id=rid, version=1, seq=rec.seq, kind="case", meta=rec.meta, created_at=at,
        updated_at=at, payload={"name": "someone else"}))
    forged_wire = {
        "record_id": rid, "version": 1, "seq": rec.seq, "kind": "case", "meta": rec.meta,
        "created_at": rec.created_at.isoformat(), "suite": queue.centre_key.suite,
        "enc": base64.b64encode(forged).decode()}
    body, headers = signed_push(client, [forged_wire])
    answer = httpx.post(centre.url + "/v1/push", content=body, headers=headers, timeout=60)
    assert answer.status_code == 200 and answer.json()["acks"][0]["status"] == "stored"
    store = centre.store()
    first = store.sealed(rid, 1)
    store.close()
    # The station's real record is then a conflict: kept aside, never overwriting.
    for _ in range(2):
        state = client.run_once()
        assert state.last_error is None
    assert client.state.pushed == 0  # the second run had nothing left to send
    states = {r.record_id: r.state for r in queue.list()}
    assert states == {rid: "conflict", _other: "acknowledged"}
    store = centre.store()
    assert store.sealed(rid, 1) == first
    assert store.counts()["conflicts"] == 1 and store.counts()["records"] == 2
    [cov] = store.coverage()
    assert cov["gaps"] == []
    store.close()
    client.close()


def test_pull_cut_mid_response_applies_once(centre: Centre) -> None:
    queue = make_station(centre=centre)
    ids = add_cases(queue, 3)
    client = client_for(queue)
    assert client.run_once().last_error is None
    for rid in ids:
        assert centre.cli("case", "set-status", rid, "审批中").returncode == 0
    proxy = Proxy(centre.port)
    cut = client_for(queue, url=proxy.url)
    cut._pulse_served = False  # no heartbeat first: the cut must land in the pull itself
    proxy.cut_down = 300  # into the signed page of updates
    state = cut.run_once()
    assert state.last_error_code == "network" and cut.inbox.cursor() == 0
    assert cut.inbox.statuses() == {}
    state = cut.run_once()
    assert state.last_error is None and state.pulled == 3
    assert cut.inbox.counts()["case_status_history"] == 3
    assert set(cut.inbox.statuses().values()) == {"reviewing"}
    cut.close()
    client.close()
    proxy.close()


def test_records_sealed_to_a_wrong_centre_key_are_rejected(centre: Centre) -> None:
    from stationq import TEST_KDF, Queue
    from stationq.sealing import generate_centre_keys

    from station import paths
    from station.sync.enrol import enrol

    make_station().close()
    paths.queue_file().unlink()  # a queue bound to some other centre's key
    from station import config

    cfg = config.load()
    _, other_key = generate_centre_keys()
    queue = Queue.create(paths.queue_file(), station_id=cfg.station_id, slot="s01",
                         passphrase="staff-passphrase-1", centre_key=other_key, kdf=TEST_KDF)
    enrol(centre.url, centre.enrol_code("徐汇-01"))
    add_cases(queue, 4)
    client = client_for(queue)
    state = client.run_once()
    assert state.rejected == 4 and state.pushed == 0 and state.last_error_code == "rejected"
    assert "中心无法打开" in state.last_error
    assert stored_count(centre) == 0
    assert {r.state for r in queue.list()} == {"pending"}
    client.close()
