"""``marts.vehicle_latest_positions``: where each vehicle was last seen."""

from __future__ import annotations

import great_expectations.expectations as gxe

from expectations.common import between, one_of
from expectations.marts.common import h3_cell, in_county, not_future_utc
from streams.vehicles.web import VEHICLE_TYPES

MART = "marts.vehicle_latest_positions"
KEY_COLUMNS = ("vehicle_id",)
TIME_COLUMN = "fixed_at"


def expectations() -> list[gxe.Expectation]:
    """Vehicles in the county, of a known type, last fixed not in the future."""
    return [
        *in_county("lat", "lng", what="last fix"),
        not_future_utc("fixed_at"),
        one_of("vehicle_type", VEHICLE_TYPES, what="vehicle type"),
        between("heading_deg", low=0, high=360, unit="degrees clockwise from north"),
        h3_cell("h3_res9", resolution=9),
        gxe.ExpectColumnValuesToNotBeNull(
            column="plate", description="plate is present (the vehicle is in the registry)"
        ),
    ]
