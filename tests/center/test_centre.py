"""The centre on both backends: enrolment, refusals, coverage, back office, keys, TLS."""

from __future__ import annotations

import datetime as dt
import json

import httpx
import pytest

from shared.protocol import (
    MAX_BODY_BYTES,
    SIGNATURE_HEADER,
    b64d,
    b64e,
    dumps,
    public_key_from_b64,
    sign,
    verify,
)
from tests.sync.syncrig import (
    PASSPHRASE,
    Centre,
    add_cases,
    assert_exactly_once,
    client_for,
    enrol_station,
    make_centre_home,
    make_station,
    signed_push,
)


def test_enrolment_code_works_once_and_expires(centre: Centre) -> None:
    from shared.errors import StationError
    from station.sync.enrol import enrol

    queue = make_station()
    code = centre.enrol_code("徐汇-01")
    done = enrol(centre.url, code)
    assert done.name == "徐汇-01" and done.pinned.station_id == queue.station_id
    with pytest.raises(StationError) as err:
        enrol(centre.url, code)
    assert err.value.key == "sync.err_bad_code"
    out = centre.cli("enroll", "--station", "x", "--ttl-hours", "0")
    with pytest.raises(StationError):
        enrol(centre.url, out.stdout.strip().splitlines()[-1])
    listing = centre.cli("station", "list").stdout
    assert "徐汇-01" in listing and queue.station_id in listing


def test_refusals_have_reasons_and_store_nothing(centre: Centre) -> None:
    queue = make_station(centre=centre)
    add_cases(queue, 2)
    client = client_for(queue)
    body, headers = signed_push(client, queue.pending(2))
    unsigned = httpx.post(centre.url + "/v1/push", content=body, timeout=60)
    assert unsigned.status_code == 401 and unsigned.json()["error"] == "bad_signature"
    stranger = body.replace(queue.station_id.encode(), b"ZZZZZZ")
    resp = httpx.post(centre.url + "/v1/push", content=stranger, headers=headers, timeout=60)
    assert resp.status_code == 401 and resp.json()["error"] == "unknown_station"
    big = httpx.post(centre.url + "/v1/push", content=b"x" * (MAX_BODY_BYTES + 1), timeout=60)
    assert big.status_code == 413
    assert httpx.get(centre.url + "/v1/push", timeout=60).status_code == 405
    old = json.loads(body)
    old["ts"] -= 3_600_000
    resp = httpx.post(centre.url + "/v1/push", content=dumps(old), headers={
        SIGNATURE_HEADER: sign(client.keys.sign, "request", "/v1/push", dumps(old))}, timeout=60)
    assert resp.status_code == 401 and resp.json()["skew_s"] < -3500
    # A lone surrogate (valid JSON, not storable text) in an otherwise valid signed record.
    odd = json.loads(body)
    odd["records"][0]["created_at"] = "\ud800"
    raw = json.dumps(odd).encode()
    resp = httpx.post(centre.url + "/v1/push", content=raw, headers={
        SIGNATURE_HEADER: sign(client.keys.sign, "request", "/v1/push", raw)}, timeout=60)
    assert resp.status_code == 400 and resp.json()["field"] == "created_at"
    store = centre.store()
    assert store.counts()["records"] == 0
    store.close()
    client.close()


def test_answers_are_signed_and_openapi_is_published(centre: Centre) -> None:
    info = httpx.get(centre.url + "/v1/info", timeout=60)
    centre_keys = info.json()["centre"]
    key = public_key_from_b64(centre_keys["sign_pub"])
    assert verify(key, info.headers[SIGNATURE_HEADER], "response", "/v1/info", info.content)
    assert not verify(key, info.headers[SIGNATURE_HEADER], "response", "/v1/push", info.content)
    assert len(b64d(centre_keys["hpke_mlkem768x25519"])) == 1184 + 32
    doc = httpx.get(centre.url + "/openapi.json", timeout=60).json()
    assert doc["openapi"].startswith("3.") and "/v1/push" in doc["paths"]


