"""An emulated MOHRSS social-security card speaking vpcd's socket protocol.

Why our own: Debian's ``vicc`` is broken on Python 3. vpcd (loaded by pcscd) listens on
a TCP port; the card side connects (= card inserted) and closes (= card removed).
Frames both ways are a 2-byte big-endian length and the payload; 1-byte frames are
control (0 off, 1 on, 2 reset, 4 ATR request), longer ones are APDUs.

vpcd writes length and payload in two writes without TCP_NODELAY, so the card sets
TCP_NODELAY and re-arms TCP_QUICKACK after every receive; otherwise each APDU costs
~44 ms of Nagle + delayed ACK.

The card's behaviour (`CardModel`) is written from public sources, not from our reader
(each cited in docs/HARDWARE.md, "The social-security card"):

* ISO/IEC 7816-4:2005 §7.3.3 READ RECORD, P2 (Table 49): bits b8-b4 a short EF identifier
  (0 = current EF), bits b3-b1 ``100`` = record number P1, ``000`` = first record whose
  identifier is P1; a record that is a SIMPLE-TLV data object uses its tag as identifier
  (§5.2, SIMPLE-TLV data objects). This card knows only those two modes: any other P2
  answers 6A86. A missing record answers 6A83, no current EF 6986, a wrong Le 6Cxx with
  the record's length (ISO/IEC 7816-3 T=0; status words as OpenSC's iso7816.c names them).
* The files, from public reader code (a7082633/HDOS_VC6, yxsylyh/hiquotion_cpp,
  ace-wh-gao/GeneralCardDispenser, xiguanxingxiahuaxian/ReadSccardProject): the
  application is selected by name ``sx1.sh.社会保障`` (GBK); EF05 (short EF id 5) holds
  records 01..07 as record numbers 1..7, EF06 (short EF id 6) holds 08, 09, 0A, 0B, 0C,
  0D as record numbers 1..6 (``00B2013414`` reads the social-security number,
  ``00B2023420`` the name); value sizes 16/1/4/12/4/4/9 and 18/30/1/1/3/4 bytes.

The card can misbehave on request (`Misbehaviour`) so the reader's error paths are
exercised through the real daemon.
"""

from __future__ import annotations

import contextlib
import enum
import socket
import struct
import threading
from dataclasses import dataclass
from datetime import date

SSSE_AID = bytes.fromhex("7378312E73682EC9E7BBE1B1A3D5CF")  # "sx1.sh.社会保障" in GBK
ATR = bytes.fromhex("3B6E00000081319F8065FF000000000000000000")  # fixed, arbitrary ATR
EF05, EF06, MF = 0xEF05, 0xEF06, 0x3F00
SHORT_EF_IDS = {5: EF05, 6: EF06}  # P2 b8-b4 in the sources' 00B2072C0B / 00B2013414

SW_OK = b"\x90\x00"
SW_WRONG_LENGTH = b"\x67\x00"
SW_NOT_FOUND = b"\x6a\x82"
SW_RECORD_NOT_FOUND = b"\x6a\x83"
SW_WRONG_P1P2 = b"\x6a\x86"
SW_NO_CURRENT_EF = b"\x69\x86"
SW_SECURITY = b"\x69\x82"
SW_PIN_BLOCKED = b"\x69\x83"
SW_INS_UNKNOWN = b"\x6d\x00"
SW_CLA_UNKNOWN = b"\x6e\x00"

BY_IDENTIFIER, BY_NUMBER = 0b000, 0b100  # P2 b3-b1


