"""One SL 651 station connection's logic, without I/O: HEX/BCD and ASCII frames.

Each frame's first byte says its framing: ``7E 7E`` HEX/BCD
(:mod:`connectors.sl651.frames`), ``SOH 01`` ASCII (:mod:`connectors.sl651.ascii`);
both may arrive on one connection, and :class:`MixedSplitter` cuts either from
the byte stream. A report (0x31–0x34) becomes ``hydro.readings`` rows for a
registered station, positioned from the station registry (SL 651 frames carry
no coordinates), and is acknowledged in its own framing with a downlink frame
echoing its serial number. Underpass sensors report their depth as a water
level (Z); a station registered as ``waterlogging`` has Z published as
``waterlogging_depth_m``.

Acknowledgement layout: the standard's downlink tables (12, 17, 21) put the
station address before the centre address, as do published real HEX
acknowledgements; the body is the serial number and the centre's send time
(tables 33/35/37). End marker EOT ends the session (ESC would keep the
station online); it is :data:`ACK_END`. Multi-packet (M3) transfers are not
reassembled: their packets are refused with that reason and not acknowledged.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from citybrain.contracts import ContractViolation, hydro
from connectors.sl651 import ascii as ascii_mode
from connectors.sl651 import elements, frames
from connectors.sl651.elements import REPORT_FUNCTIONS, STATION_ZONE
from connectors.sl651.frames import EOT, START, STX, FrameError, crc16
from connectors.tcp_gateway import Outcome

KEEP_ALIVE = 0x2F
ACK_END = EOT


@dataclass(frozen=True, slots=True)
class Station:
    """A registered station: where it is and what kind it is."""

    station_id: str
    kind: str  # rain, water_level, waterlogging
    lat: float
    lng: float


@dataclass(frozen=True, slots=True)
class Framing:
    """How one framing decodes frames and report bodies and builds acknowledgements."""

    name: str
    decode_frame: Callable[[bytes], frames.Frame]
    parse_report: Callable[[bytes], elements.Report]
    ack: Callable[..., bytes]


def hex_ack(frame: frames.Frame, *, sent_at: datetime, end: int = ACK_END) -> bytes:
    """HEX/BCD acknowledgement of ``frame`` (tables 21/23: station address first)."""
    body = frame.body[:2] if len(frame.body) >= 2 else b"\x00\x00"
    body += bytes.fromhex(sent_at.astimezone(STATION_ZONE).strftime("%y%m%d%H%M%S"))
    start = bytes([STX])
    if frame.packet is not None:  # M3: SYN + (total, total) once all packets arrived
        total = frame.packet[0]
        start = bytes([frames.SYN]) + ((total << 12) | total).to_bytes(3, "big")
    head = (
        START
        + bytes.fromhex(frame.station)
        + bytes([frame.centre])
        + frame.password.to_bytes(2, "big")
        + bytes([frame.function])
        + (0x8000 | len(body)).to_bytes(2, "big")
    )
    payload = head + start + body + bytes([end])
    return payload + crc16(payload).to_bytes(2, "big")


def ascii_ack(frame: frames.Frame, *, sent_at: datetime, end: int = ACK_END) -> bytes:
    """ASCII acknowledgement of ``frame`` (tables 17/19: station address first)."""
    serial = frame.body[:4]
    number = int(serial, 16) if ascii_mode.HEX_DIGITS.fullmatch(serial) else 0
    return ascii_mode.encode_frame(
        centre=frame.centre,
        station=frame.station,
        password=frame.password,
        function=frame.function,
        body=ascii_mode.ack_body(serial=number, sent_at=sent_at),
        downlink=True,
        end=end,
        packet=None if frame.packet is None else (frame.packet[0], frame.packet[0]),
    )


HEX = Framing("hex", frames.decode_frame, elements.parse_report, hex_ack)
ASCII = Framing("ascii", ascii_mode.decode_frame, ascii_mode.parse_report, ascii_ack)


def framing_of(raw: bytes) -> Framing | None:
    """The framing a frame's first byte announces, or None."""
    if raw.startswith(START):
        return HEX
    if raw[:1] == bytes([ascii_mode.SOH]):
        return ASCII
    return None


def reading_row(
    station: Station, *, element: str, value: float, period_s: int | None, observed_at: datetime
) -> dict[str, Any]:
    """A ``hydro.readings`` row; the id is stable per station, element and time."""
    if element == "water_level_m" and station.kind == "waterlogging":
        element = "waterlogging_depth_m"
    row = {
        "event_id": f"{station.station_id}-{element}-{int(observed_at.timestamp())}",
        "event_at": observed_at.isoformat(),
        "station_id": station.station_id,
        "element": element,
        "value": value,
        "unit": hydro.ELEMENTS[element][0],
        "lat": station.lat,
        "lng": station.lng,
    }
    if period_s is not None:
        row["period_s"] = period_s
    return hydro.validate(row)


