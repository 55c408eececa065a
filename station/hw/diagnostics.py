"""`station doctor`'s hardware checks: pcscd and its readers, a test read, CUPS queues.

Each check catches its own failures so one missing daemon never hides another's
state. Details are translated and free of personal data: a test read reports only
that the card is readable, never whose it is.
"""

from __future__ import annotations

from shared.errors import StationError
from shared.i18n import t
from station.checks import Check
from station.hw.errors import (
    CardError,
    CardServiceError,
    LibraryMissing,
    NoCardError,
    PrinterServiceError,
)
from station.hw.ports import CardReader, Printer, PrinterStatus


def reader_checks(reader: CardReader | None = None) -> list[Check]:
    try:
        if reader is None:
            from station.hw.factory import reader_of_kind

            reader = reader_of_kind("pcsc")
        names = reader.readers()
    except LibraryMissing:
        return [Check("pcscd", "fail", t("hw.check_pyscard_missing"),
                      t("hw.check_reinstall_hint"))]
    except CardServiceError:
        return [Check("pcscd", "fail", t("hw.check_pcscd_down"), t("hw.check_pcscd_hint"))]
    except StationError as err:
        return [Check("pcscd", "fail", err.message(), t("hw.check_pcscd_hint"))]
    if not names:
        return [Check("readers", "warn", t("hw.check_readers_none"),
                      t("hw.check_readers_none_hint"))]
    checks = [Check("readers", "ok", t("hw.check_readers_ok", readers="、".join(names)))]
    checks.append(_test_read(reader, names))
    return checks


def _test_read(reader: CardReader, names: list[str]) -> Check:
    try:
        present = [n for n in names if reader.card_present(n)]
        if not present:
            return Check("card", "ok", t("hw.check_card_none"))
        result = reader.read(present[0])
    except NoCardError:
        return Check("card", "ok", t("hw.check_card_none"))
    except CardError as err:
        return Check("card", "warn", t("hw.check_card_fail", message=err.message()),
                     t("hw.check_card_hint"))
    if result.warnings:
        return Check("card", "warn", t("hw.check_card_warn", message=t(result.warnings[0])))
    return Check("card", "ok", t("hw.check_card_ok", reader=result.reader))


def printer_checks(printer: Printer | None = None) -> list[Check]:
    try:
        if printer is None:
            from station.hw.factory import printer_of_kind

            printer = printer_of_kind("cups")
        names = printer.printers()
        default = printer.default_printer()
    except LibraryMissing:
        return [Check("cups", "fail", t("hw.check_pycups_missing"),
                      t("hw.check_reinstall_hint"))]
    except PrinterServiceError:
        return [Check("cups", "warn", t("hw.check_cups_down"), t("hw.check_cups_hint"))]
    except StationError as err:
        return [Check("cups", "warn", err.message(), t("hw.check_cups_hint"))]
    if not names:
        return [Check("printers", "warn", t("hw.check_printers_none"),
                      t("hw.check_printers_none_hint"))]
    checks = []
    for name in names:
        try:
            state = printer.state(name)
        except StationError as err:
            checks.append(Check(f"printer:{name}", "warn", err.message()))
            continue
        mark = t("hw.check_printer_default") if name == default else ""
        detail = t("hw.check_printer", state=state.describe(), printer=name, default=mark)
        if state.ready:
            checks.append(Check(f"printer:{name}", "ok", detail))
        else:
            status = "warn" if state.status is not PrinterStatus.MISSING else "fail"
            checks.append(Check(f"printer:{name}", status, detail,
                                t("hw.check_printer_hint", printer=name)))
    return checks


def _configured_idcard_port() -> str:
    from station import config

    try:
        return config.load().idcard_port if config.exists() else "auto"
    except StationError:
        return "auto"  # a broken config is said by the other checks


def idcard_checks(reader: CardReader | None = None) -> list[Check]:
    """The 二代证 reader: which port, and whether a card lies on it. The card is only
    found, never read, so the check shows nothing personal."""
    from station.hw.errors import IdReaderMissing

    own = reader is None
    if reader is None:
        setting = _configured_idcard_port()
        if setting.strip() == "off":
            return [Check("idcard_reader", "ok", t("idcard.check_reader_off"))]
        try:
            from station.hw.factory import reader_of_kind

            reader = reader_of_kind("idcard", setting)
        except IdReaderMissing:  # no port configured and none answers
            return [Check("idcard_reader", "warn", t("idcard.check_reader_none"),
                          t("idcard.check_reader_none_hint"))]
        except StationError as err:
            return [Check("idcard_reader", "warn", err.message(), t("hw.check_reinstall_hint"))]
    port = getattr(reader, "port", "")
    try:
        if not reader.readers():
            return [Check("idcard_reader", "warn",
                          t("idcard.no_reader", port=port), t("idcard.check_reader_none_hint"))]
        checks = [Check("idcard_reader", "ok", t("idcard.check_reader_ok", port=port))]
        try:
            present = reader.card_present()
        except StationError as err:
            checks.append(Check("idcard_card", "warn",
                                t("idcard.check_reader_fail", port=port, message=err.message()),
                                t("hw.check_card_hint")))
            return checks
        checks.append(Check("idcard_card", "ok", t("idcard.check_card_present" if present
                                                   else "idcard.check_card_none")))
        return checks
    finally:
        if own:
            reader.close()


def hardware_checks(reader: CardReader | None = None,
                    printer: Printer | None = None) -> list[Check]:
    """Readers seen by pcscd, a test read when a card is in, the 二代证 reader and whether a
    card is on it, CUPS queues and their state."""
    return reader_checks(reader) + idcard_checks() + printer_checks(printer)
