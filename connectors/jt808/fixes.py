"""JT/T 808 locations → rows of the ``gps.fixes`` contract."""

from __future__ import annotations

from typing import Any

from citybrain.contracts import gps
from connectors.jt808.messages import Location


def fix_row(*, phone: str, location: Location) -> dict[str, Any]:
    """The contract row of one location; the id is stable per terminal and fix time."""
    return {
        "event_id": f"{phone}-{int(location.fixed_at.timestamp())}",
        "event_at": location.fixed_at,
        "vehicle_id": phone,
        "lat": location.lat,
        "lng": location.lng,
        "speed_kmh": location.speed_kmh,
        "heading_deg": location.heading_deg,
        "altitude_m": location.altitude_m,
        "alarm_flags": location.alarm_flags,
        "status_flags": location.status_flags,
        "source": "jt808",
    }


def validated(row: dict[str, Any]) -> dict[str, Any]:
    """The row checked by the gps contract (raises ContractViolation)."""
    return gps.validate({**row, "event_at": row["event_at"].isoformat()})
