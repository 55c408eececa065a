"""The centre's CPU per pushed record, in one process, for comparing two checkouts.

Why: the fleet benchmark (bench/sync_bench.py) runs 50 stations, PostgreSQL and the
centre on two shared cores, so its CPU figures move with whatever else the host runs
(the same code has given 90 and 126 µs a record). This one times `Centre.handle_push`
alone (thread CPU time) on the same real push bodies — sealed by a real stationq queue,
framed and signed as the station's SyncClient does — repeatedly, and reports the
fastest and the median repeat: the fastest is what the code costs when the host leaves
it alone. `--root` runs another checkout's centre on the very same bodies, so runs of
two checkouts in turn, alternating, compare their push code on the same host.

`--no-store` leaves out the database (store_batch answers "stored" for each record): the
Python work of a push alone. Without it every repeat stores the batch in a fresh
PostgreSQL database (records get new ids per repeat only by being stored anew there).

    .venv/bin/python bench/push_cpu.py --make /tmp/pushes.pickle   # bodies, this checkout
    .venv/bin/python bench/push_cpu.py --bodies /tmp/pushes.pickle [--root CHECKOUT]
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--make", type=Path, help="write push bodies to this file and stop")
    parser.add_argument("--bodies", type=Path, help="push bodies written by --make")
    parser.add_argument("--root", type=Path, default=ROOT, help="checkout whose centre runs")
    parser.add_argument("--records", type=int, default=500, help="records per batch (--make)")
    parser.add_argument("--old-meta", action="store_true",
                        help="(--make) the bench's clear metadata before issue 16")
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--no-store", action="store_true", help="leave out the database")
    parser.add_argument("--profile", type=Path, help="write cProfile stats (CPU time)")
    opts = parser.parse_args()
    root = opts.root.resolve()
    sys.path[:0] = [str(root / "queue"), str(root), str(ROOT / "tests" / "sync")]
    if opts.make:
        make(opts.make, opts.records, opts.old_meta)
        return
    print(json.dumps(run(opts, root)))


def _protocol():
    try:
        import shared.protocol as protocol
    except ImportError:  # a checkout from before shared/ (5f89c0a)
        import station.sync.protocol as protocol
    return protocol


def make(path: Path, n: int, old_meta: bool) -> None:
    """One station's batch of `n` sealed records, and the keys to sign and open it."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from stationq import TEST_KDF, CentreKey, Queue
    from syncrig import make_centre_home

    from center import keys as centre_keys
    from station.config import new_station_id
    from station.sync.client import _created

    sys.path.insert(0, str(ROOT / "bench"))
    from sync_bench import PAYLOAD

    work = Path(tempfile.mkdtemp(prefix="pushcpu-"))
    home = make_centre_home(work / "centre")
    from syncrig import PASSPHRASE

    ckeys = centre_keys.load(home, PASSPHRASE)
    public = ckeys.public()
    import base64

    ckey = CentreKey("x25519-hkdf-sha256-aes256gcm", base64.b64decode(public["hpke_x25519"]))
    station_id = new_station_id()
    queue = Queue.create(work / "q.sqlite3", station_id=station_id, slot="s01",
                         passphrase="bench-passphrase", centre_key=ckey, kdf=TEST_KDF)
    for i in range(n):
        meta = ({"case_no": f"{station_id[:6]}-261122-{i:04d}", "matter": "YL-03"} if old_meta
                else {"case_no": f"{station_id}-261122-{i:03d}", "matter": "MZ01",
                      "line": "MZ", "site": "康健街道", "staff": "s01", "date": "2026-11-22",
                      "status": "accepted", "rating": ""})  # tests/sync/syncrig.py case_meta
        queue.append("case", PAYLOAD, meta)
    batch = queue.pending(n)
    rows = [[r.record_id, r.version, r.seq, r.kind, r.meta, _created(r), r.suite,
             len(r.enc)] for r in batch]
    sign = Ed25519PrivateKey.generate()
    path.write_bytes(pickle.dumps({
        "home": str(home), "passphrase": PASSPHRASE, "station_id": station_id,
        "sign_key": sign.private_bytes(serialization.Encoding.Raw,
                                       serialization.PrivateFormat.Raw,
                                       serialization.NoEncryption()),
        "rows": rows, "blobs": [r.enc for r in batch]}))
    queue.close()
    print(f"{n} records → {path}")


def run(opts: argparse.Namespace, root: Path) -> dict:
    import cProfile

    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from center import keys as centre_keys
    from center.app import Centre, code_hash
    from center.db import open_store

    protocol = _protocol()
    data = pickle.loads(opts.bodies.read_bytes())
    sign = Ed25519PrivateKey.from_private_bytes(data["sign_key"])
    station_id, rows, blobs = data["station_id"], data["rows"], data["blobs"]
    keys = centre_keys.load(Path(data["home"]), data["passphrase"])
    work = Path(tempfile.mkdtemp(prefix="pushcpu-"))
    pg = None
    if opts.no_store:
        url = None
    else:
        from syncrig import Postgres

        pg = Postgres()
        url = pg.new_database()
    profiler = cProfile.Profile(time.thread_time) if opts.profile else None
    samples = []
    path = protocol.PUSH2_PATH
    try:
        for n in range(opts.repeats + 1):
            store = open_store(url if n == 0 or opts.no_store else pg.new_database(), work)
            store.migrate()
            code = os.urandom(8).hex()
            store.add_enrolment(code_hash(code), "bench", protocol.now_ms() + 60_000)
            store.enrol(code_hash(code), station_id, sign.public_key().public_bytes_raw(),
                        os.urandom(32), protocol.now_ms() - 60_000)
            if opts.no_store:
                store.store_batch = lambda _sid, _n, _ts, items, _pub=None: ["stored"] * len(
                    items)
            centre = Centre(store, keys)
            header = {"v": protocol.PUSH2_VERSION, "station_id": station_id,
                      "ts": protocol.now_ms(), "nonce": protocol.new_nonce(), "records": rows}
            body = protocol.frame_push(header, blobs)
            signature = protocol.sign(sign, "request", path, body)
            if profiler is not None and n:
                profiler.enable()
            start = time.thread_time()
            answer, _sig = centre.handle_push(path, body, "identity", signature,
                                              protocol.PUSH2_VERSION)
            cpu = time.thread_time() - start
            if profiler is not None and n:
                profiler.disable()
            acks = json.loads(answer)["acks"]
            assert all(a["status"] == "stored" for a in acks), acks[:2]
            if n:  # the first push warms caches (imports, regexes, the station key)
                samples.append(cpu / len(rows) * 1e6)
            store.close()
    finally:
        if pg is not None:
            pg.stop()
    if profiler is not None:
        profiler.dump_stats(str(opts.profile))
    return {"root": str(root), "store": "none" if opts.no_store else "postgresql",
            "records": len(rows), "repeats": len(samples),
            "push_cpu_us_per_record_min": round(min(samples), 1),
            "push_cpu_us_per_record_median": round(statistics.median(samples), 1),
            "x25519_us": _x25519_us(), "load": round(os.getloadavg()[0], 1)}


def _x25519_us() -> float:
    """CPU µs of one X25519 exchange (the fastest of 5 × 1000): the host's speed."""
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

    mine, theirs = X25519PrivateKey.generate(), X25519PrivateKey.generate().public_key()
    best = float("inf")
    for _ in range(5):
        start = time.thread_time()
        for _ in range(1000):
            mine.exchange(theirs)
        best = min(best, (time.thread_time() - start) * 1000)
    return round(best, 1)


if __name__ == "__main__":
    main()
