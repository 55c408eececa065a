"""一次性告知单: every missing material for one matter, said once and exactly."""

from __future__ import annotations

from shared.i18n import t
from station.documents.common import fmt_date, fmt_datetime, safe_id
from station.documents.data import MissingItem, NoticeData
from station.documents.layout import Document, Field, Items, Para, Rule, Title


def _item(item: MissingItem) -> str:
    text = item.name
    if item.detail:
        text += f"：{item.detail}"
    if item.why:
        text += f"（{item.why}）"
    return text


def notice(data: NoticeData) -> Document:
    blocks = [
        Title(t("documents.notice_title"), data.station_name),
        Field(t("documents.site"), data.site),
        Field(t("documents.when"), fmt_datetime(data.when)),
    ]
    if data.reprinted_at is not None:
        blocks.append(Field(t("documents.reprinted"), fmt_datetime(data.reprinted_at)))
    if data.case_number:
        blocks.append(Field(t("documents.case_number"), data.case_number))
    blocks += [
        Field(t("documents.matter"), f"{data.matter_name}（{data.matter_code}）"),
        Field(t("documents.resident"), data.resident_name),
        Field(t("documents.id_number"), safe_id(data.masked_id)),
        Para(t("documents.notice_intro", matter=data.matter_name)),
        Items(t("documents.missing_heading"), tuple(_item(m) for m in data.missing),
              empty=t("documents.none")),
        Field(t("documents.bring_to"), data.bring_to, strong=True),
        Field(t("documents.bring_by"),
              fmt_date(data.bring_by) if data.bring_by else t("documents.any_time"),
              strong=True),
    ]
    if data.note:
        blocks.append(Para(data.note))
    blocks += [
        Field(t("documents.staff"), data.staff),
        Rule(),
        Para(t("documents.notice_promise"), small=True),
        Para(t("documents.centre_phone", phone=data.centre_phone)),
    ]
    return Document(t("documents.notice_title"), blocks, large=data.large_print)
