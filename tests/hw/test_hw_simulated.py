"""The training reader, the PDF-folder printer, the fakes and print_pdf's promises."""

from __future__ import annotations

from datetime import date

import pytest

from station import paths
from station.documents import render_receipt
from station.hw.errors import NoCardError, NoPrinterError, PrinterNotReady
from station.hw.fakes import FakeCardReader, FakePrinter
from station.hw.pdf_folder import PdfFolderPrinter
from station.hw.ports import (
    CardEventKind,
    CardReader,
    JobStatus,
    Media,
    Printer,
    PrinterStatus,
)
from station.hw.printing import keep_pdf, print_pdf
from station.hw.simulated import SIMULATED_RESIDENTS, SimulatedCardReader
from station.people import parse_id
from tests.documents.pdfcheck import flat, pdf_text
from tests.documents.samples import receipt_data


def test_fictional_residents_are_valid_and_clearly_fictional():
    keys = set()
    for r in SIMULATED_RESIDENTS:
        parse_id(r.id_number, on=date(2026, 1, 1))  # raises if invalid
        assert any(word in r.name for word in ("演示", "培训", "样例", "模拟", "示范", "过期"))
        keys.add(r.key)
    assert len(keys) == len(SIMULATED_RESIDENTS) >= 5


def test_simulated_reader_events_and_reads_look_real():
    reader = SimulatedCardReader(today=lambda: date(2026, 11, 22))
    assert isinstance(reader, CardReader)
    events = []
    unsubscribe = reader.subscribe(events.append)
    with pytest.raises(NoCardError):
        reader.read()
    reader.insert("elder")
    assert [e.kind for e in events] == [CardEventKind.INSERTED]
    assert events[0].reader == reader.readers()[0]
    result = reader.read(events[0].reader)
    assert result.simulated and result.holder.name == "张演示"
    assert result.holder.resident_id.age(date(2026, 11, 22)) == 88
    assert result.holder.masked_id == "310101********0013"
    reader.insert("expired")  # swapping cards: removal then insertion
    assert [e.kind for e in events[-2:]] == [CardEventKind.REMOVED, CardEventKind.INSERTED]
    assert reader.read().expired
    unsubscribe()
    reader.remove()
    assert len(events) == 3 and not reader.card_present()


def test_subscribing_with_a_card_in_announces_it():
    reader = SimulatedCardReader()
    reader.insert("young")
    events = []
    reader.subscribe(events.append)
    assert [e.kind for e in events] == [CardEventKind.INSERTED]


def test_fake_reader_scripts_errors():
    fake = FakeCardReader()
    fake.insert(NoCardError())
    with pytest.raises(NoCardError):
        fake.read()
    assert FakeCardReader(plugged=False).readers() == []


def test_pdf_folder_printer_lands_in_print_dir():
    printer = PdfFolderPrinter()
    assert isinstance(printer, Printer)
    outcome = print_pdf(printer, render_receipt(receipt_data()), stem="receipt-ST0001-0007",
                        title="receipt")
    assert outcome.printed
    assert outcome.kept.parent == paths.print_dir()
    assert outcome.kept.name.endswith("-receipt-ST0001-0007.pdf")
    assert "张演示" in flat(pdf_text(outcome.kept))
    assert printer.state().status is PrinterStatus.IDLE


def test_kept_file_names_hold_no_personal_data():
    path = keep_pdf(b"%PDF-1.4", "receipt 张演示/310101193803120013")
    assert "张演示" not in path.name and "/" not in path.name.replace(str(path.parent), "")
    assert path.exists()


def test_print_pdf_keeps_the_document_when_the_printer_refuses():
    for printer, error in ((FakePrinter(status=PrinterStatus.STOPPED), PrinterNotReady),
                           (FakePrinter(status=PrinterStatus.MISSING), NoPrinterError)):
        outcome = print_pdf(printer, b"%PDF-1.4 test", stem="r", title="r")
        assert isinstance(outcome.error, error)
        assert outcome.kept.read_bytes() == b"%PDF-1.4 test"
    with pytest.raises(PrinterNotReady):
        print_pdf(FakePrinter(status=PrinterStatus.OUT_OF_PAPER), b"%PDF", stem="r", title="r",
                  raise_on_failure=True)


