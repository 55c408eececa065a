"""The PC/SC card reader adapter (pyscard → pcscd) for the social-security card.

pyscard is imported lazily so the station runs (simulated reader, manual entry)
on a laptop without it. Raw PC/SC result codes are turned into the typed errors
of `station.hw.errors` here and nowhere else.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import date
from typing import Any

from station.hw import sscard
from station.hw.errors import (
    CardCommError,
    CardRemovedError,
    CardServiceError,
    LibraryMissing,
    NoCardError,
    NoReaderError,
    ReaderGoneError,
)
from station.hw.ports import (
    CardEvent,
    CardEventKind,
    CardListener,
    CardRead,
    DeviceStatus,
    plugged_reader_status,
)

# PC/SC result codes (winscard), masked to 32 bits for comparison.
E_NO_SERVICE = 0x8010001D
E_SERVICE_STOPPED = 0x8010001E
E_NO_READERS = 0x8010002E
E_UNKNOWN_READER = 0x80100009
E_READER_UNAVAILABLE = 0x80100017
E_NO_SMARTCARD = 0x8010000C
E_TIMEOUT = 0x8010000A
E_INVALID_HANDLE = 0x80100003
E_NOT_TRANSACTED = 0x80100016
F_COMM_ERROR = 0x80100013
W_UNRESPONSIVE = 0x80100066
W_UNPOWERED = 0x80100067
W_RESET = 0x80100068
W_REMOVED = 0x80100069

_SERVICE = {E_NO_SERVICE, E_SERVICE_STOPPED, E_INVALID_HANDLE}
_READER_GONE = {E_UNKNOWN_READER, E_READER_UNAVAILABLE}
_CARD_GONE = {E_NO_SMARTCARD, W_REMOVED}
_RETRY_CONNECT = {W_UNPOWERED, W_UNRESPONSIVE, W_RESET, E_NO_SMARTCARD, W_REMOVED}


class _CardLost(Exception):
    """The card stopped answering but pcscd still reports it present."""


def _scard() -> Any:
    try:
        from smartcard import scard
    except ImportError:
        raise LibraryMissing(library="pyscard") from None
    return scard


def _code(hresult: int) -> int:
    return hresult & 0xFFFFFFFF


class PcscCardReader:
    """Reads the card through pcscd; events come from pyscard's CardMonitor."""

    training = False

    def __init__(self, *, today: Callable[[], date] = date.today) -> None:
        self._s = _scard()
        self._ctx: Any = None
        self._lock = threading.RLock()
        self._today = today
        self._observers: list[Any] = []

    # -- context ----------------------------------------------------------------
    def _context(self) -> Any:
        with self._lock:
            if self._ctx is None:
                hr, ctx = self._s.SCardEstablishContext(self._s.SCARD_SCOPE_USER)
                if hr != 0:
                    raise CardServiceError()
                self._ctx = ctx
            return self._ctx

    def _drop_context(self) -> None:
        with self._lock:
            if self._ctx is not None:
                self._s.SCardReleaseContext(self._ctx)
                self._ctx = None

    def _call(self, fn: Callable[..., Any], *args: Any) -> Any:
        """Run one SCard call; a restarted pcscd invalidates the context, so retry once."""
        for attempt in (0, 1):
            result = fn(self._context(), *args)
            hr = _code(result[0])
            if hr in _SERVICE and attempt == 0:
                self._drop_context()
                continue
            if hr in _SERVICE:
                raise CardServiceError()
            return result
        raise CardServiceError()

    # -- port -------------------------------------------------------------------
    def readers(self) -> list[str]:
        hr, names = self._call(self._s.SCardListReaders, [])
        if self._observers:
            self.ensure_monitoring()
        hr = _code(hr)
        if hr == E_NO_READERS:
            return []
        if hr != 0:
            raise CardCommError(code=f"{hr:08X}")
        return list(names)

    def _state(self, reader: str, known: int, timeout_ms: int) -> int:
        hr, states = self._call(self._s.SCardGetStatusChange, timeout_ms, [(reader, known)])
        hr = _code(hr)
        if hr == E_TIMEOUT:
            return known & ~self._s.SCARD_STATE_CHANGED
        if hr in _READER_GONE:
            raise ReaderGoneError()
        if hr != 0:
            raise CardCommError(code=f"{hr:08X}")
        return states[0][1]

    def card_present(self, reader: str | None = None) -> bool:
        names = [reader] if reader else self.readers()
        for name in names:
            state = self._state(name, self._s.SCARD_STATE_UNAWARE, 0)
            if state & self._s.SCARD_STATE_PRESENT and not state & self._s.SCARD_STATE_MUTE:
                return True
        return False

    def wait_for(self, reader: str, present: bool, timeout: float = 5.0) -> bool:
        """Block until the reader reports a card (or none); pcscd polls, so this takes a beat."""
        s = self._s
        deadline = time.monotonic() + timeout
        state = self._state(reader, s.SCARD_STATE_UNAWARE, 0)
        while True:
            has = bool(state & s.SCARD_STATE_PRESENT) and not state & s.SCARD_STATE_MUTE
            if has == present:
                return True
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            state = self._state(reader, state & ~s.SCARD_STATE_CHANGED, int(left * 1000) + 1)

    def _pick_reader(self, reader: str | None) -> str:
        names = self.readers()
        if reader is not None:
            if reader not in names:
                raise ReaderGoneError()  # the reader the caller saw has been unplugged
            return reader
        if not names:
            raise NoReaderError()
        for name in names:
            if self.card_present(name):
                return name
        raise NoCardError()

    def read(self, reader: str | None = None) -> CardRead:
        name = self._pick_reader(reader)
        try:
            return self._read_once(name, reset=False)
        except _CardLost:
            # A card swapped faster than pcscd polls keeps its old handle but answers
            # nothing: power-cycle it once and read again.
            try:
                return self._read_once(name, reset=True)
            except _CardLost:
                raise CardRemovedError() from None

    def _read_once(self, name: str, *, reset: bool) -> CardRead:
        handle, protocol = self._connect(name)
        s = self._s
        if reset:
            hr, protocol = s.SCardReconnect(handle, s.SCARD_SHARE_SHARED,
                                            s.SCARD_PROTOCOL_T0 | s.SCARD_PROTOCOL_T1,
                                            s.SCARD_RESET_CARD)
            if _code(hr) != 0:
                s.SCardDisconnect(handle, s.SCARD_LEAVE_CARD)
                self._raise_io(name, _code(hr))
        try:
            s.SCardBeginTransaction(handle)

            def transmit(apdu: bytes) -> tuple[bytes, int]:
                hr, resp = s.SCardTransmit(handle, protocol, list(apdu))
                hr = _code(hr)
                if hr != 0:
                    self._raise_io(name, hr)
                if len(resp) < 2:
                    # vpcd answers nothing when the card side vanished mid-APDU.
                    if self.wait_for(name, False, timeout=1.0):
                        raise CardRemovedError()
                    raise _CardLost()
                return bytes(resp[:-2]), (resp[-2] << 8) | resp[-1]

            card, holder, warnings = sscard.read_card(transmit, self._today())
        finally:
            s.SCardEndTransaction(handle, s.SCARD_LEAVE_CARD)
            s.SCardDisconnect(handle, s.SCARD_LEAVE_CARD)
        return CardRead(reader=name, card=card, holder=holder, warnings=warnings)

    def _connect(self, name: str) -> tuple[Any, int]:
        s = self._s
        protocols = s.SCARD_PROTOCOL_T0 | s.SCARD_PROTOCOL_T1
        for attempt in range(3):
            hr, handle, protocol = self._call(s.SCardConnect, name, s.SCARD_SHARE_SHARED,
                                              protocols)
            hr = _code(hr)
            if hr == 0:
                return handle, protocol
            if hr in _READER_GONE:
                raise ReaderGoneError()
            if hr in _RETRY_CONNECT and attempt < 2:
                # A card put back before pcscd saw it leave reads as unpowered: wait
                # until pcscd settles on "present" and try again.
                if not self.wait_for(name, True, timeout=1.5):
                    raise NoCardError()
                continue
            if hr in _CARD_GONE:
                raise NoCardError()
            raise CardCommError(code=f"{hr:08X}")
        raise NoCardError()

    def _raise_io(self, name: str, hr: int) -> None:
        if hr in _READER_GONE:
            raise ReaderGoneError()
        if hr in _CARD_GONE or hr in (W_RESET, W_UNPOWERED):
            raise CardRemovedError()
        # Not transacted / comm error: a card pulled mid-APDU looks like this, and
        # pcscd notices the removal only at its next poll.
        if self.wait_for(name, False, timeout=1.0):
            raise CardRemovedError()
        raise _CardLost()

    # -- events -----------------------------------------------------------------
    def subscribe(self, listener: CardListener) -> Callable[[], None]:
        self._context()  # CardMonitor's thread dies noisily without pcscd: check first
        from smartcard.CardMonitoring import CardObserver

        class _Observer(CardObserver):
            def update(self, observable: object, handlers: Any) -> None:
                added, removed = handlers
                for card in removed:
                    listener(CardEvent(CardEventKind.REMOVED, str(card.reader),
                                       bytes(card.atr)))
                for card in added:
                    listener(CardEvent(CardEventKind.INSERTED, str(card.reader),
                                       bytes(card.atr)))

        observer = _Observer()
        with self._lock:
            monitor = _live_monitor(self._observers)
            self._observers.append(observer)
            monitor.addObserver(observer)

        def unsubscribe() -> None:
            with self._lock:
                if observer in self._observers:
                    self._observers.remove(observer)
                    _live_monitor(self._observers).deleteObserver(observer)

        return unsubscribe

    def ensure_monitoring(self) -> bool:
        """Restart event delivery if pyscard's monitor thread died (pcscd went away).

        Called from `readers()`, which the status bar polls, so events come back on
        their own once pcscd is back. True when a restart happened.
        """
        with self._lock:
            if not self._observers or _monitor_alive():
                return False
            # The monitor's thread builds its context unguarded: start it only once a
            # fresh context is granted (a restarting pcscd can refuse the first ones).
            hr, ctx = self._s.SCardEstablishContext(self._s.SCARD_SCOPE_USER)
            if hr != 0:
                return False
            self._s.SCardReleaseContext(ctx)
            _live_monitor(self._observers)
            return True

    def close(self) -> None:
        with self._lock:
            if self._observers:
                monitor = _live_monitor(self._observers)
                for observer in list(self._observers):
                    monitor.deleteObserver(observer)
            self._observers.clear()
        self._drop_context()

    def describe(self) -> DeviceStatus:
        return plugged_reader_status(self)


