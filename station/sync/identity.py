"""The station's sync identity: its own keys and what it pinned about the centre.

Why the signing key sits in a 0600 file and not under a staff passphrase: sync must
run while the station is locked (that is the point of the sealed copies). It only
proves "this laptop" to the centre — it opens nothing (a stolen laptop's key is
revoked at the centre).

The inbox key opens downstream notes and visit requests, which name residents, so
its private half is never stored in the clear: it is sealed (HPKE, RFC 9180) to a
"lock" key pair derived from the queue's data key (``Queue.derived_secret``). The
lock's public half is kept beside the keys, so a locked station can still enrol and
seal; only an unlocked one can derive the lock's private half and open the inbox.
A keys file from before (private inbox key in the clear) is sealed on the first
unlock (``protect_inbox_key``); until a station was ever unlocked there is no lock
key, and a key made then waits in the clear for that first unlock.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey

from shared.errors import StationError
from shared.protocol import b64d, b64e
from station import config, paths

LOCK_LABEL = "sync/inbox-lock"
_LOCK_INFO = b"liudong-station/inbox-key/1"


def keys_file() -> Path:
    return paths.config_dir() / "sync-keys.json"


def lock_file() -> Path:
    """The lock key's public half (clear: it opens nothing)."""
    return paths.config_dir() / "inbox-lock.pub"


@dataclass
class StationKeys:
    sign: Ed25519PrivateKey
    inbox: X25519PrivateKey | None  # None while sealed (see open_inbox_key)
    inbox_public: bytes = b""
    inbox_sealed: bytes = b""  # the private half, sealed to the lock key

    def sign_pub(self) -> bytes:
        return self.sign.public_key().public_bytes_raw()

    def inbox_pub(self) -> bytes:
        if self.inbox_public:
            return self.inbox_public
        assert self.inbox is not None
        return self.inbox.public_key().public_bytes_raw()


def _suite() -> Any:
    from cryptography.hazmat.primitives import hpke

    return hpke.Suite(hpke.KEM.X25519, hpke.KDF.HKDF_SHA256, hpke.AEAD.AES_256_GCM)


def _lock_private(queue: Any) -> X25519PrivateKey:
    return X25519PrivateKey.from_private_bytes(queue.derived_secret(LOCK_LABEL))


def remember_lock_key(queue: Any) -> bytes:
    """Write the lock key's public half (needs the queue unlocked); returns it."""
    from station.private_files import write_private

    public = _lock_private(queue).public_key().public_bytes_raw()
    try:
        if lock_file().read_bytes() == public:
            return public
    except OSError:
        pass
    write_private(lock_file(), public)
    return public


def _lock_public() -> X25519PublicKey | None:
    try:
        return X25519PublicKey.from_public_bytes(lock_file().read_bytes())
    except (OSError, ValueError):
        return None


def _save(path: Path, keys: StationKeys, lock: X25519PublicKey | None) -> None:
    from station.private_files import write_private_text

    assert keys.inbox is not None
    doc = {"sign": b64e(keys.sign.private_bytes_raw()), "inbox_pub": b64e(keys.inbox_pub())}
    if lock is None:  # no station unlocked yet: sealed at the first unlock
        doc["inbox"] = b64e(keys.inbox.private_bytes_raw())
    else:
        doc["inbox_sealed"] = b64e(_suite().encrypt(keys.inbox.private_bytes_raw(), lock,
                                                    info=_LOCK_INFO))
    write_private_text(path, json.dumps(doc))


def load_or_create_keys(path: Path | None = None) -> StationKeys:
    path = path or keys_file()
    if path.exists():
        return load_keys(path)
    keys = StationKeys(Ed25519PrivateKey.generate(), X25519PrivateKey.generate())
    _save(path, keys, _lock_public())
    return keys


def load_keys(path: Path | None = None) -> StationKeys:
    """The keys file; the inbox key's private half only if it is still in the clear."""
    path = path or keys_file()
    try:
        doc = json.loads(path.read_text())
        sign = Ed25519PrivateKey.from_private_bytes(b64d(doc["sign"]))
        if "inbox" in doc:
            inbox = X25519PrivateKey.from_private_bytes(b64d(doc["inbox"]))
            return StationKeys(sign, inbox, inbox.public_key().public_bytes_raw())
        public = b64d(doc["inbox_pub"])
        X25519PublicKey.from_public_bytes(public)  # well-formed, or the file is broken
        return StationKeys(sign, None, public, b64d(doc["inbox_sealed"]))
    except FileNotFoundError:
        raise StationError("sync.not_enrolled") from None
    except (ValueError, KeyError, TypeError):
        raise StationError("sync.keys_broken", path=str(path)) from None


def protect_inbox_key(queue: Any, path: Path | None = None) -> bool:
    """On unlock: note the lock key, and seal an inbox key still in the clear (a keys file
    from before, or one made before any unlock). True when a clear key was sealed."""
    lock = X25519PublicKey.from_public_bytes(remember_lock_key(queue))
    path = path or keys_file()
    if not path.exists():
        return False
    keys = load_keys(path)
    if keys.inbox is None:
        return False
    _save(path, keys, lock)
    return True


def open_inbox_key(queue: Any, path: Path | None = None) -> X25519PrivateKey:
    """The inbox key's private half (needs the queue unlocked)."""
    keys = load_keys(path)
    if keys.inbox is not None:
        return keys.inbox
    try:
        raw = _suite().decrypt(keys.inbox_sealed, _lock_private(queue), info=_LOCK_INFO)
        return X25519PrivateKey.from_private_bytes(raw)
    except (InvalidTag, ValueError):
        raise StationError("sync.keys_broken", path=str(path or keys_file())) from None


@dataclass(frozen=True)
class Pinned:
    """What enrolment pinned: where the centre is and which keys it must use."""

    station_id: str
    url: str
    centre_sign_pub: bytes
    suite: str
    hpke_public: bytes
    key_id: str
    tls_fingerprint: str  # sha256 of the DER certificate, hex; "" for plain http
    tls_cert_pem: str

    @property
    def sign_key(self) -> Ed25519PublicKey:
        return Ed25519PublicKey.from_public_bytes(self.centre_sign_pub)


def load_pinned(cfg: config.StationConfig | None = None) -> Pinned:
    cfg = cfg or config.load()
    sync: dict[str, Any] = cfg.extra.get("sync", {})
    if not cfg.centre.url or not sync.get("centre_sign_pub"):
        raise StationError("sync.not_enrolled")
    try:
        return Pinned(cfg.station_id, cfg.centre.url, b64d(sync["centre_sign_pub"]),
                      cfg.centre.suite, b64d(cfg.centre.public_key), str(sync["key_id"]),
                      str(sync.get("tls_fingerprint", "")), str(sync.get("tls_cert_pem", "")))
    except (KeyError, ValueError):
        raise StationError("sync.keys_broken", path=str(paths.config_file())) from None


def save_pinned(cfg: config.StationConfig, pinned: Pinned, centre_name: str) -> None:
    cfg.centre.url = pinned.url
    cfg.centre.suite = pinned.suite
    cfg.centre.public_key = b64e(pinned.hpke_public)
    cfg.extra["sync"] = {
        "centre_sign_pub": b64e(pinned.centre_sign_pub),
        "key_id": pinned.key_id,
        "tls_fingerprint": pinned.tls_fingerprint,
        "tls_cert_pem": pinned.tls_cert_pem,
        "name_at_centre": centre_name,
    }
    config.save(cfg)
