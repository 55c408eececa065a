"""The sync protocol's wire definitions, shared by the station and the centre.

Why one module: both sides must sign and verify exactly the same bytes; keeping
the framing here (and nowhere else) means a change to the protocol is one diff.
Requests and answers are JSON bodies signed with Ed25519 over the raw body bytes
plus the method and path, so no canonical-JSON step is needed and a body cut or
altered anywhere fails verification.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import time
import zlib
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

VERSION = 1
PREFIX = "/v1"
SIGNATURE_HEADER = "x-sync-signature"
DOMAIN = b"liudong-sync/1\n"
# A request older or newer than this (seconds) is refused; the error carries the skew.
TIME_WINDOW_S = 300
NONCE_BYTES = 16
MAX_BODY_BYTES = 16 * 1024 * 1024
MAX_BATCH = 2000
MAX_PULL = 500

# Case statuses as codes on the wire; the words people read live in the catalogue.
CASE_STATUSES = ("accepted", "reviewing", "done", "returned")
STATUS_ZH = {"accepted": "受理", "reviewing": "审批中", "done": "办结", "returned": "退回"}
NEXT_STATUS = {
    "accepted": ("reviewing", "returned"),
    "reviewing": ("done", "returned"),
    "done": (),
    "returned": (),
}
# Downstream item kinds a station applies.
PULL_KINDS = ("case_status", "visit_request", "catalogue", "calendar")
# `station report --reconcile`: a station's manifests, signed like a push (docs/reports.md).
RECONCILE_PATH = f"{PREFIX}/reports/reconcile"


# --- push, version 2: a binary body -------------------------------------------------------
# v1 carries each sealed blob as base64 in JSON and gzips the whole body, which wins back
# what base64 adds (HPKE ciphertext itself does not compress): about 20 µs of station CPU
# per record (gzip 15, JSON and base64 the rest). A v2 body is
#     b"LDP2" | header length (4 bytes, big-endian) | header | blob | blob | …
# where the header is the v1 envelope as UTF-8 JSON, zlib-deflated, with `v` = 2 and
# `records` a list of [record_id, version, seq, kind, meta, created_at, suite, enc_len]
# rows; the blobs follow in row order, each `enc_len` bytes, and fill the rest of the body
# exactly. Deflating only the header costs about 1 µs per record and takes it from about
# 175 to 31 bytes a record, so v2 is smaller on the wire than v1 (measured 556 vs 577
# bytes per record of 400 plaintext bytes). It is signed like any body (over every byte
# as sent, with path /v2/push) and answered as v1 is (JSON acks, `v` = 2).
PUSH2_PATH = "/v2/push"
PUSH2_VERSION = 2
PUSH2_MAGIC = b"LDP2"
PUSH2_CONTENT_TYPE = "application/octet-stream"
PUSH2_FIELDS = ("record_id", "version", "seq", "kind", "meta", "created_at", "suite", "enc_len")


def frame_push(header: dict[str, Any], blobs: list[bytes]) -> bytes:
    """A v2 push body: `header["records"]` rows must give each blob's length, in order."""
    packer = zlib.compressobj(1, zlib.DEFLATED, 12)  # level 1, 4 KiB window: as gzip_body
    head = packer.compress(dumps(header)) + packer.flush()
    return b"".join([PUSH2_MAGIC, len(head).to_bytes(4, "big"), head, *blobs])


def unframe_push(body: bytes, limit: int = MAX_BODY_BYTES) -> tuple[bytes, bytes]:
    """(the header's JSON bytes, inflated; the blobs' bytes). ValueError if the body is
    not a v2 frame or its header is damaged; OverflowError if the header inflates to
    more than `limit` bytes."""
    if len(body) < 8 or body[:4] != PUSH2_MAGIC:
        raise ValueError("not a v2 push body")
    end = 8 + int.from_bytes(body[4:8], "big")
    if end > len(body):
        raise ValueError("header longer than the body")
    return _inflate(body[8:end], 15, limit, "header"), body[end:]


