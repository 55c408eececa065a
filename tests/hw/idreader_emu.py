"""An emulated resident ID card (二代证) reader on a pseudo-terminal, written from the sources.

Why from the sources and not from our adapter: the test must fail if the adapter
misreads the protocol. Every byte here follows docs/HARDWARE.md's table (GA 467-2013 and
the public reader code cited there):

- frames: ``AA AA AA 96 69 | LEN(2, big-endian) | CMD PARA | data | CHK``; LEN counts
  everything after itself; CHK = XOR of LEN1 … last data byte;
- strict on what it receives: a frame with a wrong check byte is answered SW3 10, an
  impossible length SW3 11, an unknown command SW3 21; bytes before a preamble are noise;
- the SAM's order: select (20 02) only after a successful find (20 01), else SW3 81;
  read (30 01) only after a select, else SW3 41; a read ends the selection;
- answers as the sources show them: find ``00 00 9F`` + 4 bytes, no card ``00 00 80``;
  select ``00 00 90`` + 8 bytes, failure ``00 00 81``; read ``00 00 90`` + text length
  ``01 00`` + photo length ``04 00`` + 256 + 1024 bytes, failure ``00 00 41``;
- bytes leave at the line rate (10 bits a byte at 115200 baud), as through a real UART.

Misbehaviour on demand: no card, the card removed mid-read (before select or before the
read), bad check bytes, a half frame then silence, slow answers.
"""

from __future__ import annotations

import contextlib
import os
import select
import termios
import threading
import time
import tty
from dataclasses import dataclass, field
from datetime import date

PREAMBLE = bytes.fromhex("AAAAAA9669")
TEXT_FIELDS = (("name", 30), ("sex", 2), ("ethnicity", 4), ("birth", 16), ("address", 70),
               ("id_number", 36), ("authority", 30), ("valid_from", 16), ("valid_to", 16),
               ("reserved", 36))


def xor(data: bytes) -> int:
    x = 0
    for b in data:
        x ^= b
    return x


def answer_frame(sw3: int, data: bytes = b"") -> bytes:
    body = (3 + len(data) + 1).to_bytes(2, "big") + bytes([0x00, 0x00, sw3]) + data
    return PREAMBLE + body + bytes([xor(body)])


def command_frame(cmd: int, para: int, data: bytes = b"") -> bytes:
    body = (2 + len(data) + 1).to_bytes(2, "big") + bytes([cmd, para]) + data
    return PREAMBLE + body + bytes([xor(body)])


