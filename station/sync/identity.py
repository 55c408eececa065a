"""The station's sync identity: its own keys and what it pinned about the centre.

Why the private keys sit in a 0600 file and not under a staff passphrase: sync must
run while the station is locked (that is the point of the sealed copies). The
signing key only proves "this laptop" to the centre — it opens nothing; the inbox
key opens downstream notes and visit requests, which is why those are shown only
to an unlocked station (see station/sync/inbox.py).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from station import config, paths
from station.errors import StationError
from station.sync.protocol import b64d, b64e


def keys_file() -> Path:
    return paths.config_dir() / "sync-keys.json"


@dataclass
class StationKeys:
    sign: Ed25519PrivateKey
    inbox: X25519PrivateKey

    def sign_pub(self) -> bytes:
        return self.sign.public_key().public_bytes_raw()

    def inbox_pub(self) -> bytes:
        return self.inbox.public_key().public_bytes_raw()


def load_or_create_keys(path: Path | None = None) -> StationKeys:
    path = path or keys_file()
    if path.exists():
        return load_keys(path)
    keys = StationKeys(Ed25519PrivateKey.generate(), X25519PrivateKey.generate())
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        json.dump({"sign": b64e(keys.sign.private_bytes_raw()),
                   "inbox": b64e(keys.inbox.private_bytes_raw())}, fh)
    os.replace(tmp, path)
    return keys


def load_keys(path: Path | None = None) -> StationKeys:
    path = path or keys_file()
    try:
        doc = json.loads(path.read_text())
        return StationKeys(Ed25519PrivateKey.from_private_bytes(b64d(doc["sign"])),
                           X25519PrivateKey.from_private_bytes(b64d(doc["inbox"])))
    except FileNotFoundError:
        raise StationError("sync.not_enrolled") from None
    except (ValueError, KeyError, TypeError):
        raise StationError("sync.keys_broken", path=str(path)) from None


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