def gzip_body(body: bytes) -> bytes:
    """Signed bodies travel gzip-compressed (Content-Encoding: gzip): base64 text and
    repeated field names shrink by a third or more, which a 4G data plan notices.
    The signature always covers the uncompressed bytes. A 4 KiB window: the repeats
    worth finding (field names, suite, id prefixes) are a record or two apart, and the
    small window is 30 % faster than 32 KiB and as small on the wire."""
    packer = zlib.compressobj(1, zlib.DEFLATED, 16 + 12)
    return packer.compress(body) + packer.flush()


def gunzip_body(data: bytes, limit: int = MAX_BODY_BYTES) -> bytes:
    """Inflate at most `limit` bytes; raises ValueError on damage or a bigger payload."""
    return _inflate(data, 31, limit, "gzip body")


def _inflate(data: bytes, wbits: int, limit: int, what: str) -> bytes:
    """Exactly one deflate stream (zlib for wbits 15, gzip for 31) inflating to at most
    `limit` bytes: OverflowError past it (a compression bomb stops there), ValueError on
    damage, truncation or bytes after the stream."""
    unpacker = zlib.decompressobj(wbits)
    try:
        out = unpacker.decompress(data, limit + 1)
    except zlib.error as err:
        raise ValueError(f"damaged {what}") from err
    if len(out) > limit:
        raise OverflowError(f"inflated {what} too large")
    if not unpacker.eof or unpacker.unused_data:
        raise ValueError(f"truncated {what} or bytes after it")
    return out


