"""Clear metadata: the only record fields stored unencrypted.

Why checks here and not only in the caller: a stolen laptop must yield no names,
ID numbers or phones, so the queue itself refuses keys the caller did not declare
non-personal and values shaped like personal data. The checks are a safety net,
not a proof: callers remain responsible for putting only codes, dates and staff
ids in clear metadata.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from stationq.errors import ClearMetaError

# What the station core stores in clear by default; `Queue.create(clear_keys=...)` overrides.
DEFAULT_CLEAR_KEYS = frozenset({
    "matter", "line", "site", "staff", "date", "status", "rating", "delivery", "population",
    "community", "slot", "team", "case_no", "visit", "visit_status", "channel", "reason_code",
    "outcome", "event", "ref",
})
MAX_VALUE_LEN = 64
_KEY_RE = re.compile(r"[a-z][a-z0-9_]{0,31}\Z")
_UUID_RE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\Z")
_SEPARATORS = re.compile(r"[\s\-./()+]")
# Whole values with spaces, dashes, dots and brackets removed ("138 1234-5678"); whole
# values only, so codes that merely contain digits ("S13-261122-001") stay allowed.
_SQUEEZED = (
    (re.compile(r"\d{17}[\dXx]|\d{15}"), "looks like an ID number"),
    (re.compile(r"(?:\+?86)?1[3-9]\d{9}"), "looks like a mobile phone number"),
)
# Checked on the value as given, so ISO dates ("2026-11-22") stay allowed.
_RAW = (
    (re.compile(r"\d{7,}"), "holds a long digit run (phone, card or ID number)"),
    (re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+"), "looks like an e-mail address"),
)


def check_key(key: str) -> None:
    if not isinstance(key, str) or not _KEY_RE.match(key):
        raise ClearMetaError(str(key)[:32], "keys are 1-32 chars of a-z, 0-9 and _")


def validate(meta: Mapping[str, str] | None, allowed: Iterable[str]) -> dict[str, str]:
    """A clean copy of ``meta`` or a ``ClearMetaError`` (which never quotes the value)."""
    if not meta:
        return {}
    allowed = frozenset(allowed)
    clean: dict[str, str] = {}
    for key, value in meta.items():
        check_key(key)
        if key not in allowed:
            raise ClearMetaError(key, "this key was not declared non-personal for this queue")
        if not isinstance(value, str):
            raise ClearMetaError(key, "values must be strings")
        if len(value) > MAX_VALUE_LEN:
            raise ClearMetaError(key, f"values are at most {MAX_VALUE_LEN} characters")
        if _UUID_RE.match(value):  # record ids (e.g. a linked visit) are not personal
            clean[key] = value
            continue
        squeezed = _SEPARATORS.sub("", value)
        for pattern, reason in _SQUEEZED:
            if pattern.fullmatch(squeezed):
                raise ClearMetaError(key, reason)
        for pattern, reason in _RAW:
            if pattern.search(value):
                raise ClearMetaError(key, reason)
        clean[key] = value
    return clean
