"""The desk over a whole day: does recording slow down as the day fills, and how long
does a fresh user wait for the first receipt?

    .venv/bin/python bench/desk_bench.py [--quick] [--cases N]

* record_ratio_2000_1: one station, one day, N cases (2,000) recorded through the real
  service façade (``Service.record_case``: validation, numbering, AES-GCM + HPKE, the
  SQLite queue with synchronous=FULL). The median time of cases 1–5 against the median
  of cases N-2 … N+2. Printing is switched off for every case (``Service._print``
  replaced): the paper costs the same for every case (``first_receipt_s`` and
  bench/font_bench.py measure it), would hide the recording's own growth under ~100 ms of
  rendering, and would make filling the day take minutes. Must be ≤ 1.2 (issue 17:
  numbering recounted the day).
* duplicate_check_cold_s / duplicate_check_ms: ``Service.duplicate_warnings`` at case N,
  which the TUI calls before each record — the first call of a session reads the day's
  cases (audited, decrypted), later calls use the index kept in memory.
* first_receipt_s: a fresh HOME and station folder after install (the shared font cut
  present, nothing in ~/.cache), `station init` run first; then the wall time of the
  real `station case add … --json` in a subprocess, from spawn until it exits with the
  receipt PDF written (the PDF-folder printer). Must be ≤ 3 s. Its CPU time is printed
  beside it (the machine is shared; wall time moves with the load).

The last stdout line is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "queue")]

PASSPHRASE = "correct horse battery"
ELDER_ID = "310101193803120013"  # the simulated reader's 张演示
ELDER_NAME = "张演示"
AROUND = 2  # cases either side of each measured point


def _draft(service):
    from station.cases.model import CaseDraft

    resident = service.resident(ELDER_ID, ELDER_NAME)
    guide = service.matter_guide("MZ01", resident)
    return CaseDraft(resident=resident, matter="MZ01",
                     answers={"phone": "13812345678", "payout": "社保卡（敬老卡）"},
                     materials=frozenset(m.code for m in guide.materials if m.required),
                     delivery="centre")


def record_ratio(cases: int) -> dict[str, float]:
    """Median seconds to record cases 1..5 and cases-2..cases+2, in one day, one run."""
    from station.hw.fakes import FakePrinter
    from station.hw.simulated import SimulatedCardReader
    from station.service import Service

    fixed = datetime.now().astimezone().replace(hour=9, minute=0, second=0, microsecond=0)
    service = Service(reader=SimulatedCardReader(), printer=FakePrinter(),
                      clock=lambda: fixed, sleep=lambda _s: None)
    member = service.initialise(name="压测办事厅", sites=["新成村"], staff_name="王芳",
                                passphrase=PASSPHRASE)
    service.start_outing("新成村", [member.id])
    draft = _draft(service)
    service.cases.print_case = lambda case, **_kw: None  # no paper (see the docstring)

    def timed(n: int) -> float:
        start = time.perf_counter()
        outcome = service.record_case(draft)
        took = time.perf_counter() - start
        assert outcome.case.case_no.endswith(f"-{n:03d}"), outcome.case.case_no
        return took

    first = [timed(n) for n in range(1, 2 * AROUND + 2)]
    n = len(first)
    fill_start = time.perf_counter()
    while n < cases - AROUND - 1:
        n += 1
        service.record_case(draft)
    fill_s = time.perf_counter() - fill_start
    last = []
    for _ in range(2 * AROUND + 1):
        n += 1
        last.append(timed(n))
    # The TUI asks for duplicate warnings before each record: the first ask of a day (or
    # after unlocking) reads the day's cases; later ones use the index kept in memory.
    start = time.perf_counter()
    service.duplicate_warnings(draft)
    cold = time.perf_counter() - start
    warm = []
    for _ in range(5):
        start = time.perf_counter()
        service.duplicate_warnings(draft)
        warm.append(time.perf_counter() - start)
    service.close()
    return {"first_ms": statistics.median(first) * 1000,
            "last_ms": statistics.median(last) * 1000,
            "ratio": statistics.median(last) / statistics.median(first),
            "fill_s": fill_s, "cases": n, "dup_cold_s": cold,
            "dup_warm_ms": statistics.median(warm) * 1000}


def first_receipt() -> dict[str, float]:
    """A fresh user's first receipt through the installed `station` command."""
    from station.documents.fonts import prepare_shared_cache

    prepare_shared_cache()  # what install.sh did; a no-op when it is there
    station = Path(sys.executable).with_name("station")
    with tempfile.TemporaryDirectory(prefix="desk-bench-") as tmp:
        home = Path(tmp) / "home"
        home.mkdir()
        env = {k: v for k, v in os.environ.items() if not k.startswith("XDG_")}
        env.update(HOME=str(home), STATION_HOME=str(Path(tmp) / "station"),
                   STATION_PASSPHRASE=PASSPHRASE, STATION_LANG="zh_CN")
        subprocess.run([str(station), "init", "--name", "压测办事厅", "--site", "新成村",
                        "--staff", "王芳", "--printer", "pdf", "--reader", "simulated"],
                       env=env, check=True, capture_output=True, timeout=120)
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        done = subprocess.run(
            [str(station), "case", "add", "--matter", "MZ01", "--id-number", ELDER_ID,
             "--name", ELDER_NAME, "--field", "phone=13812345678",
             "--field", "payout=社保卡（敬老卡）", "--material", "id", "--material", "form",
             "--json"], env=env, capture_output=True, text=True, timeout=300)
        wall = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if done.returncode != 0:
            raise SystemExit(f"station case add failed: {done.stderr.strip()}")
        pdf = Path(json.loads(done.stdout.strip().splitlines()[-1])["pdf"])
        assert pdf.is_file() and pdf.read_bytes().startswith(b"%PDF"), pdf
        user_cut = list((home / ".cache").rglob("*.otf"))
        return {"wall_s": wall,
                "cpu_s": (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime),
                "user_font_cut": bool(user_cut), "notice": done.stderr.strip()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one first-receipt run")
    parser.add_argument("--cases", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=3, help="first-receipt runs (median)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="desk-bench-") as tmp:
        os.environ["STATION_HOME"] = tmp
        rec = record_ratio(args.cases)
    print(f"record: cases 1–{2 * AROUND + 1} median {rec['first_ms']:.1f} ms, "
          f"around case {args.cases} median {rec['last_ms']:.1f} ms "
          f"(ratio {rec['ratio']:.2f}); filling {rec['cases']} cases took {rec['fill_s']:.1f} s")
    print(f"duplicate check at case {rec['cases']}: first of the session "
          f"{rec['dup_cold_s']:.2f} s, then {rec['dup_warm_ms']:.2f} ms")
    runs = [first_receipt() for _ in range(1 if args.quick else args.runs)]
    wall = statistics.median(r["wall_s"] for r in runs)
    cpu = statistics.median(r["cpu_s"] for r in runs)
    print(f"first receipt, fresh HOME: wall {wall:.2f} s, CPU {cpu:.2f} s "
          f"(runs: {', '.join(format(r['wall_s'], '.2f') for r in runs)}); "
          f"font cut for the user: {any(r['user_font_cut'] for r in runs)}")
    print(json.dumps({"record_ratio_2000_1": round(rec["ratio"], 3),
                      "record_first_ms": round(rec["first_ms"], 1),
                      "record_2000_ms": round(rec["last_ms"], 1),
                      "record_cases": rec["cases"],
                      "duplicate_check_cold_s": round(rec["dup_cold_s"], 2),
                      "duplicate_check_ms": round(rec["dup_warm_ms"], 2),
                      "first_receipt_s": round(wall, 2), "first_receipt_cpu_s": round(cpu, 2),
                      "first_receipt_user_font_cut": any(r["user_font_cut"] for r in runs)}))


if __name__ == "__main__":
    main()
