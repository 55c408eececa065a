"""Shape checks for request bodies: every way a body can be wrong gets a reason.

Why by hand: the bodies are small and fixed, and a hand check can name the exact
field that is wrong (the station shows it to a person), without a schema library.
"""

from __future__ import annotations

import json
import re
from typing import Any

from shared.protocol import (
    MAX_BATCH,
    MAX_BODY_BYTES,
    MAX_PULL,
    NONCE_BYTES,
    PUSH2_FIELDS,
    VERSION,
    b64d,
    unframe_push,
)

ID_RE = re.compile(r"^[A-Za-z0-9_.:-]{1,80}$")
MAX_META = 64
MAX_TEXT = 512
MAX_ENC = 1024 * 1024
_SCALARS = (str, int, float, bool)  # a tuple: isinstance on it is much faster than on a union


class BadRequest(Exception):
    """Malformed input; `code` is stable for programs, `detail` is for people."""

    def __init__(self, code: str, detail: str, status: int = 400, **extra: Any) -> None:
        super().__init__(detail)
        self.code, self.detail, self.status, self.extra = code, detail, status, extra


def parse_json(body: bytes) -> dict[str, Any]:
    try:
        doc = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as err:
        raise BadRequest("malformed_json", "body is not valid UTF-8 JSON") from err
    if not isinstance(doc, dict):
        raise BadRequest("malformed_body", "body must be a JSON object")
    return doc


def _whole(value: Any) -> Any:
    """A JSON number with no fraction as an int: JSON Schema counts 3.0 as an integer
    (draft 2020-12 validation §6.1.1), so the published schema's "integer" admits it."""
    if type(value) is float and value.is_integer():
        return int(value)
    return value


def _int(doc: dict[str, Any], key: str, lo: int, hi: int = 2**62, where: str = "") -> int:
    value = _whole(doc.get(key))
    if type(value) is not int or not lo <= value <= hi:
        raise BadRequest("bad_field", f"{where}{key} must be an integer in [{lo}, {hi}]",
                         field=key)
    return value


def _str(doc: dict[str, Any], key: str, pattern: re.Pattern[str] | None = None,
         max_len: int = MAX_TEXT, where: str = "") -> str:
    value = doc.get(key)
    if not isinstance(value, str) or not value or len(value) > max_len or (
            pattern is not None and not pattern.match(value)) or not _utf8(value):
        raise BadRequest("bad_field", f"{where}{key} must be a non-empty string"
                         f" of at most {max_len} characters", field=key)
    return value


