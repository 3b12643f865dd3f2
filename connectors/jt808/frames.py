"""JT/T 808 framing: 0x7E flags, 0x7D escaping, XOR checksum, message header.

Frame on the wire: ``7E | header | body | checksum | 7E`` with every 0x7E and
0x7D between the flags escaped (0x7E → 7D 02, 0x7D → 7D 01). The checksum is
the XOR of header and body after unescaping. Multi-byte integers are
big-endian; the terminal phone number is BCD (6 bytes in 2013, 10 in 2019).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from connectors.errors import FrameError, bcd_digits

FLAG = 0x7E
ESCAPE = 0x7D
MAX_FRAME_BYTES = 4096  # a 1023-byte body, fully escaped, plus header: anything longer is garbage
BODY_LENGTH_MASK = 0x03FF
ENCRYPTION_MASK = 0x1C00
SUBPACKAGE_BIT = 1 << 13
VERSION_BIT = 1 << 14
BAD_ESCAPE = re.compile(rb"\x7d(?![\x01\x02])")


@dataclass(frozen=True, slots=True)
class Header:
    """A decoded message header."""

    msg_id: int
    body_length: int
    encryption: int  # bits 10-12 of the body properties; 0 = plain
    version_2019: bool
    protocol_version: int | None  # 2019 only
    phone: str  # BCD digits: 12 (2013) or 20 (2019)
    serial: int
    package_total: int | None = None
    package_index: int | None = None


@dataclass(frozen=True, slots=True)
class Frame:
    """A decoded frame: its header and body bytes."""

    header: Header
    body: bytes


def escape(payload: bytes) -> bytes:
    """Escape 0x7E and 0x7D for the wire."""
    return payload.replace(b"\x7d", b"\x7d\x01").replace(b"\x7e", b"\x7d\x02")


def unescape(data: bytes) -> bytes:
    """Undo escaping; a 0x7D not followed by 01 or 02 is a FrameError."""
    if ESCAPE not in data:
        return bytes(data)
    bad = BAD_ESCAPE.search(data)
    if bad is not None:
        raise FrameError(f"bad escape sequence at byte {bad.start()}")
    # every 0x7D now starts a pair, and pairs cannot overlap: replace them in turn
    return data.replace(b"\x7d\x02", b"\x7e").replace(b"\x7d\x01", b"\x7d")


def checksum(data: bytes) -> int:
    """XOR of all bytes."""
    value = 0
    for byte in data:
        value ^= byte
    return value


def digits_to_bcd(digits: str, *, size: int) -> bytes:
    """Digit string → BCD bytes of ``size``, left-padded with zeros."""
    if not digits.isdigit() or len(digits) > size * 2:
        raise ValueError(f"{digits!r} does not fit BCD[{size}]")
    return bytes.fromhex(digits.rjust(size * 2, "0"))


def parse_header(data: bytes) -> tuple[Header, int]:
    """Header from unescaped ``data``; returns it and the body's offset."""
    if len(data) < 12:
        raise FrameError(f"frame too short for a header: {len(data)} bytes")
    msg_id = int.from_bytes(data[0:2], "big")
    props = int.from_bytes(data[2:4], "big")
    version_2019 = bool(props & VERSION_BIT)
    if version_2019:
        if len(data) < 17:
            raise FrameError("frame too short for a 2019 header")
        protocol_version, phone, serial_at = data[4], bcd_digits(data[5:15]), 15
    else:
        protocol_version, phone, serial_at = None, bcd_digits(data[4:10]), 10
    serial = int.from_bytes(data[serial_at : serial_at + 2], "big")
    offset = serial_at + 2
    total = index = None
    if props & SUBPACKAGE_BIT:
        if len(data) < offset + 4:
            raise FrameError("frame too short for its sub-package fields")
        total = int.from_bytes(data[offset : offset + 2], "big")
        index = int.from_bytes(data[offset + 2 : offset + 4], "big")
        offset += 4
    header = Header(
        msg_id,
        props & BODY_LENGTH_MASK,
        (props & ENCRYPTION_MASK) >> 10,
        version_2019,
        protocol_version,
        phone,
        serial,
        total,
        index,
    )
    return header, offset


def decode_frame(raw: bytes) -> Frame:
    """One frame (with or without its 0x7E flags) → header and body, fully checked."""
    inner = raw[1:-1] if raw[:1] == b"\x7e" and raw[-1:] == b"\x7e" and len(raw) >= 2 else raw
    if FLAG in inner:
        raise FrameError("unescaped 0x7E inside the frame")
    data = unescape(inner)
    if len(data) < 13:
        raise FrameError(f"frame too short: {len(data)} bytes")
    if checksum(data[:-1]) != data[-1]:
        raise FrameError(
            f"checksum mismatch: computed 0x{checksum(data[:-1]):02X}, frame says 0x{data[-1]:02X}"
        )
    header, offset = parse_header(data[:-1])
    body = data[offset:-1]
    if len(body) != header.body_length:
        raise FrameError(f"body is {len(body)} bytes, header says {header.body_length}")
    return Frame(header, body)


def encode_frame(
    *,
    msg_id: int,
    phone: str,
    serial: int,
    body: bytes,
    version_2019: bool = False,
    protocol_version: int = 1,
) -> bytes:
    """A complete escaped frame with flags (no sub-packaging, no encryption)."""
    if len(body) > BODY_LENGTH_MASK:
        raise ValueError("body longer than 1023 bytes needs sub-packaging")
    props = len(body) | (VERSION_BIT if version_2019 else 0)
    head = msg_id.to_bytes(2, "big") + props.to_bytes(2, "big")
    if version_2019:
        head += bytes([protocol_version]) + digits_to_bcd(phone, size=10)
    else:
        head += digits_to_bcd(phone, size=6)
    payload = head + (serial & 0xFFFF).to_bytes(2, "big") + body
    return b"\x7e" + escape(payload + bytes([checksum(payload)])) + b"\x7e"


class FrameSplitter:
    """Cuts a TCP byte stream into raw frames (flags included).

    Bytes before the first flag are dropped; a run longer than
    MAX_FRAME_BYTES without a closing flag is discarded and reported, so a
    terminal sending garbage cannot grow the buffer without bound.
    """

    def __init__(self, max_frame_bytes: int = MAX_FRAME_BYTES) -> None:
        self.max_frame_bytes = max_frame_bytes
        self._buffer = bytearray()
        self.discarded_bytes = 0

    @property
    def pending_bytes(self) -> int:
        """Bytes held of a frame not yet complete."""
        return len(self._buffer)

    def feed(self, data: bytes) -> list[bytes]:
        """Add received bytes; return the complete frames now available."""
        self._buffer += data
        frames = []
        while True:
            start = self._buffer.find(b"\x7e")
            if start < 0:
                self.discarded_bytes += len(self._buffer)
                self._buffer.clear()
                break
            if start:
                self.discarded_bytes += start
                del self._buffer[:start]
            end = self._buffer.find(b"\x7e", 1)
            if end < 0:
                if len(self._buffer) > self.max_frame_bytes:
                    self.discarded_bytes += len(self._buffer)
                    self._buffer.clear()
                break
            if end == 1:  # two flags in a row: the second opens the next frame
                del self._buffer[:1]
                continue
            frames.append(bytes(self._buffer[: end + 1]))
            del self._buffer[: end + 1]
        return frames
