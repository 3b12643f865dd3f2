"""Expectations every landed source topic shares: schema, keys, area, event time.

Values that depend on the run (the service area, the clock, the hour being
checked) are suite parameters, named with their units and supplied by
:func:`expectations.checkpoint.parameters` when a batch is validated:

| parameter | unit | meaning |
| --- | --- | --- |
| ``south_deg`` / ``north_deg`` | degrees latitude (WGS-84) | ``CITYBRAIN_AREA_BOUNDS`` |
| ``west_deg`` / ``east_deg`` | degrees longitude (WGS-84) | ``CITYBRAIN_AREA_BOUNDS`` |
| ``latest_event_at`` | UTC timestamp | the check's clock plus the allowed clock skew |
| ``hour_start_at`` / ``hour_end_at`` | UTC timestamp | the landing hour partition being checked |
"""

from __future__ import annotations

import great_expectations.expectations as gxe

from warehouse.landing import topic_columns

# Each batch is one topic's UTC hour; this column names the file a row came from.
FILE_COLUMN = "_file"
# A landed H3 resolution-9 cell id: mode 1, resolution 9, 15 hex digits.
H3_RES9_PATTERN = r"^89[0-9a-f]{13}$"


def param(name: str) -> dict[str, str]:
    """A reference to a suite parameter supplied at validation time."""
    return {"$PARAMETER": name}


def landed_schema(topic: str) -> list[gxe.Expectation]:
    """The batch has exactly the topic's landing columns (plus the file column)."""
    return [
        gxe.ExpectTableColumnsToMatchSet(
            column_set=[*topic_columns(topic), FILE_COLUMN],
            exact_match=True,
            description=f"columns are the landing schema of {topic}",
        )
    ]


def not_null(*columns: str) -> list[gxe.Expectation]:
    """Required columns hold a value in every row."""
    return [
        gxe.ExpectColumnValuesToNotBeNull(column=c, description=f"{c} is present") for c in columns
    ]


def keys(*required: str) -> list[gxe.Expectation]:
    """``event_id`` present and unique in the hour, ``event_at`` and ``required`` present.

    The landing writer never lands an event id twice in a topic's hour, so
    uniqueness holds per hour, and so per file.
    """
    return [
        *not_null("event_id", "event_at", *required),
        gxe.ExpectColumnValuesToBeUnique(
            column="event_id", description="event_id is unique in its hour partition"
        ),
    ]


def in_service_area() -> list[gxe.Expectation]:
    """WGS-84 lat/lng inside ``CITYBRAIN_AREA_BOUNDS`` and an H3 res-9 cell derived."""
    return [
        *not_null("lat", "lng"),
        gxe.ExpectColumnValuesToBeBetween(
            column="lat",
            min_value=param("south_deg"),
            max_value=param("north_deg"),
            description="lat (deg, WGS-84) is inside the service area",
        ),
        gxe.ExpectColumnValuesToBeBetween(
            column="lng",
            min_value=param("west_deg"),
            max_value=param("east_deg"),
            description="lng (deg, WGS-84) is inside the service area",
        ),
        gxe.ExpectColumnValuesToMatchRegex(
            column="h3_res9",
            regex=H3_RES9_PATTERN,
            description="h3_res9 is an H3 resolution-9 cell id",
        ),
    ]


def event_time() -> list[gxe.Expectation]:
    """``event_at`` is not in the future and lies in the hour partition holding it."""
    return [
        gxe.ExpectColumnValuesToBeBetween(
            column="event_at",
            max_value=param("latest_event_at"),
            description="event_at (UTC) is not in the future (beyond the allowed skew)",
        ),
        gxe.ExpectColumnValuesToBeBetween(
            column="event_at",
            min_value=param("hour_start_at"),
            max_value=param("hour_end_at"),
            strict_max=True,
            description="event_at (UTC) lies in the hour partition holding the row",
        ),
    ]


def between(column: str, *, low: float, high: float, unit: str) -> gxe.Expectation:
    """A measured column within [low, high] of its unit (nulls are not checked here)."""
    return gxe.ExpectColumnValuesToBeBetween(
        column=column,
        min_value=low,
        max_value=high,
        description=f"{column} is within {low:g}..{high:g} {unit}",
        meta={"unit": unit},
    )


def one_of(column: str, allowed: object, *, what: str) -> gxe.Expectation:
    """A coded column holds one of the allowed codes (nulls are not checked here)."""
    values = sorted(allowed)  # type: ignore[call-overload]
    return gxe.ExpectColumnValuesToBeInSet(
        column=column, value_set=values, description=f"{column} is a known {what}"
    )


def source(topic: str, *, required: tuple[str, ...] = ()) -> list[gxe.Expectation]:
    """What every located source topic must satisfy: schema, keys, area, time."""
    return [*landed_schema(topic), *keys(*required), *in_service_area(), *event_time()]
