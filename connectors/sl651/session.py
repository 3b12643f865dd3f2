"""One SL 651 station connection's logic, without I/O.

A report (0x31–0x34) becomes ``hydro.readings`` rows for a registered
station, positioned from the station registry (SL 651 frames carry no
coordinates) and acknowledged with a downlink frame echoing the report's
serial number. Underpass sensors report their depth as a water level (Z);
a station registered as ``waterlogging`` has Z published as
``waterlogging_depth_m``.

The acknowledgement's exact layout (address order, end marker EOT) follows
common practice and is UNVERIFIED against the standard's text; stations that
expect another layout are configurable here in one place.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from citybrain.contracts import ContractViolation, hydro
from connectors.sl651.elements import REPORT_FUNCTIONS, STATION_ZONE, parse_report
from connectors.sl651.frames import EOT, FrameError, decode_frame, encode_frame
from connectors.tcp_gateway import Outcome

KEEP_ALIVE = 0x2F


@dataclass(frozen=True, slots=True)
class Station:
    """A registered station: where it is and what kind it is."""

    station_id: str
    kind: str  # rain, water_level, waterlogging
    lat: float
    lng: float


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
        try:
            frame = decode_frame(raw)
        except FrameError as exc:
            return Outcome(rejections=[(exc.reason, raw)])
        if frame.function == KEEP_ALIVE:
            return Outcome()
        if frame.function not in REPORT_FUNCTIONS:
            return Outcome(rejections=[(f"function code 0x{frame.function:02X} not handled", raw)])
        ack = self._ack(frame)
        try:
            report = parse_report(frame.body)
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

    def _ack(self, frame) -> bytes:
        serial = frame.body[:2] if len(frame.body) >= 2 else b"\x00\x00"
        sent = self.now().astimezone(STATION_ZONE).strftime("%y%m%d%H%M%S")
        return encode_frame(
            centre=frame.centre,
            station=frame.station,
            password=frame.password,
            function=frame.function,
            body=serial + bytes.fromhex(sent),
            downlink=True,
            end=EOT,
        )


def load_stations(rows: list[dict[str, Any]]) -> dict[str, Station]:
    """The registry from rows with station_id, kind, lat and lng (e.g. a CSV)."""
    return {
        str(r["station_id"]): Station(
            str(r["station_id"]), str(r["kind"]), float(r["lat"]), float(r["lng"])
        )
        for r in rows
    }
