"""The figures counted for one group of records (a day, a site, a staff member, …).

Why one class for the station and the centre: reconciliation compares the two
sides figure by figure, which only works if both count the same way from the same
clear metadata. Case and visit rules live here once.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from datetime import UTC, datetime
from typing import Any

from shared.i18n import t

# Queue states of a case's latest version, as reports show them (purged = acknowledged
# whose local copy has gone: a tombstone).
SYNC_STATES = ("pending", "sent", "acknowledged", "conflict")

# Visit statuses (station.visits.model) grouped the way supervisors ask about them.
VISIT_OPEN = frozenset({"requested", "scheduled", "rescheduled"})


@dataclass
class Figures:
    cases: int = 0
    pending: int = 0
    sent: int = 0
    acknowledged: int = 0
    conflict: int = 0
    materials_pending: int = 0
    withdrawn: int = 0
    visits: int = 0
    visits_booked: int = 0  # requested / scheduled / rescheduled: still to visit
    visits_visited: int = 0
    visits_no_show: int = 0
    visits_cancelled: int = 0
    rated: int = 0
    rating_sum: int = 0

    @property
    def rating_avg(self) -> float | None:
        return round(self.rating_sum / self.rated, 2) if self.rated else None

    def add_case(self, meta: dict[str, str], state: str) -> None:
        self.cases += 1
        state = "acknowledged" if state == "purged" else state
        if state in SYNC_STATES:
            setattr(self, state, getattr(self, state) + 1)
        status = meta.get("status", "")
        if status == "materials_pending":
            self.materials_pending += 1
        elif status == "withdrawn":
            self.withdrawn += 1
        rating = rating_of(meta)
        if rating is not None:
            self.rated += 1
            self.rating_sum += rating

    def add_visit(self, meta: dict[str, str]) -> None:
        self.visits += 1
        status = visit_status(meta)
        if status in VISIT_OPEN:
            self.visits_booked += 1
        elif status == "visited":
            self.visits_visited += 1
        elif status == "no_show":
            self.visits_no_show += 1
        elif status == "cancelled":
            self.visits_cancelled += 1

    def merge(self, other: Figures) -> None:
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "rating_avg": self.rating_avg}

    def visit_and_rating_facts(self) -> list[tuple[str, str]]:
        """The home-visit and rating lines, worded the same in the station's and the
        centre's reports so that a supervisor can hold one against the other."""
        avg = "—" if self.rating_avg is None else f"{self.rating_avg:.2f}"
        return [
            (t("reports.fact_visits"), t("reports.visits_line", booked=self.visits_booked,
                                          visited=self.visits_visited,
                                          no_show=self.visits_no_show)),
            (t("reports.fact_ratings"), t("reports.ratings_line", rated=self.rated, avg=avg)),
        ]


# Columns of a figures table, in order; labels are `reports.col_<name>`.
COLUMNS = ("cases", "pending", "sent", "acknowledged", "conflict", "materials_pending",
           "withdrawn", "visits_booked", "visits_visited", "visits_no_show", "rated",
           "rating_avg")


def rating_of(meta: dict[str, str]) -> int | None:
    """The 好差评 score kept in clear metadata (a number 1–5, not personal)."""
    value = meta.get("rating", "")
    return int(value) if value.isdigit() and 1 <= int(value) <= 5 else None


def visit_status(meta: dict[str, str]) -> str:
    return meta.get("visit_status") or meta.get("status", "")


def record_day(meta: dict[str, str], created: datetime | str) -> str:
    """The day a record version belongs to: its outing/visit date, else its UTC write day.

    Both sides use this, so a version counts on the same day at the station and the centre.
    """
    day = meta.get("date", "")
    if len(day) == 10:
        return day
    if isinstance(created, str):
        created = datetime.fromisoformat(created)
    if created.tzinfo is None:
        created = created.replace(tzinfo=UTC)
    return created.astimezone(UTC).date().isoformat()


def group_value(kind: str, meta: dict[str, str], by: str) -> str:
    """The group a record falls in for `--by`; visits have no line/matter of their own."""
    if by == "site":
        return meta.get("site") or meta.get("community", "")
    if by == "staff":
        return meta.get("staff") or meta.get("team", "")
    if by in ("line", "matter"):
        return meta.get(by, "") if kind == "case" else ""
    return meta.get("date", "")
