"""Contract: vehicle GPS fixes on ``gps.fixes``.

Published by the JT/T 808 gateway (and the demo generator) as flat JSON. One
fix of one vehicle terminal. Coordinates are WGS-84 as JT/T 808 terminals
report them; speed in km/h, heading in degrees clockwise from north.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import faust

from citybrain.contracts.base import identifier, number, text, utc_timestamp, wgs84

TOPIC = "gps.fixes"

COLUMNS: dict[str, str] = {
    "event_id": "string",
    "event_at": "timestamp",
    "vehicle_id": "string",
    "lat": "double",
    "lng": "double",
    "speed_kmh": "double",
    "heading_deg": "double",
    "altitude_m": "double",
    "alarm_flags": "bigint",
    "status_flags": "bigint",
    "source": "string",
}


class GpsFix(faust.Record, serializer="json", isodates=True):
    """One position fix of one vehicle terminal."""

    event_id: str
    event_at: datetime
    vehicle_id: str
    lat: float
    lng: float
    speed_kmh: float
    heading_deg: float
    altitude_m: float | None = None
    alarm_flags: int = 0
    status_flags: int = 0
    source: str = "jt808"


def validate(doc: dict[str, Any]) -> dict[str, Any]:
    """Flat GPS fix document → normalised row."""
    lat, lng = wgs84(lat=doc.get("lat"), lng=doc.get("lng"))
    flags = {}
    for name in ("alarm_flags", "status_flags"):
        value = number(doc, name, required=False, low=0, high=2**32 - 1)
        flags[name] = 0 if value is None else int(value)
    return {
        "event_id": identifier(doc, "event_id"),
        "event_at": utc_timestamp(doc.get("event_at")),
        "vehicle_id": identifier(doc, "vehicle_id"),
        "lat": lat,
        "lng": lng,
        "speed_kmh": number(doc, "speed_kmh", low=0, high=400),
        "heading_deg": number(doc, "heading_deg", low=0, high=360),
        "altitude_m": number(doc, "altitude_m", required=False, low=-500, high=9000),
        **flags,
        "source": text(doc, "source", required=False, max_chars=32) or "jt808",
    }
