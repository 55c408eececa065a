"""The export round trip: cases recorded at a real station, synced to a real centre
(SQLite and PostgreSQL), exported by `center case export` in each format, come out
typed and equal to what the station recorded; the fetch endpoint pages each case once.
"""

from __future__ import annotations

import csv
import json
import os
import stat
import time
from datetime import date, datetime
from decimal import Decimal

import httpx
import pytest

from center.integrations import SETTLE_MS
from station.catalogue.answers import clean_answers
from station.catalogue.loader import load_catalogue
from tests.center.casegen import record_cases
from tests.sync.syncrig import Centre, client_for, make_station

N = 100


def _sync(queue) -> None:
    client = client_for(queue)
    for _ in range(20):  # batches; each run pushes what is pending
        state = client.run_once()
        assert state.last_error is None, state.last_error
        if state.pending == 0:
            break
    client.close()


@pytest.fixture
def synced(centre: Centre):
    queue = make_station(centre=centre)
    recorded = record_cases(queue, N, today=date.today())
    _sync(queue)
    assert queue.pending(limit=1) == []
    expected = {}
    cat = load_catalogue()
    for rid, _case_no in recorded:
        history = [queue.read(rid, info.version) for info in queue.history(rid)]
        latest = history[-1].payload
        m = cat.get(latest["matter"])
        typed = clean_answers(m, latest["answers"], delivery=latest["delivery"],
                              today=date.fromisoformat(latest["outing_date"]))
        expected[rid] = (latest, typed, [h.payload for h in history], m)
    yield centre, queue, recorded, expected
    queue.close()


def _export(centre: Centre, tmp_path, fmt: str):
    out = tmp_path / f"export.{fmt}"
    res = centre.cli("case", "export", "--since", date.today().isoformat(), "--format", fmt,
                     "--output", str(out), "--reason", "区系统导入")
    assert res.returncode == 0, res.stderr
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600
    return out


