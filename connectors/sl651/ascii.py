"""SL 651-2014 ASCII-mode frames and report bodies (pure; standard §6.4 and §6.6.2).

Frame (tables 16–19; control bytes stay binary, every other field is ASCII)::

    SOH 01 | centre 2 hex | station 10 | password 4 hex | function 2 hex | dir+length 4 hex
           | STX 02 (or SYN 16 + packet total 3 hex + packet number 3 hex) | body
           | ETX 03 / ETB 17 (downlink: ENQ 05 / ACK 06 / NAK 15 / EOT 04 / ESC 1B) | CRC 4 hex

Uplink frames carry the centre address first; downlink frames (tables 12, 17,
19) carry the station address first. dir+length: first character 0 uplink /
8 downlink, the other three the count of bytes between the start marker and
the end marker. CRC: the same CRC-16 as HEX mode (X16+X15+X2+1, reflected
0xA001, initial 0xFFFF) over every byte before the check code, i.e. the
transmitted characters from SOH to the end marker inclusive, written as four
upper-case hex characters, high byte first.

Report body (§6.6.2.1): ``serial`` 4 hex, ``sent`` YYMMDDhhmmss (neither
followed by a space), then space-separated groups ``ST <station> <class>``,
``TT <YYMMDDhhmm>`` and ``<identifier> <value>`` with the appendix C ASCII
identifiers, ending with a space. Values are decimal numbers; ``M`` marks a
missing value; DRP is its 12 HEX bytes written as 24 hex characters; a time
step code ``DRxnn`` has no value. A later ``TT`` sets the observation time of
the groups after it (§6.6.2.8 e). Readings come out as
:class:`connectors.sl651.elements.Report`, exactly like HEX mode.

Taken from the standard's text (SL 651-2014, as in yu-xiaoyao/sl651-2014-server
``doc/``): field order and widths, direction characters, control characters,
CRC coverage, body separators, identifier names (table C.1), ``M``.
INFERRED, not stated there: that the body length counts the 6 packet
characters of a SYN frame (the text says "bytes after the start marker"); that
the CRC characters are upper-case; that DRP/DRZ are written as hex pairs; the
acknowledgement body (serial + centre send time, no space) by analogy with
tables 33/35/37. No real ASCII-mode frame was found published; tests use the
published HEX frames re-encoded by these rules.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime

from connectors.errors import FrameError
from connectors.sl651.elements import (
    DRP,
    ELEMENTS,
    STATION_ZONE,
    Reading,
    Report,
    five_minute_rain,
)
from connectors.sl651.frames import EOT, ETB, ETX, STX, SYN, Frame, crc16

SOH, ENQ, ACK, NAK, ESC = 0x01, 0x05, 0x06, 0x15, 0x1B
UPLINK_ENDS = frozenset({ETX, ETB})
DOWNLINK_ENDS = frozenset({ENQ, ACK, NAK, EOT, ESC})
HEADER_CHARS = 24  # SOH + 22 header characters + STX/SYN
MIN_FRAME_CHARS = HEADER_CHARS + 1 + 4
MAX_BODY_CHARS = 4095
PACKET_CHARS = 6

# Table C.1: ASCII identifiers of element guides 01H..75H in order (04H is DRxnn), then F0H..FDH.
_GUIDES_01_75 = (
    "AC AI C DRxnn DT ED EJ FL GH GN GS GT GTP H HW M10 M20 M30 M40 M50 M60 M80 M100 MST NS "
    "P1 P2 P3 P6 P12 PD PJ PN01 PN05 PN10 PN30 PR PT Q Q1 Q2 Q3 Q4 Q5 Q6 Q7 Q8 QA QZ SW UC UE "
    "US VA VJ VT Z ZB ZU Z1 Z2 Z3 Z4 Z5 Z6 Z7 Z8 SQ ZT pH DO COND TURB CODMN REDOX NH4N TP TN "
    "TOC CU ZN SE AS THG CD PB CHLA "
    + " ".join(f"{p}{n}" for p in ("WP", "SYL", "SBL") for n in range(1, 9))
    + " VTA VTB VTC VIA VIB VIC"
).split()
IDENTIFIERS: dict[str, int] = {
    **{name: 0x01 + i for i, name in enumerate(_GUIDES_01_75) if name != "DRxnn"},
    "TT": 0xF0,
    "ST": 0xF1,
    "RGZS": 0xF2,
    "PIC": 0xF3,
    "DRP": 0xF4,
    **{f"DRZ{n}": 0xF4 + n for n in range(1, 9)},
    "DATA": 0xFD,
}
_BY_UPPER = {name.upper(): guide for name, guide in IDENTIFIERS.items()}
NOT_IN_REPORTS = frozenset({"RGZS", "PIC", "DATA"})  # raw-coded blocks (§6.4.1), other functions

HEX_DIGITS = re.compile(rb"[0-9A-Fa-f]+")
_NUMBER = re.compile(r"[+-]?\d{1,12}(\.\d{1,9})?")
_STEP = re.compile(r"DR[DHN]\d\d")
_STATION = re.compile(r"[0-9A-Fa-f]{10}")


def _hex_field(raw: bytes, start: int, end: int, name: str) -> int:
    chars = raw[start:end]
    if not HEX_DIGITS.fullmatch(chars):
        raise FrameError(f"ASCII header field {name} is not hex: {chars!r}")
    return int(chars, 16)


def frame_length(head: bytes) -> int:
    """Total bytes of the ASCII frame whose first HEADER_CHARS bytes are ``head``."""
    return HEADER_CHARS + _hex_field(head, 20, 23, "length") + 1 + 4


def decode_frame(raw: bytes) -> Frame:
    """One complete ASCII-mode frame → :class:`~connectors.sl651.frames.Frame`, checked."""
    if raw[:1] != bytes([SOH]):
        raise FrameError("ASCII frame does not start with SOH 0x01")
    if len(raw) < MIN_FRAME_CHARS:
        raise FrameError(f"ASCII frame too short: {len(raw)} bytes")
    marker = raw[HEADER_CHARS - 1]
    if marker not in (STX, SYN):
        raise FrameError(f"expected STX or SYN after the ASCII header, got 0x{marker:02X}")
    direction = raw[19:20]
    if direction not in (b"0", b"8"):
        raise FrameError(f"direction character {direction!r} is neither 0 (uplink) nor 8")
    if len(raw) != frame_length(raw):
        raise FrameError(f"frame is {len(raw)} bytes, its header says {frame_length(raw)}")
    stated = _hex_field(raw, len(raw) - 4, len(raw), "CRC")
    computed = crc16(raw[:-4])
    if computed != stated:
        raise FrameError(f"CRC mismatch: computed 0x{computed:04X}, frame says 0x{stated:04X}")
    downlink = direction == b"8"
    end = raw[-5]
    if end not in (DOWNLINK_ENDS if downlink else UPLINK_ENDS):
        on = "a downlink" if downlink else "an uplink"
        raise FrameError(f"end marker 0x{end:02X} is not valid on {on} frame")
    centre_at, station_at = (11, 1) if downlink else (1, 3)
    centre = _hex_field(raw, centre_at, centre_at + 2, "centre")
    station = raw[station_at : station_at + 10]
    _hex_field(raw, station_at, station_at + 10, "station")
    packet, body_at = None, HEADER_CHARS
    if marker == SYN:
        if len(raw) - 5 - HEADER_CHARS < PACKET_CHARS:
            raise FrameError("SYN frame has no room for its packet count and number")
        packet = (_hex_field(raw, 24, 27, "packet total"), _hex_field(raw, 27, 30, "packet number"))
        body_at += PACKET_CHARS
    return Frame(
        centre,
        station.decode().upper(),
        _hex_field(raw, 13, 17, "password"),
        _hex_field(raw, 17, 19, "function"),
        downlink,
        raw[body_at:-5],
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
    packet: tuple[int, int] | None = None,
) -> bytes:
    """A complete ASCII-mode frame with its CRC (``packet``: (total, number) → SYN frame)."""
    extra = b"" if packet is None else f"{packet[0]:03X}{packet[1]:03X}".encode()
    if len(extra) + len(body) > MAX_BODY_CHARS:
        raise ValueError("body longer than 4095 characters")
    addresses = (
        f"{station:0>10}{centre:02X}" if downlink else f"{centre:02X}{station:0>10}"
    ).upper()
    head = f"{addresses}{password:04X}{function:02X}{'8' if downlink else '0'}"
    head += f"{len(extra) + len(body):03X}"
    payload = bytes([SOH]) + head.encode() + bytes([SYN if packet else STX]) + extra + body
    payload += bytes([end])
    return payload + f"{crc16(payload):04X}".encode()


def _time(text: str) -> datetime:
    """YYMMDDhhmm[ss] in Beijing time → UTC (YY is 2000 + YY)."""
    if not text.isdigit() or len(text) not in (10, 12) or not text.isascii():
        raise FrameError(f"invalid time {text!r}")
    parts = [int(text[i : i + 2]) for i in range(0, len(text), 2)]
    try:
        local = datetime(2000 + parts[0], *parts[1:], tzinfo=STATION_ZONE)
    except ValueError:
        raise FrameError(f"invalid time {text!r}") from None
    return local.astimezone(UTC)


def _value(name: str, text: str) -> float:
    if not _NUMBER.fullmatch(text):
        raise FrameError(f"element {name} value {text!r} is not a decimal number")
    return float(text)


def parse_report(body: bytes) -> Report:
    """An ASCII report body → :class:`~connectors.sl651.elements.Report` (citybrain elements)."""
    if not body.isascii():
        raise FrameError("report body is not ASCII")
    text = body.decode("ascii")
    head, tokens = text[:16], text[16:].split()
    if len(head) < 16 or not HEX_DIGITS.fullmatch(head[:4].encode()):
        raise FrameError("report body lacks the serial number and send time")
    sent_at = _time(head[4:16])
    if len(tokens) < 5 or tokens[0] != "ST" or tokens[3] != "TT":
        raise FrameError("report body lacks the ST station and TT time groups")
    station, station_class = tokens[1], tokens[2]
    if not _STATION.fullmatch(station):
        raise FrameError(f"station address {station!r} is not 10 hex characters")
    if len(station_class) != 1 or not station_class.isalpha():
        raise FrameError(f"station class {station_class!r} is not one letter")
    observed_at = at = _time(tokens[4])
    readings: list[Reading] = []
    ignored: list[int] = []
    i = 5
    while i < len(tokens):
        name = tokens[i]
        if _STEP.fullmatch(name):  # time step code: no value follows
            i += 1
            continue
        guide = IDENTIFIERS.get(name, _BY_UPPER.get(name.upper()))
        if guide is None:
            raise FrameError(f"unknown element identifier {name!r} (not in SL 651 table C.1)")
        if guide == 0xF1:
            raise FrameError("report carries a second station (ST): multi-station bodies refused")
        if name.upper() in NOT_IN_REPORTS:
            raise FrameError(f"{name} data is not expected in a report")
        if i + 1 >= len(tokens):
            raise FrameError(f"element {name} has no value")
        value = tokens[i + 1]
        i += 2
        if guide == 0xF0:
            at = _time(value)
        elif value == "M":
            continue  # missing (§6.6.4.4 d)
        elif guide == DRP:
            if len(value) != 24 or not HEX_DIGITS.fullmatch(value.encode()):
                raise FrameError(f"DRP value {value!r} is not 24 hex characters")
            readings += five_minute_rain(bytes.fromhex(value), hour_end=at)
        elif guide in ELEMENTS:
            element, period = ELEMENTS[guide]
            readings.append(Reading(element, _value(name, value), period, at))
        else:
            ignored.append(guide)
    return Report(
        int(head[:4], 16),
        sent_at,
        station.upper(),
        station_class,
        observed_at,
        tuple(readings),
        tuple(ignored),
    )


def number_text(value: float, *, places: int) -> str:
    """A value as the decimal text stations send (``places`` digits after the point)."""
    return f"{value:.{places}f}"


def encode_report(
    *,
    serial: int,
    station: str,
    station_class: str,
    sent_at: datetime,
    observed_at: datetime,
    elements: Sequence[tuple[str, str]],
) -> bytes:
    """An ASCII report body from (identifier, value text) pairs (for simulators and tests)."""
    sent = sent_at.astimezone(STATION_ZONE).strftime("%y%m%d%H%M%S")
    observed = observed_at.astimezone(STATION_ZONE).strftime("%y%m%d%H%M")
    groups = [f"ST {station:0>10} {station_class}", f"TT {observed}"]
    groups += [f"{name} {value}" for name, value in elements]
    return f"{serial:04X}{sent}{' '.join(groups)} ".encode("ascii")


def ack_body(*, serial: int, sent_at: datetime) -> bytes:
    """Acknowledgement body: the report's serial and the centre's send time (no spaces)."""
    return f"{serial:04X}{sent_at.astimezone(STATION_ZONE):%y%m%d%H%M%S}".encode()
