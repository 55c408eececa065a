"""Malformed bodies of any shape get a 4xx with a reason, and nothing is stored.

Bodies are signed with the station's real key where that matters, so the fuzzing
reaches the shape checks behind the signature check instead of stopping at it.
"""

from __future__ import annotations

import copy
import json

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shared.protocol import (
    PUSH2_FIELDS,
    PUSH2_MAGIC,
    PUSH2_PATH,
    SIGNATURE_HEADER,
    frame_push,
    gunzip_body,
    gzip_body,
    new_nonce,
    now_ms,
    sign,
)
from shared.protocol import (
    dumps as compact_dumps,
)
from station.sync.client import _created, _wire
from tests.sync.syncrig import add_cases, client_for, make_station


def gzip_ok(packed: bytes, body: bytes) -> bool:
    try:
        return gunzip_body(packed) == body
    except (ValueError, OverflowError):
        return False


def dumps(doc) -> bytes:
    """ASCII-escaped JSON: lone surrogates travel as \\uXXXX, as an attacker would send."""
    return json.dumps(doc).encode()

FUZZ = settings(max_examples=90, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda kids: st.lists(kids, max_size=4) | st.dictionaries(st.text(max_size=8), kids,
                                                              max_size=4),
    max_leaves=12)
# Floats with a fraction: 3.0 is an integer to JSON Schema, and the centre takes it as 3.
not_int = st.none() | st.booleans() | st.text(max_size=5) | st.floats().filter(
    lambda f: not f.is_integer()) | st.lists(
    st.integers(), max_size=2)
bad_values = {
    "v": st.one_of(not_int, st.integers().filter(lambda n: n != 1)),
    "station_id": st.one_of(st.none(), st.integers(), st.just(""), st.text(min_size=81),
                            st.just("bad id/with slash")),
    "ts": st.one_of(not_int, st.integers(max_value=-1)),
    "nonce": st.one_of(st.none(), st.integers(), st.just("!!notbase64"),
                       st.binary(max_size=15).map(lambda b: __import__("base64")
                                                  .b64encode(b).decode())),
    "records": st.one_of(st.none(), st.integers(), st.text(max_size=5),
                         st.dictionaries(st.text(max_size=3), st.integers(), max_size=2)),
}
bad_record_values = {
    "record_id": st.one_of(st.none(), st.integers(), st.just(""), st.just("a b"),
                           st.text(min_size=81, max_size=90)),
    "version": st.one_of(not_int, st.integers(max_value=0), st.integers(min_value=2**31)),
    "seq": st.one_of(not_int, st.integers(max_value=0)),
    "kind": st.one_of(st.none(), st.integers(), st.just(""), st.text(min_size=41, max_size=50)),
    "meta": st.one_of(st.none(), st.integers(), st.text(max_size=3), st.lists(st.integers()),
                      st.dictionaries(st.text(max_size=3), st.dictionaries(
                          st.text(max_size=2), st.integers(), min_size=1), min_size=1),
                      st.just({"case_no": "\udc00"}), st.just({"\ud800": "x"}),
                      st.just({"n": 2**70}), st.just({"case_no": "A\x00"})),
    "created_at": st.one_of(st.none(), st.integers(), st.just(""), st.just("2026\ud800"),
                            st.just("2026\x00")),
    "suite": st.one_of(st.none(), st.integers(), st.just(""), st.just("no such suite!")),
    "enc": st.one_of(st.none(), st.integers(), st.just(""), st.just("***"),
                     st.just("YWJj=ZGVm")),
}


def counts(centre) -> dict[str, int]:
    store = centre.store()
    try:
        return store.counts()
    finally:
        store.close()


def refused_with_reason(resp: httpx.Response, how: str) -> int:
    """A 4xx that says what was wrong; returns its status."""
    assert 400 <= resp.status_code < 500, (how, resp.status_code, resp.text)
    reason = resp.json()
    assert reason["error"] and reason["detail"]
    return resp.status_code


def assert_nothing_stored(centre, before: dict[str, int], seen: set[int]) -> None:
    """After a fuzz run: no record, conflict or nonce stored; both the shape checks (400)
    and the signature check (401) were reached."""
    assert counts(centre)["records"] == before["records"] == 0
    assert counts(centre)["conflicts"] == 0
    assert counts(centre)["nonces"] == before["nonces"]
    assert {400, 401} <= seen


def post(centre, body: bytes, signer=None, gzipped: bytes | None = None) -> httpx.Response:
    headers = {"content-type": "application/json"}
    if gzipped is not None:
        headers["content-encoding"] = "gzip"
    if signer is not None:
        headers[SIGNATURE_HEADER] = sign(signer, "request", "/v1/push", body)
    return httpx.post(centre.url + "/v1/push", content=body if gzipped is None else gzipped,
                      headers=headers, timeout=60)


