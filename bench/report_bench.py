"""Report benchmark: a district of 50 stations × 30 days (about 20,000 cases).

The district is built through the real station queue (`stationq`, sealed records)
and the real sync client into a real `center serve` (SQLite; PostgreSQL beside it
in a full run), once: the built SQLite centre is kept in a temp folder keyed by a
hash of what shapes the stored data (store schema, sync and queue code, catalogue,
the generator, the sizes), so a change to report code alone reuses it. Then it measures:

- `web_overview_p95_s`: the supervisors' overview page (the district summary) over
  HTTP, signed in, p95 of repeated loads;
- `center_table_s`: `center report --from --to` (table) built and rendered in-process;
- `pdf_summary_s` / `pdf_summary_pages`: the summary PDF, built and rendered.

Prints a JSON object as its very last line.

    .venv/bin/python bench/report_bench.py [--quick]
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import io
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "queue"), str(ROOT), str(ROOT / "tests" / "sync")]

import httpx  # noqa: E402
from syncrig import (  # noqa: E402
    PASSPHRASE,
    STAFF_PASS,
    Centre,
    Postgres,
    make_centre_home,
    pg_available,
)

STATIONS = 50
DAYS = 30
PER_DAY = 13  # ≈ 19,500 cases, the size of the district month in issue 18
SUPERVISOR = ("主管甲", "correct horse battery")
TARGETS = {"web_overview_p95_s": 1.0, "center_table_s": 2.0, "pdf_summary_s": 5.0,
           "pdf_summary_pages": 6}


# Code that only reads or shows the stored district: changing it must not rebuild the
# district (a rebuild takes about a minute; `--quick` must stay under 60 s after a change).
READ_ONLY = ("center/reports/", "station/reports/", "station/tui/")


def code_key() -> str:
    """Hash of what shapes the stored district: the store schema, sync and queue code,
    the catalogue, the generator (`build`) and the sizes; not the report code."""
    import inspect

    h = hashlib.sha256(f"{STATIONS}/{DAYS}/{PER_DAY}".encode())
    for folder, pattern in (("center", "*.py"), ("station", "*.py"),
                            ("queue/stationq", "*.py"), ("station", "*.toml")):
        for path in sorted((ROOT / folder).rglob(pattern)):
            rel = path.relative_to(ROOT).as_posix()
            if rel.startswith(READ_ONLY) or rel.startswith("shared/messages/"):
                continue
            h.update(rel.encode())
            h.update(path.read_bytes())
    h.update(inspect.getsource(build).encode())
    return h.hexdigest()[:16]


@contextlib.contextmanager
def station_home(home: Path):
    old = os.environ.get("STATION_HOME")
    os.environ["STATION_HOME"] = str(home)
    try:
        yield
    finally:
        if old is None:
            os.environ.pop("STATION_HOME", None)
        else:
            os.environ["STATION_HOME"] = old


def build(centre: Centre, root: Path, first: date) -> int:
    """50 stations, each with 30 days of cases, enrolled and synced; returns cases."""
    from stationq import TEST_KDF, Queue
    from syncrig import client_for

    from center.app import code_hash
    from shared.protocol import now_ms
    from station import config, paths
    from station.catalogue.loader import load_catalogue
    from station.sync.enrol import DEFAULT_SUITE, enrol, seal_existing

    cat = load_catalogue()
    prefix = {ln.name: ln.prefix for ln in cat.lines}
    matters = [(m.code, prefix[m.line]) for m in cat.matters]
    rng = random.Random(18)
    store = centre.store()  # migrated
    codes = {}
    for s in range(STATIONS):
        codes[s] = os.urandom(8).hex()
        store.add_enrolment(code_hash(codes[s]), f"浦东-{s + 1:02d}", now_ms() + 3_600_000)
    store.close()
    total = 0
    for s in range(STATIONS):
        name = f"浦东-{s + 1:02d}"
        with station_home(root / f"station-{s:02d}"):
            cfg = config.StationConfig(station_id=config.new_station_id(), name=name,
                                       sites=["康健街道"],
                                       staff=[config.StaffEntry("s01", "张")])
            config.save(cfg)
            queue = Queue.create(paths.queue_file(), station_id=cfg.station_id, slot="s01",
                                 passphrase=STAFF_PASS, kdf=TEST_KDF)
            done = enrol(centre.url, codes[s], suite=DEFAULT_SUITE)
            seal_existing(queue, done.pinned)
            items = []
            for d in range(DAYS):
                day = first + timedelta(days=d)
                for i in range(PER_DAY):
                    code, line = rng.choice(matters)
                    meta = {"case_no": f"{cfg.station_id}-{day:%y%m%d}-{i:03d}",
                            "matter": code, "line": line, "site": "康健街道", "staff": "s01",
                            "date": day.isoformat(),
                            "status": rng.choice(["accepted"] * 8 + ["materials_pending",
                                                                     "withdrawn"]),
                            "rating": rng.choice(["", "", "4", "5"])}
                    items.append(("case", {"matter": code, "answers": {"x": "y" * 50}}, meta))
            queue.append_many(items)
            total += len(items)
            client = client_for(queue)
            client.run_once()
            assert client.pending_count() == 0, name
            client.close()
            queue.close()
    return total


def measure(centre: Centre, first: date, last: date, repeats: int) -> dict[str, float]:
    from center.db import open_store
    from center.reports.report import build_centre_report
    from shared.reports.formats import render_table
    from station.reports.pdf import render_pdf

    out = centre.cli("report", "supervisor", "add", SUPERVISOR[0], "--password-stdin",
                     input=SUPERVISOR[1] + "\n")
    if out.returncode not in (0, 1):  # 1: the account is there from a cached build
        raise RuntimeError(out.stderr)
    period = {"from": first.isoformat(), "to": last.isoformat()}
    times = []
    with httpx.Client(base_url=centre.url, timeout=120) as web:
        form = web.get("/reports/login").text  # the login form's CSRF token and cookie
        token = re.search(r'name="csrf" value="([^"]+)"', form).group(1)
        r = web.post("/reports/login", data={"user": SUPERVISOR[0], "csrf": token,
                                            "password": SUPERVISOR[1], "next": "/reports"})
        assert r.status_code == 303, r.text
        web.get("/reports", params=period)  # warm: catalogue, account key
        for _ in range(repeats):
            t0 = time.perf_counter()
            r = web.get("/reports", params=period)
            times.append(time.perf_counter() - t0)
            assert r.status_code == 200 and 'data-table="stations"' in r.text
    times.sort()
    p95 = times[min(len(times) - 1, int(0.95 * len(times)))]
    store = open_store(centre.db_url, centre.home)
    try:
        t0 = time.perf_counter()
        rep = build_centre_report(store, date_from=first, date_to=last)
        text = render_table(rep.document())
        table_s = time.perf_counter() - t0
        assert rep.total.cases > 0 and text
        t0 = time.perf_counter()
        rep = build_centre_report(store, date_from=first, date_to=last)
        pdf = render_pdf(rep.document())
        pdf_s = time.perf_counter() - t0
    finally:
        store.close()
    with tempfile.NamedTemporaryFile(suffix=".pdf") as f:
        f.write(pdf)
        f.flush()
        info = subprocess.run(["pdfinfo", f.name], capture_output=True, text=True,
                              check=True).stdout
    pages = int(next(x for x in info.splitlines() if x.startswith("Pages:")).split()[1])
    return {"web_overview_p95_s": round(p95, 3), "web_overview_median_s":
            round(statistics.median(times), 3), "center_table_s": round(table_s, 3),
            "pdf_summary_s": round(pdf_s, 3), "pdf_summary_pages": pages,
            "cases": rep.total.cases, "overview_bytes": len(r.content)}


def run_backend(backend: str, cache: Path, repeats: int, pg: Postgres | None) -> dict:
    last = date.today() - timedelta(days=1)
    first = last - timedelta(days=DAYS - 1)
    os.environ["CENTER_PASSPHRASE"] = PASSPHRASE
    if backend == "sqlite":
        home = cache / f"sqlite-{code_key()}"
        built = home / "built.json"
        fresh = not built.exists() or json.loads(built.read_text())["last"] != last.isoformat()
        if fresh:
            shutil.rmtree(home, ignore_errors=True)
            for old in cache.glob("sqlite-*"):  # older code's districts
                shutil.rmtree(old, ignore_errors=True)
            home.mkdir(parents=True)
            make_centre_home(home / "centre")
        centre = Centre(home / "centre", None)
        root = home
    else:
        assert pg is not None
        root = Path(tempfile.mkdtemp(prefix="report-bench-pg-"))
        centre = Centre(make_centre_home(root / "centre"), pg.new_database())
        fresh = True
    centre.start()
    try:
        t0 = time.perf_counter()
        built_cases = None
        if fresh:
            built_cases = build(centre, root, first)
            if backend == "sqlite":
                (root / "built.json").write_text(json.dumps({"last": last.isoformat(),
                                                             "cases": built_cases}))
        build_s = time.perf_counter() - t0
        figures = measure(centre, first, last, repeats)
        figures.update({"built_now": fresh, "build_s": round(build_s, 1)})
        return figures
    finally:
        centre.stop()
        if backend != "sqlite":
            shutil.rmtree(root, ignore_errors=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true",
                    help="SQLite only, 10 page loads (the district is built once and cached)")
    args = ap.parse_args()
    started = time.perf_counter()
    cache = Path(tempfile.gettempdir()) / "station-report-bench"
    cache.mkdir(exist_ok=True)
    repeats = 10 if args.quick else 30
    sys.stdout.flush()
    with contextlib.redirect_stdout(io.StringIO()):
        sqlite = run_backend("sqlite", cache, repeats, None)
    result = {"stations": STATIONS, "days": DAYS, **{k: sqlite[k] for k in TARGETS},
              "sqlite": sqlite, "load_1m": round(os.getloadavg()[0], 2)}
    if not args.quick and pg_available():
        pg = Postgres()
        try:
            result["postgresql"] = run_backend("postgresql", cache, repeats, pg)
        finally:
            pg.stop()
    result["targets_met"] = all(sqlite[k] <= v for k, v in TARGETS.items())
    result["elapsed_s"] = round(time.perf_counter() - started, 1)
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
