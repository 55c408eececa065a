"""Micro-benchmark: the centre's per-record checks of clear fields (center/record_rules.py).

What a push adds per record for "signed is not trusted": the schema check, and the
comparison of the clear fields with the opened envelope (center/app.py `_open_all`).
Records are as the station writes them (different case numbers and record ids, the
same few sites and staff, as in a real batch). Prints µs per record, best of 5.

    .venv/bin/python bench/record_rules_bench.py
"""

from __future__ import annotations

import json
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "queue"), str(ROOT)]

from stationq import ids  # noqa: E402

from center import record_rules as rr  # noqa: E402
from center.app import _same_time  # noqa: E402
from station.catalogue.loader import load_catalogue  # noqa: E402

N = 20_000


def records(station_id: str) -> list[tuple]:
    now = time.time()
    matters = rr.matters_of(load_catalogue())
    codes = sorted(matters)
    out = []
    for i in range(N):
        at = now - (N - i) / 1000
        meta = {"case_no": f"{station_id}-261122-{i % 999 + 1:03d}", "matter": codes[i % 34],
                "line": matters[codes[i % 34]], "site": ("康健街道", "新成村")[i % 2],
                "staff": f"s0{i % 3 + 1}", "date": "2026-11-22",
                "status": ("accepted", "materials_pending")[i % 2],
                "rating": ("", "4")[i % 2]}
        envelope = {"meta": json.loads(json.dumps(meta)), "created_at": at}
        out.append((ids.record_id(i + 1, int(at * 1000)), meta,
                    datetime.fromtimestamp(at, UTC).isoformat(), envelope))
    return out


def main() -> None:
    station_id = "KQXMRT"
    recs = records(station_id)
    bounds = rr.Bounds.make(station_id, int(time.time() * 1000) - 86_400_000,
                            rr.matters_of(load_catalogue()))
    check, created_ms, id_range = rr.check, rr.created_ms, bounds.id_range
    best_check = best_env = float("inf")
    times = [created_ms(r[2]) for r in recs]  # parsed once per record, in the check's loop
    for _ in range(5):
        started = time.perf_counter()
        for rid, meta, created, _env in recs:  # as center/app.py `_open_all` calls it
            if check(rid, "case", meta, created_ms(created), bounds, id_range) is not None:
                raise SystemExit("an honest record was refused")
        best_check = min(best_check, time.perf_counter() - started)
        started = time.perf_counter()
        for (_rid, meta, _created, env), ms in zip(recs, times, strict=True):
            if env["meta"] != meta or not _same_time(env["created_at"], ms):
                raise SystemExit("an honest envelope differs")
        best_env = min(best_env, time.perf_counter() - started)
    per_check, per_env = best_check / N * 1e6, best_env / N * 1e6
    print(f"schema check: {per_check:.2f} µs/record; envelope comparison: {per_env:.2f}"
          f" µs/record; together {per_check + per_env:.2f} µs/record ({N} records, best of 5)")
    print(json.dumps({"check_us": round(per_check, 2), "envelope_us": round(per_env, 2)}))


if __name__ == "__main__":
    main()