def test_push_fuzz_only_4xx_and_nothing_stored(centre) -> None:
    queue = make_station(centre=centre)
    add_cases(queue, 3)
    client = client_for(queue)
    records = [_wire(r) for r in queue.pending(3)]
    valid = {"v": 1, "station_id": queue.station_id, "ts": now_ms(), "nonce": new_nonce(),
             "records": records}
    before = counts(centre)
    seen: set[int] = set()

    @FUZZ
    @given(st.data())
    def run(data) -> None:
        how = data.draw(st.sampled_from(["bytes", "json", "envelope", "record", "drop",
                                         "unsigned", "gzip"]))
        doc = copy.deepcopy(valid)
        doc["nonce"] = new_nonce()
        doc["ts"] = now_ms()
        if how == "bytes":
            body = data.draw(st.binary(max_size=300))
        elif how == "json":
            body = json.dumps(data.draw(json_values)).encode()
        elif how == "envelope":
            field = data.draw(st.sampled_from(sorted(bad_values)))
            doc[field] = data.draw(bad_values[field])
            body = dumps(doc)
        elif how == "record":
            n = data.draw(st.integers(0, len(records) - 1))
            field = data.draw(st.sampled_from(sorted(bad_record_values)))
            doc["records"][n][field] = data.draw(bad_record_values[field])
            body = dumps(doc)
        elif how == "drop":
            if data.draw(st.booleans()):
                del doc[data.draw(st.sampled_from(sorted(doc)))]
            else:
                rec = doc["records"][0]
                del rec[data.draw(st.sampled_from(sorted(rec)))]
            body = dumps(doc)
        else:
            body = dumps(doc)
        packed = None
        if how == "gzip":  # a signed, valid body whose compressed bytes are damaged
            packed = bytearray(gzip_body(body))
            cut = data.draw(st.integers(0, 2**16)) % len(packed)  # body length varies
            if data.draw(st.booleans()):
                packed = packed[:cut]
            else:
                packed[cut] ^= 0xFF
            packed = bytes(packed)
            if gzip_ok(packed, body):
                return  # the flip hit a byte gzip does not check; not a malformed body
        resp = post(centre, body, None if how == "unsigned" else client.keys.sign, packed)
        seen.add(refused_with_reason(resp, how))

    run()
    assert_nothing_stored(centre, before, seen)
    bomb = gzip_body(b" " * (17 * 1024 * 1024))
    resp = post(centre, b"", client.keys.sign, bomb)
    assert resp.status_code == 413 and resp.json()["error"] == "too_large"
    resp = httpx.post(centre.url + "/v1/push", content=b"x",
                      headers={"content-encoding": "br"}, timeout=60)
    assert resp.status_code == 415
    # The untouched request still goes through: the fuzzing really was near the edge.
    assert post(centre, dumps({**valid, "nonce": new_nonce(), "ts": now_ms()}),
                client.keys.sign).status_code == 200
    client.close()


@settings(max_examples=40, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=st.one_of(st.binary(max_size=200), json_values.map(lambda v: dumps(v))))
def test_enrol_and_pull_fuzz_only_4xx(centre, body: bytes) -> None:
    for path in ("/v1/enroll", "/v1/pull"):
        resp = httpx.post(centre.url + path, content=body, timeout=30)
        assert 400 <= resp.status_code < 500, (path, resp.status_code, resp.text)
    assert counts(centre)["stations"] == 0


# --- push v2 (binary body) ---------------------------------------------------------------
bad_values_v2 = {**bad_values,
                 "v": st.one_of(not_int, st.integers().filter(lambda n: n != 2))}
bad_row_values = {**{k: v for k, v in bad_record_values.items() if k != "enc"},
                  "enc_len": st.one_of(not_int, st.integers(max_value=0),
                                       st.integers(min_value=2**20 + 1))}


def post_v2(centre, body: bytes, signer=None) -> httpx.Response:
    headers = {"content-type": "application/octet-stream"}
    if signer is not None:
        headers[SIGNATURE_HEADER] = sign(signer, "request", PUSH2_PATH, body)
    return httpx.post(centre.url + PUSH2_PATH, content=body, headers=headers, timeout=30)


def raw_frame(head: bytes, blobs: list[bytes]) -> bytes:
    """A frame around header bytes as given (deflated or not)."""
    return b"".join([PUSH2_MAGIC, len(head).to_bytes(4, "big"), head, *blobs])


