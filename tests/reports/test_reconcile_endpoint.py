"""The reconcile check is as strict as push: signed, fresh, well-formed — or a 4xx, nothing kept."""

from __future__ import annotations

import json
from datetime import date, timedelta

import httpx
import pytest

from center.reports import data
from shared.protocol import RECONCILE_PATH, SIGNATURE_HEADER, dumps, new_nonce, now_ms, sign
from tests.reports.month import LAST, Month, station_home
from tests.sync.syncrig import client_for


def _claims(month: Month) -> int:
    store = month.centre.store()
    try:
        return len(data.claims(store))
    finally:
        store.close()


def _signed(client, doc: dict) -> tuple[bytes, dict[str, str]]:
    body = dumps(doc)
    return body, {SIGNATURE_HEADER: sign(client.keys.sign, "request", RECONCILE_PATH, body),
                  "content-type": "application/json"}


BAD_DAYS = [
    None, [], {}, {"2026-1-1": []}, {"2026-10-01": "x"}, {"2026-10-01": [["a", 1, 2, "case"]]},
    {"2026-10-01": [["a", 0, 2, "case", "pending"]]},
    {"2026-10-01": [["a", 1, 2, "case", "lost"]]},
    {"2026-10-01": [["a", 1, 2, "CASE!", "pending"]]},
    {(date(2026, 1, 1) + timedelta(days=d)).isoformat(): [] for d in range(94)},  # too many
]


@pytest.mark.parametrize("days", BAD_DAYS)
def test_malformed_manifests_get_a_400_and_nothing_is_kept(month: Month, days):
    run = month.station("徐汇-01")
    before = _claims(month)
    with station_home(run.home):
        client = client_for(run.queue)
    try:
        doc = {"v": 1, "station_id": run.station_id, "ts": now_ms(), "nonce": new_nonce(),
               "days": days}
        body, headers = _signed(client, doc)
        resp = httpx.post(month.centre.url + RECONCILE_PATH, content=body, headers=headers,
                          timeout=60)
    finally:
        client.close()
    assert resp.status_code == 400 and resp.json()["error"] == "bad_field"
    assert _claims(month) == before


def test_unsigned_replayed_and_foreign_requests_are_refused(month: Month):
    run, other = month.station("徐汇-01"), month.station("徐汇-02")
    with station_home(run.home):
        client = client_for(run.queue)
    try:
        doc = {"v": 1, "station_id": run.station_id, "ts": now_ms(), "nonce": new_nonce(),
               "days": {LAST.isoformat(): []}}
        body, headers = _signed(client, doc)
        url = month.centre.url + RECONCILE_PATH
        assert httpx.post(url, content=body, headers={
            **headers, SIGNATURE_HEADER: "AAAA"}, timeout=60).status_code == 401
        first = httpx.post(url, content=body, headers=headers, timeout=60)
        assert first.status_code == 200, first.text
        again = httpx.post(url, content=body, headers=headers, timeout=60)
        assert again.status_code == 409  # replay
        # station 01 cannot ask about station 02's records with its own key
        doc = {**doc, "station_id": other.station_id, "nonce": new_nonce()}
        body, headers = _signed(client, doc)
        assert httpx.post(url, content=body, headers=headers, timeout=60).status_code == 401
        stale = {**doc, "station_id": run.station_id, "nonce": new_nonce(),
                 "ts": now_ms() - 3_600_000}
        body, headers = _signed(client, stale)
        resp = httpx.post(url, content=body, headers=headers, timeout=60)
        assert resp.status_code == 401 and resp.json()["error"] == "clock_skew"
        assert httpx.post(url, content=b"{not json", headers=headers, timeout=60).status_code == 400
    finally:
        client.close()
    answer = json.loads(first.text)
    assert answer["days"][0]["day"] == LAST.isoformat()
