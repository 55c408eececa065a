"""The reader and the printer in words for the status bar, and the training cards.

Why apart from the façade: the status bar wants (code, label) pairs and the desk wants
the training reader's residents as cards; each adapter says its own state
(`station.hw.ports.DeviceStatus`), so nothing here asks which adapter is plugged in.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from shared.i18n import t
from station.hw.ports import CardReader, Printer
from station.people import parse_id
from station.views import TrainingCard


def is_training(reader: CardReader) -> bool:
    return reader.training


def reader_state(reader: CardReader) -> tuple[str, str]:
    """(code, label): training | none | card | ok | error."""
    status = reader.describe()
    return status.code, status.label


def printer_state(printer: Printer) -> tuple[str, str, Path | None]:
    """(code, label, folder): ok | busy | stopped | offline | pdf_folder | error."""
    status = printer.describe()
    return status.code, status.label, status.folder


def training_cards(reader: CardReader, today: date) -> list[TrainingCard]:
    if not reader.training:
        return []
    cards = []
    for r in reader.residents():  # type: ignore[attr-defined]  # the training reader's own
        age = parse_id(r.id_number, on=today).age(today)
        cards.append(TrainingCard(r.key, t("service.training_card", name=r.name, age=age,
                                           note=r.note)))
    return cards
