"""The reader and the printer in words for the status bar, and the training cards.

Why apart from the façade: it is the only core code that looks at which adapter
is plugged in (simulated reader, PDF folder), and each answer is a translated
label so the status bar never shows a raw CUPS or PC/SC state.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from shared.errors import StationError
from shared.i18n import t
from station.people import parse_id
from station.views import TrainingCard


def is_training(reader: object) -> bool:
    from station.hw.simulated import SimulatedCardReader

    return isinstance(reader, SimulatedCardReader)


def reader_state(reader: object) -> tuple[str, str]:
    """(code, label): training | none | card | ok | error."""
    if is_training(reader):
        return "training", t("service.reader_training")
    try:
        names = reader.readers()  # type: ignore[attr-defined]
        if not names:
            return "none", t("service.reader_none")
        if reader.card_present():  # type: ignore[attr-defined]
            return "card", t("service.reader_card")
    except StationError:
        return "error", t("service.reader_error")
    return "ok", t("service.reader_ok")


def print_folder(printer: object) -> Path | None:
    """The folder a PDF-folder printer writes to; None for a real printer."""
    folder = getattr(printer, "folder", None)
    return Path(folder) if folder is not None else None


def printer_state(printer: object) -> tuple[str, str, Path | None]:
    """(code, label, folder): ok | busy | stopped | offline | pdf_folder | error."""
    from station.hw.ports import PrinterStatus

    folder = print_folder(printer)
    if folder is not None:
        return "pdf_folder", t("service.printer_pdf_folder", folder=str(folder)), folder
    try:
        state = printer.state()  # type: ignore[attr-defined]
    except StationError:
        return "error", t("service.printer_error"), None
    code = {
        PrinterStatus.IDLE: "ok", PrinterStatus.PRINTING: "busy",
        PrinterStatus.STOPPED: "stopped", PrinterStatus.OUT_OF_PAPER: "stopped",
        PrinterStatus.OFFLINE: "offline", PrinterStatus.MISSING: "offline",
    }[state.status]
    if not state.accepting and code == "ok":
        code = "stopped"
    return code, t(f"service.printer_{code}", name=state.name), None


def training_cards(reader: object, today: date) -> list[TrainingCard]:
    if not is_training(reader):
        return []
    cards = []
    for r in reader.residents():  # type: ignore[attr-defined]
        age = parse_id(r.id_number, on=today).age(today)
        cards.append(TrainingCard(r.key, t("service.training_card", name=r.name, age=age,
                                           note=r.note)))
    return cards
