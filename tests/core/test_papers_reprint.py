"""Residents' papers through the façade and the PDF-folder printer: a reprint keeps the
original 受理时间 and says 补打 with its own time; papers are Chinese in any staff
language; a posted result names the postal address."""

from __future__ import annotations

import subprocess

import pytest

from shared import i18n
from station.hw.pdf_folder import PdfFolderPrinter
from station.service import Service
from tests.documents.pdfcheck import flat, pdf_text
from tests.support.station import full_mz01, make_service, open_outing


def _line(pdf, label: str) -> str:
    """The line holding ``label``, laid out as printed (label and value side by side)."""
    text = subprocess.run(["pdftotext", "-layout", "-enc", "UTF-8", str(pdf), "-"],
                          capture_output=True, text=True, check=True, timeout=120).stdout
    [line] = [x for x in text.splitlines() if label in x]
    return line


@pytest.fixture
def folder_service(tmp_path, clock, reader):
    svc = open_outing(make_service(PdfFolderPrinter(tmp_path / "papers"), clock, reader))
    yield svc
    svc.close()


@pytest.mark.parametrize("materials", [None, frozenset({"id"})], ids=["receipt", "notice"])
def test_reprint_keeps_the_acceptance_time_and_says_reprint(folder_service: Service, clock,
                                                            materials):
    draft = full_mz01(folder_service)
    if materials is not None:
        draft = full_mz01(folder_service, materials=materials)
    first = folder_service.record_case(draft)
    assert first.print.document == ("receipt" if materials is None else "notice")
    accepted = clock.now.strftime("%H:%M")
    assert accepted in _line(first.print.pdf_path, "受理时间")
    assert "补打" not in pdf_text(first.print.pdf_path)
    clock.advance(hours=3, minutes=17)
    again = folder_service.reprint(first.case.case_no)
    assert again.printed and again.document == first.print.document
    assert accepted in _line(again.pdf_path, "受理时间")  # the original time, not now
    assert clock.now.strftime("%H:%M") in _line(again.pdf_path, "补打")


def test_papers_are_chinese_when_staff_work_in_english(folder_service: Service):
    before = i18n.get_locale()
    i18n.set_locale("en")
    try:
        outcome = folder_service.record_case(full_mz01(folder_service))
        assert i18n.get_locale() == "en"  # the staff's language is untouched
        text = flat(pdf_text(outcome.print.pdf_path))
    finally:
        i18n.set_locale(before)
    assert "受理回执" in text and "受理时间" in text and "承诺时限" in text
    for english in ("Receipt", "Accepted", "Case number", "Materials", "Staff"):
        assert english not in text


def test_posted_result_shows_the_postal_address(folder_service: Service):
    address = "嘉定区菊园新区新成路88弄5号601室"
    draft = full_mz01(folder_service, delivery="post",
                      answers={"phone": "13812345678", "payout": "社保卡（敬老卡）",
                               "address": address})
    text = flat(pdf_text(folder_service.record_case(draft).print.pdf_path))
    assert "邮寄地址" in text and address in text
    collected = flat(pdf_text(folder_service.record_case(full_mz01(folder_service)
                                                         ).print.pdf_path))
    assert "邮寄地址" not in collected
