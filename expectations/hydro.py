"""Expectations for ``hydro.readings`` (contract :mod:`citybrain.contracts.hydro`).

Each element has its own unit and plausible range (``hydro.ELEMENTS``); the
range expectations apply to that element's rows only.
"""

from __future__ import annotations

import great_expectations.expectations as gxe
from great_expectations.expectations.row_conditions import Column

from citybrain.contracts.hydro import ELEMENTS, TOPIC
from expectations.common import between, one_of, source

PERIOD_MAX_S = 86_400


def element_range(element: str) -> gxe.Expectation:
    """``value`` of one element within its bounds, in its unit."""
    unit, low, high = ELEMENTS[element]
    return gxe.ExpectColumnValuesToBeBetween(
        column="value",
        min_value=low,
        max_value=high,
        row_condition=Column("element") == element,
        description=f"value of {element} is within {low:g}..{high:g} {unit}",
        meta={"unit": unit},
    )


def expectations() -> list[gxe.Expectation]:
    """Keys, area and time; a known element in its unit; values and periods in range."""
    return [
        *source(TOPIC, required=("station_id", "element", "value", "unit")),
        one_of("element", ELEMENTS, what="hydrological element"),
        gxe.ExpectColumnPairValuesToBeInSet(
            column_A="element",
            column_B="unit",
            value_pairs_set=[(element, unit) for element, (unit, _, _) in ELEMENTS.items()],
            description="unit is the element's unit",
        ),
        *(element_range(element) for element in ELEMENTS),
        between("period_s", low=1, high=PERIOD_MAX_S, unit="s"),
        gxe.ExpectColumnValuesToNotBeNull(
            column="period_s",
            row_condition=Column("element") == "rain_period_mm",
            description="period_s is present on period rainfall",
        ),
    ]
