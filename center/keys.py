"""The centre's keys: made once by `center init`, private halves encrypted at rest.

Why a passphrase: the HPKE private key opens every resident's record, so a copied
disk must not be enough. Argon2id stretches the administrator passphrase into an
AES-256-GCM key that wraps all private keys in one blob; public keys stay clear so
enrolment and reports can show them without unlocking.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hpke
from cryptography.hazmat.primitives.asymmetric import mlkem, x25519
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id

from center.errors import CenterError
from shared.protocol import b64d, b64e

KEYS_FILE = "keys.json"
KDF_PARAMS = {"iterations": 3, "lanes": 4, "memory_cost": 64 * 1024}


class KeyFileError(CenterError):
    """Wrong passphrase, missing or damaged key file (message is a catalogue key)."""


@dataclass
class CentreKeys:
    sign: Ed25519PrivateKey
    x25519: x25519.X25519PrivateKey
    mlkem: mlkem.MLKEM768PrivateKey
    digest_key: bytes  # keys the content digests so they reveal nothing about plaintexts

    @property
    def hybrid(self) -> hpke.MLKEM768X25519PrivateKey:
        return hpke.MLKEM768X25519PrivateKey(self.mlkem, self.x25519)

    def public(self) -> dict[str, str]:
        return public_dict(self)


def public_dict(keys: CentreKeys) -> dict[str, str]:
    x_pub = keys.x25519.public_key().public_bytes_raw()
    m_pub = keys.mlkem.public_key().public_bytes_raw()
    sign_pub = keys.sign.public_key().public_bytes_raw()
    return {
        "key_id": key_id(x_pub, m_pub),
        "sign_pub": b64e(sign_pub),
        "hpke_x25519": b64e(x_pub),
        # ML-KEM-768 public key then the X25519 public key, as the hybrid KEM takes them.
        "hpke_mlkem768x25519": b64e(m_pub + x_pub),
    }


def key_id(x_pub: bytes, m_pub: bytes) -> str:
    return hashlib.sha256(x_pub + m_pub).hexdigest()[:16]


def generate() -> CentreKeys:
    return CentreKeys(
        sign=Ed25519PrivateKey.generate(),
        x25519=x25519.X25519PrivateKey.generate(),
        mlkem=mlkem.MLKEM768PrivateKey.generate(),
        digest_key=os.urandom(32),
    )


def _kek(passphrase: str, salt: bytes) -> bytes:
    return Argon2id(salt=salt, length=32, **KDF_PARAMS).derive(passphrase.encode("utf-8"))


def save(keys: CentreKeys, home: Path, passphrase: str) -> Path:
    secret = json.dumps({
        "sign": b64e(keys.sign.private_bytes_raw()),
        "x25519": b64e(keys.x25519.private_bytes_raw()),
        "mlkem_seed": b64e(keys.mlkem.private_bytes_raw()),
        "digest_key": b64e(keys.digest_key),
    }).encode()
    salt, nonce = os.urandom(16), os.urandom(12)
    public = public_dict(keys)
    sealed = AESGCM(_kek(passphrase, salt)).encrypt(nonce, secret, public["key_id"].encode())
    doc = {"format": 1, "public": public, "kdf": {"alg": "argon2id", **KDF_PARAMS,
                                                   "salt": b64e(salt)},
           "nonce": b64e(nonce), "private": b64e(sealed)}
    home.mkdir(parents=True, exist_ok=True)
    path = home / KEYS_FILE
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(doc, fh, indent=1)
    os.replace(tmp, path)
    return path


def load_public(home: Path) -> dict[str, str]:
    path = home / KEYS_FILE
    if not path.exists():
        raise KeyFileError("center.no_keys")
    return json.loads(path.read_text("utf-8"))["public"]


def load(home: Path, passphrase: str) -> CentreKeys:
    path = home / KEYS_FILE
    if not path.exists():
        raise KeyFileError("center.no_keys")
    doc = json.loads(path.read_text("utf-8"))
    kdf = doc["kdf"]
    kek = Argon2id(salt=b64d(kdf["salt"]), length=32, iterations=kdf["iterations"],
                   lanes=kdf["lanes"], memory_cost=kdf["memory_cost"]).derive(
        passphrase.encode("utf-8"))
    try:
        secret = json.loads(AESGCM(kek).decrypt(
            b64d(doc["nonce"]), b64d(doc["private"]), doc["public"]["key_id"].encode()))
    except InvalidTag as err:
        raise KeyFileError("center.bad_passphrase") from err
    return CentreKeys(
        sign=Ed25519PrivateKey.from_private_bytes(b64d(secret["sign"])),
        x25519=x25519.X25519PrivateKey.from_private_bytes(b64d(secret["x25519"])),
        mlkem=mlkem.MLKEM768PrivateKey.from_seed_bytes(b64d(secret["mlkem_seed"])),
        digest_key=b64d(secret["digest_key"]),
    )