@dataclass
class Session:
    """State of one station connection."""

    stations: dict[str, Station]
    now: Any = lambda: datetime.now(UTC)  # the clock of acknowledgements (tests set it)

    def handle(self, raw: bytes) -> Outcome:
        """Decode one frame and decide the acknowledgement, readings and rejections."""
        framing = framing_of(raw)
        if framing is None:
            return Outcome(
                rejections=[("frame starts with neither 7E7E (HEX) nor SOH (ASCII)", raw)]
            )
        try:
            frame = framing.decode_frame(raw)
        except FrameError as exc:
            return Outcome(rejections=[(exc.reason, raw)])
        if frame.downlink:
            return Outcome(rejections=[("downlink frame received from a station", raw)])
        if frame.function == KEEP_ALIVE:
            return Outcome()
        if frame.function not in REPORT_FUNCTIONS:
            return Outcome(rejections=[(f"function code 0x{frame.function:02X} not handled", raw)])
        if frame.packet is not None and frame.packet[0] != 1:
            total, number = frame.packet
            reason = f"multi-packet (M3) report, packet {number} of {total}: not reassembled"
            return Outcome(rejections=[(reason, raw)])
        ack = framing.ack(frame, sent_at=self.now())
        try:
            report = framing.parse_report(frame.body)
        except FrameError as exc:
            return Outcome([ack], rejections=[(exc.reason, raw)])
        station = self.stations.get(report.station)
        if station is None:
            return Outcome([ack], rejections=[(f"station {report.station} is not registered", raw)])
        try:
            rows = [
                reading_row(
                    station,
                    element=r.element,
                    value=r.value,
                    period_s=r.period_s,
                    observed_at=r.observed_at,
                )
                for r in report.readings
            ]
        except ContractViolation as exc:
            return Outcome([ack], rejections=[(exc.reason, raw)])
        return Outcome([ack], rows=rows)


class MixedSplitter:
    """Cuts a TCP byte stream into HEX (7E7E) and ASCII (SOH) frames, in arrival order.

    Each frame's length comes from its own header. Bytes before a frame start
    are dropped and counted; a start whose header is implausible is skipped
    one byte at a time, so the buffer never holds more than one frame.
    """

    def __init__(self) -> None:
        self._buffer = bytearray()
        self.discarded_bytes = 0

    def _drop(self, count: int) -> None:
        self.discarded_bytes += count
        del self._buffer[:count]

    def _size_at_start(self) -> int | None:
        """Size of the frame starting the buffer; 0 when its header is implausible."""
        buf = self._buffer
        if buf[:1] == b"\x7e":
            if len(buf) < frames.HEADER_BYTES + 1:
                return None
            if buf[1] != 0x7E or buf[frames.HEADER_BYTES] not in (STX, frames.SYN):
                return 0
            return frames.frame_length(bytes(buf[: frames.HEADER_BYTES + 1]))
        if len(buf) < ascii_mode.HEADER_CHARS:
            return None
        head = bytes(buf[: ascii_mode.HEADER_CHARS])
        plausible = (
            ascii_mode.HEX_DIGITS.fullmatch(head[1:23])
            and head[19:20] in (b"0", b"8")
            and head[23] in (STX, frames.SYN)
        )
        return ascii_mode.frame_length(head) if plausible else 0

    @property
    def pending_bytes(self) -> int:
        """Bytes held of a frame not yet complete."""
        return len(self._buffer)

    def feed(self, data: bytes) -> list[bytes]:
        """Add received bytes; return the complete frames now available."""
        self._buffer += data
        out = []
        while self._buffer:
            starts = [i for i in (self._buffer.find(START), self._buffer.find(b"\x01")) if i >= 0]
            if not starts:
                keep = 1 if self._buffer.endswith(b"\x7e") else 0
                self._drop(len(self._buffer) - keep)
                break
            if min(starts):
                self._drop(min(starts))
            size = self._size_at_start()
            if size is None or len(self._buffer) < size:
                break
            if size == 0:
                self._drop(1)
                continue
            out.append(bytes(self._buffer[:size]))
            del self._buffer[:size]
        return out


def load_stations(rows: list[dict[str, Any]]) -> dict[str, Station]:
    """The registry from rows with station_id, kind, lat and lng (e.g. a CSV)."""
    return {
        str(r["station_id"]): Station(
            str(r["station_id"]), str(r["kind"]), float(r["lat"]), float(r["lng"])
        )
        for r in rows
    }
