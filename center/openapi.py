"""The OpenAPI 3.1 document the centre publishes at /openapi.json.

Written by hand because the bodies are signed raw bytes (the signature header
covers them) and because the error shape — a stable `error` code plus a `detail`
sentence — is part of the contract stations program against.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from station.sync.protocol import MAX_BATCH, MAX_PULL, PREFIX, SIGNATURE_HEADER, VERSION

_B64 = {"type": "string", "contentEncoding": "base64"}
_SIG = {"name": SIGNATURE_HEADER, "in": "header", "required": True,
        "description": "Ed25519 signature (base64) over 'liudong-sync/1\\nrequest\\n' + path"
                       " + '\\n' + raw body, with the station's enrolled key.",
        "schema": {"type": "string"}}
_ENVELOPE = {
    "v": {"type": "integer", "const": VERSION},
    "station_id": {"type": "string", "pattern": "^[A-Za-z0-9_.:-]{1,80}$"},
    "ts": {"type": "integer", "minimum": 0, "description": "station clock, ms since epoch"},
    "nonce": {**_B64, "description": "16 random bytes, never reused"},
}
_RECORD = {
    "type": "object",
    "required": ["record_id", "version", "seq", "kind", "meta", "created_at", "suite", "enc"],
    "properties": {
        "record_id": {"type": "string", "pattern": "^[A-Za-z0-9_.:-]{1,80}$"},
        "version": {"type": "integer", "minimum": 1},
        "seq": {"type": "integer", "minimum": 1},
        "kind": {"type": "string", "maxLength": 40},
        "meta": {"type": "object", "maxProperties": 64,
                 "additionalProperties": {"type": ["string", "integer", "number", "boolean"]}},
        "created_at": {"type": "string", "maxLength": 64},
        "suite": {"type": "string", "enum": ["x25519-hkdf-sha256-aes256gcm",
                                             "mlkem768x25519-hkdf-sha256-aes256gcm"]},
        "enc": {**_B64, "description": "HPKE enc || ciphertext (RFC 9180 base mode)"},
    },
}
_ERROR = {
    "description": "Refused; nothing was stored.",
    "content": {"application/json": {"schema": {
        "type": "object", "required": ["error", "detail"],
        "properties": {"error": {"type": "string"}, "detail": {"type": "string"},
                       "skew_s": {"type": "number"}, "field": {"type": "string"}}}}},
}
_SIGNED = {"description": "Signed by the centre (header " + SIGNATURE_HEADER + ", over"
           " 'liudong-sync/1\\nresponse\\n' + path + '\\n' + raw body)."}


def _errors(*codes: int) -> dict[str, Any]:
    return {str(c): _ERROR for c in codes}


@cache
def openapi_document() -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {"title": "流动办事厅 centre sync API", "version": str(VERSION),
                 "description": "See docs/sync-protocol.md."},
        "paths": {
            f"{PREFIX}/info": {"get": {"summary": "Centre public keys",
                                       "responses": {"200": _SIGNED}}},
            f"{PREFIX}/enroll": {"post": {
                "summary": "Register a station with a one-time code",
                "requestBody": {"required": True, "content": {"application/json": {"schema": {
                    "type": "object", "required": ["v", "code", "station_id", "sign_pub",
                                                   "inbox_pub"],
                    "properties": {"v": _ENVELOPE["v"], "code": {"type": "string"},
                                   "station_id": _ENVELOPE["station_id"],
                                   "sign_pub": _B64, "inbox_pub": _B64}}}}},
                "responses": {"200": _SIGNED, **_errors(400, 403, 413)}}},
            f"{PREFIX}/push": {"post": {
                "summary": "Push a batch of sealed records",
                "parameters": [_SIG],
                "requestBody": {"required": True, "content": {"application/json": {"schema": {
                    "type": "object", "required": [*_ENVELOPE, "records"],
                    "properties": {**_ENVELOPE, "records": {
                        "type": "array", "maxItems": MAX_BATCH, "items": _RECORD}}}}}},
                "responses": {"200": _SIGNED, **_errors(400, 401, 403, 409, 413)}}},
            f"{PREFIX}/pull": {"post": {
                "summary": "Pull updates after a cursor",
                "parameters": [_SIG],
                "requestBody": {"required": True, "content": {"application/json": {"schema": {
                    "type": "object", "required": [*_ENVELOPE, "cursor", "limit"],
                    "properties": {**_ENVELOPE, "cursor": {"type": "integer", "minimum": 0},
                                   "limit": {"type": "integer", "minimum": 1,
                                             "maximum": MAX_PULL}}}}}},
                "responses": {"200": _SIGNED, **_errors(400, 401, 403, 409, 413)}}},
        },
    }
