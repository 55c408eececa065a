"""The printable case file: A4 PDF through the station's document layer.

Why the station's layer (station/documents/layout.py): it already lays out CJK text
with fpdf2, embeds the faces (and the fallback faces for rare characters), refuses a
character no face draws rather than print a box, and keeps personal data out of the
PDF's metadata. Its last line of defence masks any whole ID number on paper, so the
printed file carries the masked number; the case page shows it whole.
"""

from __future__ import annotations

from typing import Any

from shared.i18n import t
from station.documents.layout import Document, Field, Items, Para, Rule, Table, Title, render


def case_file_pdf(cf: Any, steps: list[Any], notes: list[str], printed_by: str,
                  printed_at: str) -> bytes:
    r = cf.resident
    blocks: list[Any] = [
        Title(t("office.pdf_title"), f"{cf.case_no}  {cf.matter} {cf.matter_name}"),
        Field(t("office.col_station"), cf.station_name or cf.station_id),
        Field(t("office.col_site"), f"{cf.site}  {cf.outing_date.isoformat()}"),
        Field(t("office.col_status"), t("office.status_" + cf.centre_status)),
        Field(t("office.col_due"), cf.due_date.isoformat() if cf.due_date else "—",
              strong=True),
        Rule(),
        Field(t("office.resident_name"), r.name, strong=True),
        Field(t("office.resident_id"), r.id_number),
        Field(t("office.resident_phone"), r.phone or "—"),
        Field(t("office.resident_address"), r.address or "—"),
    ]
    if cf.agent is not None:
        blocks += [Field(t("office.h_agent"), f"{cf.agent.name}（{cf.agent.relation}）"),
                   Field(t("office.resident_id"), cf.agent.id_number)]
    blocks += [
        Rule(),
        Table((t("office.col_field"), t("office.col_answer")),
              tuple((a.label, a.text) for a in cf.answers) or (("—", "—"),), (1, 2)),
        Items(t("office.material_received"), tuple(m.name for m in cf.received),
              empty=t("office.none")),
        Items(t("office.material_missing"), tuple(m.name for m in cf.missing),
              empty=t("office.none")),
        Field(t("office.h_delivery"), t("office.delivery_" + cf.delivery)),
        Rule(),
        Table((t("office.col_version"), t("office.col_time"), t("office.col_reason")),
              tuple((str(v.version), v.updated_at.strftime("%Y-%m-%d %H:%M"), v.reason or "—")
                    for v in cf.versions), (1, 2, 4)),
    ]
    if steps:
        blocks.append(Table(
            (t("office.col_status"), t("office.col_worker"), t("office.col_note")),
            tuple((t("office.status_" + s.status), s.account, n or "—")
                  for s, n in zip(steps, notes, strict=True)), (1, 1, 3)))
    blocks.append(Para(t("office.pdf_footer", who=printed_by, at=printed_at), small=True))
    return render(Document(t("office.pdf_title"), blocks))
