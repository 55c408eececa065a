"""Reconciliation: does the centre hold, for a day, exactly what the station sent?

Why manifests of (record id, version, seq): they identify every unit of sync and
carry nothing personal, so the station can send its list for a day to the centre
(signed, like a push) and both sides can name the records that differ. The design
is in docs/reports.md.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from shared.i18n import t
from shared.reports.document import Table, kind_text

# Station states that mean "the centre confirmed it has this version".
ACKED = frozenset({"acknowledged", "purged"})
WAITING = frozenset({"pending", "sent"})


@dataclass(frozen=True, order=True)
class Entry:
    """One record version as a side knows it; `state` is the queue state (station) or
    "stored" / "conflict" (centre)."""

    seq: int
    record_id: str
    version: int
    kind: str
    state: str

    @property
    def key(self) -> tuple[str, int]:
        return (self.record_id, self.version)

    def to_list(self) -> list[Any]:
        return [self.record_id, self.version, self.seq, self.kind, self.state]

    @classmethod
    def from_list(cls, row: list[Any]) -> Entry:
        record_id, version, seq, kind, state = row
        return cls(int(seq), str(record_id), int(version), str(kind), str(state))


@dataclass
class DayDiff:
    """A day compared; every list names records by id, version and seq only."""

    day: str
    station_total: int = 0
    station_acked: int = 0
    centre_total: int = 0
    missing_at_centre: list[Entry] = field(default_factory=list)  # acked, centre lacks it
    unknown_to_station: list[Entry] = field(default_factory=list)  # centre has, station not
    ack_lost: list[Entry] = field(default_factory=list)  # centre has it, station not told
    waiting: list[Entry] = field(default_factory=list)  # not yet synced (normal)
    seq_mismatch: list[Entry] = field(default_factory=list)  # same version, other seq
    conflicts: list[Entry] = field(default_factory=list)  # a person must decide
    # When the centre made the check (ms) and the station's head seq then: the verdict
    # holds for that moment; records arriving later never change it.
    checked_at: int | None = None
    head_seq: int | None = None

    @property
    def agrees(self) -> bool:
        """Totals agree and no record differs (pending ones are simply not synced yet)."""
        return (self.station_acked == self.centre_total and not self.missing_at_centre
                and not self.unknown_to_station and not self.seq_mismatch
                and not self.conflicts and not self.ack_lost)

    def differing(self) -> list[tuple[str, Entry]]:
        """(reason, entry) for every record that differs, in seq order."""
        out = [(reason, e) for reason in ("missing_at_centre", "unknown_to_station", "ack_lost",
                                          "seq_mismatch", "conflicts")
               for e in getattr(self, reason)]
        return sorted(out, key=lambda pair: pair[1].seq)

    def to_dict(self) -> dict[str, Any]:
        return {
            "day": self.day, "agrees": self.agrees, "station_total": self.station_total,
            "station_acked": self.station_acked, "centre_total": self.centre_total,
            **{name: [e.to_list() for e in getattr(self, name)]
               for name in ("missing_at_centre", "unknown_to_station", "ack_lost", "waiting",
                            "seq_mismatch", "conflicts")},
            "checked_at": self.checked_at, "head_seq": self.head_seq,
        }

    @classmethod
    def from_dict(cls, doc: dict[str, Any]) -> DayDiff:
        diff = cls(str(doc["day"]), int(doc["station_total"]), int(doc["station_acked"]),
                   int(doc["centre_total"]))
        for name in ("missing_at_centre", "unknown_to_station", "ack_lost", "waiting",
                     "seq_mismatch", "conflicts"):
            setattr(diff, name, [Entry.from_list(row) for row in doc.get(name, [])])
        for name in ("checked_at", "head_seq"):  # absent from an older centre's answer
            value = doc.get(name)
            setattr(diff, name, value if type(value) is int and value >= 0 else None)
        return diff


def compare(day: str, station: Iterable[Entry], centre: Iterable[Entry]) -> DayDiff:
    """Compare one day's versions as the station and the centre list them."""
    mine = {e.key: e for e in station}
    theirs = {e.key: e for e in centre}
    diff = DayDiff(day, station_total=len(mine),
                   station_acked=sum(e.state in ACKED for e in mine.values()),
                   centre_total=sum(e.state == "stored" for e in theirs.values()))
    for key, e in sorted(mine.items(), key=lambda kv: kv[1].seq):
        other = theirs.get(key)
        if e.state == "conflict" or (other is not None and other.state == "conflict"):
            diff.conflicts.append(e)
        elif other is None:
            (diff.missing_at_centre if e.state in ACKED else diff.waiting).append(e)
        elif other.seq != e.seq:
            diff.seq_mismatch.append(e)
        elif e.state in WAITING:
            diff.ack_lost.append(e)
    for key, e in sorted(theirs.items(), key=lambda kv: kv[1].seq):
        if key not in mine:
            diff.unknown_to_station.append(e)
    return diff


def compare_days(station: dict[str, list[Entry]], centre: dict[str, list[Entry]],
                 days: Iterable[str] | None = None) -> list[DayDiff]:
    wanted = sorted(set(days) if days is not None else set(station) | set(centre))
    return [compare(d, station.get(d, []), centre.get(d, [])) for d in wanted]


def reconciliation_tables(diffs: list[DayDiff]) -> list[Table]:
    """The per-day comparison, and the records that differ (id, version, seq only)."""
    days = Table("reconcile_days", t("reports.table_reconcile"),
                 [t("reports.col_day"), t("reports.col_station_acked"),
                  t("reports.col_centre_total"), t("reports.col_waiting"),
                  t("reports.col_agrees"), t("reports.col_checked_at"),
                  t("reports.col_head_seq")])
    records = Table("reconcile_records", t("reports.table_differ"),
                    [t("reports.col_day"), t("reports.col_reason"), t("reports.col_record"),
                     t("reports.col_version"), t("reports.col_seq"), t("reports.col_kind")],
                    empty=t("reports.no_differences"))
    for diff in diffs:
        # When the check was made: its verdict is as of then (later syncs do not change it).
        checked = ("—" if diff.checked_at is None else datetime.fromtimestamp(
            diff.checked_at / 1000, UTC).astimezone().strftime("%Y-%m-%d %H:%M"))
        days.rows.append([diff.day, diff.station_acked, diff.centre_total, len(diff.waiting),
                          t("reports.yes") if diff.agrees else t("reports.no"), checked,
                          "—" if diff.head_seq is None else diff.head_seq])
        for reason, e in diff.differing():
            records.rows.append([diff.day, t(f"reports.diff_{reason}"), e.record_id, e.version,
                                 e.seq, kind_text(e.kind)])
    return [days, records]
