"""Expectations the mart suites share: places in the county, times not in the future.

Parameters (supplied by :func:`expectations.mart_check.parameters`):

| parameter | unit | meaning |
| --- | --- | --- |
| ``south_deg`` … ``east_deg`` | degrees (WGS-84) | ``CITYBRAIN_AREA_BOUNDS`` |
| ``latest_utc_at`` | naive UTC timestamp | the check's clock plus the allowed skew |
| ``latest_local_day`` | naive local midnight | the local (Asia/Shanghai) day of that clock |
"""

from __future__ import annotations

import great_expectations.expectations as gxe

from expectations.common import param


def in_county(lat: str, lng: str, *, what: str) -> list[gxe.Expectation]:
    """A lat/lng pair (WGS-84 degrees) inside the service area."""
    return [
        gxe.ExpectColumnValuesToBeBetween(
            column=lat,
            min_value=param("south_deg"),
            max_value=param("north_deg"),
            description=f"{lat} of the {what} is inside the county (deg, WGS-84)",
        ),
        gxe.ExpectColumnValuesToBeBetween(
            column=lng,
            min_value=param("west_deg"),
            max_value=param("east_deg"),
            description=f"{lng} of the {what} is inside the county (deg, WGS-84)",
        ),
    ]


def not_future_utc(column: str) -> gxe.Expectation:
    """A UTC timestamp column is not after the check's clock (plus skew)."""
    return gxe.ExpectColumnValuesToBeBetween(
        column=column,
        max_value=param("latest_utc_at"),
        description=f"{column} (UTC) is not in the future",
    )


def not_future_local_day(column: str) -> gxe.Expectation:
    """A local-date column is not after today (Asia/Shanghai)."""
    return gxe.ExpectColumnValuesToBeBetween(
        column=column,
        max_value=param("latest_local_day"),
        description=f"{column} (local day) is not after today",
    )


def not_before(later: str, earlier: str) -> gxe.Expectation:
    """Where both are known, ``later`` is not before ``earlier``."""
    return gxe.ExpectColumnPairValuesAToBeGreaterThanB(
        column_A=later,
        column_B=earlier,
        or_equal=True,
        ignore_row_if="either_value_is_missing",
        description=f"{later} is not before {earlier}",
    )


def h3_cell(column: str, *, resolution: int) -> gxe.Expectation:
    """An H3 cell id of the given resolution (mode 1)."""
    return gxe.ExpectColumnValuesToMatchRegex(
        column=column,
        regex=rf"^8{resolution:x}[0-9a-f]{{13}}$",
        description=f"{column} is an H3 resolution-{resolution} cell id",
    )


def grid_code() -> gxe.Expectation:
    """A unit-grid code where one is given."""
    return gxe.ExpectColumnValuesToMatchRegex(
        column="grid_code",
        regex=r"^[0-9]{14,15}$",
        description="grid_code is a unit-grid code (14 or 15 digits, GB/T 30428.1)",
    )
