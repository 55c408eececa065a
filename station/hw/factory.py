"""Build the reader and printer the station's settings ask for.

The settings strings are those of `station.config.StationConfig` (``reader``:
auto | pcsc | simulated; ``printer``: auto | pdf | cups | cups:<queue>). "auto"
falls back to what works on this laptop, so a street laptop without pcscd or CUPS
still runs (simulated reader + manual entry; PDFs in the print folder).
"""

from __future__ import annotations

from station.hw.errors import HardwareError
from station.hw.ports import CardReader, Printer


def make_reader(setting: str = "auto") -> CardReader:
    """``auto`` | ``pcsc`` | ``simulated`` | ``idcard:<serial port>`` (the 二代证 reader)."""
    from station.hw.simulated import SimulatedCardReader

    if setting == "simulated":
        return SimulatedCardReader()
    if setting.startswith("idcard:"):
        from station.hw.idreader import SerialIdCardReader

        return SerialIdCardReader(setting.split(":", 1)[1])
    try:
        from station.hw.pcsc import PcscCardReader

        reader = PcscCardReader()
        reader.readers()  # proves pcscd answers
        return reader
    except HardwareError:
        if setting == "pcsc":
            raise
        return SimulatedCardReader()


def make_printer(setting: str = "auto") -> Printer:
    from station.hw.pdf_folder import PdfFolderPrinter

    if setting == "pdf":
        return PdfFolderPrinter()
    queue = setting.split(":", 1)[1] if setting.startswith("cups:") else None
    try:
        from station.hw.cups_printer import CupsPrinter

        printer = CupsPrinter(queue)
        if printer.state().ready or setting != "auto":
            return printer
    except HardwareError:
        if setting != "auto":
            raise
    return PdfFolderPrinter()