class Misbehaviour(enum.Enum):
    NONE = "none"
    WRONG_AID = "wrong_aid"  # the application is not there: not a social-security card
    SHORT_RECORD = "short_record"  # the holder's name record is cut short
    GARBAGE_TLV = "garbage_tlv"  # records carry the wrong tag / impossible length
    DISCONNECT = "disconnect"  # the card vanishes in the middle of reading EF06
    PIN = "pin"  # EF06 records need a PIN (6982 security status not satisfied)
    PIN_TRIES = "pin_tries"  # EF06 answers 63C2 (PIN verification pending, 2 tries left)
    PIN_BLOCKED = "pin_blocked"  # EF06 answers 6983 (authentication method blocked)
    NO_RECORD_ID = "no_record_id"  # refuses P2 = ...000 (record identifier): 6A86


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
        """Record identifier -> value, in record-number order (records 1..7)."""
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
        """Record identifier -> value, in record-number order (records 1..6)."""
        return {
            0x08: self.id_number.encode("ascii").ljust(18, b"\x00"),
            0x09: self.name.encode("gb18030").ljust(30, b"\x00"),
            0x0A: self.sex.encode("ascii"),
            0x0B: bytes.fromhex(f"{self.ethnicity:02d}"),
            0x0C: bytes.fromhex(self.birthplace),
            0x0D: bcd_date(self.birth_date),
        }


def bcd_date(day: date) -> bytes:
    return bytes.fromhex(day.strftime("%Y%m%d"))


_VANISH = object()


class CardModel:
    """The card's answers to APDUs, without a transport: unit tests drive it directly,
    `VirtualCard` puts it behind vpcd."""

    def __init__(self, holder: CardHolder | None = None,
                 misbehaviour: Misbehaviour = Misbehaviour.NONE) -> None:
        self.holder = holder or CardHolder()
        self.misbehaviour = misbehaviour
        self.reset()

    def reset(self) -> None:
        """Power-up state: nothing selected, no current record."""
        self.df = False
        self.ef: int | None = None
        self.current: int | None = None  # index of the current record (ISO 7816-4 Annex C)

    def transmit(self, apdu: bytes) -> tuple[bytes, int]:
        """``apdu -> (data, status word)`` for in-process use; a vanishing card raises."""
        reply = self.process(apdu)
        if reply is _VANISH:
            raise ConnectionError("card vanished")
        assert isinstance(reply, bytes)
        return reply[:-2], int.from_bytes(reply[-2:], "big")

    def process(self, apdu: bytes) -> bytes | object:
        if len(apdu) < 4:
            return SW_WRONG_LENGTH
        cla, ins = apdu[0], apdu[1]
        if cla != 0x00:
            return SW_CLA_UNKNOWN
        if ins == 0xA4:
            return self._select(apdu)
        if ins == 0xB2:
            return self._read_record(apdu)
        return SW_INS_UNKNOWN

    # -- SELECT -----------------------------------------------------------------------
    def _select(self, apdu: bytes) -> bytes:
        if len(apdu) < 5 or len(apdu) not in (5 + apdu[4], 6 + apdu[4]):
            return SW_WRONG_LENGTH
        p1, p2, body = apdu[2], apdu[3], apdu[5 : 5 + apdu[4]]
        if p2 not in (0x00, 0x0C):
            return SW_WRONG_P1P2
        if p1 == 0x04:  # by DF name
            ok = body == SSSE_AID and self.misbehaviour is not Misbehaviour.WRONG_AID
            self.df, self.ef, self.current = ok, None, None
            return SW_OK if ok else SW_NOT_FOUND
        if p1 not in (0x00, 0x02):  # by file identifier (sources send both)
            return SW_WRONG_P1P2
        if len(body) != 2:
            return SW_WRONG_LENGTH
        fid = int.from_bytes(body, "big")
        if fid == MF and p1 == 0x00:
            self.df, self.ef, self.current = False, None, None
            return SW_OK
        if not self.df or fid not in (EF05, EF06):
            return SW_NOT_FOUND
        self.ef, self.current = fid, None
        return SW_OK

    # -- READ RECORD ------------------------------------------------------------------
    def _records(self, ef: int) -> list[tuple[int, bytes]]:
        return list((self.holder.ef05() if ef == EF05 else self.holder.ef06()).items())

    def _read_record(self, apdu: bytes) -> bytes | object:
        if len(apdu) != 5:  # case 2 short: CLA INS P1 P2 Le, nothing else
            return SW_WRONG_LENGTH
        p1, p2, le = apdu[2], apdu[3], apdu[4] or 256
        sfi, mode = p2 >> 3, p2 & 0x07
        if sfi:
            fid = SHORT_EF_IDS.get(sfi)
            if fid is None or not self.df:
                return SW_NOT_FOUND
            if fid != self.ef:
                self.ef, self.current = fid, None
        if self.ef is None:
            return SW_NO_CURRENT_EF
        mis = self.misbehaviour
        if mode not in (BY_IDENTIFIER, BY_NUMBER) or p1 == 0xFF:
            return SW_WRONG_P1P2
        if mode == BY_IDENTIFIER and mis is Misbehaviour.NO_RECORD_ID:
            return SW_WRONG_P1P2
        if self.ef == EF06:
            if mis is Misbehaviour.PIN:
                return SW_SECURITY
            if mis is Misbehaviour.PIN_TRIES:
                return b"\x63\xc2"
            if mis is Misbehaviour.PIN_BLOCKED:
                return SW_PIN_BLOCKED
        records = self._records(self.ef)
        index = self._find(records, p1, mode)
        if index is None:
            return SW_RECORD_NOT_FOUND
        self.current = index
        tag, value = records[index]
        return self._answer(tag, value, le)

    def _find(self, records: list[tuple[int, bytes]], p1: int, mode: int) -> int | None:
        if mode == BY_NUMBER:
            if p1 == 0:
                return self.current
            return p1 - 1 if p1 <= len(records) else None
        if p1 == 0:  # identifier 00: the first record (Annex C)
            return 0 if records else None
        return next((i for i, (tag, _) in enumerate(records) if tag == p1), None)

    def _answer(self, tag: int, value: bytes, le: int) -> bytes | object:
        mis = self.misbehaviour
        in_holder = self.ef == EF06
        if in_holder and mis is Misbehaviour.DISCONNECT and tag == 0x09:
            return _VANISH
        tlv = bytes([tag, len(value)]) + value
        if mis is Misbehaviour.SHORT_RECORD and tag == 0x09:
            return tlv[:6] + SW_OK
        if mis is Misbehaviour.GARBAGE_TLV and in_holder:
            return bytes([0x5A, 0xFF]) + value[:3] + SW_OK
        if le != len(tlv):
            return bytes([0x6C, len(tlv)])
        return tlv + SW_OK


