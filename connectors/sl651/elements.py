"""SL 651-2014 report bodies: observation header and elements → readings.

Report body (timed 0x32, extra 0x33, hourly 0x34, uniform-interval 0x31)::

    serial 2B | sent BCD6 YYMMDDhhmmss | F1F1 station 5B class 1B
    | F0F0 observed BCD5 YYMMDDhhmm | element… (id 1B, definer 1B, value)

Definer: high 5 bits = value length in bytes, low 3 bits = decimal places;
the value is BCD (a leading 0xFF byte marks a negative value, as stations
use for levels below datum — a local convention, checked when seen).
Hourly reports may carry DRP (0xF4): twelve 5-minute rainfalls, one byte
each in 0.1 mm, 0xFF = missing. Station clocks are Beijing time (UTC+8).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone

from connectors.errors import FrameError, bcd_digits

STATION_ZONE = timezone(timedelta(hours=8))
REPORT_FUNCTIONS = {0x31: "uniform", 0x32: "timed", 0x33: "extra", 0x34: "hourly"}
DRP = 0xF4
# element id -> (citybrain element, rainfall period in seconds or None)
ELEMENTS: dict[int, tuple[str, int | None]] = {
    0x1A: ("rain_period_mm", 3600),  # P1
    0x21: ("rain_period_mm", 60),  # PN01
    0x22: ("rain_period_mm", 300),  # PN05
    0x23: ("rain_period_mm", 600),  # PN10
    0x24: ("rain_period_mm", 1800),  # PN30
    0x26: ("rain_accumulated_mm", None),  # PT: the gauge's running counter
    0x39: ("water_level_m", None),  # Z: instantaneous level
}
KNOWN_IGNORED = {0x20, 0x1B, 0x1C, 0x1D, 0x1E, 0x1F, 0x25, 0x38, 0x45, 0x04, 0x05}


@dataclass(frozen=True, slots=True)
class Reading:
    """One element value observed by a station (units in the element name)."""

    element: str
    value: float
    period_s: int | None
    observed_at: datetime


@dataclass(frozen=True, slots=True)
class Report:
    """A decoded report body."""

    serial: int
    sent_at: datetime
    station: str
    station_class: str
    observed_at: datetime
    readings: tuple[Reading, ...]
    ignored_elements: tuple[int, ...]


def _time(data: bytes) -> datetime:
    """BCD YYMMDDhhmm[ss] in Beijing time → UTC (YY is 2000 + YY)."""
    digits = bcd_digits(data)
    parts = [int(digits[i : i + 2]) for i in range(0, len(digits), 2)]
    try:
        local = datetime(2000 + parts[0], *parts[1:], tzinfo=STATION_ZONE)
    except (ValueError, TypeError):
        raise FrameError(f"invalid BCD time {digits}") from None
    return local.astimezone(UTC)


def element_value(definer: int, data: bytes) -> float:
    """Decode a BCD element value with the definer's decimal places."""
    places = definer & 0x07
    negative = data[:1] == b"\xff"
    digits = bcd_digits(data[1:] if negative else data)
    value = int(digits) / 10**places
    return -value if negative else value


def parse_report(body: bytes) -> Report:
    """A report body → Report with readings in citybrain element names."""
    if len(body) < 23 or body[8:10] != b"\xf1\xf1" or body[16:18] != b"\xf0\xf0":
        raise FrameError("report body lacks the F1F1 station and F0F0 time identifiers")
    serial = int.from_bytes(body[0:2], "big")
    sent_at = _time(body[2:8])
    station, station_class = bcd_digits(body[10:15]), chr(body[15])
    observed_at = _time(body[18:23])
    readings: list[Reading] = []
    ignored: list[int] = []
    i = 23
    while i < len(body):
        if i + 2 > len(body):
            raise FrameError(f"element at byte {i} is truncated")
        element_id, definer = body[i], body[i + 1]
        size = definer >> 3
        value_bytes = body[i + 2 : i + 2 + size]
        if len(value_bytes) != size:
            raise FrameError(f"element 0x{element_id:02X} overruns the body")
        if element_id == DRP:
            readings += five_minute_rain(value_bytes, hour_end=observed_at)
        elif element_id in ELEMENTS:
            name, period = ELEMENTS[element_id]
            readings.append(Reading(name, element_value(definer, value_bytes), period, observed_at))
        else:
            ignored.append(element_id)
        i += 2 + size
    return Report(
        serial, sent_at, station, station_class, observed_at, tuple(readings), tuple(ignored)
    )


def five_minute_rain(data: bytes, *, hour_end: datetime) -> list[Reading]:
    """DRP: twelve 5-minute rainfalls ending at ``hour_end`` (0.1 mm; 0xFF = missing)."""
    out = []
    for k, byte in enumerate(data[:12]):
        if byte != 0xFF:
            at = hour_end - timedelta(minutes=5 * (11 - k))
            out.append(Reading("rain_period_mm", byte / 10, 300, at))
    return out


def encode_report(
    *,
    serial: int,
    station: str,
    station_class: str,
    sent_at: datetime,
    observed_at: datetime,
    elements: list[tuple[int, int, float]],
) -> bytes:
    """A report body from (element id, definer, value) triples (for simulators and tests)."""
    body = serial.to_bytes(2, "big")
    body += bytes.fromhex(sent_at.astimezone(STATION_ZONE).strftime("%y%m%d%H%M%S"))
    body += b"\xf1\xf1" + bytes.fromhex(station.rjust(10, "0")) + station_class.encode()
    body += b"\xf0\xf0" + bytes.fromhex(observed_at.astimezone(STATION_ZONE).strftime("%y%m%d%H%M"))
    for element_id, definer, value in elements:
        size, places = definer >> 3, definer & 0x07
        digits = str(round(abs(value) * 10**places))
        if value < 0:
            body += (
                bytes([element_id, definer])
                + b"\xff"
                + bytes.fromhex(digits.rjust((size - 1) * 2, "0"))
            )
        else:
            body += bytes([element_id, definer]) + bytes.fromhex(digits.rjust(size * 2, "0"))
    return body
