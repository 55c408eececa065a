"""The printer test page (`station print test`): font, QR and margins at a glance."""

from __future__ import annotations

from datetime import datetime

from shared.i18n import t
from station.documents.common import fmt_datetime
from station.documents.layout import QR, Document, Field, Para, Rule, Title
from station.hw.ports import Media


def test_page(printer: str, media: Media, when: datetime | None = None) -> Document:
    when = when or datetime.now()
    return Document(t("documents.test_title"), [
        Title(t("documents.test_title")),
        Para(t("documents.test_line")),
        Field(t("documents.test_printer"), printer),
        Field(t("documents.test_media"), t(f"documents.media_{media.value}")),
        Field(t("documents.when"), fmt_datetime(when)),
        QR("liudong-station test page"),
        Rule(),
        Para("ABCDEFGHIJKLMNOPQRSTUVWXYZ 0123456789 — 一二三四五六七八九十 社会保障卡"),
    ])
