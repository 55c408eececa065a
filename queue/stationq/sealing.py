"""The sealed copy: what the station sends and only the centre can open.

Why a module of its own: this is the only code the centre shares with the station
(see docs/CONTRACTS.md). A sealed blob is the output of RFC 9180 HPKE base mode
(``enc || ciphertext``, exactly what ``cryptography``'s ``Suite.encrypt`` returns).
The plaintext is a zlib-compressed JSON *envelope* holding the payload plus the
record's kind, sequence number, clear metadata and times, so the centre receives
those authenticated too. ``info`` binds station id, record id and version, so a
blob moved to another record or station fails to open.
"""

from __future__ import annotations

import hashlib
import json
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hpke
from cryptography.hazmat.primitives.asymmetric import mlkem, x25519

from stationq.errors import CryptoError, InvalidArgumentError

X25519 = "x25519-hkdf-sha256-aes256gcm"
MLKEM768_X25519 = "mlkem768x25519-hkdf-sha256-aes256gcm"

_SUITES = {
    X25519: hpke.Suite(hpke.KEM.X25519, hpke.KDF.HKDF_SHA256, hpke.AEAD.AES_256_GCM),
    MLKEM768_X25519: hpke.Suite(
        hpke.KEM.MLKEM768_X25519, hpke.KDF.HKDF_SHA256, hpke.AEAD.AES_256_GCM
    ),
}
SUITES = tuple(_SUITES)
_MLKEM768_PUBLIC_LEN = 1184
_ENVELOPE_VERSION = 1

PublicKey = x25519.X25519PublicKey | hpke.MLKEM768X25519PublicKey
PrivateKey = x25519.X25519PrivateKey | hpke.MLKEM768X25519PrivateKey


def suite(name: str) -> hpke.Suite:
    try:
        return _SUITES[name]
    except KeyError:
        raise InvalidArgumentError(
            f"Unknown HPKE suite {name!r}; known suites: {', '.join(SUITES)}."
        ) from None


def record_info(station_id: str, record_id: str, version: int) -> bytes:
    """HPKE ``info`` of a record's sealed copy."""
    return f"stationq/seal/1\x1f{station_id}\x1f{record_id}\x1f{version}".encode()


def recovery_info(station_id: str, key_id: str) -> bytes:
    """HPKE ``info`` of the recovery slot (the data key sealed to the centre)."""
    return f"stationq/recovery/1\x1f{station_id}\x1f{key_id}".encode()


@dataclass(frozen=True)
class CentreKey:
    """The centre's public key as a station stores it.

    ``public_key`` is the raw X25519 key (32 bytes) for the default suite, or the
    ML-KEM-768 public key followed by the X25519 one (1184 + 32 bytes) for the hybrid.
    """

    suite: str
    public_key: bytes

    def __post_init__(self) -> None:
        suite(self.suite)
        self.hpke_public()  # reject malformed keys at construction, not at first append

    def hpke_public(self) -> PublicKey:
        try:
            if self.suite == X25519:
                return x25519.X25519PublicKey.from_public_bytes(self.public_key)
            m_pub = mlkem.MLKEM768PublicKey.from_public_bytes(
                self.public_key[:_MLKEM768_PUBLIC_LEN]
            )
            x_pub = x25519.X25519PublicKey.from_public_bytes(
                self.public_key[_MLKEM768_PUBLIC_LEN:]
            )
        except ValueError as exc:
            raise InvalidArgumentError(f"Malformed public key for suite {self.suite}.") from exc
        return hpke.MLKEM768X25519PublicKey(m_pub, x_pub)

    @property
    def fingerprint(self) -> str:
        return hashlib.sha256(self.suite.encode() + b"\x00" + self.public_key).hexdigest()[:16]

    @classmethod
    def from_private(cls, private_key: PrivateKey) -> CentreKey:
        return centre_key_for(private_key)


def centre_key_for(private_key: PrivateKey, mlkem_key: mlkem.MLKEM768PrivateKey | None = None
                   ) -> CentreKey:
    """The public ``CentreKey`` of a centre private key.

    ``MLKEM768X25519PrivateKey`` exposes no component keys, so for the hybrid suite
    pass the X25519 private key plus the ML-KEM-768 private key as ``mlkem_key``.
    """
    x_pub = private_key.public_key()
    if mlkem_key is None:
        if not isinstance(private_key, x25519.X25519PrivateKey):
            raise InvalidArgumentError(
                "For the hybrid suite pass the X25519 key and the ML-KEM-768 key separately."
            )
        return CentreKey(X25519, x_pub.public_bytes_raw())
    raw = mlkem_key.public_key().public_bytes_raw() + x_pub.public_bytes_raw()
    return CentreKey(MLKEM768_X25519, raw)


def generate_centre_keys(suite_name: str = X25519) -> tuple[PrivateKey, CentreKey]:
    """A fresh centre key pair (for tests, benchmarks and a centre without its own key code)."""
    x_priv = x25519.X25519PrivateKey.generate()
    if suite_name == X25519:
        return x_priv, centre_key_for(x_priv)
    suite(suite_name)
    m_priv = mlkem.MLKEM768PrivateKey.generate()
    return hpke.MLKEM768X25519PrivateKey(m_priv, x_priv), centre_key_for(x_priv, m_priv)


def seal_bytes(key: CentreKey, plaintext: bytes, info: bytes) -> bytes:
    return suite(key.suite).encrypt(plaintext, key.hpke_public(), info=info)


