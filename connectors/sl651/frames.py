"""SL 651-2014 HEX/BCD frames: header, start/end markers, CRC-16.

Layout (uplink)::

    7E7E | centre 1B | station 5B BCD | password 2B | function 1B | dir+length 2B
         | STX 02 (or SYN 16 + 3 bytes of packet count/number) | body
         | ETX 03 (ETB 17: more packets follow) | CRC-16 2B (high byte first)

dir+length: high 4 bits 0000 uplink / 1000 downlink, low 12 bits body length.
CRC-16: polynomial 0xA001 (reflected 0x8005), initial 0xFFFF, over every
byte from the first 0x7E to the end marker inclusive.
"""

from __future__ import annotations

from dataclasses import dataclass

from connectors.errors import FrameError, bcd_digits

START = b"\x7e\x7e"
STX, SYN, ETX, ETB, ENQ, EOT = 0x02, 0x16, 0x03, 0x17, 0x05, 0x04
HEADER_BYTES = 13  # 7E7E + centre + station + password + function + dir/length
MAX_BODY_BYTES = 4095


@dataclass(frozen=True, slots=True)
class Frame:
    """A decoded frame."""

    centre: int
    station: str  # 10 BCD digits
    password: int
    function: int
    downlink: bool
    body: bytes
    end: int  # ETX, ETB, ENQ or EOT
    packet: tuple[int, int] | None = None  # (total, number) in multi-packet mode


def crc16(data: bytes) -> int:
    """SL 651's CRC-16 (Modbus polynomial 0xA001, initial 0xFFFF)."""
    crc = 0xFFFF
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
    return crc


def frame_length(head: bytes) -> int:
    """Total bytes of the frame whose first HEADER_BYTES + 1 bytes are ``head``."""
    length = int.from_bytes(head[11:13], "big") & 0x0FFF
    extra = 3 if head[13] == SYN else 0
    return HEADER_BYTES + 1 + extra + length + 1 + 2


def decode_frame(raw: bytes) -> Frame:
    """One complete HEX-mode frame → Frame, with its CRC and length checked."""
    if not raw.startswith(START):
        raise FrameError("frame does not start with 7E7E (ASCII mode is not supported)")
    if len(raw) < HEADER_BYTES + 4:
        raise FrameError(f"frame too short: {len(raw)} bytes")
    if len(raw) != frame_length(raw):
        raise FrameError(f"frame is {len(raw)} bytes, its header says {frame_length(raw)}")
    computed, stated = crc16(raw[:-2]), int.from_bytes(raw[-2:], "big")
    if computed != stated:
        raise FrameError(f"CRC mismatch: computed 0x{computed:04X}, frame says 0x{stated:04X}")
    marker = raw[HEADER_BYTES]
    if marker not in (STX, SYN):
        raise FrameError(f"expected STX or SYN after the header, got 0x{marker:02X}")
    body_at = HEADER_BYTES + 1 + (3 if marker == SYN else 0)
    packet = None
    if marker == SYN:
        value = int.from_bytes(raw[HEADER_BYTES + 1 : HEADER_BYTES + 4], "big")
        packet = (value >> 12, value & 0x0FFF)
    end = raw[-3]
    if end not in (ETX, ETB, ENQ, EOT):
        raise FrameError(f"unknown end marker 0x{end:02X}")
    direction = int.from_bytes(raw[11:13], "big") >> 12
    return Frame(
        raw[2],
        bcd_digits(raw[3:8]),
        int.from_bytes(raw[8:10], "big"),
        raw[10],
        direction == 0x8,
        raw[body_at:-3],
        end,
        packet,
    )


def encode_frame(
    *,
    centre: int,
    station: str,
    password: int,
    function: int,
    body: bytes,
    downlink: bool = False,
    end: int = ETX,
) -> bytes:
    """A complete single-packet HEX-mode frame with its CRC."""
    if len(body) > MAX_BODY_BYTES:
        raise ValueError("body longer than 4095 bytes")
    dir_len = (0x8000 if downlink else 0) | len(body)
    head = (
        START
        + bytes([centre])
        + bytes.fromhex(station.rjust(10, "0"))
        + password.to_bytes(2, "big")
        + bytes([function])
        + dir_len.to_bytes(2, "big")
    )
    payload = head + bytes([STX]) + body + bytes([end])
    return payload + crc16(payload).to_bytes(2, "big")


class FrameSplitter:
    """Cuts a TCP byte stream into HEX-mode frames using their length field.

    Bytes before 7E7E are dropped and counted; a header announcing a frame
    longer than the protocol allows is skipped one byte at a time.
    """

    def __init__(self) -> None:
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
            start = self._buffer.find(START)
            if start < 0:
                keep = 1 if self._buffer.endswith(b"\x7e") else 0
                self.discarded_bytes += len(self._buffer) - keep
                del self._buffer[: len(self._buffer) - keep]
                break
            if start:
                self.discarded_bytes += start
                del self._buffer[:start]
            if len(self._buffer) < HEADER_BYTES + 1:
                break
            if self._buffer[HEADER_BYTES] not in (STX, SYN):
                self.discarded_bytes += 1
                del self._buffer[:1]
                continue
            size = frame_length(bytes(self._buffer[: HEADER_BYTES + 1]))
            if len(self._buffer) < size:
                break
            frames.append(bytes(self._buffer[:size]))
            del self._buffer[:size]
        return frames
