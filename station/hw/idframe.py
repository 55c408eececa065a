"""Frames of the resident ID card (二代证) reader's serial link, built and checked.

Why its own module: the frame rules (preamble, two-byte length, XOR check byte) are the
whole contract with the reader's security module (SAM); keeping them apart from the
adapter lets the rules be tested byte for byte against the public sources cited in
docs/HARDWARE.md (GA 467-2013 and public reader code):

    command: AA AA AA 96 69 | LEN1 LEN2 | CMD PARA | data | CHK
    answer:  AA AA AA 96 69 | LEN1 LEN2 | SW1 SW2 SW3 | data | CHK

LEN counts every byte after itself (CMD/PARA or SW1-3, data and CHK); CHK is the XOR
of LEN1 through the last data byte.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

PREAMBLE = bytes.fromhex("AAAAAA9669")

# Commands (CMD, PARA).
FIND_CARD = (0x20, 0x01)  # 寻找居民身份证
SELECT_CARD = (0x20, 0x02)  # 选取居民身份证
READ_BASE = (0x30, 0x01)  # 读机读文字信息和相片信息
SAM_STATUS = (0x11, 0xFF)  # SAM 状态检测

# SW3: the SAM's operation status (SW1 SW2 are 00 00 in every answer the sources show).
SW_OK = 0x90  # 操作成功
SW_FOUND = 0x9F  # 寻找证/卡成功
SW_ITEM_EMPTY = 0x91  # 证/卡中此项无内容
SW_CHECKSUM = 0x10  # 接收业务终端数据的校验和错
SW_LENGTH = 0x11  # 接收业务终端数据的长度错
SW_COMMAND = 0x21  # 接收业务终端的命令错误
SW_PRIVILEGE = 0x23  # 越权操作
SW_UNKNOWN = 0x24  # 无法识别的错误
SW_CARD_AUTH_SAM = 0x31  # 证/卡认证 SAM 失败
SW_SAM_AUTH_CARD = 0x32  # SAM 认证证/卡失败
SW_INFO_VERIFY = 0x33  # 信息验证错误
SW_CARD_TYPE = 0x40  # 无法识别的证/卡类型
SW_READ_FAILED = 0x41  # 读证/卡操作失败
SW_RANDOM = 0x47  # 取随机数失败
SW_SELF_TEST = 0x60  # SAM 自检失败
SW_UNAUTHORISED = 0x66  # SAM 未经授权
SW_NOT_FOUND = 0x80  # 寻找证/卡失败
SW_NOT_SELECTED = 0x81  # 选取证/卡失败

TEXT_LEN = 256
PHOTO_LEN = 1024
MAX_LEN = 0x0508 + 0x0400  # the base read is 0x0508; leave room for fingerprint answers


def check_byte(body: bytes) -> int:
    """XOR of the length bytes and everything after them except the check byte itself."""
    x = 0
    for b in body:
        x ^= b
    return x


def frame(head: bytes, data: bytes = b"") -> bytes:
    """A whole frame around ``head`` (CMD PARA, or SW1 SW2 SW3) and ``data``."""
    length = len(head) + len(data) + 1
    body = length.to_bytes(2, "big") + head + data
    return PREAMBLE + body + bytes([check_byte(body)])


def command(cmd: tuple[int, int], data: bytes = b"") -> bytes:
    return frame(bytes(cmd), data)


class FrameError(Exception):
    """The bytes on the wire are not a well-formed answer (kind: timeout, check, length)."""

    def __init__(self, kind: str) -> None:
        super().__init__(kind)
        self.kind = kind


@dataclass(frozen=True)
class Answer:
    sw1: int
    sw2: int
    sw3: int
    data: bytes = field(repr=False)  # may hold the resident's text block


def read_frame(read: Callable[[int], bytes], timeout: float, *,
               clock: Callable[[], float] = time.monotonic) -> bytes:
    """One frame's LEN..CHK bytes, after skipping anything before the preamble.

    ``read(n)`` returns up to n bytes (fewer, or none, on its own short timeout). The
    whole frame must arrive within ``timeout`` seconds: a half frame followed by
    silence is a ``FrameError("timeout")``, never a hang.
    """
    deadline = clock() + timeout
    window = b""
    while window != PREAMBLE:
        chunk = _read_some(read, 1, deadline, clock)
        window = (window + chunk)[-len(PREAMBLE):]
    head = _read_exact(read, 2, deadline, clock)
    length = int.from_bytes(head, "big")
    if length < 2 or length > MAX_LEN:
        raise FrameError("length")
    body = _read_exact(read, length, deadline, clock)
    whole = head + body
    if check_byte(whole[:-1]) != whole[-1]:
        raise FrameError("check")
    return whole


def parse_answer(whole: bytes) -> Answer:
    """LEN..CHK of an answer (already checked) → the status bytes and data."""
    if len(whole) < 6:
        raise FrameError("length")
    return Answer(whole[2], whole[3], whole[4], whole[5:-1])


def parse_command(whole: bytes) -> tuple[int, int, bytes]:
    """LEN..CHK of a command (already checked) → CMD, PARA, data."""
    if len(whole) < 5:
        raise FrameError("length")
    return whole[2], whole[3], whole[4:-1]


def _read_some(read: Callable[[int], bytes], n: int, deadline: float,
               clock: Callable[[], float]) -> bytes:
    while True:
        chunk = read(n)
        if chunk:
            return chunk
        if clock() >= deadline:
            raise FrameError("timeout")


def _read_exact(read: Callable[[int], bytes], n: int, deadline: float,
                clock: Callable[[], float]) -> bytes:
    out = b""
    while len(out) < n:
        out += _read_some(read, n - len(out), deadline, clock)
    return out
