"""An emulated MOHRSS social-security card speaking vpcd's socket protocol.

Why our own: Debian's ``vicc`` is broken on Python 3. vpcd (loaded by pcscd) listens on
a TCP port; the card side connects (= card inserted) and closes (= card removed).
Frames both ways are a 2-byte big-endian length and the payload; 1-byte frames are
control (0 off, 1 on, 2 reset, 4 ATR request), longer ones are APDUs.

vpcd writes length and payload in two writes without TCP_NODELAY, so the card sets
TCP_NODELAY and re-arms TCP_QUICKACK after every receive; otherwise each APDU costs
~44 ms of Nagle + delayed ACK.

The card can misbehave on request (`Misbehaviour`) so the reader's error paths are
exercised through the real daemon.
"""

from __future__ import annotations

import contextlib
import enum
import socket
import struct
import threading
from dataclasses import dataclass, field
from datetime import date

SSSE_AID = bytes.fromhex("7378312E73682EC9E7BBE1B1A3D5CF")  # "sx1.sh.社会保障" in GBK
ATR = bytes.fromhex("3B6E00000081319F8065FF000000000000000000")  # fixed, arbitrary ATR

SW_OK = b"\x90\x00"
SW_NOT_FOUND = b"\x6a\x82"
SW_RECORD_NOT_FOUND = b"\x6a\x83"
SW_NO_CURRENT_EF = b"\x69\x86"
SW_SECURITY = b"\x69\x82"
SW_INS_UNKNOWN = b"\x6d\x00"


class Misbehaviour(enum.Enum):
    NONE = "none"
    WRONG_AID = "wrong_aid"  # the application is not there: not a social-security card
    SHORT_RECORD = "short_record"  # the holder's name record is cut short
    GARBAGE_TLV = "garbage_tlv"  # records carry the wrong tag / impossible length
    DISCONNECT = "disconnect"  # the card vanishes in the middle of reading EF06
    PIN = "pin"  # EF06 records need a PIN (6982)
    PIN_TRIES = "pin_tries"  # EF06 answers 63C2 (PIN verification pending, 2 tries left)


@dataclass
class CardHolder:
    """What the emulated card carries; defaults are a clearly fictional resident."""

    name: str = "测试卡甲"
    id_number: str = "11010519491231002X"
    sex: str = "2"  # GB/T 2261: 1 male, 2 female
    ethnicity: int = 1  # GB 3304: 01 汉族
    birthplace: str = "110105"
    birth_date: date = date(1949, 12, 31)
    card_number: str = "T00000001"
    issue_date: date = date(2024, 1, 15)
    expiry_date: date = date(2034, 1, 15)
    issuer: str = "310000000000"
    card_id: str = "310000D15600000500000000000000AA"  # 16 bytes, hex

    def ef05(self) -> dict[int, bytes]:
        return {
            0x01: bytes.fromhex(self.card_id),
            0x02: b"3",
            0x03: b"3.00",
            0x04: self.issuer.encode("ascii").ljust(12, b"\x00"),
            0x05: bcd_date(self.issue_date),
            0x06: bcd_date(self.expiry_date),
            0x07: self.card_number.encode("ascii").ljust(9, b"\x00"),
        }

    def ef06(self) -> dict[int, bytes]:
        return {
            0x08: self.id_number.encode("ascii").ljust(18, b"\x00"),
            0x09: self.name.encode("gbk").ljust(30, b"\x00"),
            0x0A: self.sex.encode("ascii"),
            0x0B: bytes.fromhex(f"{self.ethnicity:02d}"),
            0x0C: bytes.fromhex(self.birthplace),
            0x0D: bcd_date(self.birth_date),
        }


def bcd_date(day: date) -> bytes:
    return bytes.fromhex(day.strftime("%Y%m%d"))


@dataclass
class _State:
    df: bool = False
    ef: int | None = None
    apdus: int = 0


