"""上门服务路线单: the home-visit team's day, stop by stop, for staff only."""

from __future__ import annotations

from shared.i18n import t
from station.documents.common import fmt_date, fmt_datetime, safe_id
from station.documents.data import RunSheetData
from station.documents.layout import Document, Field, Para, Table, Title


def _place(community: str, address: str) -> str:
    """The walking place above the full address, unless the address already says it."""
    return address if not community or address.startswith(community) else (
        f"{community}\n{address}")


def run_sheet(data: RunSheetData) -> Document:
    headers = tuple(t(f"documents.run_{k}") for k in
                    ("order", "slot", "place", "resident", "matters", "phone", "note"))
    rows = tuple(
        (str(s.order), s.slot, _place(s.community, s.address),
         f"{s.resident_name}\n{safe_id(s.masked_id)}", "、".join(s.matters), s.phone, s.note)
        for s in sorted(data.stops, key=lambda s: s.order)
    )
    blocks = [
        Title(t("documents.run_title"), data.station_name),
        Field(t("documents.visit_day"), fmt_date(data.day), strong=True),
        Field(t("documents.team"), data.team),
        Field(t("documents.run_staff"), "、".join(data.staff)),
        Field(t("documents.run_count"), str(len(rows))),
    ]
    if rows:
        blocks.append(Table(headers, rows, widths=(5, 10, 24, 24, 19, 14, 12)))
    else:
        blocks.append(Para(t("documents.run_empty")))
    if data.printed_at:
        blocks.append(Para(t("documents.printed_at", when=fmt_datetime(data.printed_at)),
                           small=True))
    blocks.append(Para(t("documents.run_confidential"), small=True))
    return Document(t("documents.run_title"), blocks)
