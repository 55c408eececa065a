"""受理回执: what the resident takes home after a case is recorded."""

from __future__ import annotations

from shared.i18n import t
from station.documents.common import fmt_date, fmt_datetime, safe_id
from station.documents.data import ReceiptData
from station.documents.layout import QR, Document, Field, Items, Para, Rule, Title


def time_limit_text(days: int, due: object, estimated: bool = False) -> str:
    if days <= 0:
        return t("documents.limit_immediate")
    if due is None:
        return t("documents.limit_days", days=days)
    key = "calendar.limit_days_due_estimated" if estimated else "documents.limit_days_due"
    return t(key, days=days, due=fmt_date(due))  # type: ignore[arg-type]


def receipt(data: ReceiptData) -> Document:
    blocks = [
        Title(t("documents.receipt_title"), data.station_name),
        Field(t("documents.site"), data.site),
        Field(t("documents.when"), fmt_datetime(data.when)),
    ]
    if data.reprinted_at is not None:
        blocks.append(Field(t("documents.reprinted"), fmt_datetime(data.reprinted_at)))
    blocks += [
        Field(t("documents.case_number"), data.case_number, strong=True),
        Field(t("documents.matter"), f"{data.matter_name}（{data.matter_code}）"),
        Field(t("documents.resident"), data.resident_name),
        Field(t("documents.id_number"), safe_id(data.masked_id)),
    ]
    if data.agent_name:
        blocks.append(Field(t("documents.agent"), data.agent_name))
    blocks += [
        Items(t("documents.materials_received"), data.materials_received,
              empty=t("documents.none")),
    ]
    if data.materials_missing:
        blocks.append(Items(t("documents.materials_missing"), data.materials_missing))
        blocks.append(Para(t("documents.see_notice"), small=True))
    blocks += [
        Field(t("documents.time_limit"), time_limit_text(data.time_limit_days, data.due_date,
                                                       data.due_estimated),
              strong=True),
        Field(t("documents.delivery"), data.delivery),
    ]
    if data.post_address:
        blocks.append(Field(t("documents.post_address"), data.post_address))
    blocks += [
        Field(t("documents.staff"), data.staff),
        QR(data.qr_payload or data.case_number, t("documents.qr_caption")),
        Rule(),
        Para(t("documents.centre_phone", phone=data.centre_phone)),
        Para(t("documents.keep_receipt"), small=True),
    ]
    return Document(t("documents.receipt_title"), blocks, large=data.large_print)
