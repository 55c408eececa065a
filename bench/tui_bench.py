"""Terminal UI benchmark: start-up, typing latency, keystrokes and time to serve.

    .venv/bin/python bench/tui_bench.py [--quick]

* startup: a fresh process (interpreter + imports + the real service on an initialised
  station) until the unlock screen has drawn its first frame, headless;
* keypress: typing queries into the matter search; each key timed from its event entering
  the app until the search has run, the list is rebuilt and the screen has refreshed;
* keystrokes: card inserted → receipt printed for 敬老卡申领 (MZ01) with all materials
  present: every key event the app received in that window, counted by the app itself
  while the Pilot drives the flow (the contact phone is required only for a posted result
  or a home visit, so with the default delivery — collected at the centre — none is typed);
* keystrokes from a 身份证: the same, the card placed on the 二代证 reader (the emulated
  serial reader of tests/hw/idreader_emu.py on a pseudo-terminal, read by the station's
  serial adapter) instead of the 社保卡;
* serve: one resident end to end (card → matter → materials → details → record → receipt
  on the fake printer → rating → back at the desk) under the Pilot, real queue and crypto.

The last stdout line is one JSON object (startup_s, keypress_p99_ms, keystrokes_jlk,
keystrokes_jlk_idcard, serve_median_s, …). The full run also rewrites this benchmark's section of
bench/RESULTS.md, leaving other sections alone.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "queue")]

SECTION = "## tui_bench"
PASSPHRASE = "correcthorse42"
# Card in → receipt for 敬老卡申领: the matter (jlk Enter), all materials (A Enter), the
# form with its defaults (Enter: payout preselected, collected at the centre), record (Enter).
SERVE_KEYS = [["j", "l", "k", "enter"], ["a", "enter"], ["enter"], ["enter"]]
# What staff type into the matter search (then clear): initials, pinyin, codes, Chinese.
QUERIES = ["jlk", "sbk", "dibao", "MZ01", "shiye", "zf", "敬老", "ylbx", "cj", "RS03"]

CHILD = r"""
import time
t0 = time.perf_counter()
import asyncio, sys
from station.service import open_service
from station.tui.app import StationApp

async def main():
    app = StationApp(open_service(), watch_status=False)
    async with app.run_test(size=(80, 24)) as pilot:
        while type(app.screen).__name__ != "UnlockScreen":
            await pilot.pause(0.005)
        await pilot.pause()  # one refresh: the first frame is drawn
        print(f"READY {time.perf_counter() - t0:.4f}", flush=True)

