"""One batch mixing every outcome of a pushed record: each gets its own answer, in place.

The centre checks, opens and compares a batch's records in three passes over the batch
(center/app.py `_open_all`, for speed): these pin that every record still gets the
answer it got when each was handled whole, in its own position, and that a record whose
clear fields are refused is never opened (its unopenable blob would say "cannot_open").
"""

from __future__ import annotations

import time
import zlib

import pytest

from shared.protocol import b64d, b64e
from tests.center.hostile import push, sealed_record
from tests.sync.syncrig import case_meta, client_for, make_station


def _damaged(rec: dict) -> dict:
    blob = bytearray(b64d(rec["enc"]))
    blob[-1] ^= 1  # the AEAD tag no longer matches
    return {**rec, "enc": b64e(bytes(blob))}


def _sealed_plain(queue, rec: dict, plain: bytes) -> dict:
    """`rec` with a well-sealed blob whose plaintext is `plain` (not an envelope)."""
    from stationq import sealing

    blob = sealing.seal_bytes(queue.centre_key, plain, sealing.record_info(
        queue.station_id, rec["record_id"], 1))
    return {**rec, "enc": b64e(blob)}


@pytest.mark.parametrize("version", [1, 2])
def test_every_record_of_a_mixed_batch_gets_its_own_answer(centre, version: int) -> None:
    queue = make_station(centre=centre)
    sid = queue.station_id
    client = client_for(queue)

    def rec(seq: int, **kw) -> dict:
        return sealed_record(queue, seq=seq, meta=kw.pop("meta", case_meta(sid, seq)), **kw)

    batch = [
        rec(1),
        _damaged(rec(2, meta={**case_meta(sid, 2), "rating": "7"})),  # refused, unopened
        _damaged(rec(3)),
        {**rec(4), "suite": "no-such-suite"},
        _sealed_plain(queue, rec(5), zlib.compress(b"{not json")),
        _sealed_plain(queue, rec(6), b"not deflated"),
        _sealed_plain(queue, rec(7), zlib.compress(b"[]")),
        rec(8, env={"created_at": time.time() - 3600}),
        rec(9),
    ]
    resp = push(centre, client, batch, version)
    assert resp.status_code == 200, resp.text
    acks = resp.json()["acks"]
    assert [a["record_id"] for a in acks] == [r["record_id"] for r in batch]
    got = [(a["status"], a.get("error") or a.get("reason")) for a in acks]
    assert got == [
        ("stored", None),
        ("refused", "bad_value"),
        ("rejected", "cannot_open"),
        ("rejected", "unknown_suite"),
        ("rejected", "cannot_open"),
        ("rejected", "cannot_open"),
        ("rejected", "cannot_open"),
        ("refused", "meta_mismatch"),
        ("stored", None),
    ]
    assert acks[1]["field"] == "rating"
    store = centre.store()
    try:
        assert {k[0] for k in store.record_keys()} == {batch[0]["record_id"],
                                                        batch[-1]["record_id"]}
        assert store.counts()["conflicts"] == 0
    finally:
        store.close()
    client.close()
