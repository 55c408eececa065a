"""The resident ID card (二代证) reader on a serial link (pyserial), behind the CardReader port.

Why a serial adapter beside PC/SC: the certified reader's security module (SAM)
decrypts the card itself and hands the host plain data over USB virtual COM or RS-232
(GA 467-2013); there is no PC/SC path to a 二代证. Every exchange is bounded: each
command waits at most its timeout for a whole frame, is tried twice, and then fails with
a sentence for staff. Insert/remove events come from a polling thread (the link has no
events of its own). The photo in the read answer is dropped unread.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable
from datetime import date
from typing import Any

from station.hw import idcard, idframe
from station.hw.errors import (
    IdCardNotGenuine,
    IdCardRemoved,
    IdNoCard,
    IdReaderGarbled,
    IdReaderMissing,
    IdReaderModuleFault,
    IdReaderNoAnswer,
    IdReaderRefused,
    LibraryMissing,
)
from station.hw.ports import (
    CardEvent,
    CardEventKind,
    CardListener,
    CardRead,
    DeviceStatus,
    plugged_reader_status,
)

log = logging.getLogger("station.hw.idreader")

BAUD = 115200
FIND_TIMEOUT = 0.4  # find / select answers are 11–19 bytes
READ_TIMEOUT = 1.5  # the base read answer is 1295 bytes: ~113 ms at 115200 baud
ATTEMPTS = 2
POLL_INTERVAL = 0.15
PROBE_TIMEOUT = 0.3
MAX_PROBED_PORTS = 4

# USB VID:PID pairs of ID card readers' virtual COM ports seen in public code (see
# docs/HARDWARE.md); probed first. Other USB serial ports are probed after them.
KNOWN_USB_IDS: frozenset[tuple[int, int]] = frozenset({(0x0400, 0xC35A)})

_COMMON_SW = {idframe.SW_CHECKSUM, idframe.SW_LENGTH, idframe.SW_COMMAND, idframe.SW_PRIVILEGE,
              idframe.SW_UNKNOWN, idframe.SW_CARD_AUTH_SAM, idframe.SW_SAM_AUTH_CARD,
              idframe.SW_INFO_VERIFY, idframe.SW_CARD_TYPE, idframe.SW_RANDOM,
              idframe.SW_SELF_TEST, idframe.SW_UNAUTHORISED, idframe.SW_ITEM_EMPTY}


def _serial() -> Any:
    try:
        import serial
    except ImportError:
        raise LibraryMissing(library="pyserial") from None
    return serial


def _is_answer_to(cmd: tuple[int, int], answer: idframe.Answer) -> bool:
    """Whether ``answer`` can be the answer to ``cmd`` (a late answer to an earlier,
    timed-out command is skipped rather than taken for this one's)."""
    sw3, n = answer.sw3, len(answer.data)
    if sw3 in _COMMON_SW:
        return True
    if cmd == idframe.FIND_CARD:
        return sw3 in (idframe.SW_FOUND, idframe.SW_NOT_FOUND)
    if cmd == idframe.SELECT_CARD:
        return (sw3 == idframe.SW_OK and n <= 16) or sw3 == idframe.SW_NOT_SELECTED
    if cmd == idframe.READ_BASE:
        return (sw3 == idframe.SW_OK and n >= 4 + idframe.TEXT_LEN) or \
            sw3 == idframe.SW_READ_FAILED
    return True


def _raise_status(sw3: int) -> None:
    code = f"{sw3:02X}"
    if sw3 in (idframe.SW_NOT_FOUND,):
        raise IdNoCard()
    if sw3 in (idframe.SW_NOT_SELECTED, idframe.SW_READ_FAILED):
        raise IdCardRemoved()
    if sw3 in (idframe.SW_CARD_AUTH_SAM, idframe.SW_SAM_AUTH_CARD, idframe.SW_INFO_VERIFY,
               idframe.SW_CARD_TYPE):
        raise IdCardNotGenuine(code=code)
    if sw3 in (idframe.SW_RANDOM, idframe.SW_SELF_TEST, idframe.SW_UNAUTHORISED):
        raise IdReaderModuleFault(code=code)
    if sw3 in (idframe.SW_CHECKSUM, idframe.SW_LENGTH):
        raise IdReaderGarbled()
    raise IdReaderRefused(code=code)


class SerialIdCardReader:
    """One 二代证 reader on one serial port."""

    training = False

    def __init__(self, port: str, *, baudrate: int = BAUD, today: Callable[[], date] = date.today,
                 poll_interval: float = POLL_INTERVAL, find_timeout: float = FIND_TIMEOUT,
                 read_timeout: float = READ_TIMEOUT) -> None:
        self._serial_mod = _serial()
        self.port = port
        self._baudrate = baudrate
        self._today = today
        self._poll_interval = poll_interval
        self._find_timeout = find_timeout
        self._read_timeout = read_timeout
        self._lock = threading.RLock()
        self._link: Any = None
        self._listeners: list[CardListener] = []
        self._poller: threading.Thread | None = None
        self._stop = threading.Event()
        self._present = False

    @property
    def name(self) -> str:
        from shared.i18n import t

        return t("idcard.reader_name", port=self.port)

    # -- the link ---------------------------------------------------------------
    def _open(self) -> Any:
        if self._link is None:
            s = self._serial_mod
            try:
                self._link = s.Serial(self.port, self._baudrate, timeout=0.02,
                                      write_timeout=1.0)
            except (s.SerialException, OSError, ValueError):
                raise IdReaderMissing(port=self.port) from None
        return self._link

    def _drop(self) -> None:
        if self._link is not None:
            with contextlib.suppress(Exception):  # closing a vanished port
                self._link.close()
            self._link = None

    def find_card_once(self, timeout: float) -> None:
        """Send one find-card frame and read one frame back, without retry (``probe``);
        raises ``FrameError`` / ``IdReaderMissing`` / ``OSError`` when nothing answers."""
        with self._lock:
            link = self._open()
            link.reset_input_buffer()
            link.write(idframe.command(idframe.FIND_CARD))
            link.flush()
            idframe.read_frame(link.read, timeout)

    def transact(self, cmd: tuple[int, int], timeout: float) -> idframe.Answer:
        """One command, its answer; retried once on silence, half frames and bad checks."""
        s = self._serial_mod
        with self._lock:
            failure = "timeout"
            for _attempt in range(ATTEMPTS):
                link = self._open()
                try:
                    link.reset_input_buffer()  # drop what a half or late answer left
                    link.write(idframe.command(cmd))
                    link.flush()
                    answer = self._answer(link, cmd, timeout)
                except idframe.FrameError as err:
                    failure = err.kind
                    log.info("ID card reader: %s answer to %02X%02X", err.kind, *cmd)
                    continue
                except (s.SerialException, OSError):
                    self._drop()
                    raise IdReaderMissing(port=self.port) from None
                if answer.sw3 in (idframe.SW_CHECKSUM, idframe.SW_LENGTH):
                    failure = "check"  # the reader got our frame damaged: send it again
                    continue
                return answer
            if failure == "timeout":
                raise IdReaderNoAnswer()
            raise IdReaderGarbled()

    def _answer(self, link: Any, cmd: tuple[int, int], timeout: float) -> idframe.Answer:
        import time

        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise idframe.FrameError("timeout")
            answer = idframe.parse_answer(idframe.read_frame(link.read, left))
            if _is_answer_to(cmd, answer):
                return answer

    # -- CardReader port ------------------------------------------------------------
    def readers(self) -> list[str]:
        try:
            with self._lock:
                self._open()
        except IdReaderMissing:
            return []
        return [self.name]

    def card_present(self, reader: str | None = None) -> bool:
        answer = self.transact(idframe.FIND_CARD, self._find_timeout)
        if answer.sw3 == idframe.SW_FOUND:
            return True
        if answer.sw3 == idframe.SW_NOT_FOUND:
            return False
        _raise_status(answer.sw3)
        return False

    def read(self, reader: str | None = None) -> CardRead:
        with self._lock:
            if not self.card_present():
                raise IdNoCard()
            select = self.transact(idframe.SELECT_CARD, self._find_timeout)
            if select.sw3 != idframe.SW_OK:
                _raise_status(select.sw3)
            answer = self.transact(idframe.READ_BASE, self._read_timeout)
        if answer.sw3 != idframe.SW_OK:
            _raise_status(answer.sw3)
        data = answer.data
        text_len = int.from_bytes(data[0:2], "big")
        if text_len != idframe.TEXT_LEN:
            raise IdReaderGarbled()
        # data[2:4] is the photo's length; the photo itself is not looked at.
        block = data[4:4 + idframe.TEXT_LEN]
        return idcard.card_read(block, self.name, self._today())

    def subscribe(self, listener: CardListener) -> Callable[[], None]:
        with self._lock:
            self._listeners.append(listener)
            if self._poller is None or not self._poller.is_alive():
                self._stop.clear()
                self._present = False
                self._poller = threading.Thread(target=self._poll, name="idcard-poll",
                                                daemon=True)
                self._poller.start()

        def unsubscribe() -> None:
            with self._lock:
                if listener in self._listeners:
                    self._listeners.remove(listener)
                if not self._listeners:
                    self._stop.set()

        return unsubscribe

    def _poll(self) -> None:
        """Find-card every interval; a change of answer is an insert or remove event."""
        while not self._stop.wait(self._poll_interval):
            try:
                present = self.card_present()
            except Exception as err:  # the reader unplugged or misbehaving: try again later
                log.info("ID card reader poll: %s", type(err).__name__)
                present = False
            if present == self._present:
                continue
            self._present = present
            kind = CardEventKind.INSERTED if present else CardEventKind.REMOVED
            with self._lock:
                listeners = list(self._listeners)
            for listener in listeners:
                try:
                    listener(CardEvent(kind, self.name))
                except Exception as err:  # a listener's bug must not stop the polling
                    log.error("card listener failed: %s", type(err).__name__)

    def close(self) -> None:
        self._stop.set()
        poller = self._poller
        if poller is not None and poller is not threading.current_thread():
            poller.join(timeout=2.0)
        with self._lock:
            self._listeners.clear()
            self._drop()

    def describe(self) -> DeviceStatus:
        return plugged_reader_status(self)


def probe(port: str, timeout: float = PROBE_TIMEOUT) -> bool:
    """Whether ``port`` answers a find-card frame like an ID card reader (one try, bounded)."""
    try:
        reader = SerialIdCardReader(port, find_timeout=timeout)
    except LibraryMissing:
        return False
    try:
        reader.find_card_once(timeout)
        return True
    except (idframe.FrameError, IdReaderMissing, OSError, ValueError):
        return False
    except Exception as err:  # a serial driver's own error: not a reader
        log.info("probe %s: %s", port, type(err).__name__)
        return False
    finally:
        reader.close()


def candidate_ports() -> list[str]:
    """USB serial ports from pyserial's list, known ID-reader VID:PIDs first."""
    try:
        from serial.tools import list_ports
    except ImportError:
        return []
    ports = [p for p in list_ports.comports() if p.vid is not None]
    ports.sort(key=lambda p: ((p.vid, p.pid) not in KNOWN_USB_IDS, p.device))
    return [p.device for p in ports]


def find_port(setting: str, *, probe_fn: Callable[[str], bool] = probe,
              candidates: Callable[[], list[str]] = candidate_ports) -> str | None:
    """The configured port, or (``auto``) the first USB serial port that answers a probe.
    ``off`` (or empty) means no ID card reader. Probing is bounded to a few ports."""
    setting = (setting or "").strip()
    if setting in ("", "off"):
        return None
    if setting != "auto":
        return setting
    for port in candidates()[:MAX_PROBED_PORTS]:
        if probe_fn(port):
            return port
    return None
