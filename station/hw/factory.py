"""The one place a setting becomes a card reader or a printer: a table per port.

Why one table per port: the station, `station doctor`, the CLI and the tests all pick
hardware here, so "auto" means the same thing everywhere, and a new kind is one adapter
module plus one line in `READERS` or `PRINTERS`. Adapters are imported inside the
builders only, so a missing pyscard / pycups / pyserial changes the "auto" choice and
never stops the station.

A setting is ``auto`` or ``<kind>`` or ``<kind>:<argument>`` (the settings of
`station.config.StationConfig`: ``reader``, ``idcard_port``, ``printer``).

The "auto" rule (what a street laptop gets):
- reader: each kind with a ``detect`` is asked in table order — PC/SC when pcscd answers
  *and* a reader is plugged in, the 二代证 reader when a serial port on ``idcard_port``
  answers (or is configured). One found → that reader; several → one combined port; none →
  the fallback kind, the simulated reader (training mode, labelled so in the status bar).
  A named kind is built as asked (failing in words when it cannot), and the readers
  detected of the other kinds join it; the fallback kind stands alone.
- printer: the first kind whose ``detect`` finds a ready device (the CUPS default queue),
  else the fallback kind (the PDF folder). A named printer is asked its state once, so a
  missing queue or a stopped CUPS is said when the station starts, not at the first print.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from shared.errors import StationError
from station.hw.errors import UnknownKind
from station.hw.ports import CardReader, Printer

log = logging.getLogger("station.hw.factory")

AUTO = "auto"


@dataclass(frozen=True)
class ReaderKind:
    """``build(argument)`` makes the reader or raises a StationError saying why not;
    ``detect(argument)`` (for "auto") returns it when its device is here, else None,
    and never raises. ``usage`` is how the setting is written, for help and errors."""

    build: Callable[[str], CardReader]
    usage: str
    detect: Callable[[str], CardReader | None] | None = None
    fallback: bool = False


@dataclass(frozen=True)
class PrinterKind:
    """As `ReaderKind`, for printers (the argument is e.g. a CUPS queue name)."""

    build: Callable[[str], Printer]
    usage: str
    detect: Callable[[str], Printer | None] | None = None
    fallback: bool = False


# -- readers ------------------------------------------------------------------------


def _pcsc(_arg: str) -> CardReader:
    from station.hw.pcsc import PcscCardReader

    return PcscCardReader()


def _detect_pcsc(_arg: str) -> CardReader | None:
    """Only with a reader plugged in: pcscd alone (it runs on most Debian laptops) is not
    a reader, and training mode is the honest answer then."""
    try:
        reader = _pcsc("")
        if reader.readers():
            return reader
        reader.close()
    except StationError as err:  # no pyscard, no pcscd
        log.info("no PC/SC reader (%s)", err.key)
    return None


def _idcard(port_setting: str) -> CardReader:
    from station.hw.errors import IdReaderMissing
    from station.hw.idreader import SerialIdCardReader, find_port

    port = find_port(port_setting or AUTO)
    if port is None:
        raise IdReaderMissing(port=port_setting or AUTO)
    return SerialIdCardReader(port)


def _detect_idcard(port_setting: str) -> CardReader | None:
    """The configured port (``off``: none), or the first USB serial port answering a
    find-card frame; a configured port is kept even while unplugged."""
    if (port_setting or "").strip() == "off":
        return None
    try:
        return _idcard(port_setting)
    except StationError as err:  # no port answers, or no pyserial: 社保卡 and typing work
        log.info("no ID card reader (%s)", err.key)
        return None


def _simulated(_arg: str) -> CardReader:
    from station.hw.simulated import SimulatedCardReader

    return SimulatedCardReader()


READERS: Mapping[str, ReaderKind] = {
    "pcsc": ReaderKind(_pcsc, "pcsc", detect=_detect_pcsc),
    "idcard": ReaderKind(_idcard, "idcard[:PORT]", detect=_detect_idcard),
    "simulated": ReaderKind(_simulated, "simulated", fallback=True),
}

# -- printers -----------------------------------------------------------------------


def _cups(queue: str) -> Printer:
    from station.hw.cups_printer import CupsPrinter

    return CupsPrinter(queue or None)


def _detect_cups(queue: str) -> Printer | None:
    try:
        printer = _cups(queue)
        if printer.state().ready:
            return printer
    except StationError as err:  # no pycups, no cupsd, no default queue
        log.info("no CUPS printer (%s)", err.key)
    return None


def _pdf_folder(_arg: str) -> Printer:
    from station.hw.pdf_folder import PdfFolderPrinter

    return PdfFolderPrinter()


PRINTERS: Mapping[str, PrinterKind] = {
    "cups": PrinterKind(_cups, "cups[:QUEUE]", detect=_detect_cups),
    "pdf": PrinterKind(_pdf_folder, "pdf", fallback=True),
}

# -- the one rule -------------------------------------------------------------------


def split(setting: str) -> tuple[str, str]:
    """``"cups:Office"`` → ``("cups", "Office")``; ``""`` counts as ``auto``."""
    kind, _, arg = (setting or AUTO).strip().partition(":")
    return kind.strip().lower() or AUTO, arg.strip()


def usage(table: Mapping[str, ReaderKind] | Mapping[str, PrinterKind]) -> str:
    """Every way to write the setting, for help texts and error messages."""
    return ", ".join([AUTO, *(kind.usage for kind in table.values())])


def check(setting: str, table: Mapping[str, ReaderKind] | Mapping[str, PrinterKind],
          key: str) -> tuple[str, str]:
    """The (kind, argument) a setting names, or `UnknownKind` in words."""
    kind, arg = split(setting)
    if kind != AUTO and kind not in table:
        raise UnknownKind(key, setting=(setting or "")[:60], kinds=usage(table))
    return kind, arg


def check_reader(setting: str, table: Mapping[str, ReaderKind] | None = None) -> str:
    check(setting, READERS if table is None else table, "hw.reader_kind_unknown")
    return setting


def check_printer(setting: str, table: Mapping[str, PrinterKind] | None = None) -> str:
    check(setting, PRINTERS if table is None else table, "hw.printer_kind_unknown")
    return setting


def _fallback(table: Mapping[str, ReaderKind] | Mapping[str, PrinterKind]) -> str:
    return next(name for name, kind in table.items() if kind.fallback)


def make_reader(setting: str = AUTO, idcard_port: str = AUTO, *,
                table: Mapping[str, ReaderKind] | None = None) -> CardReader:
    """The station's card reader for ``setting`` (``reader`` in the config) and the
    二代证 port setting (``idcard_port``), by the rule in the module docstring. ``table``
    is `READERS`, looked up at call time (a test may register a kind in a copy)."""
    table = READERS if table is None else table
    kind, arg = check(setting, table, "hw.reader_kind_unknown")
    hints = {"idcard": idcard_port}
    parts: list[CardReader] = []
    if kind != AUTO:
        named = table[kind]
        reader = named.build(arg or hints.get(kind, ""))
        if named.fallback:
            return reader
        parts.append(reader)
    for name, other in table.items():
        if name == kind or other.detect is None:
            continue
        found = other.detect(hints.get(name, AUTO))
        if found is not None:
            parts.append(found)
    if not parts:
        return table[_fallback(table)].build("")
    if len(parts) == 1:
        return parts[0]
    from station.hw.combined import CombinedCardReader

    return CombinedCardReader(parts)


def make_printer(setting: str = AUTO, *,
                 table: Mapping[str, PrinterKind] | None = None) -> Printer:
    """The station's printer for ``setting`` (``printer`` in the config); ``table`` as
    for `make_reader`."""
    table = PRINTERS if table is None else table
    kind, arg = check(setting, table, "hw.printer_kind_unknown")
    if kind != AUTO:
        printer = table[kind].build(arg)
        printer.state()  # a missing queue or a stopped service is said now, in words
        return printer
    for other in table.values():
        if other.detect is not None:
            found = other.detect(arg)
            if found is not None:
                return found
    return table[_fallback(table)].build("")


def reader_of_kind(kind: str, argument: str = "", *,
                   table: Mapping[str, ReaderKind] | None = None) -> CardReader:
    """That kind's adapter alone, without the auto rule (`station doctor` checks each)."""
    table = READERS if table is None else table
    check(kind, table, "hw.reader_kind_unknown")
    return table[kind].build(argument)


def printer_of_kind(kind: str, argument: str = "", *,
                    table: Mapping[str, PrinterKind] | None = None) -> Printer:
    """That kind's adapter alone, without the auto rule or the state check."""
    table = PRINTERS if table is None else table
    check(kind, table, "hw.printer_kind_unknown")
    return table[kind].build(argument)
