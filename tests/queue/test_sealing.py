"""What the station seals opens at the centre with cryptography's HPKE directly."""

from __future__ import annotations

import json
import zlib

import pytest
from cryptography.hazmat.primitives import hpke
from cryptography.hazmat.primitives.asymmetric import mlkem, x25519
from stationq import CentreKey
from stationq.errors import CryptoError, InvalidArgumentError
from stationq.sealing import MLKEM768_X25519, X25519, centre_key_for, open_sealed

from tests.queue.queue_testkit import STATION

PAYLOAD = {"name": "陈美兰", "id": "310101195001011234", "phone": "13912345678"}
SUITES = {
    X25519: hpke.Suite(hpke.KEM.X25519, hpke.KDF.HKDF_SHA256, hpke.AEAD.AES_256_GCM),
    MLKEM768_X25519: hpke.Suite(hpke.KEM.MLKEM768_X25519, hpke.KDF.HKDF_SHA256,
                                hpke.AEAD.AES_256_GCM),
}


def _keys(suite: str):
    """The centre's keys made with cryptography alone (as the centre does)."""
    x_priv = x25519.X25519PrivateKey.generate()
    if suite == X25519:
        return x_priv, CentreKey(X25519, x_priv.public_key().public_bytes_raw())
    m_priv = mlkem.MLKEM768PrivateKey.generate()
    public = m_priv.public_key().public_bytes_raw() + x_priv.public_key().public_bytes_raw()
    return hpke.MLKEM768X25519PrivateKey(m_priv, x_priv), CentreKey(MLKEM768_X25519, public)


@pytest.mark.parametrize("suite", [X25519, MLKEM768_X25519])
def test_round_trip_with_cryptography_hpke_directly(make_queue, suite):
    priv, key = _keys(suite)
    q = make_queue(key)
    info = q.append("case", PAYLOAD, {"matter": "A01"})
    amended = q.amend(info.record_id, {**PAYLOAD, "phone": "13900000000"}, reason="new phone")
    for sealed in q.pending():
        assert sealed.suite == suite
        binding = f"stationq/seal/1\x1f{STATION}\x1f{sealed.record_id}\x1f{sealed.version}"
        plain = SUITES[suite].decrypt(sealed.enc, priv, info=binding.encode())
        envelope = json.loads(zlib.decompress(plain))
        assert envelope["id"] == info.record_id
        assert envelope["seq"] == sealed.seq
        assert envelope["kind"] == "case" and envelope["meta"] == {"matter": "A01"}
    last = q.pending()[-1]
    assert last.version == amended.version == 2
    assert open_sealed(priv, suite, STATION, last.record_id, 2, last.enc)["phone"] == "13900000000"


def test_binding_to_station_record_and_version(make_queue):
    priv, key = _keys(X25519)
    q = make_queue(key)
    q.append("case", PAYLOAD)
    q.append("case", PAYLOAD)
    one, two = q.pending()
    with pytest.raises(CryptoError):
        open_sealed(priv, X25519, "another-station", one.record_id, 1, one.enc)
    with pytest.raises(CryptoError):
        open_sealed(priv, X25519, STATION, two.record_id, 1, one.enc)  # moved to another id
    with pytest.raises(CryptoError):
        open_sealed(priv, X25519, STATION, one.record_id, 2, one.enc)  # another version
    other, _ = _keys(X25519)
    with pytest.raises(CryptoError):
        open_sealed(other, X25519, STATION, one.record_id, 1, one.enc)


def test_sealed_payload_is_compressed():
    priv, key = _keys(X25519)
    from stationq.sealing import make_envelope, seal

    big = {"text": "重复的内容" * 400}
    env = make_envelope(record_id="r", version=1, seq=1, kind="case", meta={}, created_at=0.0,
                        updated_at=0.0, payload=big)
    blob = seal(key, STATION, "r", 1, env)
    assert len(blob) < len(json.dumps(big, ensure_ascii=False).encode()) / 5
    assert open_sealed(priv, X25519, STATION, "r", 1, blob) == big


def test_centre_key_validation():
    with pytest.raises(InvalidArgumentError):
        CentreKey("rsa", b"x" * 32)
    with pytest.raises(InvalidArgumentError):
        CentreKey(X25519, b"short")
    x_priv = x25519.X25519PrivateKey.generate()
    m_priv = mlkem.MLKEM768PrivateKey.generate()
    assert centre_key_for(x_priv).suite == X25519
    hybrid = centre_key_for(x_priv, m_priv)
    assert hybrid.suite == MLKEM768_X25519 and len(hybrid.public_key) == 1184 + 32
    assert hybrid.fingerprint != centre_key_for(x_priv).fingerprint