@dataclass
class VirtualCard:
    """One card for one vpcd slot: `insert()` connects, `remove()` disconnects."""

    port: int
    holder: CardHolder = field(default_factory=CardHolder)
    misbehaviour: Misbehaviour = Misbehaviour.NONE
    host: str = "127.0.0.1"

    def __post_init__(self) -> None:
        self._sock: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self._state = _State()
        self.apdu_log: list[bytes] = []

    # -- insertion ------------------------------------------------------------------
    def insert(self, timeout: float = 5.0) -> None:
        if self._sock is not None:
            raise RuntimeError("card already inserted")
        sock = socket.create_connection((self.host, self.port), timeout=timeout)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.settimeout(None)
        self._sock = sock
        self._state = _State()
        self._thread = threading.Thread(target=self._serve, args=(sock,), daemon=True)
        self._thread.start()

    def remove(self) -> None:
        sock, self._sock = self._sock, None
        if sock is not None:
            _close(sock)
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    @property
    def inserted(self) -> bool:
        return self._sock is not None

    # -- protocol -------------------------------------------------------------------
    def _serve(self, sock: socket.socket) -> None:
        try:
            while True:
                head = _recv_exact(sock, 2)
                if head is None:
                    return
                (length,) = struct.unpack(">H", head)
                payload = _recv_exact(sock, length) if length else b""
                if payload is None:
                    return
                reply = self._handle(payload)
                if reply is _VANISH:
                    _close(sock)
                    if self._sock is sock:
                        self._sock = None
                    return
                if reply is not None:
                    sock.sendall(struct.pack(">H", len(reply)) + reply)
        except OSError:
            return

    def _handle(self, payload: bytes) -> bytes | object | None:
        if len(payload) == 1:
            code = payload[0]
            if code == 4:
                return ATR
            if code in (0, 1, 2):
                self._state = _State()
                return None
            return None
        self.apdu_log.append(payload)
        self._state.apdus += 1
        return self._apdu(payload)

    def _apdu(self, apdu: bytes) -> bytes | object:
        _cla, ins, p1, _p2 = apdu[:4]
        body = apdu[5 : 5 + apdu[4]] if len(apdu) > 5 else b""
        mis = self.misbehaviour
        if ins == 0xA4 and p1 == 0x04:
            ok = body == SSSE_AID and mis is not Misbehaviour.WRONG_AID
            self._state.df, self._state.ef = ok, None
            return SW_OK if ok else SW_NOT_FOUND
        if ins == 0xA4:
            fid = int.from_bytes(body, "big") if body else -1
            if not self._state.df or fid not in (0xEF05, 0xEF06):
                return SW_NOT_FOUND
            self._state.ef = fid
            return SW_OK
        if ins == 0xB2:
            return self._read_record(p1, apdu[4] if len(apdu) == 5 else 0)
        return SW_INS_UNKNOWN

    def _read_record(self, rec: int, le: int) -> bytes | object:
        ef = self._state.ef
        if ef is None:
            return SW_NO_CURRENT_EF
        records = self.holder.ef05() if ef == 0xEF05 else self.holder.ef06()
        mis = self.misbehaviour
        if ef == 0xEF06 and mis is Misbehaviour.DISCONNECT and rec == 0x09:
            return _VANISH
        if ef == 0xEF06 and mis is Misbehaviour.PIN:
            return SW_SECURITY
        if ef == 0xEF06 and mis is Misbehaviour.PIN_TRIES:
            return b"\x63\xc2"
        if rec not in records:
            return SW_RECORD_NOT_FOUND
        value = records[rec]
        tlv = bytes([rec, len(value)]) + value
        if mis is Misbehaviour.SHORT_RECORD and rec == 0x09:
            tlv = tlv[:6]
        if mis is Misbehaviour.GARBAGE_TLV and ef == 0xEF06:
            tlv = bytes([0x5A, 0xFF]) + value[:3]
        if le and le < len(tlv) and mis is Misbehaviour.NONE:
            return bytes([0x6C, len(tlv)])
        return tlv + SW_OK


_VANISH = object()


def _recv_exact(sock: socket.socket, n: int) -> bytes | None:
    buf = bytearray()
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            return None
        _quickack(sock)  # ack vpcd's length write now, or Nagle holds back its payload
        buf += chunk
    return bytes(buf)


def _quickack(sock: socket.socket) -> None:
    # Linux clears QUICKACK after use: re-arm it on every receive.
    quickack = getattr(socket, "TCP_QUICKACK", None)
    if quickack is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.IPPROTO_TCP, quickack, 1)


def _close(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    sock.close()
