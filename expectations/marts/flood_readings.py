"""``marts.flood_station_readings_by_5min``: the duty desk's station curves."""

from __future__ import annotations

import great_expectations.expectations as gxe

from expectations.common import between
from expectations.marts.common import in_county, not_future_utc

MART = "marts.flood_station_readings_by_5min"
KEY_COLUMNS = ("station_id", "bucket_start_at")
TIME_COLUMN = "bucket_start_at"
# plausibility, not the contract's sensor range: the heaviest 5-minute falls on record are
# ~60 mm; a water level (m above the station datum) or a waterlogging depth beyond these
# is a unit or datum mistake
RAIN_5MIN_MAX_MM = 80.0
DEPTH_MAX_M = 3.0
WATER_LEVEL_MAX_M = 100.0


def expectations() -> list[gxe.Expectation]:
    """Stations in the county, no future buckets, plausible 5-minute values."""
    return [
        *in_county("lat", "lng", what="station"),
        not_future_utc("bucket_start_at"),
        between("rainfall_mm", low=0, high=RAIN_5MIN_MAX_MM, unit="mm per 5 min"),
        between("waterlogging_depth_max_m", low=0, high=DEPTH_MAX_M, unit="m"),
        between("water_level_last_m", low=-WATER_LEVEL_MAX_M, high=WATER_LEVEL_MAX_M, unit="m"),
        gxe.ExpectColumnValuesToNotBeNull(
            column="lat", description="lat is present (the station is in the reference table)"
        ),
    ]