@dataclass(frozen=True)
class Resident:
    """What is printed on a card; ``text_block()`` lays it out as the card's chip holds it."""

    name: str
    sex: str  # "1" 男 / "2" 女
    ethnicity: str  # GB 3304 code
    birth: date
    address: str
    id_number: str
    authority: str
    valid_from: date
    valid_to: date | None  # None → 长期

    def text_block(self) -> bytes:
        values = {
            "name": self.name, "sex": self.sex, "ethnicity": self.ethnicity,
            "birth": self.birth.strftime("%Y%m%d"), "address": self.address,
            "id_number": self.id_number, "authority": self.authority,
            "valid_from": self.valid_from.strftime("%Y%m%d"),
            "valid_to": "长期" if self.valid_to is None else self.valid_to.strftime("%Y%m%d"),
            "reserved": "",
        }
        out = b""
        for key, size in TEXT_FIELDS:
            raw = values[key].encode("utf-16-le")
            assert len(raw) <= size, key
            out += raw + " ".encode("utf-16-le") * ((size - len(raw)) // 2)
        assert len(out) == 256
        return out


def photo_bytes(seed: int = 7) -> bytes:
    """1024 bytes standing for the wlt photo (its content is opaque to the host)."""
    return bytes(((i * 31 + seed) & 0xFF) for i in range(1024))


@dataclass
class Misbehaviour:
    remove_before: str = ""  # "select" | "read": the card leaves just before that command
    bad_check: int = 0  # this many next answers carry a wrong check byte
    half_frames: int = 0  # this many next answers stop half-way, then silence
    delay: float = 0.0  # every answer waits this long first
    only_on: str = ""  # "find" | "select" | "read": the three above hit only that answer
    log: list[str] = field(default_factory=list)


class EmulatedIdReader:
    """A reader with one field in which a test places and removes cards."""

    def __init__(self, baud: int = 115200) -> None:
        self.master, self.slave = os.openpty()
        tty.setraw(self.slave)  # no echo, no line editing: bytes through as they are
        attrs = termios.tcgetattr(self.slave)
        attrs[4] = attrs[5] = termios.B115200
        termios.tcsetattr(self.slave, termios.TCSANOW, attrs)
        self.port = os.ttyname(self.slave)
        self.baud = baud
        self.card: Resident | None = None
        self.misbehave = Misbehaviour()
        self.received: list[bytes] = []  # whole command frames, for tests of strictness
        self.answers: list[int] = []  # SW3 of every answer sent
        self._found = False
        self._selected = False
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, name="id-reader-emu", daemon=True)
        self._thread.start()

    # -- what a test does -----------------------------------------------------------
    def place(self, resident: Resident) -> None:
        with self._lock:
            self.card = resident
            self._found = self._selected = False

    def remove(self) -> None:
        with self._lock:
            self.card = None
            self._found = self._selected = False

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        for fd in (self.master, self.slave):
            with contextlib.suppress(OSError):
                os.close(fd)

    # -- the reader's side ------------------------------------------------------------
    def _run(self) -> None:
        buf = b""
        started = 0.0
        while not self._stop.is_set():
            ready, _, _ = select.select([self.master], [], [], 0.05)
            if not ready:
                if buf and time.monotonic() - started > 0.5:
                    buf = b""  # a command that never completed: forget it
                continue
            try:
                chunk = os.read(self.master, 4096)
            except OSError:
                continue
            if not buf:
                started = time.monotonic()
            buf += chunk
            buf = self._consume(buf)

    def _consume(self, buf: bytes) -> bytes:
        while True:
            at = buf.find(PREAMBLE)
            if at < 0:
                return buf[-(len(PREAMBLE) - 1):]  # noise before a preamble is dropped
            buf = buf[at:]
            if len(buf) < 7:
                return buf
            length = int.from_bytes(buf[5:7], "big")
            if length < 3 or length > 0x0100:
                self._current = "other"
                self._send(answer_frame(0x11))  # 接收业务终端数据的长度错
                buf = buf[7:]
                continue
            if len(buf) < 7 + length:
                return buf
            whole, buf = buf[:7 + length], buf[7 + length:]
            self.received.append(whole)
            body = whole[5:-1]
            if xor(body) != whole[-1]:
                self._current = "other"
                self._send(answer_frame(0x10))  # 接收业务终端数据的校验和错
                continue
            self._command(whole[7], whole[8])

    def _command(self, cmd: int, para: int) -> None:
        m = self.misbehave
        self._current = {(0x20, 0x01): "find", (0x20, 0x02): "select",
                         (0x30, 0x01): "read"}.get((cmd, para), "other")
        with self._lock:
            if (cmd, para) == (0x20, 0x01):
                self._found = self.card is not None
                self._selected = False
                out = answer_frame(0x9F, bytes(4)) if self._found else answer_frame(0x80)
            elif (cmd, para) == (0x20, 0x02):
                if m.remove_before == "select":
                    self.card, m.remove_before = None, ""
                    m.log.append("removed before select")
                if self._found and self.card is not None:
                    self._selected = True
                    out = answer_frame(0x90, bytes(8))
                else:
                    self._found = False
                    out = answer_frame(0x81)
            elif (cmd, para) == (0x30, 0x01):
                if m.remove_before == "read":
                    self.card, m.remove_before = None, ""
                    m.log.append("removed before read")
                if self._selected and self.card is not None:
                    out = answer_frame(0x90, b"\x01\x00\x04\x00" + self.card.text_block()
                                       + photo_bytes())
                else:
                    out = answer_frame(0x41)
                self._found = self._selected = False
            elif (cmd, para) == (0x11, 0xFF):
                out = answer_frame(0x90)
            else:
                out = answer_frame(0x21)  # 接收业务终端的命令错误
        self._send(out)

    def _send(self, frame: bytes) -> None:
        m = self.misbehave
        self.answers.append(frame[9])
        if m.only_on and m.only_on != getattr(self, "_current", ""):
            self._write_paced(frame)
            return
        if m.delay:
            time.sleep(m.delay)
        if m.bad_check:
            m.bad_check -= 1
            frame = frame[:-1] + bytes([frame[-1] ^ 0x5A])
            m.log.append("bad check")
        if m.half_frames:
            m.half_frames -= 1
            frame = frame[:len(frame) // 2]
            m.log.append("half frame")
        self._write_paced(frame)

    def _write_paced(self, frame: bytes) -> None:
        """At the line rate: 10 bits a byte (start, 8 data, stop)."""
        per_byte = 10 / self.baud
        for i in range(0, len(frame), 64):
            chunk = frame[i:i + 64]
            t0 = time.monotonic()
            try:
                os.write(self.master, chunk)
            except OSError:
                return
            spare = len(chunk) * per_byte - (time.monotonic() - t0)
            if spare > 0:
                time.sleep(spare)
