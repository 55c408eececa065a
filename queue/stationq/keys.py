"""The data key (DEK), its passphrase slots and the local copy's AEAD.

Why slots: like LUKS, one random DEK encrypts every local copy and each staff
passphrase only wraps that DEK, so adding, removing or changing a passphrase never
re-encrypts records. Argon2id parameters live with each slot so they can be raised
later without breaking old slots.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

NONCE_LEN = 12


@dataclass(frozen=True)
class KdfParams:
    """Argon2id cost. Defaults: 64 MiB, 3 passes, 1 lane (~0.1-0.3 s on a laptop core)."""

    memory_cost: int = 64 * 1024  # KiB
    iterations: int = 3
    lanes: int = 1

    def to_json(self, salt: bytes) -> str:
        return json.dumps({"alg": "argon2id", **asdict(self), "salt": salt.hex()})

    @staticmethod
    def from_json(text: str) -> tuple[KdfParams, bytes]:
        data = json.loads(text)
        params = KdfParams(data["memory_cost"], data["iterations"], data["lanes"])
        return params, bytes.fromhex(data["salt"])


DEFAULT_KDF = KdfParams()
# Low cost for tests only: the queue never picks this by itself.
TEST_KDF = KdfParams(memory_cost=8, iterations=1, lanes=1)


def derive_kek(passphrase: str, salt: bytes, params: KdfParams) -> bytes:
    kdf = Argon2id(salt=salt, length=32, iterations=params.iterations, lanes=params.lanes,
                   memory_cost=params.memory_cost)
    return kdf.derive(passphrase.encode())


def slot_aad(station_id: str, slot: str, key_id: str) -> bytes:
    return f"stationq/slot/1\x1f{station_id}\x1f{slot}\x1f{key_id}".encode()


def wrap(kek: bytes, dek: bytes, aad: bytes) -> bytes:
    nonce = os.urandom(NONCE_LEN)
    return nonce + AESGCM(kek).encrypt(nonce, dek, aad)


def unwrap(kek: bytes, blob: bytes, aad: bytes) -> bytes | None:
    """The DEK, or None when the KEK (i.e. the passphrase) is wrong."""
    try:
        return AESGCM(kek).decrypt(blob[:NONCE_LEN], blob[NONCE_LEN:], aad)
    except InvalidTag:
        return None


def key_check(dek: bytes, key_id: str) -> bytes:
    """A fixed-nonce tag that proves a key is this queue's DEK (for the recovery path).

    The fixed nonce is safe: it is used with this DEK for this one empty message only.
    """
    return AESGCM(dek).encrypt(b"\x00" * NONCE_LEN, b"", f"stationq/check/1\x1f{key_id}".encode())


def local_aad(record_id: str, version: int, kind: str, seq: int, key_id: str,
              meta_sha: str | None = None) -> bytes:
    """The local copy's associated data. From schema v5 (``meta_sha`` given: the SHA-256
    of the row's clear-metadata text) it binds the clear metadata too, so a metadata
    byte changed by someone who also rebuilt the audit chain still breaks the tag."""
    head = f"{record_id}\x1f{version}\x1f{kind}\x1f{seq}\x1f{key_id}"
    if meta_sha is None:
        return f"stationq/local/1\x1f{head}".encode()
    return f"stationq/local/2\x1f{head}\x1f{meta_sha}".encode()


def derive(dek: bytes, info: str) -> bytes:
    """HKDF-SHA256 (RFC 5869) of the DEK: a separate key per purpose, never the DEK itself."""
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                info=info.encode()).derive(bytes(dek))


class LocalCipher:
    """AES-256-GCM under the DEK for local copies; holds one AESGCM object for speed.

    Plaintext is the JSON bytes as they are: compressing would cost more CPU per
    append than the bytes it saves (fsync cost barely depends on 2 KB vs 1 KB).
    """

    def __init__(self, dek: bytes) -> None:
        self._aead = AESGCM(dek)

    def encrypt(self, payload_json: bytes, aad: bytes) -> bytes:
        nonce = os.urandom(NONCE_LEN)
        return nonce + self._aead.encrypt(nonce, payload_json, aad)

    def decrypt(self, blob: bytes, aad: bytes) -> dict[str, Any] | None:
        """The payload, or None when the blob fails authentication."""
        try:
            raw = self._aead.decrypt(blob[:NONCE_LEN], blob[NONCE_LEN:], aad)
        except (InvalidTag, ValueError):
            return None
        return json.loads(raw)

    def check(self, blob: bytes, aad: bytes) -> bool:
        try:
            self._aead.decrypt(blob[:NONCE_LEN], blob[NONCE_LEN:], aad)
        except (InvalidTag, ValueError):
            return False
        return True
