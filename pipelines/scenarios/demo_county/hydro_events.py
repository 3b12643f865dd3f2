"""Hydrology readings every five minutes, with an afternoon rainstorm.

The storm (local 13:30–17:30) follows a triangular hyetograph peaking near
15:15 at ~75 mm/h, scaled per gauge. River levels respond through a linear
reservoir; underpass depths follow the last 30 minutes of rain.
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

from citybrain.contracts.base import isoformat_utc
from pipelines.scenarios.demo_county.clock import at_local_hour, local_hour

REPORT_INTERVAL_S = 300
STORM_START_H, STORM_PEAK_H, STORM_END_H = 13.5, 15.25, 17.5
PEAK_MM_PER_H = 75.0
BASE_LEVEL_M = 2.8
RESERVOIR_K = 0.02  # fraction of stored rain draining per 5 minutes


def storm_intensity_mm_h(hour: float) -> float:
    """Rain intensity (mm/h) at a local hour: a triangle over the storm."""
    if not STORM_START_H <= hour <= STORM_END_H:
        return 0.0
    if hour <= STORM_PEAK_H:
        return PEAK_MM_PER_H * (hour - STORM_START_H) / (STORM_PEAK_H - STORM_START_H)
    return PEAK_MM_PER_H * (STORM_END_H - hour) / (STORM_END_H - STORM_PEAK_H)


def readings(rnd: random.Random, *, day: date, stations: list[dict]) -> list[tuple[datetime, dict]]:
    """All readings of the day, unsorted."""
    out = []
    steps = 24 * 3600 // REPORT_INTERVAL_S
    for station in stations:
        factor = rnd.uniform(0.7, 1.3)
        stored_mm, recent = 0.0, [0.0] * 6
        for step in range(1, steps + 1):
            at = at_local_hour(day, 0) + timedelta(seconds=step * REPORT_INTERVAL_S)
            rain_mm = storm_intensity_mm_h(local_hour(at)) * factor * rnd.uniform(0.8, 1.2) / 12
            recent = [*recent[1:], rain_mm]
            stored_mm = stored_mm * (1 - RESERVOIR_K) + rain_mm
            kind = station["kind"]
            if kind == "rain":
                element, value, extra = "rain_period_mm", round(rain_mm, 1), {"period_s": 300}
            elif kind == "water_level":
                element, value, extra = (
                    "water_level_m",
                    round(BASE_LEVEL_M + 0.012 * stored_mm + rnd.gauss(0, 0.005), 3),
                    {},
                )
            else:
                depth = max(0.0, 0.006 * sum(recent) * 12 / 6 - 0.05)
                element, value, extra = "waterlogging_depth_m", round(min(depth, 0.8), 3), {}
            out.append(
                (
                    at,
                    {
                        "event_id": f"{station['station_id']}-{element}-{int(at.timestamp())}",
                        "event_at": isoformat_utc(at),
                        "station_id": station["station_id"],
                        "element": element,
                        "value": value,
                        "unit": "mm" if element.endswith("mm") else "m",
                        **extra,
                        "lat": station["lat"],
                        "lng": station["lng"],
                    },
                )
            )
    return out
