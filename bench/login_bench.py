"""Supervisor login: a wrong password for a known account and for an unknown name must
cost the same (issue 16: the answer must not tell which accounts exist).

Prints the median and p90 of `center.reports.accounts.login` for both, interleaved, on
the centre's SQLite store: python bench/login_bench.py [ROUNDS]
"""

from __future__ import annotations

import contextlib
import statistics
import sys
import tempfile
import time
from pathlib import Path

from center.db import SqliteStore
from center.reports import accounts


def main(rounds: int = 40) -> None:
    store = SqliteStore(Path(tempfile.mkdtemp()) / "centre.sqlite3")
    store.migrate()
    accounts.add(store, "主管甲", "correct horse battery")
    took: dict[str, list[float]] = {"known": [], "unknown": []}
    for i in range(rounds):
        for kind, name in (("known", "主管甲"), ("unknown", "无此人")):
            start = time.perf_counter()
            with contextlib.suppress(accounts.Refused):
                accounts.login(store, name, "wrong password", f"10.0.{i % 250}.1")
            took[kind].append(time.perf_counter() - start)
            with store.tx() as cur:  # measure the check, not the lockout
                cur.execute("DELETE FROM report_login_throttle")
    for kind, values in took.items():
        values.sort()
        print(f"{kind:8} wrong password: median {statistics.median(values) * 1000:6.1f} ms,"
              f" p90 {values[int(len(values) * 0.9)] * 1000:6.1f} ms")
    store.close()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 40)