def _monitor_alive() -> bool:
    from smartcard import CardMonitoring as cm

    thread = cm.CardMonitoringThread.instance
    return thread is None or thread.is_alive()


def _live_monitor(observers: list[Any]) -> Any:
    """pyscard's CardMonitor, restarted with ``observers`` if its thread has died.

    pyscard's monitor thread stops for good on SCARD_E_NO_SERVICE, and both it and
    the monitor are process-wide singletons: forget both, start afresh, re-attach.
    """
    from smartcard import CardMonitoring as cm

    if _monitor_alive():
        monitor = cm.CardMonitor()  # the first call starts the thread
        _wait_ready(cm)
        return monitor
    with cm.CardMonitoringThread.lock:
        dead = cm.CardMonitoringThread.instance
        request = getattr(getattr(dead, "cardrequest", None), "pcsccardrequest", None)
        if request is not None:
            # its context died with pcscd: releasing it on GC would only raise
            request.hcontext = None
        cm.CardMonitoringThread.instance = None
    with cm.CardMonitor.lock:
        cm.CardMonitor.instance = None
    monitor = cm.CardMonitor()
    for observer in observers:
        if observer not in monitor.obs:
            monitor.addObserver(observer)
    _wait_ready(cm)
    return monitor


def _wait_ready(cm: Any, timeout: float = 2.0) -> None:
    """Return once the monitor thread holds its PC/SC context, so a pcscd that goes
    away right after cannot hit the thread's unguarded start."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        thread = cm.CardMonitoringThread.instance
        if thread is None or not thread.is_alive() or thread.cardrequest is not None:
            return
        time.sleep(0.005)