asyncio.run(main())
"""


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def elder_id(i: int) -> str:
    """A distinct valid ID number (born 1938-03-12) per resident of a run: serving the same
    person twice in a day stops at the duplicate warning (issue 17), as it should."""
    from station.people import check_char

    first17 = f"31010119380312{2 * i + 1:03d}"  # odd: a man, as the 二代证 below says
    return first17 + check_char(first17)


def make_station(home: Path):
    """An initialised station (real queue) with the simulated reader and the fake printer;
    the reader holds 100 fictional elders, ``elder0`` … ``elder99``."""
    os.environ["STATION_HOME"] = str(home)
    from station.hw.fakes import FakePrinter
    from station.hw.simulated import SimulatedCardReader, SimulatedResident
    from station.service import Service

    elders = tuple(SimulatedResident(f"elder{i}", "张演示", elder_id(i)) for i in range(100))
    service = Service(reader=SimulatedCardReader(elders), printer=FakePrinter())
    member = service.initialise(name="基准测试办事厅", sites=["新成村"], staff_name="王小明",
                                passphrase=PASSPHRASE)
    service.start_outing("新成村", [member.id])
    service.lock()
    return service


def make_idcard_station(home: Path, port: str):
    """The same station, its reader the 二代证 reader on ``port`` (a pty)."""
    os.environ["STATION_HOME"] = str(home)
    from station.hw.fakes import FakePrinter
    from station.hw.idreader import SerialIdCardReader
    from station.service import Service

    service = Service(reader=SerialIdCardReader(port), printer=FakePrinter())
    member = service.initialise(name="基准测试办事厅", sites=["新成村"], staff_name="王小明",
                                passphrase=PASSPHRASE)
    service.start_outing("新成村", [member.id])
    service.lock()
    return service


def bench_startup(runs: int, home: Path) -> tuple[list[float], list[float]]:
    """Wall time from spawning the process to the first frame of the unlock screen, and
    the CPU time of each run (on a shared machine the wall time moves with the load)."""
    import resource

    env = {**os.environ, "STATION_HOME": str(home), "PCSCLITE_CSOCK_NAME": str(home / "none"),
           "CUPS_SERVER": str(home / "none.sock")}
    times, cpu = [], []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        out = subprocess.run([sys.executable, "-c", CHILD], env=env, capture_output=True,
                             text=True, timeout=60, cwd=ROOT)
        wall = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if "READY" not in out.stdout:
            raise SystemExit(f"start-up run failed:\n{out.stderr[-2000:]}")
        times.append(wall)
        cpu.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return times, cpu


async def _wait(pilot, predicate, timeout: float = 20.0) -> None:
    end = time.perf_counter() + timeout
    while not predicate():
        if time.perf_counter() > end:
            raise RuntimeError(f"stuck on {type(pilot.app.screen).__name__}")
        await pilot.pause(0.005)


def _name(pilot) -> str:
    return type(pilot.app.screen).__name__


async def _unlock(pilot) -> None:
    await _wait(pilot, lambda: _name(pilot) == "UnlockScreen")
    await pilot.press(*PASSPHRASE, "enter")
    await _wait(pilot, lambda: _name(pilot) == "DeskScreen")


async def bench_typing(service, rounds: int) -> list[float]:
    """Each key from the moment its event enters the app until the picker has searched,
    rebuilt its list and the screen has refreshed (``call_after_refresh``)."""
    from textual import events

    from station.tui.app import StationApp
    from station.tui.screens.picker import PickerScreen

    refreshed = asyncio.Event()
    original = PickerScreen.search

    def timed_search(self) -> None:
        original(self)
        self.call_after_refresh(refreshed.set)

    PickerScreen.search = timed_search  # type: ignore[method-assign]
    app = StationApp(service, watch_status=False)
    times: list[float] = []
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await _unlock(pilot)
            service.insert_training_card("elder99")  # not one the serve bench uses
            await _wait(pilot, lambda: _name(pilot) == "PickerScreen")
            await pilot.pause()
            for r in range(rounds):
                query = QUERIES[r % len(QUERIES)]
                for key in [*query, *["backspace"] * len(query)]:
                    refreshed.clear()
                    start = time.perf_counter()
                    char = key if len(key) == 1 else None
                    app.post_message(events.Key(key, char))
                    await asyncio.wait_for(refreshed.wait(), 5)
                    times.append((time.perf_counter() - start) * 1000)
            await pilot.press("escape")
            service.insert_training_card(None)
            await pilot.pause()
    finally:
        PickerScreen.search = original  # type: ignore[method-assign]
    return times


def counting_app(service):
    """The real app, counting the key events it receives (not the keys the script meant)."""
    from textual import events

    from station.tui.app import StationApp

    class CountingApp(StationApp):
        keys_seen: list[str]

        async def on_event(self, event: events.Event) -> None:
            # Once per key from the terminal: a key no widget took bubbles back up here.
            if isinstance(event, events.Key) and not event.is_forwarded:
                self.keys_seen.append(event.key)
            await super().on_event(event)

    app = CountingApp(service, watch_status=False)
    app.keys_seen = []
    return app


async def serve_one(pilot, service, printer, card) -> tuple[float, list[str]]:
    """(seconds, keys the app received from card insert to receipt) for one 敬老卡 resident.
    ``card`` = (place, remove)."""
    place, remove = card
    app = pilot.app
    before = len(printer.submissions)
    start = time.perf_counter()
    app.keys_seen.clear()
    place()
    steps = ["GuideScreen", "DetailsScreen", "ConfirmScreen", None]
    await _wait(pilot, lambda: _name(pilot) == "PickerScreen")
    for keys, reached in zip(SERVE_KEYS, steps, strict=True):
        await pilot.press(*keys)
        if reached is not None:
            await _wait(pilot, lambda r=reached: _name(pilot) == r)
    await _wait(pilot, lambda: len(printer.submissions) == before + 1)
    await _wait(pilot, lambda: pilot.app.screen.state == "recorded")
    keys = list(app.keys_seen)
    outcome = pilot.app.screen.flow.outcome
    assert outcome.print.document == "receipt" and outcome.case.status == "accepted"
    assert not outcome.case.missing and outcome.case.delivery == "centre"
    await pilot.press("5")
    await _wait(pilot, lambda: _name(pilot) == "DeskScreen")
    remove()
    await pilot.pause()
    return time.perf_counter() - start, keys


async def bench_serve(service, residents: int, card=None) -> tuple[list[float], list[str]]:
    printer = service.session.printer()  # the FakePrinter handed in by make_station
    app = counting_app(service)
    times: list[float] = []
    keys: list[str] = []
    async with app.run_test(size=(80, 24)) as pilot:
        await _unlock(pilot)
        for i in range(residents):
            # a different resident each time (the simulated reader's 社保卡 by default)
            seconds, seen = await serve_one(pilot, service, printer, card(i) if card else (
                lambda k=f"elder{i}": service.insert_training_card(k),
                lambda: service.insert_training_card(None)))
            if card is not None:
                await asyncio.sleep(0.4)  # the reader's poll sees the field empty
            if keys and seen != keys:
                raise RuntimeError(f"key count changed between residents: {keys} / {seen}")
            keys = seen
            times.append(seconds)
    return times, keys


def bench_idcard_serve(home: Path, residents: int) -> tuple[list[float], list[str]]:
    """The 敬老卡 serve from a 身份证 placed on the emulated 二代证 reader."""
    sys.path.insert(0, str(ROOT / "tests" / "hw"))
    from datetime import date

    from idreader_emu import EmulatedIdReader, Resident

    def elder(i: int) -> Resident:
        return Resident("张演示", "1", "01", date(1938, 3, 12), "上海市黄浦区新成村12号",
                        elder_id(i), "上海市公安局黄浦分局", date(2008, 5, 1), None)

    emu = EmulatedIdReader()
    service = make_idcard_station(home, emu.port)
    try:
        return asyncio.run(bench_serve(service, residents,
                                       card=lambda i: (lambda: emu.place(elder(i)),
                                                       emu.remove)))
    finally:
        service.close()
        emu.close()


def write_results(result: dict) -> None:
    path = ROOT / "bench" / "RESULTS.md"
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmark results\n"
    r = result
    rows = [
        (f"start → first frame of the unlock screen (fresh process, median of "
         f"{r['startup_runs']})", f"{r['startup_s']:.2f} s"),
        ("start-up, slowest run", f"{r['startup_max_s']:.2f} s"),
        ("start-up CPU time (median)", f"{r.get('startup_cpu_s', 0):.2f} s"),
        (f"keypress → refreshed in the matter search, p50 / p99 ({r['keypresses']} keys)",
         f"{r['keypress_p50_ms']:.1f} / {r['keypress_p99_ms']:.1f} ms"),
        ("keys from card insert to receipt, 敬老卡申领, all materials present "
         "(key events the app received)", str(r["keystrokes_jlk"])),
        ("… the keys, in order", " ".join(f"`{k}`" for k in r["keys"])),
        ("keys from placing a 身份证 on the 二代证 reader (pty) to receipt, 敬老卡申领",
         str(r["keystrokes_jlk_idcard"])),
        ("… the keys, in order", " ".join(f"`{k}`" for k in r["keys_idcard"])),
        (f"one resident served end to end under the Pilot, median of {r['residents']}",
         f"{r['serve_median_s']:.2f} s"),
    ]
    table = "\n".join(f"| {k} | {v} |" for k, v in rows)
    met = {"start-up": r["startup_s"] <= 1.0, "keypress p99": r["keypress_p99_ms"] <= 50,
           "keys to receipt": r["keystrokes_jlk"] <= 10,
           "keys to receipt from a 身份证": r["keystrokes_jlk_idcard"] <= 10}
    verdict = "; ".join(f"{name} {'met' if ok else '**not met**'}" for name, ok in met.items())
    load = os.getloadavg()[0]
    section = f"""{SECTION}

