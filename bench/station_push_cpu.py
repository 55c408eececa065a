"""The station's CPU per pushed record, for comparing two checkouts on the same host.

Why: the fleet benchmark (bench/sync_bench.py) reports the stations' CPU per record
(66–70 µs) only as a total over 50 stations sharing two loaded cores. This one times
`SyncClient.push_all` alone — the real client and the real stationq queue: reading
pending sealed rows, framing and signing the body, HTTP over loopback via httpx,
checking the signed answer, marking rows sent and acknowledged — as CPU time of the
pushing thread. The centre is a stand-in in another process that answers every record
"stored" with a signed, gzipped answer shaped like the real one (centre/app.py
`handle_push`), so its own CPU never counts and never varies.

Each repeat pushes a fresh copy of the same queue file (made once by `--make`). With
`--against CHECKOUT`, child processes of this checkout and of the other one run in turn,
round after round, on the same file and stand-in, so a loaded host slows both alike:
compare the medians, and the ratio of the two within each round.

    .venv/bin/python bench/station_push_cpu.py --make /tmp/spq      # 5000 records
    .venv/bin/python bench/station_push_cpu.py --data /tmp/spq [--against /work/main]
"""

from __future__ import annotations

import argparse
import gzip
import http.server
import json
import multiprocessing as mp
import os
import pickle
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Shaped like the centre's answer headers (uvicorn, SecurityHeaders, GZipMiddleware).
_HEADERS = [("server", "uvicorn"), ("content-type", "application/json"),
            ("content-encoding", "gzip"), ("vary", "Accept-Encoding"),
            ("content-security-policy", "default-src 'self'; script-src 'none'; object-src"
             " 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"),
            ("x-frame-options", "DENY"), ("referrer-policy", "no-referrer"),
            ("x-content-type-options", "nosniff")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--make", type=Path, help="write a queue and keys here and stop")
    parser.add_argument("--records", type=int, default=5000, help="records (--make)")
    parser.add_argument("--data", type=Path, help="what --make wrote")
    parser.add_argument("--against", type=Path, help="another checkout to alternate with")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--repeats", type=int, default=3, help="pushes per child process")
    parser.add_argument("--batch", type=int, default=500, help="records per push batch")
    parser.add_argument("--root", type=Path, default=ROOT, help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)  # a child: the stand-in's address
    parser.add_argument("--profile", type=Path,
                        help="write cProfile stats (thread CPU) to PROFILE.0 (and .1)")
    opts = parser.parse_args()
    root = opts.root.resolve()
    sys.path[:0] = [str(root / "queue"), str(root)]
    if opts.make:
        make(opts.make, opts.records)
    elif opts.url:
        print(json.dumps(child(opts)))
    else:
        print(json.dumps(compare(opts)))


def make(out: Path, n: int) -> None:
    """A queue of `n` sealed records and the keys for the station and the stand-in."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
    from stationq import TEST_KDF, CentreKey, Queue

    from station.config import new_station_id

    sys.path[:0] = [str(ROOT / "bench"), str(ROOT / "tests" / "sync")]
    from sync_bench import PAYLOAD
    from syncrig import case_meta

    out.mkdir(parents=True, exist_ok=True)
    station_id = new_station_id()
    centre = X25519PrivateKey.generate().public_key().public_bytes_raw()
    queue = Queue.create(out / "queue.sqlite3", station_id=station_id, slot="s01",
                         passphrase="bench-passphrase", kdf=TEST_KDF,
                         centre_key=CentreKey("x25519-hkdf-sha256-aes256gcm", centre))
    for start in range(0, n, 500):
        queue.append_many([("case", PAYLOAD, case_meta(station_id, i))
                           for i in range(start, min(n, start + 500))])
    queue.close()
    (out / "keys.pickle").write_bytes(pickle.dumps({
        "station_id": station_id, "centre_x25519": centre,
        "station_sign": Ed25519PrivateKey.generate().private_bytes_raw(),
        "station_inbox": X25519PrivateKey.generate().private_bytes_raw(),
        "centre_sign": Ed25519PrivateKey.generate().private_bytes_raw()}))
    print(f"{n} records → {out}")


def compare(opts: argparse.Namespace) -> dict:
    """Children of each checkout in turn, each pushing `repeats` fresh copies."""
    keys = pickle.loads((opts.data / "keys.pickle").read_bytes())
    ctx = mp.get_context("spawn")
    ready = ctx.Queue()
    server = ctx.Process(target=stand_in, args=(keys["centre_sign"], ready), daemon=True)
    server.start()
    url = ready.get(timeout=30)
    roots = [ROOT] + ([opts.against.resolve()] if opts.against else [])
    per_root: dict[str, list[float]] = {str(r): [] for r in roots}
    ratios = []
    try:
        for n in range(opts.rounds):
            seen = {}
            for root in roots if n % 2 == 0 else roots[::-1]:
                cmd = [sys.executable, str(Path(__file__).resolve()), "--root", str(root),
                       "--data", str(opts.data), "--url", url, "--repeats", str(opts.repeats),
                       "--batch", str(opts.batch)]
                if opts.profile:  # each checkout's last round
                    cmd += ["--profile", f"{opts.profile}.{roots.index(root)}"]
                done = subprocess.run(cmd, capture_output=True, text=True, cwd=root)
                if done.returncode:
                    raise RuntimeError(done.stderr[-2000:])
                seen[str(root)] = json.loads(done.stdout.splitlines()[-1])["us_per_record"]
                per_root[str(root)].extend(seen[str(root)])
            if len(roots) == 2:
                ratios.append(min(seen[str(roots[0])]) / min(seen[str(roots[1])]))
    finally:
        server.kill()
    out = {"batch": opts.batch, "load": round(os.getloadavg()[0], 1)}
    for label, root in zip(("this", "against"), roots, strict=False):
        us = per_root[str(root)]
        out[label] = {"root": str(root), "us_per_record_min": round(min(us), 1),
                      "us_per_record_median": round(statistics.median(us), 1)}
    if ratios:
        out["this_over_against_median_of_rounds"] = round(statistics.median(ratios), 3)
    return out


def child(opts: argparse.Namespace) -> dict:
    """Push fresh copies of the queue; CPU µs per record of each push (thread time)."""
    import cProfile

    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
    from stationq import Queue

    from station.sync.client import SyncClient
    from station.sync.identity import Pinned, StationKeys
    from station.sync.inbox import Inbox

    keys = pickle.loads((opts.data / "keys.pickle").read_bytes())
    station = StationKeys(Ed25519PrivateKey.from_private_bytes(keys["station_sign"]),
                          X25519PrivateKey.from_private_bytes(keys["station_inbox"]))
    centre_sign = Ed25519PrivateKey.from_private_bytes(keys["centre_sign"])
    pinned = Pinned(keys["station_id"], opts.url, centre_sign.public_key().public_bytes_raw(),
                    "x25519-hkdf-sha256-aes256gcm", keys["centre_x25519"], "k1", "", "")
    profiler = cProfile.Profile(time.thread_time) if opts.profile else None
    samples, kernel = [], []
    work = Path(tempfile.mkdtemp(prefix="spq-"))
    try:
        for n in range(opts.repeats + 1):
            path = work / f"q{n}.sqlite3"
            shutil.copyfile(opts.data / "queue.sqlite3", path)
            queue = Queue.open(path)
            client = SyncClient(queue, station, pinned, Inbox(work / f"inbox{n}.sqlite3"),
                                batch_size=opts.batch, min_batch=opts.batch,
                                max_batch=opts.batch, pipeline=1)
            if profiler is not None and n:
                profiler.enable()
            before = resource.getrusage(resource.RUSAGE_THREAD)
            pushed, _conflicts, _refused = client.push_all()
            after = resource.getrusage(resource.RUSAGE_THREAD)
            cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
            kernel.append(round((after.ru_stime - before.ru_stime) / pushed * 1e6, 2))
            if profiler is not None and n:
                profiler.disable()
            assert pushed == queue.stats().counts["acknowledged"] > 0, pushed
            if n:  # the first push warms imports, regexes and the connection
                samples.append(round(cpu / pushed * 1e6, 2))
            client.close()
            queue.close()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if profiler is not None:
        profiler.dump_stats(str(opts.profile))
    import stationq

    assert Path(stationq.__file__).is_relative_to(opts.root.resolve()), stationq.__file__
    return {"root": str(opts.root), "us_per_record": samples, "kernel_us": kernel[1:]}


def stand_in(centre_sign: bytes, ready) -> None:
    """The centre's answer to a v2 push, every record "stored" (no checks: the station's
    side is what is measured), on a keep-alive HTTP/1.1 server."""
    sys.path[:0] = [str(ROOT)]
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from shared.protocol import dumps, now_ms, sign, unframe_push

    key = Ed25519PrivateKey.from_private_bytes(centre_sign)

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["content-length"]))
            if self.headers.get("content-encoding") == "gzip":
                body = zlib.decompress(body, 31)
            if self.path == "/v2/push":
                doc = json.loads(unframe_push(body)[0])
                acks = [{"record_id": r[0], "version": r[1], "status": "stored"}
                        for r in doc["records"]]
            else:
                doc, acks = json.loads(body), []
            answer = dumps({"v": doc["v"], "nonce": doc["nonce"], "acks": acks,
                            "server_ts": now_ms()})
            packed = gzip.compress(answer, 1)
            self.send_response(200)
            for name, value in _HEADERS:
                self.send_header(name, value)
            self.send_header("x-sync-signature", sign(key, "response", self.path, answer))
            self.send_header("content-length", str(len(packed)))
            self.end_headers()
            self.wfile.write(packed)

        def log_message(self, *args) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    ready.put(f"http://127.0.0.1:{server.server_address[1]}")
    server.serve_forever()


if __name__ == "__main__":
    main()