def test_every_sync_route_is_in_the_openapi_document(centre: Centre) -> None:
    """Stations program against the published document: each API route (not the
    supervisors' HTML pages) must be in it, with the methods it answers."""
    from starlette.routing import Route

    from center import keys
    from center.app import create_app
    from center.openapi import openapi_document

    store = centre.store()
    app = create_app(store, keys.load(centre.home, PASSPHRASE))
    api = {(r.path, m.lower()) for r in app.routes if isinstance(r, Route)
           and r.path.startswith(("/v1/", "/v2/")) for m in r.methods if m != "HEAD"}
    store.close()
    published = httpx.get(centre.url + "/openapi.json", timeout=60).json()
    documented = {(path, method) for path, ops in published["paths"].items() for method in ops}
    assert api and api <= documented, api - documented
    assert ("/v1/reports/reconcile", "post") in documented
    assert ("/v2/push", "post") in api
    assert published == json.loads(json.dumps(openapi_document()))
    for path, ops in published["paths"].items():
        for op in ops.values():
            assert op["summary"] and "200" in op["responses"], path


def test_coverage_names_gaps(centre: Centre) -> None:
    queue = make_station("长宁-03", centre=centre)
    add_cases(queue, 9)
    client = client_for(queue)
    pending = queue.pending(9)
    body, headers = signed_push(client, [r for r in pending if r.seq not in (4, 5, 8)])
    assert httpx.post(centre.url + "/v1/push", content=body, headers=headers,
                      timeout=60).status_code == 200
    store = centre.store()
    [cov] = store.coverage()
    store.close()
    assert cov["ranges"] == [(1, 3), (6, 7), (9, 9)] and cov["gaps"] == [(4, 5), (8, 8)]
    report = centre.cli("report", "coverage")
    assert "缺号：4–5, 8" in report.stdout
    assert client.run_once().last_error is None
    report = json.loads(centre.cli("report", "coverage", "--json").stdout)
    assert report[0]["gaps"] == [] and report[0]["received"] == 9
    assert "无缺号" in centre.cli("report", "coverage").stdout
    client.close()


def test_back_office_checks_statuses(centre: Centre, tmp_path) -> None:
    queue = make_station(centre=centre)
    [rid] = add_cases(queue, 1)
    assert client_for(queue).run_once().last_error is None
    assert centre.cli("case", "set-status", "NOPE", "审批中").returncode == 1
    bad = centre.cli("case", "set-status", rid, "发呆")
    assert bad.returncode == 1 and "受理" in bad.stderr
    no_note = centre.cli("case", "set-status", rid, "returned")
    assert no_note.returncode == 1 and "--note" in no_note.stderr
    assert centre.cli("visit", "request", "--station", "nobody", "--date", "2026-12-01",
                      "--resident-name", "x", "--phone", "1", "--address", "y").returncode == 1
    cat = tmp_path / "c.json"
    cat.write_text('{"version": 7}')
    assert centre.cli("catalogue", "publish", str(cat)).returncode == 0
    again = centre.cli("catalogue", "publish", str(cat))
    assert again.returncode == 1 and "7" in again.stderr


def test_migrations_are_idempotent(centre: Centre) -> None:
    from center.db import MIGRATIONS

    latest = max(v for v, _ in MIGRATIONS)
    store = centre.store()
    assert store.migrate() == store.schema_version() == latest
    assert store.migrate() == latest  # again: nothing to do, nothing fails
    store.close()
    assert str(latest) in centre.cli("migrate").stdout


def test_keys_are_encrypted_at_rest(tmp_path) -> None:
    from center import keys

    home = make_centre_home(tmp_path / "c")
    secret = keys.load(home, PASSPHRASE)
    raw = (home / keys.KEYS_FILE).read_bytes()
    assert b64e(secret.x25519.private_bytes_raw()).encode() not in raw
    assert b64e(secret.sign.private_bytes_raw()).encode() not in raw
    with pytest.raises(keys.KeyFileError) as err:
        keys.load(home, "wrong passphrase")
    assert err.value.key == "center.bad_passphrase"
    c = Centre(home, None)
    out = c.cli("init")
    assert out.returncode == 1 and "--force" in out.stderr
    fresh = Centre(tmp_path / "fresh", None)
    out = fresh.cli("init", "--passphrase-stdin", input=PASSPHRASE + "\n")
    assert out.returncode == 0 and (tmp_path / "fresh" / keys.KEYS_FILE).exists()
    locked = fresh.env()
    assert locked["CENTER_PASSPHRASE"] == PASSPHRASE


