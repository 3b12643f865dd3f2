"""``marts.hotspot_gi_star_by_cell_day``: Getis-Ord Gi* hot and cold spots."""

from __future__ import annotations

import great_expectations.expectations as gxe

from citybrain.categories import CATEGORIES
from expectations.common import one_of
from expectations.marts.common import in_county, not_before, not_future_local_day

MART = "marts.hotspot_gi_star_by_cell_day"
KEY_COLUMNS = ("incident_date_local", "category", "h3_res9")
TIME_COLUMN = "incident_date_local"
Z_ABS_MAX = 1_000.0  # a z-score beyond this is an arithmetic accident, not a hot spot
CLASSES = ("hot_99", "hot_95", "hot_90", "not_significant", "cold_90", "cold_95", "cold_99")


def expectations() -> list[gxe.Expectation]:
    """Probabilities that are probabilities, an FDR no smaller than the raw p, sane z."""
    return [
        *in_county("cell_centre_lat", "cell_centre_lng", what="cell centre"),
        not_future_local_day("incident_date_local"),
        one_of("category", CATEGORIES, what="citybrain category"),
        one_of("hot_spot_class", CLASSES, what="hot-spot class"),
        gxe.ExpectColumnValuesToBeBetween(
            column="gi_star_p_value",
            min_value=0,
            max_value=1,
            description="gi_star_p_value is a probability",
        ),
        gxe.ExpectColumnValuesToBeBetween(
            column="gi_star_z_score",
            min_value=-Z_ABS_MAX,
            max_value=Z_ABS_MAX,
            description=f"gi_star_z_score is finite and within ±{Z_ABS_MAX:g}",
        ),
        not_before("gi_star_fdr_p_value", "gi_star_p_value"),
        not_before("study_area_cell_count", "ring_cell_count"),
    ]
