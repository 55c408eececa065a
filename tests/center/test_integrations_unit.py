"""The fetch endpoint's parts on their own: keys, cursors, the rate limit, the catalogue."""

from __future__ import annotations

import pytest

from center.casefile import centre_catalogue
from center.db import SqliteStore
from center.integrations import (
    BadCursor,
    RateLimiter,
    bearer,
    decode_cursor,
    encode_cursor,
    key_hash,
    new_key,
)
from station.catalogue.loader import default_path, load_catalogue


def test_keys_are_random_and_only_hashes_compare() -> None:
    a, b = new_key(), new_key()
    assert a != b and a.startswith("ldx_") and len(a) > 40
    assert key_hash(a) != key_hash(b) and a not in key_hash(a)
    assert bearer(f"Bearer {a}") == a and bearer(f"bearer  {a}") == a
    assert bearer(None) is None and bearer("Basic xyz") is None and bearer("Bearer ") is None


def test_cursor_round_trip_and_garbage() -> None:
    c = encode_cursor(1700000000000, "0193a-rec", 2)
    assert decode_cursor(c) == (1700000000000, "0193a-rec", 2)
    assert decode_cursor("") == (0, "", 0)
    for bad in ("!!", "x" * 401, encode_cursor(1, "a", 1)[:-3] + "@@@", "WzEsMiwzXQ"):
        with pytest.raises(BadCursor):
            decode_cursor(bad)


def test_rate_limit_refills_with_time() -> None:
    now = [0.0]
    limiter = RateLimiter(clock=lambda: now[0])
    assert [limiter.allow("a", 3) for _ in range(3)] == [0.0, 0.0, 0.0]
    wait = limiter.allow("a", 3)
    assert wait == pytest.approx(20.0)
    assert limiter.allow("b", 3) == 0.0  # per integration
    now[0] = 20.0
    assert limiter.allow("a", 3) == 0.0 and limiter.allow("a", 3) > 0


def test_centre_uses_its_published_catalogue(tmp_path) -> None:
    store = SqliteStore(tmp_path / "c.db")
    store.migrate()
    try:
        assert centre_catalogue(store).version == load_catalogue().version
        text = default_path().read_text("utf-8").replace(
            'version = "', 'version = "9', 1)
        body = {"uid": "u1", "version": "9", "sha256": "abc", "filename": "c.toml",
                "content": text, "at": "2026-12-01"}
        store.publish_catalogue("9", "abc", body)
        assert centre_catalogue(store).version.startswith("9")
        store.publish_catalogue("10", "def", {**body, "sha256": "def",
                                              "content": "not toml ["})
        assert centre_catalogue(store).version.startswith("9")  # a bad one falls back
    finally:
        store.close()
