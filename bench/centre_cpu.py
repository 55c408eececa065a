"""The whole centre's CPU per pushed record, of one checkout, for A/B runs between two.

Why: bench/push_cpu.py times `handle_push` alone; this runs a real `center serve
--workers 2` (server process + push processes, PostgreSQL) of the checkout given and
counts its process tree's CPU (clock ticks, /proc) while records are pushed, so the HTTP
side and the hand-over to the push processes are in it too. Run it for two checkouts in
turn, alternating, on a shared host: each run meets the same load.

    .venv/bin/python bench/centre_cpu.py CHECKOUT [--records 6000]
        one station, fixed 500-record batches, one batch in flight
    .venv/bin/python bench/centre_cpu.py CHECKOUT --fleet
        one run of that checkout's bench/sync_bench.py fleet (50 stations × 1,000)

The checkout's own bench/sync_bench.py builds the stations (its clear metadata too).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("root", type=Path, help="checkout whose centre and stations run")
    parser.add_argument("--records", type=int, default=6000)
    parser.add_argument("--fleet", action="store_true")
    opts = parser.parse_args()
    root = opts.root.resolve()
    sys.path[:0] = [str(root / "bench")]
    import sync_bench as sb

    if Path(sb.__file__).resolve().parent != root / "bench":
        raise SystemExit(f"imported {sb.__file__}, not {root}'s")
    pg = sb.Postgres()
    work = Path(tempfile.mkdtemp(prefix="centrecpu-"))
    try:
        db = pg.new_database()
        load = round(os.getloadavg()[0], 1)
        out = fleet(sb, db, work) if opts.fleet else one_station(sb, db, work, opts.records)
        out.update(root=str(root), load=load, x25519_us=sb.x25519_us())
        print(json.dumps(out))
    finally:
        pg.stop()
        shutil.rmtree(work, ignore_errors=True)


def one_station(sb, db: str, work: Path, n: int) -> dict:
    home = sb.make_centre_home(work / "centre")
    centre = sb.Centre(home, db, workers=2)
    centre.start()
    try:
        client, _queue = sb.make_station(centre.url, work, "one", n, db, home, batch=500,
                                     pipeline=1, target_s=None)
        client.min_batch = client.max_batch = 500
        tree0, server0 = sb.cpu_seconds(centre.proc.pid), sb.cpu_of({centre.proc.pid})
        started = time.perf_counter()
        pushed, _conflicts, _rejected = client.push_all()
        wall = time.perf_counter() - started
        tree1, server1 = sb.cpu_seconds(centre.proc.pid), sb.cpu_of({centre.proc.pid})
        client.close()
    finally:
        centre.stop()
    if pushed != n:
        raise SystemExit(f"pushed {pushed} of {n}")
    return {"records": n, "centre_cpu_us": round((tree1[0] - tree0[0]) / n * 1e6, 1),
            "server_cpu_us": round((server1 - server0) / n * 1e6, 1),
            # every PostgreSQL process of the host: other engineers' too
            "pg_cpu_us": round((tree1[1] - tree0[1]) / n * 1e6, 1), "wall_s": round(wall, 2)}


def fleet(sb, db: str, work: Path) -> dict:
    out = sb.fleet(db, 50, 1000, work, 4)
    out.pop("batch_times", None)
    out.pop("station_finished", None)
    return {k: round(v, 3) if isinstance(v, float) else v for k, v in out.items()}


if __name__ == "__main__":
    main()
