"""The composition root: what a laptop without hardware gets, and what the status bar says
(hardware through the one factory, `station.hw.factory`)."""

from __future__ import annotations

from station import paths
from station.hw.factory import make_printer, make_reader
from station.hw.pdf_folder import PdfFolderPrinter
from station.hw.simulated import SimulatedCardReader
from station.service import Service


def test_forced_choices():
    assert isinstance(make_reader("simulated"), SimulatedCardReader)
    printer = make_printer("pdf")
    assert isinstance(printer, PdfFolderPrinter) and printer.folder == paths.print_dir()


def test_auto_reader_is_pcsc_only_with_a_reader_present():
    reader = make_reader("auto")
    if not isinstance(reader, SimulatedCardReader):
        assert reader.readers(), "PC/SC chosen although no reader is plugged in"
    reader.close()


def test_installed_station_defaults_say_where_papers_go():
    service = Service(reader=SimulatedCardReader(), printer=make_printer("pdf"))
    service.initialise(name="厅", sites=["新成村"], staff_name="王芳",
                       passphrase="correct horse battery")
    status = service.status()
    assert status.training and status.reader_label == "培训模式（模拟读卡器）"
    assert status.printer == "pdf_folder" and status.print_folder == paths.print_dir()
    assert str(paths.print_dir()) in status.printer_label
    assert not status.online and status.pending == 0 and status.site is None
    service.close()
