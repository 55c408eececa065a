"""上门服务预约单: large print (≥ 16 pt) for the resident who stays at home."""

from __future__ import annotations

from shared.i18n import t
from station.documents.common import fmt_date, safe_id
from station.documents.data import SlipData
from station.documents.layout import QR, Document, Field, Items, Para, Rule, Title


def slip(data: SlipData) -> Document:
    blocks = [
        Title(t("documents.slip_title"), data.station_name),
        Field(t("documents.resident"), data.resident_name),
        Field(t("documents.id_number"), safe_id(data.masked_id)),
        Field(t("documents.address"), data.address),
        Field(t("documents.visit_day"), fmt_date(data.day), strong=True),
        Field(t("documents.visit_slot"), data.slot, strong=True),
        Items(t("documents.visit_matters"), data.matters),
    ]
    if data.prepare:
        blocks.append(Items(t("documents.prepare"), data.prepare))
    if data.note:
        blocks.append(Para(data.note))
    blocks += [
        Field(t("documents.team"), data.team),
        Field(t("documents.appointment_number"), data.appointment_number),
        QR(data.appointment_number, t("documents.slip_qr_caption")),
        Rule(),
        Para(t("documents.slip_change", phone=data.centre_phone)),
    ]
    return Document(t("documents.slip_title"), blocks, large=True)
