"""Contract: hydrological readings on ``hydro.readings``.

Published by the SL 651-2014 gateway (and the demo generator) as flat JSON:
one element observed by one station at one time. The gateway adds the
station's registered WGS-84 position, since SL 651 frames carry none.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import faust

from citybrain.contracts.base import ContractViolation, identifier, number, utc_timestamp, wgs84

TOPIC = "hydro.readings"

# element -> (unit, low, high): plausible physical bounds, not warning levels
ELEMENTS: dict[str, tuple[str, float, float]] = {
    "rain_period_mm": ("mm", 0.0, 500.0),  # rainfall in the reporting period (SL 651 'PJ'/'PN')
    "rain_accumulated_mm": ("mm", 0.0, 100_000.0),  # gauge counter since reset ('PT')
    "water_level_m": ("m", -100.0, 10_000.0),  # stage above the station datum ('Z')
    "waterlogging_depth_m": ("m", 0.0, 10.0),  # depth at an underpass / low-point sensor
}

COLUMNS: dict[str, str] = {
    "event_id": "string",
    "event_at": "timestamp",
    "station_id": "string",
    "element": "string",
    "value": "double",
    "unit": "string",
    "period_s": "int",
    "lat": "double",
    "lng": "double",
}


class HydroReading(faust.Record, serializer="json", isodates=True):
    """One element observed by one station at one time."""

    event_id: str
    event_at: datetime
    station_id: str
    element: str
    value: float
    unit: str
    period_s: int | None
    lat: float
    lng: float


def validate(doc: dict[str, Any]) -> dict[str, Any]:
    """Flat hydrology reading document → normalised row."""
    element = doc.get("element")
    if not isinstance(element, str) or element not in ELEMENTS:
        raise ContractViolation(f"unknown element {element!r}; expected one of {sorted(ELEMENTS)}")
    unit, low, high = ELEMENTS[element]
    if doc.get("unit", unit) != unit:
        raise ContractViolation(f"element {element} is measured in {unit}, not {doc.get('unit')!r}")
    period = number(doc, "period_s", required=element == "rain_period_mm", low=1, high=86_400)
    lat, lng = wgs84(lat=doc.get("lat"), lng=doc.get("lng"))
    return {
        "event_id": identifier(doc, "event_id"),
        "event_at": utc_timestamp(doc.get("event_at")),
        "station_id": identifier(doc, "station_id"),
        "element": element,
        "value": number(doc, "value", low=low, high=high),
        "unit": unit,
        "period_s": None if period is None else int(period),
        "lat": lat,
        "lng": lng,
    }
