"""The OpenAPI 3.1 document the centre publishes at /openapi.json.

Written by hand because the bodies are signed raw bytes (the signature header
covers them) and because the error shape — a stable `error` code plus a `detail`
sentence — is part of the contract stations program against.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from center.integrations import DEFAULT_LIMIT as EXPORT_DEFAULT
from center.integrations import MAX_LIMIT as EXPORT_MAX
from center.record_rules import CASE_ALLOWED, MAX_TEXT, VISIT_REQUIRED
from center.reports.routes import KINDS_RE, MAX_DAYS, STATES
from shared.protocol import (
    MAX_BATCH,
    MAX_PULL,
    MAX_REPAIR_RANGES,
    PREFIX,
    PUSH2_CONTENT_TYPE,
    PUSH2_FIELDS,
    PUSH2_PATH,
    RECONCILE_PATH,
    SIGNATURE_HEADER,
    VERSION,
)

EXPORT_PATH = f"{PREFIX}/export"
_B64 = {"type": "string", "contentEncoding": "base64"}
# Fixed-size values in canonical base64 (RFC 4648 §4), as center/validate.py checks them:
# a schema-valid request must pass every shape check, so it is refused only by the
# signature, the one-time code or the clock (schemathesis' positive-data check).
_NONCE = {**_B64, "pattern": "^[A-Za-z0-9+/]{22}==$", "minLength": 24, "maxLength": 24}
_KEY32 = {**_B64, "pattern": "^[A-Za-z0-9+/]{43}=$", "minLength": 44, "maxLength": 44}
_TEXT = "^[^\\u0000]{1,%d}$"  # non-empty, no NUL (PostgreSQL text cannot hold it)
_SIG = {"name": SIGNATURE_HEADER, "in": "header", "required": True,
        "description": "Ed25519 signature (base64) over 'liudong-sync/1\\nrequest\\n' + path"
                       " + '\\n' + raw body, with the station's enrolled key.",
        "schema": {"type": "string"}}
_ENVELOPE = {
    "v": {"type": "integer", "const": VERSION},
    "station_id": {"type": "string", "pattern": "^[A-Za-z0-9_.:-]{1,80}$"},
    "ts": {"type": "integer", "minimum": 0, "maximum": 2**62,
           "description": "station clock, ms since epoch"},
    "nonce": {**_NONCE, "description": "16 random bytes, never reused"},
}
_RECORD = {
    "type": "object",
    "required": ["record_id", "version", "seq", "kind", "meta", "created_at", "suite", "enc"],
    "properties": {
        # The clear fields as center/record_rules.py holds them (docs/sync-protocol.md,
        # "Clear fields"); a record breaking them is refused alone, in the signed acks.
        "record_id": {"type": "string", "description": "UUIDv7 (RFC 9562)",
                      "pattern": "^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}"
                                 "-[0-9a-f]{12}$"},
        "version": {"type": "integer", "minimum": 1, "maximum": 2**31 - 1},
        "seq": {"type": "integer", "minimum": 1, "maximum": 2**62},
        "kind": {"type": "string", "enum": ["case", "visit"]},
        "meta": {"type": "object", "maxProperties": 9, "propertyNames": {
            "enum": sorted(CASE_ALLOWED | VISIT_REQUIRED)},
                 "additionalProperties": {"type": "string", "maxLength": MAX_TEXT}},
        "created_at": {"type": "string", "format": "date-time", "maxLength": 64},
        "suite": {"type": "string", "enum": ["x25519-hkdf-sha256-aes256gcm",
                                             "mlkem768x25519-hkdf-sha256-aes256gcm"]},
        "enc": {**_B64, "minLength": 4,
                "description": "HPKE enc || ciphertext (RFC 9180 base mode)"},
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

# A push's answer: one ack per record (docs/sync-protocol.md, "Push").
_PUSH_ANSWER = {**_SIGNED, "content": {"application/json": {"schema": {
    "type": "object", "required": ["v", "nonce", "acks", "server_ts"],
    "properties": {"v": {"type": "integer"}, "nonce": _B64, "server_ts": {"type": "integer"},
                   "acks": {"type": "array", "items": {
                       "type": "object", "required": ["record_id", "version", "status"],
                       "properties": {
                           "record_id": {"type": "string"}, "version": {"type": "integer"},
                           "status": {"enum": ["stored", "conflict", "rejected", "refused"]},
                           "reason": {"type": "string"},
                           "code": {"const": 422, "description": "refused: per record"},
                           "error": {"type": "string",
                                     "description": "refused: stable code, e.g. bad_date"},
                           "field": {"type": "string"}}}}}}}}}


_PUSH2 = (
    "Push, version 2 (docs/sync-protocol.md): b'LDP2', the header's length (4 bytes,"
    " big-endian), the header — zlib-deflated UTF-8 JSON {v: 2, station_id, ts, nonce,"
    f" records: [[{', '.join(PUSH2_FIELDS)}], …]}} with at most {MAX_BATCH} rows — then each"
    " row's sealed blob (enc_len bytes, HPKE enc || ciphertext), in row order, filling the"
    " rest of the body. The signature covers every byte as sent. The answer is the v1"
    " answer with v = 2.")


# The station's pulse (docs/sync-protocol.md, "Pulse"); the centre also checks what a
# schema cannot say: pending <= head_seq, newest_at present once head_seq > 0 and not
# later than its own clock plus the time window.
_PULSE = {"type": "object", "required": ["head_seq", "pending", "newest_at"],
          "additionalProperties": False, "properties": {
              "head_seq": {"type": "integer", "minimum": 0, "maximum": 2**62},
              "pending": {"type": "integer", "minimum": 0, "maximum": 2**62},
              "newest_at": {"type": ["integer", "null"], "minimum": 1_767_225_600_000,
                            "maximum": 2**62,
                            "description": "ms since epoch of the newest record version"}}}


# Seq ranges of a repair request or a past-retention report (docs/sync-protocol.md,
# "Repair"); the receiver also checks 1 <= lo <= hi <= head seq, ascending, no overlap,
# MAX_REPAIR_SEQS seqs in all.
_RANGES = {"type": "array", "maxItems": MAX_REPAIR_RANGES, "items": {
    "type": "array", "minItems": 2, "maxItems": 2,
    "items": {"type": "integer", "minimum": 1, "maximum": 2**62}}}
_PULL_ANSWER = {**_SIGNED, "content": {"application/json": {"schema": {
    "type": "object", "required": ["v", "nonce", "items", "cursor", "more", "server_ts"],
    "properties": {"v": _ENVELOPE["v"], "nonce": _B64, "items": {"type": "array"},
                   "cursor": {"type": "integer", "minimum": 0}, "more": {"type": "boolean"},
                   "server_ts": {"type": "integer"},
                   "repair": {"type": "object", "required": ["station_id", "ranges"],
                              "additionalProperties": False,
                              "description": "versions the centre lacks: resend them",
                              "properties": {"station_id": _ENVELOPE["station_id"],
                                             "ranges": _RANGES}}}}}}}


def _errors(*codes: int) -> dict[str, Any]:
    return {str(c): _ERROR for c in codes}


# [record_id, version, seq, kind, state]: one record version as a side knows it.
_ENTRY = {"type": "array", "minItems": 5, "maxItems": 5, "prefixItems": [
    {"type": "string", "minLength": 1, "maxLength": 80},
    {"type": "integer", "minimum": 1, "maximum": 2**31 - 1},
    {"type": "integer", "minimum": 1},
    {"type": "string", "pattern": KINDS_RE.pattern},
    {"type": "string", "enum": sorted(STATES)}]}
_DAY = "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"


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
                    "properties": {"v": _ENVELOPE["v"], "code": {
                        "type": "string", "minLength": 1, "maxLength": 64,
                        "pattern": _TEXT % 64},
                                   "station_id": _ENVELOPE["station_id"],
                                   "sign_pub": _KEY32, "inbox_pub": _KEY32}}}}},
                "responses": {"200": _SIGNED, **_errors(400, 403, 413, 415)}}},
            f"{PREFIX}/push": {"post": {
                "summary": "Push a batch of sealed records",
                "parameters": [_SIG],
                "requestBody": {"required": True, "content": {"application/json": {"schema": {
                    "type": "object", "required": [*_ENVELOPE, "records"],
                    "properties": {**_ENVELOPE, "records": {
                        "type": "array", "maxItems": MAX_BATCH, "items": _RECORD}}}}}},
                "responses": {"200": _PUSH_ANSWER, **_errors(400, 401, 409, 413, 415, 503)}}},
            PUSH2_PATH: {"post": {
                "summary": "Push a batch of sealed records as one binary body",
                "description": _PUSH2,
                "parameters": [{**_SIG, "description": _SIG["description"].replace(
                    "raw body", "raw body (path /v2/push)")}],
                "requestBody": {"required": True, "content": {PUSH2_CONTENT_TYPE: {
                    "schema": {"type": "string", "format": "binary"}}}},
                "responses": {"200": _PUSH_ANSWER, **_errors(400, 401, 409, 413, 415, 503)}}},
            f"{PREFIX}/pull": {"post": {
                "summary": "Pull updates after a cursor",
                "parameters": [_SIG],
                "requestBody": {"required": True, "content": {"application/json": {"schema": {
                    "type": "object", "required": [*_ENVELOPE, "cursor", "limit"],
                    "properties": {**_ENVELOPE, "cursor": {"type": "integer", "minimum": 0},
                                   "limit": {"type": "integer", "minimum": 1,
                                             "maximum": MAX_PULL},
                                   "pulse": _PULSE}}}}},
                "responses": {"200": _PULL_ANSWER, **_errors(400, 401, 409, 413, 415)}}},
            f"{PREFIX}/pulse": {"post": {
                "summary": "A station's heartbeat: its head seq, pending count and newest"
                           " record time, even with nothing to push",
                "parameters": [_SIG],
                "requestBody": {"required": True, "content": {"application/json": {"schema": {
                    "type": "object", "required": [*_ENVELOPE, "pulse"],
                    "properties": {**_ENVELOPE, "pulse": _PULSE, "past_retention": {
                        **_RANGES, "description": "seqs the centre asked for that have no"
                                                  " copy left at the station"}}}}}},
                "responses": {"200": _SIGNED, **_errors(400, 401, 409, 413, 415)}}},
            RECONCILE_PATH: {"post": {
                "summary": "Compare the station's manifest of some days with what the centre"
                           " holds (the centre keeps the claim for its own report)",
                "parameters": [_SIG],
                "requestBody": {"required": True, "content": {"application/json": {"schema": {
                    "type": "object", "required": [*_ENVELOPE, "days"],
                    "properties": {**_ENVELOPE, "pulse": _PULSE, "days": {
                        "type": "object", "minProperties": 1, "maxProperties": MAX_DAYS,
                        "propertyNames": {"pattern": _DAY},
                        "additionalProperties": {"type": "array", "items": _ENTRY}}}}}}},
                "responses": {"200": {**_SIGNED, "content": {"application/json": {"schema": {
                    "type": "object", "required": ["v", "nonce", "days", "server_ts"],
                    "properties": {"v": _ENVELOPE["v"], "nonce": _B64, "server_ts": {
                        "type": "integer"}, "days": {"type": "array", "items": {
                            "type": "object", "properties": {
                                "day": {"type": "string", "pattern": _DAY},
                                "agrees": {"type": "boolean"},
                                "station_total": {"type": "integer"},
                                "station_acked": {"type": "integer"},
                                "centre_total": {"type": "integer"},
                                "checked_at": {"type": ["integer", "null"]},
                                "head_seq": {"type": ["integer", "null"]},
                                **{name: {"type": "array", "items": _ENTRY} for name in (
                                    "missing_at_centre", "unknown_to_station", "ack_lost",
                                    "waiting", "seq_mismatch", "conflicts")}}}}}}}}},
                    **_errors(400, 401, 409, 413, 415)}}},
            EXPORT_PATH: {"get": {
                "summary": "Cases for a district system that fetches (docs/export.md)",
                "description": "Decrypted cases after a cursor, oldest first; each fetch is"
                               " recorded per case in the centre's access records. A case"
                               " amended after it was fetched comes again, whole, at its"
                               " new version. Keys: `center integration add|revoke`.",
                "security": [{"integrationKey": []}],
                "parameters": [
                    {"name": "cursor", "in": "query", "required": False,
                     "description": "The `cursor` of the previous answer; absent or empty:"
                                    " from the start.",
                     "schema": {"type": "string", "maxLength": 400}},
                    {"name": "limit", "in": "query", "required": False,
                     "schema": {"type": "integer", "minimum": 1, "maximum": EXPORT_MAX,
                                "default": EXPORT_DEFAULT}}],
                "responses": {
                    "200": {"description": "A page of cases.",
                            "content": {"application/json": {"schema": {
                                "type": "object", "required": ["cases", "cursor", "more"],
                                "properties": {
                                    "cases": {"type": "array", "items": {
                                        "type": "object",
                                        "description": "One case as one line of the"
                                                       " JSON-lines export (docs/export.md)",
                                        "required": ["schema", "record_id"]}},
                                    "cursor": {"type": "string"},
                                    "more": {"type": "boolean"}}}}}},
                    **_errors(400),
                    "401": {**_ERROR, "description": "No key, an unknown key or a revoked"
                                                     " key."},
                    "429": {**_ERROR, "description": "Over the integration's requests a"
                                                     " minute; see Retry-After."}}}},
        },
        "components": {"securitySchemes": {"integrationKey": {
            "type": "http", "scheme": "bearer",
            "description": "The key `center integration add` printed once."}}},
    }
