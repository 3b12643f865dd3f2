"""JT/T 808 message bodies: location reports, registration, platform responses.

Pure functions over body bytes. Units: latitude/longitude in degrees
(WGS-84, as JT/T 808 terminals report), altitude in m, speed in km/h (the
wire carries 0.1 km/h), heading in degrees clockwise from north. Terminal
clocks are GMT+8; decoded times are UTC.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone

from connectors.errors import FrameError, bcd_digits
from connectors.jt808.frames import digits_to_bcd

TERMINAL_ZONE = timezone(timedelta(hours=8))
LOCATION_BASE_BYTES = 28
STATUS_SOUTH = 1 << 2
STATUS_WEST = 1 << 3
STATUS_POSITIONED = 1 << 1

# message ids
TERMINAL_GENERAL_RESPONSE = 0x0001
HEARTBEAT = 0x0002
REGISTRATION = 0x0100
DEREGISTRATION = 0x0003
AUTHENTICATION = 0x0102
LOCATION_REPORT = 0x0200
BATCH_LOCATION = 0x0704
PLATFORM_GENERAL_RESPONSE = 0x8001
REGISTRATION_RESPONSE = 0x8100

# platform general response results
RESULT_OK, RESULT_FAILED, RESULT_MALFORMED, RESULT_UNSUPPORTED = 0, 1, 2, 3


@dataclass(frozen=True, slots=True)
class Location:
    """One decoded location report (0x0200 body)."""

    alarm_flags: int
    status_flags: int
    lat: float
    lng: float
    altitude_m: float
    speed_kmh: float
    heading_deg: float
    fixed_at: datetime
    extras: dict[int, bytes] = field(default_factory=dict)

    @property
    def positioned(self) -> bool:
        """Status bit 1: the terminal has a GNSS fix."""
        return bool(self.status_flags & STATUS_POSITIONED)

    @property
    def mileage_km(self) -> float | None:
        """Additional item 0x01 (0.1 km units), if present."""
        raw = self.extras.get(0x01)
        return int.from_bytes(raw, "big") / 10 if raw and len(raw) == 4 else None


def _bcd_time(data: bytes) -> datetime:
    digits = bcd_digits(data)
    try:  # YY is 2000 + YY: strptime's %y would put 69-99 in the last century
        local = datetime(
            2000 + int(digits[0:2]),
            int(digits[2:4]),
            int(digits[4:6]),
            int(digits[6:8]),
            int(digits[8:10]),
            int(digits[10:12]),
            tzinfo=TERMINAL_ZONE,
        )
    except ValueError:
        raise FrameError(f"invalid BCD time {digits}") from None
    return local.astimezone(UTC)


def parse_location(body: bytes) -> Location:
    """A 0x0200 body → Location (hemisphere from status bits 2 and 3)."""
    if len(body) < LOCATION_BASE_BYTES:
        raise FrameError(f"location body is {len(body)} bytes, needs at least 28")
    alarm = int.from_bytes(body[0:4], "big")
    status = int.from_bytes(body[4:8], "big")
    lat = int.from_bytes(body[8:12], "big") / 1e6
    lng = int.from_bytes(body[12:16], "big") / 1e6
    if status & STATUS_SOUTH:
        lat = -lat
    if status & STATUS_WEST:
        lng = -lng
    extras: dict[int, bytes] = {}
    i = LOCATION_BASE_BYTES
    while i + 2 <= len(body):
        item_id, size = body[i], body[i + 1]
        if i + 2 + size > len(body):
            raise FrameError(f"additional item 0x{item_id:02X} overruns the body")
        extras[item_id] = bytes(body[i + 2 : i + 2 + size])
        i += 2 + size
    return Location(
        alarm,
        status,
        lat,
        lng,
        float(int.from_bytes(body[16:18], "big")),
        int.from_bytes(body[18:20], "big") / 10,
        float(int.from_bytes(body[20:22], "big")),
        _bcd_time(body[22:28]),
        extras,
    )


def encode_location(
    *,
    lat: float,
    lng: float,
    fixed_at: datetime,
    speed_kmh: float = 0.0,
    heading_deg: float = 0.0,
    altitude_m: float = 0.0,
    alarm_flags: int = 0,
    status_flags: int = STATUS_POSITIONED,
    mileage_km: float | None = None,
) -> bytes:
    """A 0x0200 body for a WGS-84 point (hemisphere bits set from the signs)."""
    status = status_flags & ~(STATUS_SOUTH | STATUS_WEST)
    status |= STATUS_SOUTH if lat < 0 else 0
    status |= STATUS_WEST if lng < 0 else 0
    body = (
        alarm_flags.to_bytes(4, "big")
        + status.to_bytes(4, "big")
        + round(abs(lat) * 1e6).to_bytes(4, "big")
        + round(abs(lng) * 1e6).to_bytes(4, "big")
        + round(altitude_m).to_bytes(2, "big")
        + round(speed_kmh * 10).to_bytes(2, "big")
        + round(heading_deg % 360).to_bytes(2, "big")
        + digits_to_bcd(fixed_at.astimezone(TERMINAL_ZONE).strftime("%y%m%d%H%M%S"), size=6)
    )
    if mileage_km is not None:
        body += bytes([0x01, 4]) + round(mileage_km * 10).to_bytes(4, "big")
    return body


def parse_batch_locations(body: bytes) -> list[Location]:
    """A 0x0704 body (count WORD, type BYTE, then length-prefixed 0x0200 bodies)."""
    if len(body) < 3:
        raise FrameError("batch location body shorter than 3 bytes")
    count, i, out = int.from_bytes(body[0:2], "big"), 3, []
    for _ in range(count):
        if i + 2 > len(body):
            raise FrameError(f"batch announces {count} items, body ends after {len(out)}")
        size = int.from_bytes(body[i : i + 2], "big")
        if i + 2 + size > len(body):
            raise FrameError(f"batch item {len(out) + 1} of {count} overruns the body")
        out.append(parse_location(body[i + 2 : i + 2 + size]))
        i += 2 + size
    return out


def general_response(*, serial: int, msg_id: int, result: int) -> bytes:
    """A 0x8001 body: the answered serial and message id, and the result code."""
    return serial.to_bytes(2, "big") + msg_id.to_bytes(2, "big") + bytes([result])


def registration_response(*, serial: int, result: int, auth_code: str) -> bytes:
    """A 0x8100 body; the auth code follows only on success (result 0)."""
    body = serial.to_bytes(2, "big") + bytes([result])
    return body + auth_code.encode("gbk") if result == RESULT_OK else body
