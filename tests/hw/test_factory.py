"""The one hardware factory: its tables, its one "auto" rule, and what staff then sees.

The rule is checked where the real devices decide it (this package's pcscd with the vpcd
readers, an isolated cupsd with its sink queue) and with the libraries missing, as on a
laptop installed without them. A printer kind registered in a copy of the table, and
chosen by name through the station's own path (``station init`` → config → the service),
shows that a new kind needs nothing outside its adapter and its table line.
"""

from __future__ import annotations

import sys

import pytest
from click.testing import CliRunner

from station import config, paths
from station.cli import cli
from station.hw import factory
from station.hw.combined import CombinedCardReader
from station.hw.errors import LibraryMissing, PrinterServiceError, UnknownKind
from station.hw.factory import PRINTERS, READERS, PrinterKind, ReaderKind, make_printer, make_reader
from station.hw.fakes import FakeCardReader, FakePrinter
from station.hw.pcsc import PcscCardReader
from station.hw.pdf_folder import PdfFolderPrinter
from station.hw.ports import CardReader, Printer
from station.hw.simulated import SimulatedCardReader

PASS = "correct horse battery"


def _no_libraries(monkeypatch) -> None:
    """A laptop installed without pyscard, pycups and pyserial (import fails as it would)."""
    for name in ("smartcard", "smartcard.scard", "cups", "serial", "serial.tools"):
        monkeypatch.setitem(sys.modules, name, None)


# -- the tables -----------------------------------------------------------------------


@pytest.mark.parametrize("table", [READERS, PRINTERS], ids=["readers", "printers"])
def test_each_table_names_its_kinds_and_one_fallback(table):
    assert "auto" not in table  # "auto" is the rule, not a kind
    assert [n for n, k in table.items() if k.fallback] in (["simulated"], ["pdf"])
    for name, kind in table.items():
        assert kind.usage.split("[")[0] == name  # how the setting is written, for help
    assert factory.usage(table).split(", ")[0] == "auto"


def test_settings_are_split_forgivingly():
    assert factory.split("cups:前台 A4") == ("cups", "前台 A4")
    assert factory.split(" PDF ") == ("pdf", "")
    assert factory.split("") == ("auto", "") and factory.split("auto") == ("auto", "")
    assert factory.split("idcard:/dev/ttyUSB0") == ("idcard", "/dev/ttyUSB0")


def test_a_setting_no_table_knows_is_said_in_words():
    with pytest.raises(UnknownKind) as err:
        make_printer("lpr")
    assert "lpr" in err.value.message() and "cups[:QUEUE]" in err.value.message()
    with pytest.raises(UnknownKind) as err:
        make_reader("nfc")
    assert "nfc" in err.value.message() and "simulated" in err.value.message()
    result = CliRunner().invoke(cli, ["init", "--name", "厅", "--site", "新成村", "--staff",
                                      "王芳", "--printer", "lpr"], env={"STATION_PASSPHRASE": PASS})
    assert result.exit_code == 2 and "无法识别" in result.output
    assert not config.exists()  # refused before anything was written


# -- the auto rule, reader side (table copies with scripted devices) ------------------


def _table(found: dict[str, CardReader | None]) -> dict[str, ReaderKind]:
    """The production table's shape, with each kind's device present or not as scripted."""
    return {
        name: ReaderKind(lambda _a, n=name: found[n] or FakeCardReader(n, plugged=False), name,
                         detect=lambda _a, n=name: found[n])
        for name in found
    } | {"simulated": READERS["simulated"]}


def test_auto_reader_rule():
    one, two = FakeCardReader("社保卡读卡器"), FakeCardReader("身份证读卡器")
    assert isinstance(make_reader(table=_table({"pcsc": None, "idcard": None})),
                      SimulatedCardReader)  # nothing here: training mode
    assert make_reader(table=_table({"pcsc": one, "idcard": None})) is one
    both = make_reader(table=_table({"pcsc": one, "idcard": two}))
    assert isinstance(both, CombinedCardReader) and isinstance(both, CardReader)
    assert both.parts == [one, two] and both.describe().code == "ok"
    # Named: built even when its device is not plugged in (the status bar says "none"),
    # and the other kinds' detected readers join it.
    named = make_reader("pcsc", table=_table({"pcsc": None, "idcard": two}))
    assert isinstance(named, CombinedCardReader) and named.parts[1] is two
    # The training reader stands alone, whatever is plugged in.
    assert isinstance(make_reader("simulated", table=_table({"pcsc": one, "idcard": two})),
                      SimulatedCardReader)


# -- what a laptop without hardware gets ---------------------------------------------


