"""Typed hardware errors: each one a sentence for staff, none a raw status word.

Why a class per failure: the TUI reacts differently (offer manual entry, ask to
re-insert, point at the cable) and tests assert the exact kind. Params never hold
personal data; status words appear only as a support code next to the words.
"""

from __future__ import annotations

from shared.errors import StationError


class HardwareError(StationError):
    key = "hw.unavailable"


class LibraryMissing(HardwareError):
    """pyscard / pycups is not installed (params: library)."""

    key = "hw.library_missing"


class UnknownKind(HardwareError):
    """A reader or printer setting names no kind the factory knows (params: setting,
    kinds). The setting is the administrator's own text, never personal data."""

    key = "hw.printer_kind_unknown"  # or hw.reader_kind_unknown


# -- card -------------------------------------------------------------------------


class CardError(HardwareError):
    key = "hw.card_failed"


class CardServiceError(CardError):
    """pcscd is not running or not reachable."""

    key = "hw.card_no_service"


class NoReaderError(CardError):
    key = "hw.card_no_reader"


class ReaderGoneError(CardError):
    """The reader was unplugged while in use."""

    key = "hw.card_reader_gone"


class NoCardError(CardError):
    key = "hw.card_absent"


class CardRemovedError(CardError):
    """The card left the reader in the middle of a read."""

    key = "hw.card_removed"


class NotSocialSecurityCard(CardError):
    key = "hw.card_not_sscard"


class CardFieldError(CardError):
    """A field is missing or malformed (params: field = readable field name, problem)."""

    key = "hw.card_field"

    def __init__(self, record: int, problem: str) -> None:
        from shared.i18n import t

        self.record = record
        self.problem = problem  # "missing" | "malformed"
        super().__init__(self.key, field=t(f"hw.field_{record:02x}"),
                         problem=t(f"hw.field_{problem}"))


class CardIdInvalid(CardError):
    """The ID number on the card fails validation (reason from station.people)."""

    key = "hw.card_id_invalid"

    def __init__(self, cause: StationError) -> None:
        self.reason = getattr(cause, "reason", "check")
        super().__init__(self.key, reason=cause.message())


class CardPinRequired(CardError):
    """The holder file is PIN-protected on this card (6982 / 63Cx). The station never asks
    for a resident's card PIN: staff type the ID number instead."""

    key = "hw.card_pin"


class CardPinBlocked(CardError):
    """The card's PIN is blocked (6983): nothing can be read until a service point unblocks it."""

    key = "hw.card_pin_blocked"


class CardCommError(CardError):
    """The card answered something unexpected (params: code, the status word in hex)."""

    key = "hw.card_comm"


# -- the resident ID card (二代证) reader on a serial link ------------------------


class IdCardError(CardError):
    key = "idcard.failed"


class IdReaderMissing(IdCardError):
    """No serial port answers like an ID card reader (params: port)."""

    key = "idcard.no_reader"


class IdReaderNoAnswer(IdCardError):
    """The reader stayed silent, or stopped half-way through an answer, after a retry."""

    key = "idcard.no_answer"


class IdReaderGarbled(IdCardError):
    """Answers kept failing their check byte or length (line noise, wrong baud rate)."""

    key = "idcard.garbled"


class IdNoCard(NoCardError):
    key = "idcard.absent"


class IdCardRemoved(CardRemovedError):
    """The card left the reader's field between finding it and reading it (SW3 81 / 41)."""

    key = "idcard.removed"


class IdCardNotGenuine(IdCardError):
    """The security module could not authenticate the card (SW3 31 / 32 / 33 / 40)."""

    key = "idcard.not_genuine"


class IdReaderModuleFault(IdCardError):
    """The reader's security module refuses work (SW3 47 / 60 / 66, params: code)."""

    key = "idcard.module_fault"


class IdReaderRefused(IdCardError):
    """The module did not accept a command (SW3 21 / 23 / 24 / 91, params: code)."""

    key = "idcard.refused"


class IdCardFieldError(IdCardError):
    """A text-block field is missing or malformed (params: field name in words, problem)."""

    key = "idcard.field"

    def __init__(self, name: str, problem: str) -> None:
        from shared.i18n import t

        self.field_name = name
        self.problem = problem
        super().__init__(self.key, field=t(f"idcard.field_{name}"),
                         problem=t(f"hw.field_{problem}"))


# -- printer ----------------------------------------------------------------------


class PrinterError(HardwareError):
    key = "hw.printer_failed"


class PrinterServiceError(PrinterError):
    """CUPS is not running or not reachable."""

    key = "hw.printer_no_service"


class NoPrinterError(PrinterError):
    key = "hw.printer_none"


class PrinterNotReady(PrinterError):
    """Stopped, not accepting, offline or out of paper (params: printer, state)."""

    key = "hw.printer_not_ready"


class PrintJobFailed(PrinterError):
    """The job ended without printing (params: printer, kept = the kept PDF path)."""

    key = "hw.printer_job_failed"