def _utf8(text: str) -> bool:
    """JSON may carry lone surrogates or NUL; PostgreSQL text can store neither."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return "\x00" not in text


def parse_framed(body: bytes) -> tuple[dict[str, Any], bytes]:
    """A v2 push body: (its JSON header, the blobs' bytes)."""
    try:
        head, blobs = unframe_push(body)
    except OverflowError as err:
        raise BadRequest("too_large", f"inflated header must be at most {MAX_BODY_BYTES}"
                         " bytes", 413) from err
    except ValueError as err:
        raise BadRequest("malformed_body", "body must be a v2 push: 'LDP2', the header's"
                         " length, the deflated JSON header, the blobs") from err
    return parse_json(head), blobs


def envelope(doc: dict[str, Any], version: int = VERSION) -> tuple[str, int, str]:
    """The signed envelope common to push and pull: (station_id, ts, nonce)."""
    if _whole(doc.get("v")) != version or type(_whole(doc.get("v"))) is not int:
        raise BadRequest("unsupported_version", f"protocol version must be {version}")
    station_id = _str(doc, "station_id", ID_RE)
    ts = _int(doc, "ts", 0)
    nonce = _str(doc, "nonce", max_len=64)
    try:
        if len(b64d(nonce)) != NONCE_BYTES:
            raise ValueError
    except ValueError as err:
        raise BadRequest("bad_field", f"nonce must be {NONCE_BYTES} random bytes in base64",
                         field="nonce") from err
    return station_id, ts, nonce


def push_records(doc: dict[str, Any]) -> list[dict[str, Any]]:
    records = _record_list(doc)
    out: list[dict[str, Any]] = []
    seen: set[tuple[Any, Any]] = set()
    for n, rec in enumerate(records):
        # A well-formed record passes one flat test; anything else takes the slow path,
        # which names the exact field that is wrong.
        item = _record_fast(rec)
        if item is None:
            item = _record(rec, n)
        _add_once(out, seen, item, n)
    return out


def _record_list(doc: dict[str, Any]) -> list[Any]:
    records = doc.get("records")
    if not isinstance(records, list) or len(records) > MAX_BATCH:
        raise BadRequest("bad_field", f"records must be a list of at most {MAX_BATCH}",
                         field="records")
    return records


def _add_once(out: list[dict[str, Any]], seen: set[tuple[Any, Any]], item: dict[str, Any],
              n: int) -> None:
    """A batch names each (record id, version) once: a repeat is refused, not merged."""
    key = (item["record_id"], item["version"])
    if key in seen:
        raise BadRequest("duplicate_in_batch", f"records[{n}]. repeats a record in this"
                         " batch")
    seen.add(key)
    out.append(item)


_ID_MATCH = ID_RE.match
_MAX_ENC_B64 = MAX_ENC * 4 // 3 + 4


def _record_fast(rec: Any) -> dict[str, Any] | None:
    """The same checks as `_record` for the common case; None when any fails."""
    if type(rec) is not dict:
        return None
    rid, version, seq, kind = rec.get("record_id"), rec.get("version"), rec.get("seq"), \
        rec.get("kind")
    created, suite, meta, enc = rec.get("created_at"), rec.get("suite"), rec.get("meta"), \
        rec.get("enc")
    if not (_clear_fast(rid, version, seq, kind, meta, created, suite)
            and type(enc) is str and 0 < len(enc) <= _MAX_ENC_B64):
        return None
    try:
        raw = b64d(enc)
    except ValueError:
        return None
    return {"record_id": rid, "version": version, "seq": seq, "kind": kind,
            "created_at": created, "suite": suite, "meta": meta, "enc": raw}


def _clear_fast(rid: Any, version: Any, seq: Any, kind: Any, meta: Any, created: Any,
                suite: Any) -> bool:
    """`_record_clear`'s checks as one flat test (no reason when it fails); the
    arguments in the order of a v2 row."""
    if not (type(rid) is str and _ID_MATCH(rid) and type(version) is int
            and 1 <= version <= 2**31 - 1 and type(seq) is int and 1 <= seq <= 2**62
            and type(kind) is str and len(kind) <= 40 and _ID_MATCH(kind)
            and type(created) is str and 0 < len(created) <= 64 and _plain(created)
            and type(suite) is str and len(suite) <= 64 and _ID_MATCH(suite)
            and type(meta) is dict and len(meta) <= MAX_META):
        return False
    for k, v in meta.items():
        if not (type(k) is str and len(k) <= 64 and _plain(k)):
            return False
        if type(v) is str:
            if len(v) > MAX_TEXT or not _plain(v):
                return False
        elif type(v) is int:
            if abs(v) >= 2**63:
                return False
        elif type(v) is not float and type(v) is not bool:
            return False
    return True


def push_records_v2(doc: dict[str, Any], blobs: bytes) -> list[dict[str, Any]]:
    """A v2 header's rows with their blobs, as the same items `push_records` gives."""
    rows = _record_list(doc)
    out: list[dict[str, Any]] = []
    seen: set[tuple[Any, Any]] = set()
    offset = 0
    for n, row in enumerate(rows):
        if (type(row) is list and len(row) == 8 and _clear_fast(*row[:7])
                and type(row[7]) is int and 0 < row[7] <= MAX_ENC):
            rid, version, seq, kind, meta, created, suite, size = row
            item = {"record_id": rid, "version": version, "seq": seq, "kind": kind,
                    "created_at": created, "suite": suite, "meta": meta}
        else:
            item, size = _row(row, n)
        item["enc"] = blobs[offset:offset + size]
        offset += size
        if offset > len(blobs):
            raise BadRequest("bad_field", f"records[{n}].enc_len runs past the end of the"
                             " body", field="enc_len")
        _add_once(out, seen, item, n)
    if offset != len(blobs):
        raise BadRequest("malformed_body", "the blobs must fill the body after the header"
                         " exactly")
    return out


def _row(row: Any, n: int) -> tuple[dict[str, Any], int]:
    """Check one v2 row field by field; raises BadRequest naming the first bad field."""
    if not isinstance(row, list) or len(row) != len(PUSH2_FIELDS):
        raise BadRequest("bad_field", f"records[{n}] must be an array of"
                         f" {len(PUSH2_FIELDS)}: {', '.join(PUSH2_FIELDS)}", field="records")
    rec = dict(zip(PUSH2_FIELDS, row, strict=True))
    item = _record_clear(rec, f"records[{n}].")
    return item, _int(rec, "enc_len", 1, MAX_ENC, where=f"records[{n}].")


def _plain(text: str) -> bool:
    """`_utf8` with a fast path for ASCII (which is always storable but for NUL)."""
    return "\x00" not in text if text.isascii() else _utf8(text)


def _record(rec: Any, n: int) -> dict[str, Any]:
    """Check one record field by field; raises BadRequest naming the first bad field."""
    where = f"records[{n}]."
    if not isinstance(rec, dict):
        raise BadRequest("bad_field", f"records[{n}] must be an object", field="records")
    item = _record_clear(rec, where)
    enc = rec.get("enc")
    try:
        if not isinstance(enc, str) or len(enc) > _MAX_ENC_B64:
            raise ValueError
        item["enc"] = b64d(enc)
        if not item["enc"]:
            raise ValueError
    except ValueError as err:
        raise BadRequest("bad_field", f"{where}enc must be non-empty base64",
                         field="enc") from err
    return item


def _record_clear(rec: dict[str, Any], where: str) -> dict[str, Any]:
    """The clear fields of one record (all but the blob), each checked with a reason."""
    item = {
        "record_id": _str(rec, "record_id", ID_RE, where=where),
        "version": _int(rec, "version", 1, 2**31 - 1, where=where),
        "seq": _int(rec, "seq", 1, where=where),
        "kind": _str(rec, "kind", ID_RE, 40, where=where),
        "created_at": _str(rec, "created_at", max_len=64, where=where),
        "suite": _str(rec, "suite", ID_RE, 64, where=where),
    }
    meta = rec.get("meta")
    if not isinstance(meta, dict) or len(meta) > MAX_META or not all(
            isinstance(k, str) and len(k) <= 64 and _utf8(k)
            and isinstance(v, _SCALARS)
            and (not isinstance(v, str) or (len(v) <= MAX_TEXT and _utf8(v)))
            and (not isinstance(v, int) or abs(v) < 2**63)
            for k, v in meta.items()):
        raise BadRequest("bad_field", f"{where}meta must be an object of short"
                         " scalar values", field="meta")
    item["meta"] = meta
    return item


# Times before this are no station's records (the project began in 2026; any laptop
# clock that far back is wrong, and the report would call the station silent for years).
EARLIEST_MS = 1_767_225_600_000  # 2026-01-01T00:00:00Z
PULSE_FIELDS = ("head_seq", "pending", "newest_at")


def pulse(doc: dict[str, Any], now: int, window_ms: int, required: bool = True
          ) -> tuple[int, int, int | None] | None:
    """The station's pulse (docs/sync-protocol.md, "Pulse"): signed but untrusted, so
    every field is checked for type, range and sense; None when absent and optional."""
    value = doc.get("pulse")
    if value is None and not required:
        return None
    if not isinstance(value, dict) or set(value) != set(PULSE_FIELDS):
        raise BadRequest("bad_field", "pulse must be an object with exactly "
                         + ", ".join(PULSE_FIELDS), field="pulse")
    head = _int(value, "head_seq", 0, where="pulse.")
    pending = _int(value, "pending", 0, head, where="pulse.")
    newest = _whole(value.get("newest_at"))
    if newest is None:
        if head:
            raise BadRequest("bad_field", "pulse.newest_at is required once head_seq > 0",
                             field="newest_at")
        return head, pending, None
    newest = _int(value, "newest_at", EARLIEST_MS, now + window_ms, where="pulse.")
    return head, pending, newest


def pull_request(doc: dict[str, Any]) -> tuple[int, int]:
    return _int(doc, "cursor", 0), _int(doc, "limit", 1, MAX_PULL)


def enrol_request(doc: dict[str, Any]) -> tuple[str, str, bytes, bytes]:
    if _whole(doc.get("v")) != VERSION or type(_whole(doc.get("v"))) is not int:
        raise BadRequest("unsupported_version", f"protocol version must be {VERSION}")
    code = _str(doc, "code", max_len=64)
    station_id = _str(doc, "station_id", ID_RE)
    keys = []
    for field in ("sign_pub", "inbox_pub"):
        try:
            raw = b64d(doc.get(field))  # type: ignore[arg-type]
            if len(raw) != 32:
                raise ValueError
        except ValueError as err:
            raise BadRequest("bad_field", f"{field} must be a 32-byte key in base64",
                             field=field) from err
        keys.append(raw)
    return code, station_id, keys[0], keys[1]