def open_bytes(private_key: PrivateKey, suite_name: str, blob: bytes, info: bytes) -> bytes:
    try:
        return suite(suite_name).decrypt(blob, private_key, info=info)
    except (InvalidTag, ValueError, TypeError) as exc:
        raise CryptoError(
            "The sealed blob does not open: wrong centre key or suite, a blob bound to another "
            "station/record/version, or damaged bytes."
        ) from exc


def _compact_encoder() -> Callable[[Any], str]:
    """``json.dumps(obj, ensure_ascii=False, separators=(",", ":"), allow_nan=False)``.

    Why not json.dumps: around its C encoder, ``JSONEncoder.encode`` runs some 90 Python
    bytecodes per call (a new encoder object, then ``iterencode``), more than the rest
    of an append's JSON work (the station encodes every payload and every envelope
    header); the C encoder built once here gives the same text. It is stateless (no
    circular-reference table; a cycle ends in RecursionError) so threads may share it.
    Without the C accelerator the documented encoder is used.
    """
    encoder = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    try:
        c_encode = json.encoder.c_make_encoder(  # type: ignore[misc]
            None, encoder.default, json.encoder.encode_basestring, None, ":", ",",
            False, False, False)
        if "".join(c_encode({"a": [1.5, "é"]}, 0)) != '{"a":[1.5,"é"]}':
            raise TypeError("unexpected output")
    except (AttributeError, TypeError):  # another Python: the documented way
        return encoder.encode
    join = "".join
    return lambda obj: join(c_encode(obj, 0))


compact_json = _compact_encoder()
_scan = json.JSONDecoder().scan_once


def loads_json(text: Any) -> Any:
    """``json.loads(text)``, through the C scanner directly for a str that is one JSON
    value exactly: the Python-level wrapping of json.loads is a third of its cost for
    a record's clear metadata (``Queue.pending``) and a quarter for an envelope (the
    centre's push). Anything else goes to json.loads, which accepts or raises as always."""
    if type(text) is str:
        try:
            value, end = _scan(text, 0)
        except StopIteration:
            end = -1
        if end == len(text):
            return value
    return json.loads(text)
# zlib level 1: case envelopes come out 1.5 % larger than at level 6 for a quarter less
# CPU per sealed append (the sync wire compression uses level 1 too).
_ZLIB_LEVEL = 1


def envelope_bytes(envelope: dict[str, Any]) -> bytes:
    return zlib.compress(compact_json(envelope).encode(), _ZLIB_LEVEL)


class Sealer:
    """Seals envelopes to one centre key; keeps the parsed public key to save work per record."""

    def __init__(self, key: CentreKey) -> None:
        self.key = key
        self._suite = suite(key.suite)
        self._public = key.hpke_public()

    def seal(self, station_id: str, record_id: str, version: int, envelope: dict[str, Any]
             ) -> bytes:
        return self._suite.encrypt(
            envelope_bytes(envelope), self._public, info=record_info(station_id, record_id, version)
        )

    def seal_raw(self, station_id: str, record_id: str, version: int, header: dict[str, Any],
                 payload_json: bytes) -> bytes:
        """Seal an envelope whose payload is already JSON; ``header`` must lack "payload"."""
        return self._suite.encrypt(envelope_raw(header, payload_json), self._public,
                                   info=record_info(station_id, record_id, version))


def envelope_raw(header: dict[str, Any], payload_json: bytes) -> bytes:
    """Envelope bytes from a header and an already-serialised payload (saves a second dump)."""
    head = compact_json(header).encode()
    return zlib.compress(head[:-1] + b',"payload":' + payload_json + b"}", _ZLIB_LEVEL)


def make_envelope(*, record_id: str, version: int, seq: int, kind: str, meta: dict[str, str],
                  created_at: float, updated_at: float, payload: dict[str, Any]) -> dict[str, Any]:
    return {
        "v": _ENVELOPE_VERSION,
        "id": record_id,
        "version": version,
        "seq": seq,
        "kind": kind,
        "meta": meta,
        "created_at": created_at,
        "updated_at": updated_at,
        "payload": payload,
    }


def seal(key: CentreKey, station_id: str, record_id: str, version: int,
         envelope: dict[str, Any]) -> bytes:
    """Seal one record version's envelope (see ``make_envelope``) to the centre."""
    return Sealer(key).seal(station_id, record_id, version, envelope)


def open_envelope(private_key: PrivateKey, suite_name: str, station_id: str, record_id: str,
                  version: int, blob: bytes) -> dict[str, Any]:
    """Open a sealed copy and return the whole envelope (payload, kind, seq, meta, times)."""
    raw = open_bytes(private_key, suite_name, blob, record_info(station_id, record_id, version))
    try:
        envelope = json.loads(zlib.decompress(raw))
    except (zlib.error, ValueError) as exc:
        raise CryptoError("The sealed blob opened but its envelope is not valid.") from exc
    if envelope.get("id") != record_id or envelope.get("version") != version:
        raise CryptoError("The sealed envelope names another record or version.")
    return envelope


def open_sealed(private_key: PrivateKey, suite_name: str, station_id: str, record_id: str,
                version: int, blob: bytes) -> dict[str, Any]:
    """Open a sealed copy and return the caller's payload (``open_envelope`` for the rest)."""
    return open_envelope(private_key, suite_name, station_id, record_id, version, blob)["payload"]


def open_recovery(private_key: PrivateKey, suite_name: str, station_id: str, key_id: str,
                  blob: bytes) -> bytes:
    """The station's data key from its recovery slot (centre side of a forgotten passphrase)."""
    return open_bytes(private_key, suite_name, blob, recovery_info(station_id, key_id))
