"""A month of activity at three stations, through the real code paths, with a ledger.

Cases go through `CaseStore` (the station core's queue wrapper) and visits through
`VisitStore`, both into real encrypted queues; they reach a real `center serve`
process by the real sync client. Then three things are made to go wrong on
purpose, the way they would in the field:

- station 徐汇-01: the centre already holds a different copy of one case version
  (a conflict, kept for a person);
- station 徐汇-02: the centre loses three record versions after acknowledging them
  (restored from an old backup) — a gap in its sequence coverage;
- station 徐汇-03: the last day's records are recorded after the last sync (pending).

The ledger (`Month`) is what the test *did*, kept independently of any report code,
so the expected figures come from the actions, not from the code under test.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import random
from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from tests.sync.syncrig import STAFF_PASS, Centre, client_for, make_station

FIRST = date(2026, 10, 1)
DAYS = [FIRST + timedelta(days=i) for i in range(31)]
LAST = DAYS[-1]
TODAY = date(2026, 11, 20)  # "today" for time limits
STATIONS = [("徐汇-01", ["新成村", "爱里舍"]), ("徐汇-02", ["沧海", "嘉乐"]),
            ("徐汇-03", ["新成村", "沧海"])]
STAFF = ["s01", "s02", "s03"]
SURNAMES = ["欧阳", "司马", "诸葛", "上官", "东方", "皇甫", "尉迟", "公孙"]
GIVEN = ["翠花", "铁柱", "秋菊", "春生", "梓萱", "浩然", "桂芬", "德旺", "淑珍", "宝山"]
GAP_SEQS = (40, 41, 42)
WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]


def id_number(birth: date, n: int) -> str:
    body = f"310104{birth:%Y%m%d}{n % 1000:03d}"
    check = "10X98765432"[sum(int(c) * w for c, w in zip(body, WEIGHTS, strict=True)) % 11]
    return body + check


@dataclass
class Version:
    station: str
    record_id: str
    version: int
    seq: int
    kind: str
    meta: dict[str, str]
    day: str  # meta date (every generated record has one, except requested visits)


@dataclass
class StationRun:
    name: str
    station_id: str
    home: Path
    queue: object
    sites: list[str]


@dataclass
class Month:
    centre: Centre
    stations: list[StationRun] = field(default_factory=list)
    ledger: list[Version] = field(default_factory=list)
    names: list[str] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)
    phones: list[str] = field(default_factory=list)
    states: dict[tuple[str, int], str] = field(default_factory=dict)  # station-side state
    lost: list[Version] = field(default_factory=list)  # acked, then lost at the centre
    conflict: Version | None = None
    rejected: Version | None = None
    centre_status: dict[str, str] = field(default_factory=dict)  # case record id → status
    matters_used: set[str] = field(default_factory=set)
    backend: str = ""
    reconciled: dict[str, list] = field(default_factory=dict)  # station → its DayDiffs

    def station(self, name: str) -> StationRun:
        return next(s for s in self.stations if s.name == name)

    def personal(self) -> list[str]:
        return [*self.names, *self.ids, *self.phones]

    # ---------------------------------------------------------------- expectations
    def latest(self, station: str, *, at_centre: bool = False) -> dict[str, Version]:
        out: dict[str, Version] = {}
        lost = {(v.record_id, v.version) for v in self.lost}
        for v in self.ledger:
            if v.station != station:
                continue
            if at_centre and ((v.record_id, v.version) in lost
                              or self.states[v.record_id, v.version] in ("pending", "sent")):
                continue
            if v.record_id not in out or v.version > out[v.record_id].version:
                out[v.record_id] = v
        return out

    def expected_station(self, station: str, lo: date = FIRST, hi: date = LAST,
                         by: str = "day") -> dict[str, Counter]:
        """Per group: cases, states, materials, withdrawn, visits, ratings — from the ledger."""
        out: dict[str, Counter] = defaultdict(Counter)
        for v in self.latest(station).values():
            if not lo.isoformat() <= v.day <= hi.isoformat():
                continue
            key = _group(v, by)
            tally(out[key], v, self.states[v.record_id, v.version])
            tally(out["__total__"], v, self.states[v.record_id, v.version])
        return out


def _group(v: Version, by: str) -> str:
    m = v.meta
    if by == "site":
        return m.get("site") or m.get("community", "")
    if by == "staff":
        return m.get("staff") or m.get("team", "")
    if by in ("line", "matter"):
        return m.get(by, "") if v.kind == "case" else ""
    return v.day


def tally(c: Counter, v: Version, state: str) -> None:
    m = v.meta
    if v.kind == "visit":
        c["visits"] += 1
        status = m["visit_status"]
        c[{"requested": "visits_booked", "scheduled": "visits_booked",
           "rescheduled": "visits_booked", "visited": "visits_visited",
           "no_show": "visits_no_show", "cancelled": "visits_cancelled"}[status]] += 1
        return
    c["cases"] += 1
    c["acknowledged" if state == "purged" else state] += 1
    if m["status"] == "materials_pending":
        c["materials_pending"] += 1
    if m["status"] == "withdrawn":
        c["withdrawn"] += 1
    if m.get("rating"):
        c["rated"] += 1
        c["rating_sum"] += int(m["rating"])


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


def generate(centre: Centre, root: Path) -> Month:
    from station import config
    from station.catalogue.loader import load_catalogue

    month = Month(centre)
    cat = load_catalogue()
    matters = [m.code for m in cat.matters]
    rng = random.Random(8)
    counter = 0
    for k, (name, sites) in enumerate(STATIONS):
        home = root / f"station{k}"
        with station_home(home):
            queue = make_station(name, centre)
            cfg = config.load()
            cfg.sites = list(sites)
            cfg.staff = [config.StaffEntry(s, f"员工{s[-1]}") for s in STAFF]
            config.save(cfg)
            run = StationRun(name, cfg.station_id, home, queue, sites)
            month.stations.append(run)
            client = client_for(queue)
            for i, day in enumerate(DAYS):
                if name == "徐汇-03" and day == LAST:
                    state = client.run_once()  # the last sync before the last day
                    assert state.last_error is None, state.last_error
                for j in range(1 + (i * 7 + k * 3 + i // 5) % 5):  # 1–5 cases a day
                    code = matters[counter % len(matters)]
                    counter += 1
                    _case(month, run, cat, code, day, i, j, rng)
                if i % 3 == k % 3:
                    _visit(month, run, day, i, rng)
                if name == "徐汇-01" and day == DAYS[9]:
                    _plant_conflict(month, run)
            if name != "徐汇-03":
                state = client.run_once()
                assert state.last_error is None, state.last_error
            client.close()
    # One of 徐汇-03's waiting versions was refused by the centre on a sync attempt (the
    # sync client records it with this error; the report lists it for a person).
    run3 = month.station("徐汇-03")
    month.rejected = next(v for v in month.ledger if v.station == run3.name
                          and v.day == LAST.isoformat())
    run3.queue.record_failure([(month.rejected.record_id, month.rejected.version)],
                              "rejected by centre")
    for v in month.ledger:
        st = month.station(v.station)
        month.states[v.record_id, v.version] = st.queue.info(v.record_id, v.version).state
    _lose_at_centre(month)
    _back_office(month, cat)
    return month


def _resident(month: Month, birth: date, n: int, rng: random.Random) -> tuple[str, str, str]:
    name = f"{SURNAMES[n % len(SURNAMES)]}{GIVEN[(n // len(SURNAMES)) % len(GIVEN)]}"
    number = id_number(birth, n)
    phone = f"139{rng.randrange(10**8):08d}"
    month.names.append(name)
    month.ids.append(number)
    month.phones.append(phone)
    return name, number, phone


def _record(month: Month, run: StationRun, record_id: str, version: int) -> Version:
    info = run.queue.info(record_id, version)
    v = Version(run.name, record_id, version, info.seq, info.kind, dict(info.meta),
                info.meta.get("date", ""))
    month.ledger.append(v)
    return v


def _case(month: Month, run: StationRun, cat, code: str, day: date, i: int, j: int,
          rng: random.Random) -> None:
    from station.cases.model import Case
    from station.cases.store import CaseStore
    from station.catalogue.calendar import add_working_days
    from station.people import Resident, parse_id

    n = len(month.names)
    name, number, phone = _resident(month, date(1950 + n % 40, 1 + n % 12, 1 + n % 28), n, rng)
    matter = cat.get(code)
    missing = (matter.materials[0].code,) if n % 5 == 0 and matter.materials else ()
    now = datetime.combine(day, datetime.min.time(), UTC) + timedelta(hours=2 + j)
    case = Case(
        case_no=f"{run.station_id}-{day:%y%m%d}-{j + 1:03d}", record_id="", version=0,
        status="materials_pending" if missing else "accepted",
        resident=Resident(parse_id(number, on=day), name), matter=code,
        answers={"phone": phone, "address": f"{run.sites[j % 2]}{n}号"},
        materials=frozenset(), missing=missing, agent=None, delivery="centre",
        site=run.sites[(i + j) % 2], staff_id=STAFF[(i + j) % 3], outing_date=day,
        created_at=now, updated_at=now,
        due_date=add_working_days(day, matter.time_limit_days))
    store = CaseStore(run.queue, run.station_id)
    case = store.append(case)
    month.matters_used.add(code)
    _record(month, run, case.record_id, case.version)
    if n % 3 == 0:
        case = store.amend(replace(case, rating=1 + n % 5), reason_code="rating")
        case = replace(case, version=case.version)
        _record(month, run, case.record_id, case.version)
    if n % 7 == 0:
        case = store.amend(replace(case, status="withdrawn", due_date=None),
                           reason_code="withdraw")
        _record(month, run, case.record_id, case.version)


def _visit(month: Month, run: StationRun, day: date, i: int, rng: random.Random) -> None:
    from station.visits.model import Appointment, Slot, parse_address
    from station.visits.store import VisitStore

    n = len(month.names)
    name, number, phone = _resident(month, date(1940, 1 + n % 12, 1 + n % 28), n, rng)
    store = VisitStore(run.queue)
    at = datetime.combine(day, datetime.min.time(), UTC) + timedelta(hours=1)
    appt = Appointment(id=f"V-{run.station_id}-{day:%y%m%d}-001", id_number=number, name=name,
                       address=parse_address(f"{run.sites[i % 2]}{n % 30 + 1}号1单元101室",
                                             run.sites),
                       phone=phone, reason="age80", matters=("MZ01",),
                       slot=Slot(day, "am"), team=STAFF[i % 3])
    final = ("scheduled", "visited", "no_show", "cancelled", "rescheduled")[(i // 3) % 5]
    appt = store.add(replace(appt, status="scheduled"), staff="s01", at=at)
    rec = run.queue.list(kind="visit", visit=appt.id)[0]
    _record(month, run, rec.record_id, 1)
    if final != "scheduled":
        store.save(replace(appt, status=final), reason_code=final, staff="s01", at=at)
        _record(month, run, rec.record_id, 2)


def _plant_conflict(month: Month, run: StationRun) -> None:
    """The centre already holds a different copy of a case version the station will push."""
    from center.db import Incoming
    from shared.protocol import new_nonce, now_ms

    target = next(v for v in reversed(month.ledger)
                  if v.station == run.name and v.kind == "case" and v.version == 1
                  and not any(w.record_id == v.record_id and w.version > 1
                              for w in month.ledger))
    month.conflict = target
    store = month.centre.store()
    try:
        store.store_batch(run.station_id, new_nonce(), now_ms(), [Incoming(
            target.record_id, 1, target.seq, "case", target.meta,
            datetime.now(UTC).isoformat(), "x25519-hkdf-sha256-aes256gcm", b"other copy",
            hashlib.sha256(b"other copy").digest())])
    finally:
        store.close()


def _lose_at_centre(month: Month) -> None:
    run = month.station("徐汇-02")
    store = month.centre.store()
    try:
        with store.tx() as cur:
            for seq in GAP_SEQS:
                cur.execute(store.q("DELETE FROM records WHERE station_id = ? AND seq = ?"),
                            (run.station_id, seq))
    finally:
        store.close()
    month.lost = [v for v in month.ledger if v.station == run.name and v.seq in GAP_SEQS]


def _back_office(month: Month, cat) -> None:
    """The centre moves some cases on: 办结, 审批中, 退回."""
    store = month.centre.store()
    try:
        for run in month.stations:
            latest = month.latest(run.name, at_centre=True)
            cases = sorted((v for v in latest.values() if v.kind == "case"),
                           key=lambda v: (v.day, v.seq))
            for n, v in enumerate(cases):
                status = ("done", "reviewing", None, "returned", None, None)[n % 6]
                if status is None or v.meta["status"] == "withdrawn":
                    continue
                store.set_case_status(v.record_id, run.station_id, status,
                                      {"uid": f"u{n}", "case_id": v.record_id,
                                       "status": status})
                month.centre_status[v.record_id] = status
    finally:
        store.close()


def unlock_all(month: Month) -> None:
    for run in month.stations:
        if not run.queue.unlocked:
            run.queue.unlock("s01", STAFF_PASS)
