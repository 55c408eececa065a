"""Enrolment: introduce this station to a centre with a one-time code.

Why pin at enrolment: afterwards the station trusts only the keys (and, with TLS,
the certificate) it received here, so a look-alike server on the hotspot can
neither receive records it could open nor forge status updates.
"""

from __future__ import annotations

import hashlib
import ssl
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx

from shared.errors import StationError
from shared.protocol import PREFIX, SIGNATURE_HEADER, VERSION, b64d, b64e, dumps, verify
from station import config
from station.sync.identity import Pinned, load_or_create_keys, save_pinned

DEFAULT_SUITE = "x25519-hkdf-sha256-aes256gcm"
HYBRID_SUITE = "mlkem768x25519-hkdf-sha256-aes256gcm"


class EnrolError(StationError):
    key = "sync.enrol_failed"


@dataclass(frozen=True)
class Enrolled:
    pinned: Pinned
    name: str


def fetch_certificate(url: str, timeout_s: float = 10.0) -> str:
    """The centre's certificate as PEM, exactly as it presents it (trust on first use)."""
    parts = urlsplit(url)
    return ssl.get_server_certificate((parts.hostname, parts.port or 443), timeout=timeout_s)


def fingerprint(pem: str) -> str:
    return hashlib.sha256(ssl.PEM_cert_to_DER_cert(pem)).hexdigest()


def enrol(url: str, code: str, *, suite: str = DEFAULT_SUITE,
          expect_fingerprint: str | None = None,
          cfg: config.StationConfig | None = None, timeout_s: float = 30.0) -> Enrolled:
    """Register this station's keys at the centre and pin the centre's; saves the config."""
    cfg = cfg or config.load()
    keys = load_or_create_keys()
    url = url.rstrip("/")
    pem = fp = ""
    verify_arg: ssl.SSLContext | bool = True
    if urlsplit(url).scheme == "https":
        try:
            pem = fetch_certificate(url)
        except OSError as err:
            raise EnrolError("sync.err_offline") from err
        fp = fingerprint(pem)
        if expect_fingerprint and expect_fingerprint.lower().replace(":", "") != fp:
            raise EnrolError("sync.tls_mismatch")
        ctx = ssl.create_default_context(cadata=pem)
        ctx.check_hostname = False
        ctx.verify_flags |= ssl.VERIFY_X509_PARTIAL_CHAIN
        verify_arg = ctx
    body = dumps({"v": VERSION, "code": code, "station_id": cfg.station_id,
                  "sign_pub": b64e(keys.sign_pub()), "inbox_pub": b64e(keys.inbox_pub())})
    path = f"{PREFIX}/enroll"
    try:
        resp = httpx.post(url + path, content=body, timeout=timeout_s, verify=verify_arg,
                          headers={"content-type": "application/json"})
    except httpx.HTTPError as err:
        raise EnrolError("sync.err_offline") from err
    if resp.status_code == 403:
        raise EnrolError("sync.err_bad_code")
    if resp.status_code != 200:
        raise EnrolError("sync.enrol_failed", reason=_reason(resp))
    try:
        doc = resp.json()
        centre = doc["centre"]
        sign_pub = b64d(centre["sign_pub"])
        hpke_public = b64d(centre["hpke_x25519" if suite == DEFAULT_SUITE
                                  else "hpke_mlkem768x25519"])
        key_id, name = str(centre["key_id"]), str(doc["name"])
    except (ValueError, KeyError, TypeError) as err:
        raise EnrolError("sync.err_bad_answer") from err
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    if not verify(Ed25519PublicKey.from_public_bytes(sign_pub),
                  resp.headers.get(SIGNATURE_HEADER), "response", path, resp.content):
        raise EnrolError("sync.err_centre_signature")
    pinned = Pinned(cfg.station_id, url, sign_pub, suite, hpke_public, key_id, fp, pem)
    save_pinned(cfg, pinned, name)
    return Enrolled(pinned, name)


def _reason(resp: httpx.Response) -> str:
    try:
        return str(resp.json().get("detail", resp.status_code))
    except (ValueError, AttributeError):
        return str(resp.status_code)


def seal_existing(queue, pinned: Pinned) -> int:
    """Give the queue the centre key so it seals what was recorded before enrolment."""
    from stationq import CentreKey

    return queue.set_centre_key(CentreKey(pinned.suite, pinned.hpke_public))


def ensure_centre_key(queue, cfg: config.StationConfig | None = None) -> int:
    """Seal to the pinned centre key if the queue does not have it yet (call on unlock).

    Why: `station enroll` without `--staff` cannot seal (sealing needs the unlocked data
    key), and until the queue has the key nothing becomes pending for sync.
    Returns how many record versions were sealed; 0 when not enrolled or already done.
    """
    from stationq import CentreKey

    cfg = cfg or config.load()
    if not cfg.centre.public_key or not cfg.centre.suite or not queue.unlocked:
        return 0
    key = CentreKey(cfg.centre.suite, b64d(cfg.centre.public_key))
    if queue.centre_key == key:
        return 0
    return queue.set_centre_key(key)
