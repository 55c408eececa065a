"""电话提醒名单: who to ring the day before a home visit, with the family's number too.

Why its own paper: reminders are made from the centre's desk phone the afternoon
before, often by someone who is not on the visiting team, so the list carries the
time promised and a box to tick, nothing about the matters' details.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from shared.i18n import t
from station.documents.common import fmt_date, fmt_datetime
from station.documents.layout import Document, Field, Para, Table, Title


@dataclass(frozen=True)
class CallRow:
    order: int
    when: str  # e.g. "上午 09:08" — what to tell the resident
    resident_name: str
    phone: str
    family: str = ""  # "name relation phone" of who else to call
    team: str = ""
    appointment_number: str = ""
    address: str = ""  # the full address as typed, so the caller can confirm the door


@dataclass(frozen=True)
class CallListData:
    station_name: str
    day: date  # the day of the visits (the list is used the day before)
    rows: tuple[CallRow, ...] = field(default_factory=tuple)
    printed_at: datetime | None = None


def call_list(data: CallListData) -> Document:
    headers = tuple(t(f"visits.call_{k}") for k in
                    ("order", "when", "resident", "phone", "family", "team", "done"))
    rows = tuple((str(r.order), r.when,
                  "\n".join(x for x in (r.resident_name, r.address, r.appointment_number) if x),
                  r.phone, r.family, r.team, "□") for r in data.rows)
    blocks = [
        Title(t("visits.call_title"), data.station_name),
        Field(t("visits.call_day"), fmt_date(data.day), strong=True),
        Field(t("visits.call_count"), str(len(rows))),
    ]
    if rows:
        blocks.append(Table(headers, rows, widths=(4, 11, 30, 17, 22, 11, 5)))
    else:
        blocks.append(Para(t("visits.call_empty")))
    blocks.append(Para(t("visits.call_script"), small=True))
    if data.printed_at:
        blocks.append(Para(t("documents.printed_at", when=fmt_datetime(data.printed_at)),
                           small=True))
    blocks.append(Para(t("documents.run_confidential"), small=True))
    return Document(t("visits.call_title"), blocks)