def test_push_v2_fuzz_only_4xx_and_nothing_stored(centre) -> None:
    import zlib

    queue = make_station(centre=centre)
    add_cases(queue, 3)
    client = client_for(queue)
    pending = queue.pending(3)
    blobs = [r.enc for r in pending]
    rows = [[r.record_id, r.version, r.seq, r.kind, r.meta, _created(r), r.suite, len(r.enc)]
            for r in pending]
    valid = {"v": 2, "station_id": queue.station_id, "ts": now_ms(), "nonce": new_nonce(),
             "records": rows}
    before = counts(centre)
    seen: set[int] = set()

    @FUZZ
    @given(st.data())
    def run(data) -> None:
        how = data.draw(st.sampled_from(["bytes", "magic", "length", "header", "raw_header",
                                         "envelope", "row", "row_shape", "blobs", "cut",
                                         "unsigned"]))
        doc = copy.deepcopy(valid)
        doc["nonce"] = new_nonce()
        doc["ts"] = now_ms()
        parts = list(blobs)
        body = None
        if how == "bytes":
            body = data.draw(st.binary(max_size=300))
        elif how == "header":
            head = zlib.compress(json.dumps(data.draw(json_values)).encode())
            body = raw_frame(head, parts)
        elif how == "raw_header":  # JSON not deflated, or deflate bytes damaged
            head = bytearray(compact_dumps(doc))
            if data.draw(st.booleans()):
                head = bytearray(zlib.compress(bytes(head)))
                head[data.draw(st.integers(0, 2**16)) % len(head)] ^= 0xFF
            body = raw_frame(bytes(head), parts)
        elif how == "envelope":
            field = data.draw(st.sampled_from(sorted(bad_values_v2)))
            doc[field] = data.draw(bad_values_v2[field])
        elif how == "row":
            n = data.draw(st.integers(0, len(rows) - 1))
            field = data.draw(st.sampled_from(sorted(bad_row_values)))
            doc["records"][n][PUSH2_FIELDS.index(field)] = data.draw(bad_row_values[field])
        elif how == "row_shape":
            n = data.draw(st.integers(0, len(rows) - 1))
            doc["records"][n] = data.draw(st.one_of(
                st.just(doc["records"][n][:-1]), st.just([*doc["records"][n], 1]),
                json_values.filter(lambda v: not isinstance(v, list))))
        elif how == "blobs":  # the blobs do not fill the body exactly
            if data.draw(st.booleans()):
                parts[-1] = parts[-1][:-data.draw(st.integers(1, len(parts[-1])))]
            else:
                parts.append(data.draw(st.binary(min_size=1, max_size=40)))
        if body is None:  # header as ASCII-escaped JSON: lone surrogates survive, as in v1
            body = raw_frame(zlib.compress(dumps(doc)), parts)
        if how == "magic":
            body = data.draw(st.binary(min_size=4, max_size=4).filter(
                lambda m: m != PUSH2_MAGIC)) + body[4:]
        elif how == "length":
            body = body[:4] + data.draw(st.integers(0, 2**32 - 1)).to_bytes(4, "big") + body[8:]
        elif how == "cut":  # signed as cut: the frame itself is short
            body = body[:data.draw(st.integers(0, 2**16)) % len(body)]
        resp = post_v2(centre, body, None if how == "unsigned" else client.keys.sign)
        seen.add(refused_with_reason(resp, how))

    run()
    assert_nothing_stored(centre, before, seen)
    bomb = zlib.compress(b" " * (17 * 1024 * 1024), 9)
    resp = post_v2(centre, raw_frame(bomb, []), client.keys.sign)
    assert resp.status_code == 413 and resp.json()["error"] == "too_large"
    # A v1 JSON body at the v2 path (and a v2 body at v1's) is refused, not misread.
    v1_body = compact_dumps({**valid, "v": 1, "records": [_wire(r) for r in pending]})
    assert post_v2(centre, v1_body, client.keys.sign).json()["error"] == "malformed_body"
    v2_body = frame_push({**valid, "nonce": new_nonce(), "ts": now_ms()}, blobs)
    assert post(centre, v2_body, client.keys.sign).json()["error"] == "malformed_json"
    # The untouched request still goes through: the fuzzing really was near the edge.
    resp = post_v2(centre, v2_body, client.keys.sign)
    assert resp.status_code == 200, resp.text
    assert [a["status"] for a in resp.json()["acks"]] == ["stored"] * 3
    client.close()


def test_a_batch_that_repeats_a_record_is_refused_whole(centre) -> None:
    """v1 and v2 alike: a record named twice in one batch is a 400 naming the repeat,
    and nothing of the batch is stored (not even the records before it)."""
    queue = make_station(centre=centre)
    add_cases(queue, 2)
    client = client_for(queue)
    first, second = queue.pending(2)

    def envelope(records) -> dict:
        return {"station_id": queue.station_id, "ts": now_ms(), "nonce": new_nonce(),
                "records": records}

    v1 = dumps({"v": 1, **envelope([_wire(first), _wire(second), _wire(first)])})
    row = [first.record_id, first.version, first.seq, first.kind, first.meta,
           _created(first), first.suite, len(first.enc)]
    v2 = frame_push({"v": 2, **envelope([row, row])}, [first.enc, first.enc])
    for resp in (post(centre, v1, client.keys.sign), post_v2(centre, v2, client.keys.sign)):
        assert resp.status_code == 400, resp.text
        assert resp.json()["error"] == "duplicate_in_batch"
        assert "records[" in resp.json()["detail"]
    assert counts(centre)["records"] == 0
    client.close()
