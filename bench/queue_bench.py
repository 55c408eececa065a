"""Benchmark of the encrypted queue (stationq) against plain SQLite on the same workload.

Workload: 2 KB JSON case payloads (Chinese names, ID numbers, form answers). The
baseline is plain ``sqlite3`` with WAL + ``synchronous=FULL``, default page size,
``json.dumps`` of the payload and one INSERT per transaction. Every variant runs in
rounds of 100 records, all variants once per round in a shuffled order; a round's
ratio is the baseline's time per record divided by the variant's (higher is better,
1.0 = as fast) and the figure is the median over rounds, so a neighbour's burst of
load on a shared machine does not decide it.

pending(500) is timed on synthetic files of 10k / 100k / 1M record versions: rows
are bulk-inserted straight into the queue's schema (far faster than 1M appends; their
audit hashes are dummies, so those files do not verify) with the newest 2,000
versions pending, 20 older ones refused by the centre (sent, back to pending) spread
over the history, and the rest purged tombstones. Timings are with the data cached
(warm runs, median of 50).

Alongside the ratios the full run records, per variant, wall and CPU time per record,
the WAL pages each commit writes (counted exactly, with checkpoints off) and the CPU per
append in a tight loop on /dev/shm, where no fsync empties the caches between appends.

    .venv/bin/python bench/queue_bench.py --quick   # < 60 s, smaller sizes
    .venv/bin/python bench/queue_bench.py           # full run, writes bench/RESULTS.md
    .venv/bin/python bench/queue_bench.py --runs 3  # the same, three runs of the rounds

The last stdout line is one JSON object with the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "queue"))

from stationq import TEST_KDF, KdfParams, Queue, ids  # noqa: E402
from stationq.sealing import MLKEM768_X25519, X25519, generate_centre_keys  # noqa: E402

SECTION = "## Encrypted queue (`bench/queue_bench.py`)"
RATIO_KEYS = ("aead_ratio", "sealed_ratio", "hybrid_ratio", "batch100_ratio", "sqlcipher_ratio")
TARGETS = {"aead_ratio": 0.85, "sealed_ratio": 0.4, "pending500_ms_1m": 5.0,
           "pending_ratio_1m_10k": 3.0}


def payload(i: int) -> dict:
    """A realistic case of about 2 KB of UTF-8 JSON."""
    doc = {
        "resident": {"name": "欧阳建国", "id": "310101194805123456", "phone": "13812345678",
                     "address": "上海市徐汇区幸福路88弄7号1203室"},
        "agent": {"name": "欧阳晓燕", "id": "310101197510203421", "relation": "女儿"},
        "matter": "A01", "line": "养老服务", "seq_hint": i,
        "answers": {f"q{k}": f"回答内容{k}：已核对原件，复印件一份" for k in range(12)},
        "materials": [{"code": f"M{k:02d}", "ok": k % 3 != 0} for k in range(8)],
        "delivery": "collect", "rating": 5,
    }
    raw = json.dumps(doc, ensure_ascii=False).encode()
    doc["notes"] = "x" * max(0, 2048 - len(raw) - 12)
    return doc


class Baseline:
    """Plain sqlite3, WAL + synchronous=FULL, one record per transaction."""

    def __init__(self, path: Path, module=sqlite3, key: str | None = None) -> None:
        self.db = module.connect(str(path), isolation_level=None)
        if key:
            self.db.execute(f"PRAGMA key = '{key}'")
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=FULL")
        self.db.execute("CREATE TABLE IF NOT EXISTS records (id INTEGER PRIMARY KEY, body TEXT)")

    def append(self, doc: dict) -> None:
        body = json.dumps(doc, ensure_ascii=False)
        self.db.execute("BEGIN")
        self.db.execute("INSERT INTO records (body) VALUES (?)", (body,))
        self.db.execute("COMMIT")


def make_queue(path: Path, centre_key=None) -> Queue:
    return Queue.create(path, station_id="bench-01", slot="s01", passphrase="bench",
                        kdf=TEST_KDF, centre_key=centre_key)


def run_round(fn: Callable[[int], None], n: int, lat: list[float] | None = None
              ) -> tuple[float, float]:
    """(wall seconds, this process's CPU seconds) for n calls."""
    cpu, start = time.process_time(), time.perf_counter()
    for i in range(n):
        t0 = time.perf_counter()
        fn(i)
        if lat is not None:
            lat.append(time.perf_counter() - t0)
    return time.perf_counter() - start, time.process_time() - cpu


def append_ratios(tmp: Path, rounds: int, per_round: int) -> dict:
    docs = [payload(i) for i in range(64)]
    base = Baseline(tmp / "base.sqlite3")
    cipher = Baseline(tmp / "sqlcipher.sqlite3", module=_sqlcipher(), key="bench-key")
    _, x_key = generate_centre_keys(X25519)
    _, h_key = generate_centre_keys(MLKEM768_X25519)
    local = make_queue(tmp / "local.sqlite3")
    sealed = make_queue(tmp / "sealed.sqlite3", x_key)
    hybrid = make_queue(tmp / "hybrid.sqlite3", h_key)
    batch = make_queue(tmp / "batch.sqlite3", x_key)
    meta = {"matter": "A01", "site": "xinhua", "staff": "s01", "date": "2026-11-22"}
    base_rates: list[float] = []

    def batch_fn(i: int) -> None:
        batch.append_many([("case", docs[(i * 100 + k) % 64], meta) for k in range(100)])

    variants: dict[str, Callable[[int], None]] = {
        "base": lambda i: base.append(docs[i % 64]),
        "local": lambda i: local.append("case", docs[i % 64], meta),
        "sealed": lambda i: sealed.append("case", docs[i % 64], meta),
        "hybrid": lambda i: hybrid.append("case", docs[i % 64], meta),
        "sqlcipher": lambda i: cipher.append(docs[i % 64]),
    }
    # Each round times every variant once, in a shuffled order; a round's ratio compares
    # variants that ran seconds apart, and the median over rounds discards the rounds a
    # neighbour's burst of disk or CPU work landed on.
    order = random.Random(7)
    ratios: dict[str, list[float]] = {k: [] for k in [*variants, "batch100"] if k != "base"}
    latencies: list[float] = []
    cpu_us: dict[str, list[float]] = {k: [] for k in [*variants, "batch100"]}
    wall_us: dict[str, list[float]] = {k: [] for k in [*variants, "batch100"]}
    batches = max(1, per_round // 100)
    for _ in range(rounds):
        names = [*variants, "batch100"]
        order.shuffle(names)
        per_op = {}
        for name in names:
            if name == "batch100":
                wall, cpu = run_round(batch_fn, batches)
                count = batches * 100
            else:
                lat = latencies if name == "sealed" else None
                wall, cpu = run_round(variants[name], per_round, lat)
                count = per_round
            per_op[name] = wall / count
            wall_us[name].append(wall / count * 1e6)
            cpu_us[name].append(cpu / count * 1e6)
        for name in ratios:
            ratios[name].append(per_op["base"] / per_op[name])
        base_rates.append(1 / per_op["base"])
    for q in (local, sealed, hybrid, batch):
        report = q.verify()
        assert report.ok, str(report)
        q.close()
    latencies.sort()

    def med(name: str) -> float:
        return round(statistics.median(ratios[name]), 3)

    def iqr(name: str) -> str:
        q1, _, q3 = statistics.quantiles(ratios[name], n=4)
        return f"{q1:.2f}–{q3:.2f}"

    return {
        "base_appends_per_s": round(statistics.median(base_rates)),
        "rounds": rounds,
        "aead_ratio": med("local"),
        "sealed_ratio": med("sealed"),
        "hybrid_ratio": med("hybrid"),
        "batch100_ratio": med("batch100"),
        "sqlcipher_ratio": med("sqlcipher"),
        "iqr": {k: iqr(v) for k, v in (("aead_ratio", "local"), ("sealed_ratio", "sealed"),
                                        ("hybrid_ratio", "hybrid"),
                                        ("batch100_ratio", "batch100"),
                                        ("sqlcipher_ratio", "sqlcipher"))},
        "append_p50_ms": round(latencies[len(latencies) // 2] * 1000, 3),
        "append_p99_ms": round(latencies[int(len(latencies) * 0.99)] * 1000, 3),
        "wall_us": {k: round(statistics.median(v), 1) for k, v in wall_us.items()},
        "cpu_us": {k: round(statistics.median(v), 1) for k, v in cpu_us.items()},
    }


def tight_loop_cpu_us(n: int = 1000) -> dict[str, float] | None:
    """CPU per append with no real fsync (files on /dev/shm, a RAM disk), so the caches
    stay warm from one append to the next; None where there is no /dev/shm."""
    shm = Path("/dev/shm")
    if not shm.is_dir():
        return None
    tmp = Path(tempfile.mkdtemp(prefix="queue-bench-", dir=shm))
    try:
        docs = [payload(i) for i in range(64)]
        meta = {"matter": "A01", "site": "xinhua", "staff": "s01", "date": "2026-11-22"}
        base = Baseline(tmp / "base.sqlite3")
        local = make_queue(tmp / "local.sqlite3")
        fns = {"base": lambda i: base.append(docs[i % 64]),
               "local": lambda i: local.append("case", docs[i % 64], meta)}
        samples: dict[str, list[float]] = {k: [] for k in fns}
        for _ in range(n // 100):
            for name, fn in fns.items():
                samples[name].append(run_round(fn, 100)[1] / 100 * 1e6)
        local.close()
        base.db.close()
        return {k: round(statistics.median(v), 1) for k, v in samples.items()}
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def wal_pages_per_commit(tmp: Path, n: int = 300) -> dict[str, float]:
    """Pages each one-record commit adds to the WAL (each a whole page plus a 24-byte
    header): counted from the WAL with automatic checkpoints off, so exact, not timed."""
    docs = [payload(i) for i in range(64)]
    _, x_key = generate_centre_keys(X25519)
    meta = {"matter": "A01", "site": "xinhua", "staff": "s01", "date": "2026-11-22"}
    base = Baseline(tmp / "pages-base.sqlite3")
    local = make_queue(tmp / "pages-local.sqlite3")
    sealed = make_queue(tmp / "pages-sealed.sqlite3", x_key)
    # Automatic checkpoints are per connection, so they are turned off on the queue's own
    # connection: the one private reach of the benchmarks, to count WAL pages exactly.
    cases = (("base", base.db, lambda d: base.append(d)),
             ("local", local._db, lambda d: local.append("case", d, meta)),  # noqa: SLF001
             ("sealed", sealed._db, lambda d: sealed.append("case", d, meta)))  # noqa: SLF001
    out = {}
    for name, db, fn in cases:
        db.execute("PRAGMA wal_autocheckpoint = 0")
        for i in range(20):
            fn(docs[i % 64])
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        for i in range(n):
            fn(docs[i % 64])
        out[name] = round(db.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()[1] / n, 2)
        db.execute("PRAGMA wal_autocheckpoint = 1000")
    local.close()
    sealed.close()
    base.db.close()
    return out


def _sqlcipher():
    from sqlcipher3 import dbapi2

    return dbapi2


def fill(path: Path, n: int, pending: int = 2000) -> None:
    """n synthetic record versions straight into the schema (see module docstring)."""
    _, key = generate_centre_keys(X25519)
    q = make_queue(path, key)
    q.append("case", payload(0), {"matter": "A01"})
    q.close()
    db = sqlite3.connect(path, isolation_level=None)
    blob, digest, suite, meta = db.execute(
        "SELECT sealed, sealed_sha, suite, meta FROM records WHERE seq = 1").fetchone()
    db.execute("PRAGMA synchronous=OFF")  # bulk fill only; the timed queries only read
    db.execute("DELETE FROM records")
    start_ms = int(time.time() * 1000) - n * 10
    # 20 old versions the centre refused (sent, back to pending, waiting for a person).
    refused = set(range(1, n - pending, (n - pending) // 20))
    dummy = bytes(32)

    def rows(lo: int, hi: int):
        for seq in range(lo, hi):
            ms = start_ms + seq * 10
            rid = ids.record_id(seq, ms)
            live = seq > n - pending or seq in refused
            yield (seq, rid, 1, "case", ms / 1000, ms / 1000, 0 if live else 3,
                   1 if seq in refused else 0, meta, suite, digest, seq + 1, dummy,
                   blob if live else None)

    chunk = 50_000
    for lo in range(1, n + 1, chunk):
        db.execute("BEGIN")
        db.executemany(
            "INSERT INTO records (seq, record_id, version, kind, created_at, updated_at, state, "
            "attempts, meta, suite, sealed_sha, audit_n, audit_hash, sealed) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows(lo, min(n + 1, lo + chunk)))
        db.execute("COMMIT")
    # What the queue keeps once everything before the newest `pending` was acknowledged.
    db.execute("UPDATE meta SET v = ? WHERE k = 'unsent_from'", (n - pending + 1,))
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()


def time_pending(path: Path) -> float:
    with closing(sqlite3.connect(path)) as db:  # the plan of the queue's own statement
        plan = " ".join(r[3] for r in db.execute("EXPLAIN QUERY PLAN " + Queue.PENDING_SQL,
                                                 (0, 500)))
    q = Queue.open(path)
    assert "USING INDEX records_tried" in plan and "TEMP B-TREE" not in plan, plan
    assert "SCAN records" not in plan, plan
    for _ in range(5):  # warm the cache
        batch = q.pending(500)
        assert len(batch) == 500 and batch[0].seq == 1, "the refused versions come first"
    samples = []
    for _ in range(50):
        t0 = time.perf_counter()
        q.pending(500)
        samples.append(time.perf_counter() - t0)
    q.close()
    return statistics.median(samples) * 1000


def pending_figures(tmp: Path, sizes: list[int]) -> dict:
    out = {}
    for n in sizes:
        path = tmp / f"fill-{n}.sqlite3"
        t0 = time.perf_counter()
        fill(path, n)
        fill_s = time.perf_counter() - t0
        out[n] = (time_pending(path), fill_s)
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
    return out


def unlock_ms(tmp: Path, tries: int) -> float:
    """Unlock with the production Argon2id defaults (64 MiB, 3 passes, 1 lane)."""
    path = tmp / "unlock.sqlite3"
    Queue.create(path, station_id="bench-01", slot="s01", passphrase="bench",
                 kdf=KdfParams()).close()
    q = Queue.open(path)
    samples = []
    for _ in range(tries):
        t0 = time.perf_counter()
        q.unlock("s01", "bench")
        samples.append(time.perf_counter() - t0)
        q.lock()
    q.close()
    return statistics.median(samples) * 1000


def write_results(figures: dict, sizes: list[int], pend: dict, command: str) -> None:
    path = ROOT / "bench" / "RESULTS.md"
    text = path.read_text() if path.exists() else "# Benchmark results\n"
    verdict = {
        "aead_ratio": figures["aead_ratio"] >= TARGETS["aead_ratio"],
        "sealed_ratio": figures["sealed_ratio"] >= TARGETS["sealed_ratio"],
        "pending500_ms_1m": figures["pending500_ms_1m"] <= TARGETS["pending500_ms_1m"],
        "pending_ratio_1m_10k":
            figures["pending_ratio_1m_10k"] <= TARGETS["pending_ratio_1m_10k"],
    }

    def mark(key: str) -> str:
        return "met" if verdict[key] else "**not met**"

    runs = figures.get("runs", [])

    def ratio(key: str) -> str:
        if len(runs) > 1:
            return (f"{figures[key]}× (median of {len(runs)} runs; last run's rounds' IQR "
                    f"{figures['iqr'][key]})")
        return f"{figures[key]}× (rounds' IQR {figures['iqr'][key]})"

    lines = [
        SECTION, "",
        f"Command: `{command}` — {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, "
        f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, "
        f"{os.cpu_count()} CPUs shared with other engineers' builds and tests at the time "
        "(ratios come from interleaved rounds so shared load hits every variant alike; "
        "absolute times are noisy).",
        "",
        "Appends of 2 KB JSON payloads; ratio = plain sqlite3 time per record / variant time "
        f"per record, median over {figures['rounds']} rounds of 100 records per variant "
        "(variants shuffled within each round; plain sqlite3 WAL + FULL: "
        f"{figures['base_appends_per_s']} records/s median"
        + (" in the last run" if len(runs) > 1 else "") + "):",
        "",
        "| figure | value | target |",
        "|---|---|---|",
        f"| local-only AES-256-GCM append (`aead_ratio`) | {ratio('aead_ratio')} | "
        f"≥ 0.85× — {mark('aead_ratio')} |",
        f"| local + sealed X25519 append (`sealed_ratio`) | {ratio('sealed_ratio')} | "
        f"≥ 0.4× — {mark('sealed_ratio')} |",
        f"| local + sealed ML-KEM-768+X25519 (`hybrid_ratio`) | {ratio('hybrid_ratio')} | "
        "reported |",
        f"| 100 sealed appends per transaction (`batch100_ratio`) | "
        f"{ratio('batch100_ratio')} | reported |",
        f"| SQLCipher whole-database encryption (`sqlcipher_ratio`) | "
        f"{ratio('sqlcipher_ratio')} | peer figure |",
        f"| append latency p50 / p99 (sealed) | {figures['append_p50_ms']} / "
        f"{figures['append_p99_ms']} ms | reported |",
        f"| unlock, Argon2id 64 MiB / 3 passes / 1 lane | {figures['unlock_ms']} ms | "
        "reported |",
    ]
    for n in sizes:
        lines.append(f"| `pending(500)` at {n:,} versions (fill {pend[n][1]:.1f} s) | "
                     f"{pend[n][0]:.3f} ms | " + ("≤ 5 ms — " + mark("pending500_ms_1m")
                                                  if n == sizes[-1] else "") + " |")
    lines.append(f"| `pending(500)` {sizes[-1]:,} / {sizes[0]:,} | "
                 f"{figures['pending_ratio_1m_10k']} | ≤ 3 — {mark('pending_ratio_1m_10k')} |")
    lines += ["", "The `EXPLAIN QUERY PLAN` check of `pending()` (index search and seq range, no "
              "temp B-tree) is a test: `tests/queue/test_query_plan.py`.", ""]
    if len(runs) > 1:
        lines += [f"The {len(runs)} full runs of the append rounds, made one after another: "
                  + "; ".join(f"`{key}` " + ", ".join(f"{run[key]}" for run in runs)
                              for key in RATIO_KEYS)
                  + " (plain sqlite3: " + ", ".join(
                      f"{run['base_appends_per_s']}" for run in runs) + " records/s).", ""]
    wall, cpu, pages = figures["wall_us"], figures["cpu_us"], figures["wal_pages"]
    tight = figures.get("tight_cpu_us")
    lines += [
        "Where an append's time goes (the last run; medians per record of wall time and of "
        "this process's CPU time, user + kernel, and WAL pages per commit counted "
        "exactly): "
        f"plain sqlite3 {wall['base']} µs wall, {cpu['base']} µs CPU, {pages['base']} pages "
        "of 4 KB (the new leaf, its parent, page 1 whose header counts the pages); "
        f"local-only queue {wall['local']} µs, {cpu['local']} µs CPU, {pages['local']} "
        "pages of 2 KB (records leaf, the overflow page holding most of the ciphertext, "
        "page 1, now and then an interior page; no index leaf since schema v4); local + sealed "
        f"{wall['sealed']} µs, {cpu['sealed']} µs CPU, {pages['sealed']} pages. Both "
        "commit once, with one WAL fsync, before the call returns; the rest of the wall "
        "time is that fsync. The queue's extra is CPU: JSON, UUIDv7, AES-256-GCM, the "
        "audit hash, the insert of a bigger row, the result object; "
        "sealing adds zlib, the envelope and one HPKE encapsulation (ephemeral X25519 key "
        "+ DH + HKDF, ≈ 75 µs in a tight loop). "
        + (f"In a tight loop on /dev/shm (no real fsync, so the caches stay warm) the same "
           f"appends take {tight['base']} µs (plain) and {tight['local']} µs (local-only) "
           f"of CPU, an extra of {tight['local'] - tight['base']:.1f} µs against "
           f"{cpu['local'] - cpu['base']:.1f} µs above: on the disk the extra includes the "
           f"kernel's work for {pages['local'] - pages['base']:.2f} more WAL pages per "
           "commit, and each append starts with caches emptied during the fsync wait. "
           if tight else "")
        + "So the ratios depend on the fsync time: every variant spends more CPU per record "
        "than plain sqlite3, so a faster (or quieter) disk lowers every ratio, and runs "
        "with more plain-sqlite3 records/s tend to give lower ratios.",
        ""]
    block = "\n".join(lines)
    if SECTION in text:
        head, rest = text.split(SECTION, 1)
        nxt = rest.find("\n## ")
        tail = rest[nxt + 1:] if nxt >= 0 else ""
        text = head + block + ("\n" + tail if tail else "")
    else:
        text = text.rstrip("\n") + "\n\n" + block
    path.write_text(text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes, under 60 s")
    parser.add_argument("--dir", help="where to put the scratch databases (default: a temp dir)")
    parser.add_argument("--runs", type=int, default=1,
                        help="repeat the append rounds this many times (the last run's "
                        "figures are reported; RESULTS.md lists every run's ratios)")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="queue-bench-", dir=args.dir))
    try:
        if args.quick:
            rounds, per_round, sizes, tries = 15, 100, [10_000, 100_000, 1_000_000], 2
        else:
            rounds, per_round, sizes, tries = 201, 100, [10_000, 100_000, 1_000_000], 5
        runs = []
        for run in range(args.runs):
            (tmp / f"run{run}").mkdir()
            figures = append_ratios(tmp / f"run{run}", rounds, per_round)
            runs.append(figures)
            if args.runs > 1:
                print(f"run {run + 1}: " + json.dumps({k: figures[k] for k in (
                    "base_appends_per_s", "aead_ratio", "sealed_ratio")}), flush=True)
        figures = dict(runs[-1], runs=runs)
        for key in RATIO_KEYS:  # with several runs: the median over the runs
            figures[key] = round(statistics.median(run[key] for run in runs), 3)
        figures["wal_pages"] = wal_pages_per_commit(tmp)
        figures["tight_cpu_us"] = tight_loop_cpu_us()
        pend = pending_figures(tmp, sizes)
        figures["pending500_ms_1m"] = round(pend[sizes[-1]][0], 3)
        figures["pending_ratio_1m_10k"] = round(pend[sizes[-1]][0] / pend[sizes[0]][0], 2)
        figures["unlock_ms"] = round(unlock_ms(tmp, tries), 1)
        for n in sizes:
            print(f"pending(500) at {n}: {pend[n][0]:.3f} ms (fill {pend[n][1]:.1f} s)",
                  flush=True)
        if not args.quick:
            command = "python bench/queue_bench.py" + (f" --runs {args.runs}"
                                                       if args.runs > 1 else "")
            write_results(figures, sizes, pend, command)
        keys = ["aead_ratio", "sealed_ratio", "hybrid_ratio", "batch100_ratio",
                "sqlcipher_ratio", "pending500_ms_1m", "pending_ratio_1m_10k",
                "append_p50_ms", "append_p99_ms", "unlock_ms"]
        print(json.dumps({k: figures[k] for k in keys}))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
