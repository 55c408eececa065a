"""The centre report: per station and day, what arrived and what is waiting for a person.

Why everything comes from clear columns: the report must be as available as the
store (no private key needed to run it) and must hold no personal data; the
records' clear metadata (matter, line, site, day, status, rating) is enough for
every figure supervisors asked for.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field, fields
from datetime import UTC, date, datetime, timedelta
from functools import cache
from typing import Any

from stationq.ids import uuid7_time

from center.reports import data
from shared.i18n import t
from shared.reports.document import Chart, Document, Table, kind_text, period_text, seq_ranges
from shared.reports.figures import Figures, rating_of, record_day
from shared.reports.reconcile import DayDiff, compare, reconciliation_tables

CENTRE_STATUSES = ("accepted", "reviewing", "done", "returned")
CLOSED = frozenset({"done", "returned"})


@dataclass
class DayRow:
    station_id: str
    name: str
    day: str
    received: int = 0  # record versions stored for this day
    seq_lo: int | None = None
    seq_hi: int | None = None
    figures: Figures = field(default_factory=Figures)
    statuses: Counter = field(default_factory=Counter)
    overdue: int = 0
    agrees: bool | None = None  # None: the station has not sent its manifest for the day

    def to_dict(self) -> dict[str, Any]:
        return {"station_id": self.station_id, "name": self.name, "day": self.day,
                "received": self.received, "seq_lo": self.seq_lo, "seq_hi": self.seq_hi,
                **self.figures.to_dict(),
                "statuses": {s: self.statuses.get(s, 0) for s in CENTRE_STATUSES},
                "overdue": self.overdue, "agrees": self.agrees}


@dataclass(frozen=True)
class Overdue:
    station: str
    case_no: str
    matter: str
    day: str
    due: str
    late: int  # working days past the promised date
    status: str


@dataclass
class CentreReport:
    date_from: date
    date_to: date
    today: date
    generated_at: datetime
    rows: list[DayRow] = field(default_factory=list)
    coverage: list[dict[str, Any]] = field(default_factory=list)
    conflicts: list[data.Version] = field(default_factory=list)
    overdue: list[Overdue] = field(default_factory=list)
    diffs: list[tuple[str, DayDiff]] = field(default_factory=list)  # (station name, diff)
    per_line: dict[str, int] = field(default_factory=dict)
    per_day: dict[str, int] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)  # station id → name
    # The stations table (center/reports/stations.py): silent ones first.
    stations: list[dict[str, Any]] = field(default_factory=list)
    # Stored rows no figure could use (docs/reports.md, "Unreadable rows"): named, not fatal.
    unreadable: data.Unreadable = field(default_factory=data.Unreadable)

    @property
    def total(self) -> Figures:
        out = Figures()
        for row in self.rows:
            out.merge(row.figures)
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "from": self.date_from.isoformat(), "to": self.date_to.isoformat(),
            "today": self.today.isoformat(),
            "generated_at": self.generated_at.isoformat(timespec="seconds"),
            "total": {**self.total.to_dict(), "received": sum(r.received for r in self.rows),
                      "overdue": len(self.overdue), "conflicts_waiting": len(self.conflicts)},
            "stations": self.stations,
            "rows": [r.to_dict() for r in self.rows],
            "coverage": [{"station_id": c["station_id"], "name": c["name"],
                          "received": c["received"], "ranges": [list(x) for x in c["ranges"]],
                          "gaps": [list(x) for x in c["gaps"]]} for c in self.coverage],
            "conflicts": [{"station": self.names.get(v.station_id, v.station_id),
                           "station_id": v.station_id, "day": v.day, "record_id": v.record_id,
                           "version": v.version, "seq": v.seq, "kind": v.kind}
                          for v in self.conflicts],
            "overdue": [o.__dict__ for o in self.overdue],
            "reconciliation": [{"station": name, **d.to_dict()} for name, d in self.diffs],
            "per_line": self.per_line, "per_day": self.per_day,
            "unreadable": {"count": len(self.unreadable),
                           "rows": [{"table": tb, "id": i} for tb, i in self.unreadable.rows]},
        }

    # ------------------------------------------------------------------------ document
    def document(self, detail: bool = False) -> Document:
        """The district summary, or with `detail` every station-day, strip and case.

        Why a summary first: at 50 stations the full report runs to hundreds of pages;
        a supervisor needs the stations, the lines, the trend and what went wrong, and
        reaches the rest per station or day (`--station`, `--day`, `--detail`).
        """
        doc = self._head()
        if not detail:
            return self._summary(doc)
        return self._detail(doc)

    def _summary(self, doc: Document) -> Document:
        stations = self.stations_table()
        doc.lead = [*([stations] if stations is not None else []), self.exceptions_table()]
        doc.charts = [c for c in self.charts() if c.key != "coverage"]
        if self.unreadable.rows:
            doc.tables.append(self.unreadable_table())
        doc.notes += [t("reports.note_detail"), t("reports.note_locked")]
        return doc

    def exceptions_table(self) -> Table:
        """Per station, only what needs a person: gaps, disagreeing days, conflicts, overdue."""
        gaps = {c["station_id"]: c["gaps"] for c in self.coverage}
        missing = {sid: sum(b - a + 1 for a, b in g) for sid, g in gaps.items()}
        ids = {name: sid for sid, name in self.names.items()}
        disagree: Counter = Counter(ids.get(n, n) for n, d in self.diffs if not d.agrees)
        conflicts: Counter = Counter(v.station_id for v in self.conflicts)
        overdue: Counter = Counter(ids.get(o.station, o.station) for o in self.overdue)
        table = Table("exceptions", t("reports.table_exceptions"),
                      [t("reports.col_station"), t("reports.col_gaps"),
                       t("reports.col_missing"), t("reports.col_disagree_days"),
                       t("reports.col_conflict"), t("reports.col_overdue")],
                      empty=t("reports.no_exceptions"))
        for sid, name in sorted(self.names.items(), key=lambda p: p[1]):
            row = [missing.get(sid, 0), disagree[sid], conflicts[sid], overdue[sid]]
            if any(row):
                table.rows.append([name, _ranges(gaps.get(sid, [])) or t("reports.no_gaps"),
                                   *row])
        return table

    def _head(self) -> Document:
        period = period_text(self.date_from, self.date_to)
        doc = Document(t("reports.centre_title"), t(
            "reports.subtitle", period=period, at=self.generated_at.strftime("%Y-%m-%d %H:%M")))
        tot = self.total
        doc.facts = [
            (t("reports.fact_stations"), str(len({r.station_id for r in self.rows}))),
            (t("reports.fact_received"), str(sum(r.received for r in self.rows))),
            (t("reports.fact_cases"), str(tot.cases)),
            (t("reports.fact_materials"), str(tot.materials_pending)),
            (t("reports.fact_conflicts"), str(len(self.conflicts))),
            (t("reports.fact_overdue"), str(len(self.overdue))),
            *tot.visit_and_rating_facts(),
            (t("reports.fact_unreadable"), str(len(self.unreadable))),
        ]
        return doc

    def _detail(self, doc: Document) -> Document:
        stations = self.stations_table()
        doc.lead = [stations] if stations.rows else []  # a drill-down: its stations' pulse
        doc.tables.append(self.days_table())
        doc.tables.append(self.coverage_table())
        doc.tables.append(self.conflicts_table())
        doc.tables.append(self.overdue_table())
        if self.unreadable.rows:
            doc.tables.append(self.unreadable_table())
        diffs = [d for _, d in self.diffs]
        if diffs:
            days, records = reconciliation_tables(diffs)
            names = [n for n, _ in self.diffs]
            days.columns.insert(0, t("reports.col_station"))
            days.rows = [[n, *r] for n, r in zip(names, days.rows, strict=True)]
            by_day = {(d.day, e.record_id, e.version): n
                      for n, d in self.diffs for _, e in d.differing()}
            records.columns.insert(0, t("reports.col_station"))
            records.rows = [[by_day.get((r[0], r[2], r[3]), ""), *r] for r in records.rows]
            doc.tables += [days, records]
        doc.charts = self.charts()
        doc.notes.append(t("reports.note_locked"))
        return doc

    def days_table(self) -> Table:
        cols = ["station", "day", "received", "cases", "materials_pending", "withdrawn",
                *CENTRE_STATUSES, "overdue", "visits_booked", "visits_visited",
                "visits_no_show", "rated", "rating_avg", "conflict", "agrees"]
        table = Table("station_days", t("reports.table_station_days"),
                      [t(f"reports.col_{c}") for c in cols], empty=t("reports.web_no_days"))
        for r in self.rows:
            f = r.figures
            table.rows.append([
                r.name, r.day, r.received, f.cases, f.materials_pending, f.withdrawn,
                *(r.statuses.get(s, 0) for s in CENTRE_STATUSES), r.overdue, f.visits_booked,
                f.visits_visited, f.visits_no_show, f.rated, f.rating_avg, f.conflict,
                "—" if r.agrees is None else t("reports.yes") if r.agrees else t("reports.no")])
        return table

    def coverage_table(self) -> Table:
        table = Table("coverage", t("reports.table_coverage"),
                      [t("reports.col_station"), t("reports.col_received"),
                       t("reports.col_ranges"), t("reports.col_gaps")],
                      empty=t("reports.no_stations"))
        for c in self.coverage:
            table.rows.append([c["name"], c["received"], _ranges(c["ranges"]),
                               _gaps_words(c["gaps"], c.get("past_retention"))])
        return table

    def conflicts_table(self) -> Table:
        table = Table("conflicts", t("reports.table_conflicts"),
                      [t("reports.col_station"), t("reports.col_day"), t("reports.col_record"),
                       t("reports.col_version"), t("reports.col_seq"), t("reports.col_kind")],
                      empty=t("reports.no_conflicts"))
        for v in self.conflicts:
            table.rows.append([self.names.get(v.station_id, v.station_id), v.day, v.record_id,
                               v.version, v.seq, kind_text(v.kind)])
        return table

    def stations_table(self) -> Table:
        """Which station has gone quiet, first: silent rows red and saying so in words."""
        table = Table("stations", t("reports.table_stations"),
                      [t("reports.col_station"), t("reports.col_pulse_state"),
                       t("reports.col_last_contact"), t("reports.col_silent_days"),
                       t("reports.col_head_seq_now"), t("reports.col_received_max"),
                       t("reports.col_not_received"), t("reports.col_pending_station"),
                       t("reports.col_gaps")], empty=t("reports.no_stations"))
        for i, s in enumerate(self.stations):
            state = ("pulse_silent" if s["silent"] else "pulse_gaps" if s["gaps"]
                     else "pulse_never" if s["never_synced"] else "pulse_ok")
            if state != "pulse_ok":
                table.alert_rows.append(i)
            table.rows.append([
                s["name"], t(f"reports.{state}", days=s["silent_days"]),
                s["last_contact"] or t("reports.never"), s["silent_days"],
                "—" if s["head_seq"] is None else s["head_seq"], s["received_max_seq"],
                s["missing"],
                "—" if s["pending_at_station"] is None else s["pending_at_station"],
                _gaps_words(s["gaps"], s.get("past_retention"), "—")])
        return table

    def overdue_table(self) -> Table:
        table = Table("overdue", t("reports.table_overdue"),
                      [t("reports.col_station"), t("reports.col_case_no"),
                       t("reports.col_matter"), t("reports.col_day"), t("reports.col_due"),
                       t("reports.col_late"), t("reports.col_status")],
                      empty=t("reports.no_overdue"))
        for o in self.overdue:
            table.rows.append([o.station, o.case_no, o.matter, o.day, o.due, o.late,
                               t(f"reports.col_{o.status}")])
        return table

    def unreadable_table(self) -> Table:
        table = Table("unreadable", t("reports.table_unreadable"),
                      [t("reports.col_table"), t("reports.col_record")],
                      empty=t("reports.no_unreadable"))
        table.rows = [[tb, i] for tb, i in self.unreadable.rows]
        return table

    def charts(self) -> list[Chart]:
        trend = [Chart("cases_per_day", t("reports.chart_per_day"), "line", list(self.per_day),
                       [float(v) for v in self.per_day.values()])]
        return [
            Chart("cases_per_line", t("reports.chart_cases_per_line"), "bar",
                  list(self.per_line), [float(v) for v in self.per_line.values()]),
            *(trend if len(self.per_day) > 1 else []),  # one day is no trend
            Chart("coverage", t("reports.chart_coverage"), "coverage",
                  [c["name"] for c in self.coverage], [float(c["received"]) for c in self.coverage],
                  ranges=[list(c["ranges"]) for c in self.coverage],
                  totals=[max([b for _, b in c["ranges"]] + [b for _, b in c["gaps"]] + [0])
                          for c in self.coverage]),
        ]


def _ranges(ranges: list[tuple[int, int]]) -> str:
    return seq_ranges(ranges)


def _add(into: Figures, one: Figures, n: int) -> None:
    """Add `n` times the figures of one record."""
    for f in fields(one):
        setattr(into, f.name, getattr(into, f.name) + n * getattr(one, f.name))


def _late(due: date, today: date) -> int:
    from station.catalogue.calendar import is_working_day

    n, day = 0, due + timedelta(days=1)
    while day <= today:
        n += is_working_day(day)
        day += timedelta(days=1)
    return n


def build_centre_report(store: Any, *, date_from: date, date_to: date, station: str | None = None,
                        today: date | None = None, now: datetime | None = None,
                        line: str | None = None, matter: str | None = None,
                        status: str | None = None) -> CentreReport:
    """Per station and day in [date_from, date_to]; `station` is a name or id.

    `line` (code prefix), `matter` (code) and `status` (a centre status) narrow the
    counted cases; visits have neither line nor matter, so any filter leaves them out.
    Callers validate the values (center/reports/web.py `_filters`).
    """
    filtered, status_filter = bool(line or matter or status), status
    from station.catalogue.calendar import add_working_days
    from station.catalogue.loader import load_catalogue

    data.ensure_tables(store)
    today = today or date.today()
    lo, hi = date_from.isoformat(), date_to.isoformat()
    stations = {sid: name for sid, name, _status in store.stations()}
    station_id = None
    if station is not None:
        found = store.find_station(station)
        if found is None:
            from center.errors import CenterError

            raise CenterError("reports.no_station", name=station)
        station_id = found[0]
        stations = {station_id: found[1]}
    report = CentreReport(date_from, date_to, today, now or datetime.now(UTC).astimezone(),
                          names=stations)
    from center.reports.stations import station_rows

    report.stations = [r for r in station_rows(store, int(report.generated_at.timestamp()
                                                          * 1000))
                       if r["station_id"] in stations]
    cat = load_catalogue()
    bad = report.unreadable
    data.case_statuses(store, bad)  # names the unreadable back-office rows
    from center.reports.tally import tally

    # A month has some 30 days × 30 time limits: the working-day sums are made once each,
    # not once per case (20,000 cases took 10 s in the calendar).
    @cache
    def due_of(day: str, limit: int) -> date:
        return add_working_days(date.fromisoformat(day), limit)

    @cache
    def late_of(due: date) -> int:
        return _late(due, today)

    @cache
    def day_of(day: str | None, rid: str | None) -> str:
        return day if day is not None else record_day({}, uuid7_time(rid or ""))

    def late_matter(day: str, found: Any) -> tuple[date, int] | None:
        due = due_of(day, found.time_limit_days)
        if today > due and (late := late_of(due)) > 0:
            return due, late
        return None

    def overdue_of(groups: list[tuple], limited: dict[str, Any]) -> tuple[list[str], str]:
        """The matters and the last day whose open cases are overdue (a superset: the
        exact (day, matter) pairs are checked again on the rows)."""
        mats, last = set(), ""
        for day, rid, mat, _n in groups:
            d = day_of(day, rid)
            if lo <= d <= hi and late_matter(d, limited[mat]) is not None:
                mats.add(mat)
                last = max(last, day or "9999-12-31")
        return sorted(mats), last

    counted = tally(store, station_id, bad, cat, line=line, matter=matter, status=status,
                    overdue_of=overdue_of)
    statuses = data.case_statuses(store) if counted.fallback else {}
    versions = [v for v in counted.fallback if v.station_id in stations]
    conflicts = [c for c in data.conflicts_waiting(store, station_id, bad)
                 if lo <= c.day <= hi]
    report.conflicts = conflicts

    rows: dict[tuple[str, str], DayRow] = {}

    def row(sid: str, day: str) -> DayRow:
        if (sid, day) not in rows:
            rows[sid, day] = DayRow(sid, stations.get(sid, sid), day)
        return rows[sid, day]

    def received(sid: str, day: str, n: int, seq_lo: int, seq_hi: int) -> None:
        if lo <= day <= hi:
            r = row(sid, day)
            r.received += n
            r.seq_lo = seq_lo if r.seq_lo is None else min(r.seq_lo, seq_lo)
            r.seq_hi = seq_hi if r.seq_hi is None else max(r.seq_hi, seq_hi)

    for sid, day, created, n, seq_lo, seq_hi in counted.received:
        if sid in stations:
            received(sid, day or record_day({}, created), n, seq_lo, seq_hi)
    latest: dict[str, data.Version] = {}
    for v in versions:
        received(v.station_id, v.day, 1, v.seq, v.seq)
        prev = latest.get(v.record_id)
        if prev is None or v.version > prev.version:
            latest[v.record_id] = v
    for c in conflicts:
        row(c.station_id, c.day).figures.conflict += 1

    per_line: Counter = Counter()
    per_day: Counter = Counter()

    # What the store counted: figures per (station, day, kind, status, …) group.
    for sid, kind, day, rid, eff, vst, odd, n, mp, wd, rated, rsum in counted.figures:
        d = day_of(day, rid)
        if sid not in stations or not lo <= d <= hi:
            continue
        r = row(sid, d)
        if kind == "visit":
            one = Figures()
            one.add_visit({"visit_status": vst or ""})
            _add(r.figures, one, n)
            continue
        f = r.figures
        f.cases += n
        f.acknowledged += n
        f.materials_pending += mp
        f.withdrawn += wd
        f.rated += rated
        f.rating_sum += rsum
        if odd is not None and (score := rating_of({"rating": odd})) is not None:
            f.rated += n  # a score SQL left to Python ("05")
            f.rating_sum += n * score
        per_day[d] += n
        r.statuses[eff] += n
    for ln, day, rid, n in counted.per_line:
        if lo <= day_of(day, rid) <= hi:
            per_line[ln] += n
    for sid, day, rid, mat, eff, case_no in counted.overdue:
        d = day_of(day, rid)
        if sid not in stations or not lo <= d <= hi:
            continue
        late = late_matter(d, counted.limited[mat])
        if late is not None:
            r = row(sid, d)
            r.overdue += 1
            report.overdue.append(Overdue(r.name, case_no if case_no is not None else "",
                                          mat, d, late[0].isoformat(), late[1], eff))

    def count(v: data.Version) -> None:
        """A version of a record SQL left to Python (docs/reports.md, "Unreadable rows")."""
        day = record_day(v.meta, uuid7_time(v.record_id))
        if not lo <= day <= hi or v.kind not in ("case", "visit"):
            return
        status = statuses.get(v.record_id, "accepted")
        found = None
        if v.kind == "case":
            try:
                found = cat.get(v.meta.get("matter", ""))
            except Exception:  # a matter an older catalogue had: no promise to check
                found = None
            if status == "accepted" and found is not None and found.done_at_acceptance:
                status = "done"  # 即办: done on the spot, never overdue
        if filtered and (v.kind == "visit" or (line and v.meta.get("line") != line)
                         or (matter and v.meta.get("matter") != matter)
                         or (status_filter and status != status_filter)):
            return
        r = row(v.station_id, day)
        if v.kind == "visit":
            r.figures.add_visit(v.meta)
            return
        r.figures.add_case(v.meta, "acknowledged")
        per_line[v.meta.get("line", "")] += 1
        per_day[day] += 1
        r.statuses[status] += 1
        if (v.meta.get("status") == "withdrawn" or status in CLOSED or found is None
                or found.done_at_acceptance):  # 即办 has no time limit to break
            return
        if (late := late_matter(day, found)) is not None:
            r.overdue += 1
            report.overdue.append(Overdue(r.name, v.meta.get("case_no", ""),
                                          v.meta.get("matter", ""), day, late[0].isoformat(),
                                          late[1], status))

    for v in latest.values():
        try:
            count(v)
        except Exception:  # one stored row must never stop a report
            bad.add("records", v.record_id)

    centre_entries: dict[tuple[str, str], list] = defaultdict(list)
    claimed = data.claims(store, station_id, bad)
    for sid in sorted({s for s, day in claimed if s in stations and lo <= day <= hi}):
        for v in data.versions(store, sid):  # the few stations that sent manifests
            if lo <= v.day <= hi:
                centre_entries[v.station_id, v.day].append((v.entry(), v.received_at))
    for c in conflicts:
        centre_entries[c.station_id, c.day].append((c.entry("conflict"), None))

    for (sid, day), claim in claimed.items():
        if sid in stations and lo <= day <= hi:
            # As of the check: what arrived after it (a normal later sync) is not judged.
            held = [e for e, at in centre_entries.get((sid, day), [])
                    if at is None or claim.checked_at is None or at <= claim.checked_at]
            diff = compare(day, claim.entries, held)
            diff.checked_at, diff.head_seq = claim.checked_at, claim.head_seq
            report.diffs.append((stations[sid], diff))
            if (sid, day) in rows or not diff.agrees:  # a day the centre lacks entirely
                row(sid, day).agrees = diff.agrees
    report.diffs.sort(key=lambda p: (p[0], p[1].day))
    report.rows = sorted(rows.values(), key=lambda r: (r.name, r.day))
    report.overdue.sort(key=lambda o: (-o.late, o.station, o.case_no))
    report.per_line = {f"{k} {_line_name(cat, k)}".strip(): n
                       for k, n in sorted(per_line.items())}
    days = (date_to - date_from).days + 1
    report.per_day = {(date_from + timedelta(d)).isoformat():
                      per_day.get((date_from + timedelta(d)).isoformat(), 0) for d in range(days)}
    report.coverage = [c for c in store.coverage() if c["station_id"] in stations]
    return report


def _line_name(cat: Any, prefix: str) -> str:
    try:
        return cat.line(prefix).name
    except Exception:  # unknown prefix: the code alone
        return ""


def centre_entries_for(store: Any, station_id: str, days: list[str]) -> dict[str, list]:
    """The centre's side of a station's manifest, for the reconcile endpoint."""
    wanted = set(days)
    out: dict[str, list] = {d: [] for d in days}
    for v in data.versions(store, station_id):
        if v.day in wanted:
            out[v.day].append(v.entry())
    for c in data.conflicts_waiting(store, station_id):
        if c.day in wanted:
            out[c.day].append(c.entry("conflict"))
    return out


def _gaps_words(gaps: list, lost: list | None, none: str | None = None) -> str:
    """Gaps, then the seqs the station reported past retention, named as such (repair,
    docs/sync-protocol.md): a lost seq is known, not a silent gap."""
    text = ", ".join(f"{a}–{b}" if a != b else str(a) for a, b in gaps)
    if lost:
        gone = ", ".join(f"{a}–{b}" if a != b else str(a) for a, b in lost)
        text = "；".join(x for x in (text, t("reports.past_retention", seqs=gone)) if x)
    return text or (none if none is not None else t("reports.no_gaps"))
