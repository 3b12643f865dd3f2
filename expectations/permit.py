"""Expectations for ``permits`` (contract :mod:`citybrain.contracts.permit`)."""

from __future__ import annotations

import great_expectations.expectations as gxe

from citybrain.contracts.permit import PERMIT_TYPES, STATUSES, TOPIC
from expectations.common import one_of, source

# comma-separated local clock ranges, e.g. "22:00-05:00,11:00-13:00"; empty allowed
_HHMM = r"(?:[01]\d|2[0-3]):[0-5]\d"
TIME_WINDOWS_PATTERN = rf"^(?:{_HHMM}-{_HHMM}(?:\s*,\s*{_HHMM}-{_HHMM})*)?$"
WKT_PATTERN = r"^(?:(?i:POINT|LINESTRING|POLYGON|MULTIPOLYGON|MULTILINESTRING).*)?$"


def expectations() -> list[gxe.Expectation]:
    """Keys, area and time; known type and status; validity, windows and geometry."""
    return [
        *source(TOPIC, required=("permit_id", "permit_type", "status", "holder", "valid_from")),
        *validity(),
        one_of("permit_type", PERMIT_TYPES, what="permit type"),
        one_of("status", STATUSES, what="permit status"),
        gxe.ExpectColumnValuesToMatchRegex(
            column="time_windows",
            regex=TIME_WINDOWS_PATTERN,
            description="time_windows are local HH:MM-HH:MM ranges",
        ),
        gxe.ExpectColumnValuesToMatchRegex(
            column="geometry_wkt",
            regex=WKT_PATTERN,
            description="geometry_wkt is WKT (point, line or polygon) or empty",
        ),
    ]


def validity() -> list[gxe.Expectation]:
    """A permit's validity ends no earlier than it starts."""
    return [
        gxe.ExpectColumnValuesToNotBeNull(column="valid_to", description="valid_to is present"),
        gxe.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="valid_to",
            column_B="valid_from",
            or_equal=True,
            description="valid_to (UTC) is not before valid_from",
        ),
    ]
