"""Every paper the station hands out, as PDF with the CJK font embedded.

Use: build a document from its data (`receipt`, `notice`, `slip`, `run_sheet`)
and `render` it for A4 or the 80 mm roll; or call `render_receipt` & co.
"""

from __future__ import annotations

from station.documents.data import (
    MissingItem,
    NoticeData,
    ReceiptData,
    RunSheetData,
    RunStop,
    SlipData,
)
from station.documents.layout import Document, render
from station.documents.notice import notice
from station.documents.receipt import receipt
from station.documents.runsheet import run_sheet
from station.documents.slip import slip
from station.hw.ports import Media


def render_receipt(data: ReceiptData, media: Media = Media.A4) -> bytes:
    return render(receipt(data), media)


def render_notice(data: NoticeData, media: Media = Media.A4) -> bytes:
    return render(notice(data), media)


def render_slip(data: SlipData, media: Media = Media.A4) -> bytes:
    return render(slip(data), media)


def render_run_sheet(data: RunSheetData, media: Media = Media.A4) -> bytes:
    return render(run_sheet(data), media)


__all__ = [
    "Document", "Media", "MissingItem", "NoticeData", "ReceiptData", "RunSheetData", "RunStop",
    "SlipData", "notice", "receipt", "render", "render_notice", "render_receipt",
    "render_run_sheet", "render_slip", "run_sheet", "slip",
]
