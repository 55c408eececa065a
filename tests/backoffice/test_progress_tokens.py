"""The residents' progress tokens: made at the station, sealed on the way, kept only as a
hash at the centre; 10,000 guesses find nothing and are throttled (in-process, through
Starlette's TestClient over the very store the real centre filled)."""

from __future__ import annotations

import asyncio
import hashlib
import json
import secrets

import httpx
import pytest
from starlette.testclient import TestClient

from center.backoffice import progress
from shared.i18n import t
from tests.backoffice.officerig import RESIDENT, Office, personal
from tests.sync.syncrig import PASSPHRASE


@pytest.fixture
def served(office: Office):
    """A case at the real centre, and the centre's app in this process on its store."""
    from center import keys
    from center.app import create_app

    case = office.record()
    store = office.store()
    app = create_app(store, keys.load(office.centre.home, PASSPHRASE))
    try:
        yield office, case, store, app
    finally:
        store.close()


def test_the_token_travels_sealed_and_the_centre_keeps_its_hash_only(served):
    office, case, store, _app = served
    token = case.progress_token
    digest = hashlib.sha256(token.encode()).hexdigest()
    with store.tx() as cur:
        cur.execute(store.q("SELECT token_hash, case_id FROM case_tokens"))
        assert [tuple(r) for r in cur.fetchall()] == [(digest, case.record_id)]
        cur.execute("SELECT meta FROM records")
        metas = [r[0] for r in cur.fetchall()]
    assert metas and all(token not in m and digest not in m for m in metas)
    # in the station's queue: nowhere in clear, only inside the sealed/encrypted copies
    import sqlite3

    from station import paths

    with office.at_station():
        raw = sqlite3.connect(paths.queue_file())
        try:
            cells = [str(c) for row in raw.execute("SELECT * FROM records") for c in row]
        finally:
            raw.close()
    assert cells and not any(token in c for c in cells)
    # the receipt's QR holds the progress page's address
    from station.cases.paper_data import progress_link

    with office.at_station():
        assert progress_link(case) == f"{office.centre.url}/q/{token}"


async def _guess(app, n: int) -> tuple[dict[int, int], set[str]]:
    """n random tokens from one client, through httpx's ASGI transport (one event loop:
    a few seconds, where a TestClient round trip per guess takes a minute)."""
    codes: dict[int, int] = {}
    bodies: set[str] = set()
    transport = httpx.ASGITransport(app=app, client=("203.0.113.7", 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://centre") as http:
        for _ in range(n):
            r = await http.get(f"/q/{secrets.token_urlsafe(20)}")
            codes[r.status_code] = codes.get(r.status_code, 0) + 1
            if r.status_code == 404:
                bodies.add(r.text)
    return codes, bodies


def test_ten_thousand_guesses_find_nothing_and_are_throttled(served):
    _office, case, _store, app = served
    resident = TestClient(app, client=("198.51.100.9", 40000), follow_redirects=False)
    ok = resident.get(f"/q/{case.progress_token}")
    assert ok.status_code == 200 and t("office.q_status_accepted") in ok.text
    codes, bodies = asyncio.run(_guess(app, 10_000))
    assert codes.get(200, 0) == 0
    assert codes[404] == progress.MISSES and codes[429] == 10_000 - progress.MISSES
    # a malformed token gets the very same answer as an unknown one (fresh client)
    other = TestClient(app, client=("203.0.113.8", 40000), follow_redirects=False)
    for bad in ("x", "a" * 300, "%00", "abc$def", "A" * 21):
        r = other.get(f"/q/{bad}")
        assert r.status_code == 404 and r.text in bodies
    # the resident, from another address, is not locked out by the guesser
    again = resident.get(f"/q/{case.progress_token}")
    assert again.status_code == 200
    for value in personal():
        assert value not in again.text


def test_the_throttle_window_passes(served):
    clock = [1000.0]
    th = progress.Throttle(misses=3, requests=100, window_s=60, clock=lambda: clock[0])
    for _ in range(3):
        assert th.allow("a") == 0
        th.missed("a")
    assert th.allow("a") > 0 and th.allow("b") == 0
    clock[0] += 61
    assert th.allow("a") == 0


def test_the_progress_page_shows_no_personal_data(served):
    _office, case, _store, app = served
    page = TestClient(app).get(f"/q/{case.progress_token}")
    assert page.status_code == 200
    assert page.headers["cache-control"] == "no-store"
    assert "script" not in page.text.lower()
    for value in personal():
        assert value not in page.text
    assert "敬老卡" in page.text and json.dumps(RESIDENT["name"])[1:-1] not in page.text