def test_keep_never_drops_even_a_failed_copy():
    outcome = print_pdf(FakePrinter(status=PrinterStatus.STOPPED), b"%PDF", stem="r",
                        title="r", keep="never")
    assert outcome.error is not None and outcome.kept is None
    assert list(paths.print_dir().glob("*.pdf")) == []


def test_print_pdf_reports_a_failed_job():
    printer = FakePrinter(outcome=JobStatus.FAILED)
    outcome = print_pdf(printer, b"%PDF-1.4", stem="r", title="r", media=Media.ROLL80)
    assert not outcome.printed and outcome.error is not None
    assert printer.submissions[0].media is Media.ROLL80


def test_cups_states_fold_into_words():
    from station.hw.cups_printer import status_from
    from station.hw.ports import PrinterState

    assert status_from(3, ()) is PrinterStatus.IDLE
    assert status_from(4, ()) is PrinterStatus.PRINTING
    assert status_from(5, ("paused",)) is PrinterStatus.STOPPED
    assert status_from(5, ("media-empty-error",)) is PrinterStatus.OUT_OF_PAPER
    assert status_from(3, ("offline-report",)) is PrinterStatus.OFFLINE
    for status in PrinterStatus:
        text = PrinterState("p1", status).describe()
        assert "p1" in text and status.value not in text


def test_roll_media_option_follows_the_pdf_length(tmp_path):
    from station.hw.cups_printer import media_options
    from tests.documents.pdfcheck import page_sizes_mm

    pdf = tmp_path / "r.pdf"
    pdf.write_bytes(render_receipt(receipt_data(), Media.ROLL80))
    height = page_sizes_mm(pdf)[0][1]
    assert media_options(Media.ROLL80, pdf) == {"media": f"Custom.80x{height:.0f}mm"}
    assert media_options(Media.A4, pdf) == {"media": "A4"}


def test_missing_libraries_are_said_in_words(monkeypatch):
    import sys

    from station.hw.cups_printer import CupsPrinter
    from station.hw.diagnostics import printer_checks, reader_checks
    from station.hw.errors import LibraryMissing
    from station.hw.pcsc import PcscCardReader

    monkeypatch.setitem(sys.modules, "smartcard", None)
    monkeypatch.setitem(sys.modules, "smartcard.scard", None)
    monkeypatch.setitem(sys.modules, "cups", None)
    with pytest.raises(LibraryMissing) as err:
        PcscCardReader()
    assert "pyscard" in err.value.message()
    with pytest.raises(LibraryMissing) as err:
        CupsPrinter()
    assert "pycups" in err.value.message()
    assert [c.status for c in reader_checks()] == ["fail"]
    assert "pyscard" in reader_checks()[0].detail
    assert "pycups" in printer_checks()[0].detail


def test_factory_settings(monkeypatch):
    import sys

    from station.hw.errors import LibraryMissing
    from station.hw.factory import make_printer, make_reader

    assert isinstance(make_reader("simulated"), SimulatedCardReader)
    assert isinstance(make_printer("pdf"), PdfFolderPrinter)
    monkeypatch.setitem(sys.modules, "cups", None)
    monkeypatch.setitem(sys.modules, "smartcard", None)
    monkeypatch.setitem(sys.modules, "smartcard.scard", None)
    assert isinstance(make_printer("auto"), PdfFolderPrinter)  # no pycups: PDFs, not a crash
    assert isinstance(make_reader("auto"), SimulatedCardReader)
    with pytest.raises(LibraryMissing):
        make_printer("cups:anything")
    with pytest.raises(LibraryMissing):
        make_reader("pcsc")