def b64e(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def b64d(text: str) -> bytes:
    """Strict base64: anything that is not canonical base64 is malformed input."""
    if not isinstance(text, str):
        raise ValueError("not a string")
    try:
        return binascii.a2b_base64(text, strict_mode=True)
    except ValueError as err:  # binascii.Error, and non-ASCII text
        raise ValueError("bad base64") from err


def new_nonce() -> str:
    return b64e(os.urandom(NONCE_BYTES))


def now_ms() -> int:
    return int(time.time() * 1000)


def _compact_encoder() -> Any:
    """``json.dumps(obj, ensure_ascii=False, separators=(",", ":"))`` as text.

    Why not json.dumps: it builds a new encoder per call and keeps a table of every list
    and dict it enters (to catch cycles, which these plain documents never have): for a
    push's header or a push's answer, a few µs per 500 records and 1-2 % of the
    station's push CPU. The C encoder built once here gives the same text; a cycle ends
    in RecursionError instead of ValueError. Without the C accelerator: json.dumps.
    """
    encoder = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
    try:
        c_encode = json.encoder.c_make_encoder(  # type: ignore[attr-defined]
            None, encoder.default, json.encoder.encode_basestring, None, ":", ",",
            False, False, True)
        if "".join(c_encode({"a": [1.5, "é", None]}, 0)) != '{"a":[1.5,"é",null]}':
            raise TypeError("unexpected output")
    except (AttributeError, TypeError):  # another Python: the documented way
        return encoder.encode
    join = "".join
    return lambda obj: join(c_encode(obj, 0))


_encode = _compact_encoder()


def dumps(obj: Any) -> bytes:
    return _encode(obj).encode("utf-8")


def signed_message(kind: str, path: str, body: bytes) -> bytes:
    """What a signature covers: the direction, the endpoint and every body byte."""
    return DOMAIN + kind.encode() + b"\n" + path.encode() + b"\n" + body


def sign(key: Ed25519PrivateKey, kind: str, path: str, body: bytes) -> str:
    return b64e(key.sign(signed_message(kind, path, body)))


def verify(key: Ed25519PublicKey, signature: str | None, kind: str, path: str,
           body: bytes) -> bool:
    if not signature:
        return False
    try:
        raw = b64d(signature)
        key.verify(raw, signed_message(kind, path, body))
    except (ValueError, InvalidSignature):
        return False
    return True


def public_key_from_b64(text: str) -> Ed25519PublicKey:
    return Ed25519PublicKey.from_public_bytes(b64d(text))


# --- downstream personal data ------------------------------------------------------------
# Visit requests and case notes may name a resident, so the centre seals them to the
# station's own X25519 "inbox" key (enrolled with the signing key); the station's inbox
# table then holds only ciphertext for them.
_INBOX_SUITE = None


def _inbox_suite():  # built lazily: protocol users that never seal skip the import
    global _INBOX_SUITE
    if _INBOX_SUITE is None:
        from cryptography.hazmat.primitives import hpke

        _INBOX_SUITE = hpke.Suite(hpke.KEM.X25519, hpke.KDF.HKDF_SHA256,
                                  hpke.AEAD.AES_256_GCM)
    return _INBOX_SUITE


def inbox_info(station_id: str, uid: str) -> bytes:
    return f"liudong-sync/inbox/1\x1f{station_id}\x1f{uid}".encode()


def seal_for_station(inbox_pub: bytes, station_id: str, uid: str, data: dict[str, Any]) -> str:
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PublicKey

    key = X25519PublicKey.from_public_bytes(inbox_pub)
    return b64e(_inbox_suite().encrypt(dumps(data), key, info=inbox_info(station_id, uid)))


def open_for_station(inbox_key: Any, station_id: str, uid: str, blob: str) -> dict[str, Any]:
    """Raises ValueError when the blob is damaged or not for this station."""
    from cryptography.exceptions import InvalidTag

    try:
        raw = _inbox_suite().decrypt(b64d(blob), inbox_key, info=inbox_info(station_id, uid))
    except (InvalidTag, ValueError) as err:
        raise ValueError("sealed item does not open") from err
    return json.loads(raw)


# --- repair (docs/sync-protocol.md, "Repair") -----------------------------------------------
# The centre asks a station, in a pull answer, for versions it lacks; the station answers
# the ones past retention in a pulse. Both are seq ranges [[lo, hi], ...], bounded so a
# hostile or broken peer cannot make the other side walk millions of seqs.
MAX_REPAIR_RANGES = 64
MAX_REPAIR_SEQS = 2000


def check_ranges(value: Any, top: int) -> list[tuple[int, int]]:
    """Seq ranges as sent on the wire, checked strictly: a list of at most
    MAX_REPAIR_RANGES [lo, hi] pairs of integers with 1 <= lo <= hi <= top, ascending and
    not overlapping, MAX_REPAIR_SEQS seqs at most in all. Raises ValueError (with the
    reason, no data) for anything else; both sides call it on what the other sent."""
    if not isinstance(value, list) or len(value) > MAX_REPAIR_RANGES:
        raise ValueError(f"ranges must be a list of at most {MAX_REPAIR_RANGES} pairs")
    out: list[tuple[int, int]] = []
    total = 0
    for pair in value:
        if (not isinstance(pair, list) or len(pair) != 2
                or any(type(x) is not int for x in pair)):
            raise ValueError("each range must be a pair of integers")
        lo, hi = pair
        if not 1 <= lo <= hi <= top:
            raise ValueError(f"each range must lie within 1..{top} with lo <= hi")
        if out and lo <= out[-1][1]:
            raise ValueError("ranges must ascend without overlapping")
        total += hi - lo + 1
        if total > MAX_REPAIR_SEQS:
            raise ValueError(f"at most {MAX_REPAIR_SEQS} seqs in all")
        out.append((lo, hi))
    return out


def to_ranges(seqs: list[int] | set[int]) -> list[tuple[int, int]]:
    """Sorted seqs folded into [lo, hi] ranges."""
    out: list[list[int]] = []
    for seq in sorted(set(seqs)):
        if out and seq == out[-1][1] + 1:
            out[-1][1] = seq
        else:
            out.append([seq, seq])
    return [(lo, hi) for lo, hi in out]


def bounded_ranges(gaps: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The first gaps that fit the bounds above (the rest is asked for next time)."""
    out: list[tuple[int, int]] = []
    left = MAX_REPAIR_SEQS
    for lo, hi in gaps:
        if len(out) >= MAX_REPAIR_RANGES or left <= 0:
            break
        hi = min(hi, lo + left - 1)
        out.append((lo, hi))
        left -= hi - lo + 1
    return out
