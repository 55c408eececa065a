"""The composition root: what a laptop without hardware gets, and what the status bar says."""

from __future__ import annotations

from station import paths
from station.composition import choose_printer, choose_reader
from station.hw.pdf_folder import PdfFolderPrinter
from station.hw.simulated import SimulatedCardReader
from station.service import Service


def test_forced_choices():
    assert isinstance(choose_reader("simulated"), SimulatedCardReader)
    printer = choose_printer("pdf")
    assert isinstance(printer, PdfFolderPrinter) and printer.folder == paths.print_dir()


def test_auto_reader_is_pcsc_only_with_a_reader_present():
    reader = choose_reader("auto")
    if not isinstance(reader, SimulatedCardReader):
        assert reader.readers(), "PC/SC chosen although no reader is plugged in"
    reader.close()


def test_installed_station_defaults_say_where_papers_go():
    service = Service(reader=SimulatedCardReader(), printer=choose_printer("pdf"))
    service.initialise(name="厅", sites=["新成村"], staff_name="王芳",
                       passphrase="correct horse battery")
    status = service.status()
    assert status.training and status.reader_label == "培训模式（模拟读卡器）"
    assert status.printer == "pdf_folder" and status.print_folder == paths.print_dir()
    assert str(paths.print_dir()) in status.printer_label
    assert not status.online and status.pending == 0 and status.site is None
    service.close()
