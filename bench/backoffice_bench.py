"""Back-office benchmark: opening one case (HPKE open + typing + a page render), and
exporting 10,000 cases to JSON lines.

Cases are recorded through a real station queue (tests/center/casegen.py: every matter
of the catalogue, answers made from each field's rule, some amended); their payloads are
then sealed again under new record ids with stationq's own envelope and sealer, so the
centre holds 10,000 sealed cases without recording each one at a desk. The case page is
the real one: GET /office/case/<record id> of the centre's app (center/app.py, with its
security headers and gzip), through httpx's ASGI transport with a logged-in case worker:
the session check, the access record, the HPKE open, the typing, the status history and
the page render. A few warm-up requests are not counted. Prints a JSON object as its
last line.

    .venv/bin/python bench/backoffice_bench.py [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "queue"), str(ROOT), str(ROOT / "tests" / "center")]

from casegen import record_cases  # noqa: E402
from stationq import TEST_KDF, Queue  # noqa: E402
from stationq.ids import record_id  # noqa: E402
from stationq.sealing import Sealer, centre_key_for, make_envelope  # noqa: E402

from center import keys as ckeys  # noqa: E402
from center.casefile import case_ids  # noqa: E402
from center.db import Incoming, SqliteStore  # noqa: E402
from center.export import export_cases  # noqa: E402

STATION = "bench-st-1"
WARMUP = 5


def build(tmp: Path, n: int, base: int) -> tuple[SqliteStore, ckeys.CentreKeys, list[str]]:
    keys = ckeys.generate()
    queue = Queue.create(tmp / "q.db", station_id=STATION, slot="s01", passphrase="pw-12345678",
                         kdf=TEST_KDF, centre_key=centre_key_for(keys.x25519))
    recorded = record_cases(queue, base, today=date.today())
    payloads = [(queue.read(rid).payload, queue.info(rid).meta) for rid, _ in recorded]
    queue.close()
    sealer = Sealer(centre_key_for(keys.x25519))
    store = SqliteStore(tmp / "centre.db")
    store.migrate()
    now = time.time()
    batch: list[Incoming] = []
    ids = []
    for i in range(n):
        payload, meta = payloads[i % len(payloads)]
        case_no = f"BENCH-{i:06d}"
        payload = {**payload, "case_no": case_no}
        meta = {**meta, "case_no": case_no}
        rid = record_id(i + 1, int(now * 1000))
        env = make_envelope(record_id=rid, version=1, seq=i + 1, kind="case", meta=meta,
                            created_at=now, updated_at=now, payload=payload)
        enc = sealer.seal(STATION, rid, 1, env)
        batch.append(Incoming(rid, 1, i + 1, "case", meta, "2026-12-01T00:00:00+00:00",
                              sealer.key.suite, enc, rid.encode()))
        ids.append(rid)
        if len(batch) == 500:
            store.store_batch(STATION, f"n{i}", 0, batch)
            batch = []
    if batch:
        store.store_batch(STATION, "last", 0, batch)
    return store, keys, ids


async def time_pages(app, ids: list[str], name: str, password: str) -> list[float]:
    """Log in through the login form, then open each case page; milliseconds each."""
    import re

    import httpx

    # httpx's ASGI transport: the app's own request path, no socket; the installed
    # Starlette deprecates its TestClient's use of httpx.
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://centre.test") as web:
        form = await web.get("/reports/login")
        token = re.search(r'name="csrf" value="([^"]+)"', form.text).group(1)
        r = await web.post("/reports/login", data={"user": name, "password": password,
                                                    "csrf": token})
        assert r.status_code == 303 and r.headers["location"] == "/office", r.text
        times = []
        for i, rid in enumerate(ids):
            t = time.perf_counter()
            r = await web.get(f"/office/case/{rid}")
            ms = (time.perf_counter() - t) * 1000
            # the opened page (an unreadable case would show no answers table)
            assert r.status_code == 200 and 'data-table="answers"' in r.text, r.text[:300]
            if i >= WARMUP:
                times.append(ms)
    return times


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    n, pages = 10_000, (200 if args.quick else 1000)
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        store, keys, ids = build(Path(tmp), n, base=34 if args.quick else 340)
        setup_s = time.perf_counter() - t0

        from center.app import create_app
        from center.reports import accounts

        accounts.add(store, "bench-worker", "bench password 1", role="caseworker")
        rng = random.Random(1)
        times = asyncio.run(time_pages(create_app(store, keys), rng.sample(ids, pages + WARMUP),
                                       "bench-worker", "bench password 1"))
        times.sort()
        p50, p95 = times[len(times) // 2], times[int(len(times) * 0.95)]

        assert len(case_ids(store)) == n
        t, cpu = time.perf_counter(), time.process_time()
        written, bad = export_cases(store, keys, since_ms=0, fmt="jsonl",
                                    path=Path(tmp) / "out.jsonl", actor="bench",
                                    reason="bench")
        export_s = time.perf_counter() - t
        export_cpu_s = time.process_time() - cpu
        assert written == n and not bad
        store.close()
    print(f"setup {setup_s:.1f} s; case page p50 {p50:.1f} ms p95 {p95:.1f} ms ({pages});"
          f" export {n} → jsonl {export_s:.2f} s ({export_cpu_s:.2f} s CPU)", file=sys.stderr)
    print(json.dumps({"case_page_p50_ms": round(p50, 2), "case_page_p95_ms": round(p95, 2),
                      "export_10k_s": round(export_s, 2),
                      "export_10k_cpu_s": round(export_cpu_s, 2), "cases": n, "pages": pages,
                      "case_page": "GET /office/case/<id>, httpx ASGI, logged-in case worker"}))


if __name__ == "__main__":
    main()