def _self_signed(tmp_path, name: str) -> tuple[str, str]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "centre")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=30))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), False)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = tmp_path / f"{name}.crt", tmp_path / f"{name}.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return str(cert_path), str(key_path)


@pytest.mark.daemon
@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_tls_certificate_is_pinned(tmp_path, db_url) -> None:
    c = Centre(make_centre_home(tmp_path / "c"), db_url, tls=_self_signed(tmp_path, "a"))
    c.start()
    try:
        queue = make_station()
        done = enrol_station(queue, c, "徐汇-01")
        assert len(done.pinned.tls_fingerprint) == 64
        add_cases(queue, 3)
        client = client_for(queue)
        assert client.run_once().last_error is None
        client.close()
        c.stop()
        c.tls = _self_signed(tmp_path, "b")  # an impostor's certificate on the same address
        c.start()
        add_cases(queue, 1, start=3)
        client = client_for(queue)
        state = client.run_once()
        assert state.last_error_code == "tls_pin" and state.pushed == 0
        assert "证书" in state.last_error
        assert queue.stats().counts["pending"] == 1
        client.close()
    finally:
        c.stop()


def test_old_nonces_are_forgotten(centre: Centre) -> None:
    from center.db import Replay
    from shared.protocol import TIME_WINDOW_S, new_nonce, now_ms

    queue = make_station(centre=centre)
    store = centre.store()
    old = new_nonce()
    store.use_nonce(queue.station_id, old, now_ms() - 3 * TIME_WINDOW_S * 1000)
    with pytest.raises(Replay):
        store.use_nonce(queue.station_id, old, now_ms())
    add_cases(queue, 1)
    client = client_for(queue)
    assert client.run_once().last_error is None  # the first push of a process prunes
    store.use_nonce(queue.station_id, old, now_ms())  # forgotten: usable, yet its old ts
    store.close()                                     # would still be refused by the window
    client.close()


def test_unreachable_database_is_a_sentence(tmp_path) -> None:
    c = Centre(make_centre_home(tmp_path / "c"), "postgresql://nobody@/x?host=/nonexistent")
    out = c.cli("report", "coverage")
    assert out.returncode == 1 and "连不上数据库" in out.stderr and "Traceback" not in out.stderr
    bad = Centre(tmp_path / "c", "mysql://x").cli("report", "coverage")
    assert bad.returncode == 1 and "postgresql://" in bad.stderr


def test_new_keys_apply_at_once_though_pushes_use_a_cached_key(centre: Centre) -> None:
    """Push checks signatures against a key the centre caches; a station enrolled anew
    (new signing key, same id) must still be refused with the old key at the next push."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from station.sync.identity import StationKeys

    queue = make_station("静安-05", centre=centre)
    add_cases(queue, 3)
    client = client_for(queue)
    assert client.run_once().last_error is None  # the old key is now in the cache
    new = Ed25519PrivateKey.generate()
    resp = httpx.post(centre.url + "/v1/enroll", content=dumps({
        "v": 1, "code": centre.enrol_code("静安-05"), "station_id": queue.station_id,
        "sign_pub": b64e(new.public_key().public_bytes_raw()),
        "inbox_pub": b64e(client.keys.inbox_pub())}), timeout=60)
    assert resp.status_code == 200
    add_cases(queue, 2, start=3)
    state = client.run_once()
    assert state.last_error_code == "bad_signature" and state.pushed == 0
    store = centre.store()
    assert store.counts()["records"] == 3
    store.close()
    client.keys = StationKeys(new, client.keys.inbox)
    assert client.run_once().last_error is None
    assert_exactly_once(centre, queue, 5)
    client.close()
