"""``marts.incident_counts_by_cell_day``: the 三高 mart behind the high-incidence charts."""

from __future__ import annotations

import great_expectations.expectations as gxe

from citybrain.categories import CATEGORIES
from expectations.common import one_of
from expectations.marts.common import grid_code, h3_cell, in_county, not_future_local_day

MART = "marts.incident_counts_by_cell_day"
KEY_COLUMNS = ("incident_date_local", "category", "h3_res9")
TIME_COLUMN = "incident_date_local"
IN_GRIDS_SHARE_MIN = 0.9  # of rows: incidents mostly happen where the county has unit grids


def expectations() -> list[gxe.Expectation]:
    """Cells inside the county and its grids, known categories, no future days."""
    return [
        *in_county("cell_centre_lat", "cell_centre_lng", what="cell centre"),
        h3_cell("h3_res8", resolution=8),
        h3_cell("h3_res7", resolution=7),
        not_future_local_day("incident_date_local"),
        one_of("category", CATEGORIES, what="citybrain category"),
        gxe.ExpectColumnValuesToNotBeNull(
            column="category_name_zh",
            description="category_name_zh is present (the categories seed names the category)",
        ),
        grid_code(),
        gxe.ExpectColumnValuesToNotBeNull(
            column="grid_code",
            mostly=IN_GRIDS_SHARE_MIN,
            description=f"at least {IN_GRIDS_SHARE_MIN:.0%} of rows lie in a unit grid",
        ),
    ]