class VirtualCard:
    """One card for one vpcd slot: `insert()` connects, `remove()` disconnects."""

    def __init__(self, port: int, holder: CardHolder | None = None,
                 misbehaviour: Misbehaviour = Misbehaviour.NONE,
                 host: str = "127.0.0.1") -> None:
        self.port = port
        self.host = host
        self.model = CardModel(holder, misbehaviour)
        self._sock: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self.apdu_log: list[bytes] = []

    @property
    def holder(self) -> CardHolder:
        return self.model.holder

    @holder.setter
    def holder(self, holder: CardHolder) -> None:
        self.model.holder = holder

    @property
    def misbehaviour(self) -> Misbehaviour:
        return self.model.misbehaviour

    @misbehaviour.setter
    def misbehaviour(self, misbehaviour: Misbehaviour) -> None:
        self.model.misbehaviour = misbehaviour

    # -- insertion ------------------------------------------------------------------
    def insert(self, timeout: float = 60.0) -> None:
        if self._sock is not None:
            raise RuntimeError("card already inserted")
        sock = socket.create_connection((self.host, self.port), timeout=timeout)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.settimeout(None)
        self._sock = sock
        self.model.reset()
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
                    assert isinstance(reply, bytes)
                    sock.sendall(struct.pack(">H", len(reply)) + reply)
        except OSError:
            return

    def _handle(self, payload: bytes) -> bytes | object | None:
        if len(payload) == 1:
            code = payload[0]
            if code == 4:
                return ATR
            if code in (0, 1, 2):
                self.model.reset()
            return None
        self.apdu_log.append(payload)
        return self.model.process(payload)


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