def test_a_laptop_without_hardware_gets_training_mode_and_the_pdf_folder(monkeypatch):
    from station.service import Service

    _no_libraries(monkeypatch)
    reader, printer = make_reader("auto", "auto"), make_printer("auto")
    assert isinstance(reader, CardReader) and isinstance(printer, Printer)
    assert reader.training and reader.describe().label == "培训模式（模拟读卡器）"
    status = printer.describe()
    assert status.code == "pdf_folder" and status.folder == paths.print_dir() == printer.folder
    assert str(paths.print_dir()) in status.label
    # Named kinds that cannot be built say why, in words.
    with pytest.raises(LibraryMissing) as err:
        make_reader("pcsc")
    assert "pyscard" in err.value.message()
    with pytest.raises(LibraryMissing) as err:
        make_printer("cups:前台")
    assert "pycups" in err.value.message()
    # The station picks through the same factory: its status bar says the same.
    service = Service()
    service.initialise(name="厅", sites=["新成村"], staff_name="王芳", passphrase=PASS)
    try:
        bar = service.status()
        assert bar.training and bar.reader == "training"
        assert bar.reader_label == "培训模式（模拟读卡器）"
        assert bar.printer == "pdf_folder" and bar.print_folder == paths.print_dir()
        assert service.training_cards()  # the fictional residents, for F4
    finally:
        service.close()


# -- the real daemons ------------------------------------------------------------------


def test_auto_reader_is_the_plugged_pcsc_reader(reader, reader_names, card):
    chosen = make_reader("auto", "off")
    try:
        assert isinstance(chosen, PcscCardReader) and isinstance(chosen, CardReader)
        assert not chosen.training
        assert chosen.readers() == reader_names
        status = chosen.describe()
        assert (status.code, status.label) == ("ok", "读卡器就绪")
        card.insert()
        assert chosen.wait_for(reader_names[0], True, timeout=5)
        status = chosen.describe()
        assert (status.code, status.label) == ("card", "已插卡")
    finally:
        chosen.close()


@pytest.fixture
def cups_server(cupsd):
    """libcups' default server pointed at the isolated cupsd, as CUPS_SERVER would."""
    import cups

    previous = (cups.getServer(), cups.getPort())
    cups.setServer("127.0.0.1")
    cups.setPort(cupsd.port)
    yield cupsd
    cups.setServer(previous[0])
    cups.setPort(previous[1])


def test_auto_printer_is_the_ready_cups_default_else_the_pdf_folder(cups_server):
    from station.hw.cups_printer import CupsPrinter

    cupsd = cups_server
    printer = make_printer("auto")
    assert isinstance(printer, CupsPrinter) and isinstance(printer, Printer)
    assert printer.folder is None
    status = printer.describe()
    assert (status.code, status.label) == ("ok", f"打印机就绪：{cupsd.QUEUE}")
    cupsd.run_tool("cupsdisable", cupsd.QUEUE)
    assert printer.describe().label == f"打印机已停止：{cupsd.QUEUE}"
    assert isinstance(make_printer("auto"), PdfFolderPrinter)  # not ready: papers to PDFs
    named = make_printer(f"cups:{cupsd.QUEUE}")  # named: kept, and its state says why
    assert named.describe().code == "stopped"
    missing = make_printer("cups:no-such-queue")  # a queue removed since it was configured
    assert missing.describe().label == "打印机离线：no-such-queue"
    cupsd.stop()
    status = printer.describe()
    assert (status.code, status.label) == ("error", "打印机故障")
    assert isinstance(make_printer("auto"), PdfFolderPrinter)
    with pytest.raises(PrinterServiceError) as err:  # named, and CUPS is down: said at once
        make_printer("cups")
    assert "CUPS" in err.value.message()


# -- a new printer kind: one adapter, one table line ----------------------------------


def test_a_printer_kind_registered_in_the_table_is_chosen_by_name(monkeypatch):
    """The station's own path: `station init --printer`, the config, the service's first
    use, `station print test`. Only the table changes (a copy; production is untouched)."""
    from station.service import open_service

    made: list[FakePrinter] = []

    def build(name: str) -> Printer:
        made.append(FakePrinter(name=name or "kiosk"))
        return made[-1]

    monkeypatch.setattr(factory, "PRINTERS", {**PRINTERS,
                                              "kiosk": PrinterKind(build, "kiosk[:NAME]")})
    env = {"STATION_PASSPHRASE": PASS}
    result = CliRunner().invoke(cli, ["init", "--name", "厅", "--site", "新成村", "--staff",
                                      "王芳", "--reader", "simulated", "--printer",
                                      "kiosk:前台"], env=env)
    assert result.exit_code == 0, result.output
    assert config.load().printer == "kiosk:前台"
    service = open_service()
    try:
        bar = service.status()
        assert (bar.printer, bar.printer_label) == ("ok", "打印机就绪：前台")
        assert bar.print_folder is None
    finally:
        service.close()
    result = CliRunner().invoke(cli, ["print", "test"], env=env)
    assert result.exit_code == 0, result.output
    assert "打印完成：打印机“前台”" in result.output
    assert made[-1].submissions and made[-1].submissions[0].title == "station test page"
    with pytest.raises(UnknownKind) as err:
        make_printer("lpr")
    assert "kiosk[:NAME]" in err.value.message()
    assert "kiosk" not in PRINTERS  # the production table never saw it