def test_export_round_trip_every_format(synced, tmp_path) -> None:
    centre, _queue, recorded, expected = synced
    matters = {e[0]["matter"] for e in expected.values()}
    assert matters == {m.code for m in load_catalogue()}  # every matter, from the catalogue

    # --- JSON lines
    docs = [json.loads(line) for line in
            _export(centre, tmp_path, "jsonl").read_text("utf-8").splitlines()]
    assert [d["record_id"] for d in docs] == [rid for rid, _ in recorded]
    for d in docs:
        latest, typed, history, m = expected[d["record_id"]]
        res = latest["resident"]
        assert (d["case_no"], d["matter"], d["site"], d["staff"], d["delivery"],
                d["station_status"], d["outing_date"], d["due_date"]) == (
            latest["case_no"], latest["matter"], latest["site"], latest["staff"],
            latest["delivery"], latest["status"], latest["outing_date"], latest["due_date"])
        assert d["resident"]["name"] == res["name"]
        assert d["resident"]["id_number"] == res["id"]["number"]
        assert d["resident"]["birth_date"] == res["id"]["birth_date"]
        assert d["resident"]["phone"] == latest["answers"].get("phone", "")
        assert d["resident"]["address"] == latest["answers"].get("address", "")
        if latest["agent"] is None:
            assert d["agent"] is None
        else:
            assert (d["agent"]["name"], d["agent"]["id_number"], d["agent"]["relation"]) == (
                latest["agent"]["name"], latest["agent"]["id"]["number"],
                latest["agent"]["relation"])
        answers = {a["code"]: a for a in d["answers"]}
        assert {k: a["text"] for k, a in answers.items()} == latest["answers"]
        for code, value in typed.items():
            a = answers[code]
            assert a["type"] == m.field(code).type and a["label"] == m.field(code).label
            assert a["problem"] == ""
            assert _from_json(a["type"], a["value"]) == value, (code, a)
        assert [x["code"] for x in d["materials_received"]] == latest["materials"]
        assert [x["code"] for x in d["materials_missing"]] == latest["missing"]
        assert [v["reason"] for v in d["versions"]] == [h["reason"] for h in history]
        assert [v["status"] for v in d["versions"]] == [h["status"] for h in history]

    # --- CSV, as Excel on a Chinese Windows reads it
    raw = _export(centre, tmp_path, "csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM
    assert b"\r\n" in raw and raw.count(b"\n") == raw.count(b"\r\n")
    rows = list(csv.DictReader(raw.decode("utf-8-sig").splitlines(keepends=True)))
    assert [r["record_id"] for r in rows] == [rid for rid, _ in recorded]
    for r in rows:
        latest, typed, history, m = expected[r["record_id"]]
        assert _excel(r["resident_name"]) == latest["resident"]["name"]
        assert _excel(r["resident_id_number"]) == latest["resident"]["id"]["number"]
        assert r["matter"] == latest["matter"] and r["case_no"] == latest["case_no"]
        assert r["materials_missing"].split(";") == (latest["missing"] or [""])
        for code, value in typed.items():
            got = _from_text(m.field(code).type, _excel(r["answer." + code]))
            assert got == value, (code, r["answer." + code], value)
        for code in {f.key for f in m.fields} - set(typed):
            assert r["answer." + code] == ""

    # --- XLSX, read back with the library
    from openpyxl import load_workbook

    wb = load_workbook(_export(centre, tmp_path, "xlsx"), read_only=True)
    sheet = wb["cases"]
    lines = list(sheet.iter_rows(values_only=True))
    head = lines[0]
    # A read-only sheet drops a row's trailing empty cells.
    cells = [dict(zip(head, line + (None,) * (len(head) - len(line)), strict=True))
             for line in lines[1:]]
    assert [c["record_id"] for c in cells] == [rid for rid, _ in recorded]
    for c in cells:
        latest, typed, history, m = expected[c["record_id"]]
        assert c["resident_id_number"] == latest["resident"]["id"]["number"]
        assert c["outing_date"].date() == date.fromisoformat(latest["outing_date"])
        assert c["versions"] == len(history)
        for code, value in typed.items():
            assert _from_cell(m.field(code).type, c["answer." + code]) == value, code
    versions = list(wb["versions"].iter_rows(values_only=True))
    assert len(versions) - 1 == sum(len(e[2]) for e in expected.values())
    wb.close()

    # Every export recorded, per case, with its reason.
    store = centre.store()
    try:
        log = [r for r in store.access_records(10_000) if r[2] == "export"]
    finally:
        store.close()
    assert len(log) == 3 * N and {r[4] for r in log} == {"区系统导入"}
    assert {r[3] for r in log} == set(expected)
    assert all(r[1].startswith("cli:") for r in log)

    # No overwrite, and a clear message.
    again = centre.cli("case", "export", "--since", "2020-01-01", "--output",
                       str(tmp_path / "export.csv"), "--format", "csv", "--reason", "x")
    assert again.returncode == 1 and "已存在" in again.stderr and "Traceback" not in again.stderr


def _from_json(kind: str, value):
    if kind == "date":
        return date.fromisoformat(value)
    if kind in ("money", "number"):
        return Decimal(value)
    return value


def _excel(text: str) -> str:
    """What Excel shows: a leading TAB or a formula guard's apostrophe is not data."""
    if text.startswith("'") and text[1:2] in ("=", "+", "-", "@"):
        return text[1:]
    return text.removeprefix("\t")


def _from_text(kind: str, text: str):
    if kind == "date":
        return date.fromisoformat(text)
    if kind in ("money", "number"):
        return Decimal(text)
    if kind == "integer":
        return int(text)
    if kind == "bool":
        return {"是": True, "否": False}[text]
    return text


def _from_cell(kind: str, value):
    if kind == "date":
        assert isinstance(value, datetime)
        return value.date()
    if kind in ("money", "number"):
        assert isinstance(value, (int, float))
        return Decimal(str(value))
    return value


def test_fetch_endpoint_pages_each_case_once(synced) -> None:
    centre, _queue, _recorded, expected = synced
    add = centre.cli("integration", "add", "区一网通办")
    assert add.returncode == 0, add.stderr
    key = add.stdout.strip().splitlines()[-1]
    auth = {"Authorization": f"Bearer {key}"}
    store = centre.store()
    try:
        assert key not in json.dumps(store.integrations(), ensure_ascii=False)
    finally:
        store.close()

    seen: list[str] = []
    cursor = ""
    with httpx.Client(base_url=centre.url, timeout=60) as http:
        for _ in range(200):
            resp = http.get("/v1/export", params={"cursor": cursor, "limit": 7}, headers=auth)
            assert resp.status_code == 200, resp.text
            page = resp.json()
            seen += [c["record_id"] for c in page["cases"]]
            cursor = page["cursor"]
            if not page["more"] and len(seen) >= N:
                break
            if not page["cases"]:  # received within the last SETTLE_MS: held back so far
                time.sleep(SETTLE_MS / 1000)
        assert len(seen) == len(set(seen)) == N and set(seen) == set(expected)
        last = http.get("/v1/export", params={"cursor": cursor}, headers=auth).json()
        assert last["cases"] == [] and last["more"] is False
        one = http.get("/v1/export", params={"limit": 1}, headers=auth).json()["cases"][0]
        latest = expected[one["record_id"]][0]
        assert one["resident"]["id_number"] == latest["resident"]["id"]["number"]

        bad = http.get("/v1/export", params={"cursor": "nonsense!"}, headers=auth)
        assert bad.status_code == 400 and bad.json()["error"] == "bad_field"
        assert http.get("/v1/export").status_code == 401
        wrong = http.get("/v1/export", headers={"Authorization": "Bearer ldx_nope"})
        assert wrong.status_code == 401 and wrong.headers["www-authenticate"] == "Bearer"
        assert centre.cli("integration", "revoke", "区一网通办").returncode == 0
        assert http.get("/v1/export", headers=auth).status_code == 401

        slow = centre.cli("integration", "add", "slow", "--per-minute", "2")
        slow_auth = {"Authorization": "Bearer " + slow.stdout.strip().splitlines()[-1]}
        codes = [http.get("/v1/export", params={"limit": 1}, headers=slow_auth).status_code
                 for _ in range(3)]
        assert codes[:2] == [200, 200] and codes[2] == 429
    listed = centre.cli("integration", "list")
    assert "区一网通办" in listed.stdout and "已作废" in listed.stdout

    store = centre.store()
    try:
        api = [r for r in store.access_records(10_000) if r[2] == "export_api"]
    finally:
        store.close()
    assert {r[3] for r in api} == set(expected)
    assert {r[1] for r in api} == {"integration:区一网通办", "integration:slow"}


def test_purge_drops_sealed_copies_reports_still_count(synced, tmp_path) -> None:
    from center.reports.report import build_centre_report

    centre, _queue, recorded, _expected = synced
    done = [rid for rid, _ in recorded[:10]]
    for rid in done:
        assert centre.cli("case", "set-status", rid, "审批中").returncode == 0
        assert centre.cli("case", "set-status", rid, "办结").returncode == 0
    store = centre.store()
    try:
        before = build_centre_report(store, date_from=date.today(), date_to=date.today())
    finally:
        store.close()

    dry = centre.cli("purge", "--after-days", "0", "--dry-run")
    assert dry.returncode == 0 and "10" in dry.stdout
    kept = centre.cli("purge", "--after-days", "30")
    assert kept.returncode == 0 and " 0 " in kept.stdout
    out = centre.cli("purge", "--after-days", "0")
    assert out.returncode == 0, out.stderr
    assert centre.cli("purge", "--after-days", "0").returncode == 0  # nothing left: no error

    store = centre.store()
    try:
        with store.tx() as cur:
            cur.execute("SELECT record_id, enc, purged_at FROM records")
            rows = cur.fetchall()
        gone = {r[0] for r in rows if not bytes(r[1])}
        assert gone == set(done) and all(r[2] for r in rows if r[0] in gone)
        after = build_centre_report(store, date_from=date.today(), date_to=date.today())
        assert after.to_dict()["total"] == before.to_dict()["total"]
        assert after.to_dict()["total"]["received"] >= N
        purges = [r for r in store.access_records(10_000) if r[2] == "purge"]
        assert {r[3] for r in purges if r[3]} == set(done)
    finally:
        store.close()
    docs = [json.loads(x) for x in
            _export(centre, tmp_path, "jsonl").read_text("utf-8").splitlines()]
    purged = [d for d in docs if d.get("unreadable")]
    assert {d["record_id"] for d in purged} == set(done)
    assert all(d["unreadable"] == "purged" and d["matter"] for d in purged)
