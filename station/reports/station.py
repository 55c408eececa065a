"""The station report: what this laptop recorded, and where each record is in sync.

Why from `Queue.list(all_versions=True)` only: clear metadata, queue states and
tombstones are readable while the station is locked, so a supervisor can pull the
report at day's end without a staff passphrase — and no payload (no name, no ID
number, no phone) is ever read, so none can reach a report.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from shared.i18n import t
from shared.reports.document import Chart, Document, Table, period_text
from shared.reports.figures import COLUMNS, Figures, group_value, record_day
from shared.reports.reconcile import WAITING, DayDiff, Entry, reconciliation_tables

GROUPINGS = ("day", "site", "staff", "line", "matter")
# What the sync client writes as the last error of a version the centre refused to open.
REJECTED = "rejected by centre"
KINDS = ("case", "visit")


@dataclass
class StationReport:
    station_id: str
    name: str
    date_from: date
    date_to: date
    by: str
    generated_at: datetime
    groups: dict[str, Figures] = field(default_factory=dict)
    days: dict[str, Figures] = field(default_factory=dict)
    total: Figures = field(default_factory=Figures)
    manifests: dict[str, list[Entry]] = field(default_factory=dict)
    last_ack: datetime | None = None
    oldest_pending: Entry | None = None
    oldest_pending_at: datetime | None = None
    rejected: list[Entry] = field(default_factory=list)  # waiting, refused by the centre
    labels: dict[str, str] = field(default_factory=dict)  # group key → shown label
    reconciled: list[DayDiff] | None = None  # filled by `station report --reconcile`

    # ---------------------------------------------------------------- machine-readable
    def to_dict(self) -> dict[str, Any]:
        return {
            "station_id": self.station_id, "name": self.name,
            "from": self.date_from.isoformat(), "to": self.date_to.isoformat(),
            "by": self.by, "generated_at": self.generated_at.isoformat(timespec="seconds"),
            "total": self.total.to_dict(),
            "groups": [{"key": k, "label": self.labels.get(k, k), **f.to_dict()}
                       for k, f in self.groups.items()],
            "days": [{"day": d, **f.to_dict()} for d, f in self.days.items()],
            "last_ack": _iso(self.last_ack),
            "oldest_pending": None if self.oldest_pending is None else {
                "record_id": self.oldest_pending.record_id, "seq": self.oldest_pending.seq,
                "version": self.oldest_pending.version, "kind": self.oldest_pending.kind,
                "created_at": _iso(self.oldest_pending_at)},
            "rejected": [e.to_list() for e in self.rejected],
            "manifests": {d: [e.to_list() for e in m] for d, m in self.manifests.items()},
            "reconciliation": None if self.reconciled is None
            else [d.to_dict() for d in self.reconciled],
        }

    # ---------------------------------------------------------------- for people
    def document(self) -> Document:
        period = period_text(self.date_from, self.date_to)
        doc = Document(title=t("reports.station_title", name=self.name),
                       subtitle=t("reports.subtitle", period=period,
                                  at=self.generated_at.strftime("%Y-%m-%d %H:%M")))
        tot = self.total
        doc.facts = [
            (t("reports.fact_station"), f"{self.name} ({self.station_id})"),
            (t("reports.fact_cases"), str(tot.cases)),
            (t("reports.fact_states"), t("reports.states_line", pending=tot.pending,
                                          sent=tot.sent, acknowledged=tot.acknowledged,
                                          conflict=tot.conflict)),
            (t("reports.fact_materials"), str(tot.materials_pending)),
            *tot.visit_and_rating_facts(),
            (t("reports.fact_rejected"), str(len(self.rejected)) if not self.rejected else
             t("reports.rejected_line", n=len(self.rejected), seqs=", ".join(
                 str(e.seq) for e in self.rejected[:20]))),
            (t("reports.fact_last_sync"), _when(self.last_ack)),
            (t("reports.fact_oldest_pending"), t("reports.none") if self.oldest_pending is None
             else t("reports.oldest_line", seq=self.oldest_pending.seq,
                    record=self.oldest_pending.record_id, at=_when(self.oldest_pending_at))),
        ]
        cols = [t(f"reports.by_{self.by}"), *(t(f"reports.col_{c}") for c in COLUMNS)]
        table = Table("groups", t("reports.table_groups", by=t(f"reports.by_{self.by}")), cols,
                      empty=t("reports.no_records"))
        for key, fig in self.groups.items():
            table.rows.append([self.labels.get(key, key or "—"), *_cells(fig)])
        if self.groups:
            table.rows.append([t("reports.total"), *_cells(self.total)])
        doc.tables.append(table)
        if self.reconciled is not None:
            doc.tables += reconciliation_tables(self.reconciled)
        doc.charts.append(Chart("cases_by_group", t("reports.chart_cases_by", by=t(
            f"reports.by_{self.by}")), "bar", [self.labels.get(k, k or "—") for k in self.groups],
            [float(_charted(k, f, self.by)) for k, f in self.groups.items()]))
        if len(self.days) > 1:  # one day is no trend: its figures are in the table
            doc.charts.append(Chart("cases_per_day", t("reports.chart_per_day"), "line",
                                    list(self.days), [float(f.cases) for f in self.days.values()]))
        doc.notes.append(t("reports.note_locked"))
        return doc


def _charted(key: str, fig: Figures, by: str) -> int:
    """Visits have no line or matter: their own group shows visits, never a 0 of cases."""
    return fig.visits if by in ("line", "matter") and key == "" else fig.cases


def _cells(fig: Figures) -> list[Any]:
    d = fig.to_dict()
    return [d[c] for c in COLUMNS]


def _iso(when: datetime | None) -> str | None:
    return None if when is None else when.isoformat(timespec="seconds")


def _when(when: datetime | None) -> str:
    return t("reports.never") if when is None else when.astimezone().strftime("%Y-%m-%d %H:%M")


def _days(date_from: date, date_to: date) -> list[str]:
    n = (date_to - date_from).days
    return [(date_from + timedelta(days=i)).isoformat() for i in range(n + 1)]


def build_station_report(queue: Any, *, station_id: str, name: str, date_from: date,
                         date_to: date, by: str = "day",
                         staff_names: dict[str, str] | None = None,
                         now: datetime | None = None) -> StationReport:
    """Count cases and visits whose day lies in [date_from, date_to], grouped `by`."""
    if by not in GROUPINGS:
        raise ValueError(f"by must be one of {GROUPINGS}")
    lo, hi = date_from.isoformat(), date_to.isoformat()
    report = StationReport(station_id, name, date_from, date_to, by,
                           now or datetime.now(UTC).astimezone())
    report.days = {d: Figures() for d in _days(date_from, date_to)}
    latest: dict[str, Any] = {}
    manifests: dict[str, list[Entry]] = defaultdict(list)
    oldest: tuple[Entry, datetime] | None = None
    for info in queue.list(all_versions=True):
        entry = Entry(info.seq, info.record_id, info.version, info.kind, info.state)
        if info.state in ("acknowledged", "purged") and (
                report.last_ack is None or info.updated_at > report.last_ack):
            report.last_ack = info.updated_at
        if info.state in WAITING and (oldest is None or info.seq < oldest[0].seq):
            oldest = (entry, info.created_at)
        if info.state in WAITING and info.last_error == REJECTED:
            report.rejected.append(entry)
        day = record_day(info.meta, info.created_at)
        if lo <= day <= hi:
            manifests[day].append(entry)
        prev = latest.get(info.record_id)
        if prev is None or info.version > prev.version:
            latest[info.record_id] = info
    if oldest is not None:
        report.oldest_pending, report.oldest_pending_at = oldest
    report.manifests = dict(sorted(manifests.items()))
    groups: dict[str, Figures] = defaultdict(Figures)
    for info in latest.values():
        if info.kind not in KINDS:
            continue
        day = record_day(info.meta, info.record_created_at)
        if not lo <= day <= hi:
            continue
        key = day if by == "day" else group_value(info.kind, info.meta, by)
        for fig in (groups[key], report.days[day], report.total):
            if info.kind == "case":
                fig.add_case(info.meta, info.state)
            else:
                fig.add_visit(info.meta)
    report.groups = dict(sorted(groups.items()))
    report.labels = _labels(report.groups, by, staff_names or {})
    return report


def _labels(groups: dict[str, Figures], by: str, staff_names: dict[str, str]) -> dict[str, str]:
    """Readable names for codes: matter and line names from the catalogue, staff names."""
    out: dict[str, str] = {}
    if by in ("matter", "line"):
        from station.catalogue.loader import load_catalogue

        cat = load_catalogue()
        for key in groups:
            try:
                out[key] = (f"{key} {cat.get(key).name}" if by == "matter"
                            else f"{key} {cat.line(key).name}")
            except Exception:  # an old code the catalogue no longer has: show the code
                out[key] = key
    elif by == "staff":
        out = {k: f"{k} {staff_names[k]}" if k in staff_names else k for k in groups}
    if by in ("matter", "line") and "" in groups:
        out[""] = t("reports.visits_group")  # visits have no matter of their own
    return {k: v for k, v in out.items() if k or v}
