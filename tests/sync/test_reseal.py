"""Issue 16: a sealed copy the real centre refuses as unopenable ("cannot_open", per
record, center/app.py `_open_all`) is sealed again from the intact local copy — at once
while unlocked, at the next unlock otherwise — and the centre then stores it once."""

from __future__ import annotations

import hashlib
import json
import os

import pytest

from tests.sync.syncrig import (
    PASSPHRASE,
    STAFF_PASS,
    Centre,
    add_cases,
    assert_exactly_once,
    client_for,
    make_station,
)


def _garble(queue, seq: int) -> None:
    """A sealed copy no centre can open, with a matching digest (as a broken sealer
    would leave it): only the centre can tell."""
    blob = os.urandom(200)
    queue._db.execute("UPDATE records SET sealed = ?, sealed_sha = ? WHERE seq = ?",
                      (blob, hashlib.sha256(blob).digest(), seq))


def _centre_payload(centre: Centre, station_id: str, seq: int) -> dict:
    from stationq.sealing import open_envelope

    from center import keys as centre_keys

    keys = centre_keys.load(centre.home, PASSPHRASE)
    private = {"x25519-hkdf-sha256-aes256gcm": keys.x25519,
               "mlkem768x25519-hkdf-sha256-aes256gcm": keys.hybrid}
    store = centre.store()
    try:
        with store.tx() as cur:
            cur.execute(store.q("SELECT record_id, version, suite, enc, meta FROM records "
                                "WHERE station_id = ? AND seq = ?"), (station_id, seq))
            rid, version, suite, enc, meta = cur.fetchone()
    finally:
        store.close()
    env = open_envelope(private[suite], suite, station_id, rid, version, bytes(enc))
    return {"payload": env["payload"], "meta": json.loads(meta)}


@pytest.mark.parametrize("backend", ["sqlite"])  # the centre's storage is not under test here
def test_unopenable_copy_is_resealed_and_stored(centre: Centre) -> None:
    queue = make_station(centre=centre)
    add_cases(queue, 3)
    _garble(queue, 2)
    client = client_for(queue)
    state = client.run_once()
    assert state.pushed == 2 and state.rejected == 1
    assert queue.unopenable() == []  # unlocked: sealed again at once
    assert queue.verify().ok
    assert client.run_once().pushed == 1
    assert_exactly_once(centre, queue, 3)
    assert _centre_payload(centre, queue.station_id, 2)["payload"]["name"] == "居民1"
    client.close()


@pytest.mark.parametrize("backend", ["sqlite"])
def test_a_locked_station_reseals_at_the_next_unlock(centre: Centre) -> None:
    queue = make_station(centre=centre)
    add_cases(queue, 2)
    _garble(queue, 1)
    queue.lock()
    client = client_for(queue)
    assert client.run_once().rejected == 1
    [key] = queue.unopenable()
    again = client.run_once()  # resent as is while locked: refused again, nothing lost
    assert again.rejected == 1 and queue.unopenable() == [key]
    queue.purge(queue._clock() + 3 * 86400)  # past retention: the only good copy stays
    assert queue.info(key[0]).has_local
    queue.unlock("s01", STAFF_PASS)
    assert queue.reseal_unopenable() == 1
    assert client.run_once().pushed == 1
    store = centre.store()
    try:
        keys = [k for k in store.record_keys() if k[2] == queue.station_id]
        assert sorted(k[3] for k in keys) == [1, 2] and store.counts()["conflicts"] == 0
    finally:
        store.close()
    counts = queue.stats().counts  # seq 2 was purged to a tombstone by the purge above
    assert (counts["pending"], counts["sent"], counts["acknowledged"], counts["purged"]) == (
        0, 0, 1, 1)
    assert _centre_payload(centre, queue.station_id, 1)["payload"]["name"] == "居民0"
    client.close()
