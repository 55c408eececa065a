"""Receipt CPU time with an ordinary name and with rare names (生僻字), first in a fresh
process and repeated.

    python bench/font_bench.py [--repeat N]

Each name runs in its own child process, as a station's day starts: the GB 2312 face
is already cut on disk (install.sh warms it), nothing is parsed yet. "first" is the CPU
time (time.process_time) of that process's first A4 receipt; "after ordinary" is the
first rare-name receipt in a process that already printed an ordinary one (the usual
case on the street); "repeat" the median of the next N receipts for the same name.
The table it prints goes into bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests" / "documents")]

NAMES = (("张演示", "GB 2312 only"), ("吴䶮", "Ext A (Noto cut)"),
         ("𠀀䶮", "Ext B + A (HanaMinB + Noto cuts)"), ("㐀丽", "Ext A (Noto cut)"),
         ("𪚥", "Ext B (HanaMinB cut)"), ("𰻞𰻞面", "Ext G (Noto cut)"),
         ("\U00031C2A", "Ext G, not in Noto (BabelStone Han cut)"))


def child(name: str, repeat: int, ordinary_first: bool) -> dict:
    from samples import receipt_data

    from station.documents import render_receipt
    from station.documents.fonts import font_book

    font_book().warm()  # the cached common face: what the app's start-up pays, not a receipt
    if ordinary_first:
        render_receipt(receipt_data())
    t0 = time.process_time()
    render_receipt(receipt_data(resident_name=name))
    first = time.process_time() - t0
    times = []
    for _ in range(repeat):
        t0 = time.process_time()
        render_receipt(receipt_data(resident_name=name))
        times.append(time.process_time() - t0)
    return {"first_ms": first * 1000,
            "repeat_ms": statistics.median(times) * 1000 if times else None}


def run_child(name: str, repeat: int, ordinary_first: bool) -> dict:
    out = subprocess.run([sys.executable, __file__, "--child", name, "--repeat", str(repeat),
                          *(["--ordinary-first"] if ordinary_first else [])],
                         capture_output=True, text=True, check=True, timeout=600)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--ordinary-first", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.repeat, args.ordinary_first)))
        return
    print("| name | characters | first in process, CPU ms | first after an ordinary "
          "receipt, CPU ms | repeat (median), CPU ms |")
    print("|---|---|---|---|---|")
    for name, what in NAMES:
        cold = run_child(name, args.repeat, False)
        after = run_child(name, 0, True)
        shown = " ".join(f"U+{ord(c):04X}" for c in name) if name[0] > "\uffff" else name
        print(f"| {shown} | {what} | {cold['first_ms']:.0f} | {after['first_ms']:.0f} | "
              f"{cold['repeat_ms']:.0f} |", flush=True)


if __name__ == "__main__":
    main()