`python bench/tui_bench.py` ({time.strftime('%Y-%m-%d')}, {os.cpu_count()} CPUs shared; targets:
start-up ≤ 1.0 s, keypress p99 ≤ 50 ms, card → receipt for 敬老卡申领 ≤ 10 keys; 1-min
load average {load:.1f} when it finished). Targets: {verdict}.

| figure | value |
|---|---|
{table}

The keys are counted by the app (every key event it received between the card insert and
the printed receipt, the Pilot driving the flow): `j l k Enter` (matter), `A Enter` (all
materials), `Enter` (the form: the payout choice comes preselected and the result is
collected at the centre, the default way, so the contact phone — required only for a posted
result or a home visit — is offered but not typed), `Enter` (record and print). The rating
(one more key) comes after the receipt. Choosing post or a home visit instead costs a few
keys to reach the delivery choice plus the phone and address typed.

"""
    if SECTION in text:
        head, rest = text.split(SECTION, 1)
        nxt = rest.find("\n## ")
        text = head + section + (rest[nxt + 1:] if nxt >= 0 else "")
    else:
        text = text.rstrip("\n") + "\n\n" + section
    path.write_text(text, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes, under 60 s")
    args = parser.parse_args()
    startup_runs, rounds, residents = (3, 3, 3) if args.quick else (9, 30, 15)

    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "station"
        service = make_station(home)
        startup, startup_cpu = bench_startup(startup_runs, home)
        typing = asyncio.run(bench_typing(service, rounds))
        serve, keys = asyncio.run(bench_serve(service, residents))
        service.close()
        id_serve, id_keys = bench_idcard_serve(Path(tmp) / "station-idcard",
                                               2 if args.quick else 5)

    result = {
        "startup_s": round(statistics.median(startup), 3),
        "startup_max_s": round(max(startup), 3),
        "startup_cpu_s": round(statistics.median(startup_cpu), 3),
        "startup_runs": startup_runs,
        "keypress_p50_ms": round(pct(typing, 50), 2),
        "keypress_p99_ms": round(pct(typing, 99), 2),
        "keypresses": len(typing),
        "keystrokes_jlk": len(keys),
        "keys": keys,
        "keystrokes_jlk_idcard": len(id_keys),
        "keys_idcard": id_keys,
        "serve_idcard_median_s": round(statistics.median(id_serve), 3),
        "serve_median_s": round(statistics.median(serve), 3),
        "residents": residents,
    }
    if not args.quick:
        write_results(result)
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
