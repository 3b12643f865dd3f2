"""GX suites for the main marts, one module per mart, run over the published snapshot.

SQLMesh audits block a plan on what would make a mart wrong (keys, nulls,
ranges that follow from the model's own logic). These suites report what
makes a mart *implausible* for the people reading it, and must not block a
plan: places outside the county, days or times in the future, categories the
seed does not name, sources and vehicle types nobody configured, p-values
that are not probabilities, orderings of case times. No check is in both.

Each module names its ``MART`` (schema.table in the published snapshot), the
``KEY_COLUMNS`` that name a failing row in the report, the ``TIME_COLUMN``
that ``--from``/``--to`` select on (a local DATE or a UTC TIMESTAMP) and
returns its ``expectations()``.
"""

from __future__ import annotations

import importlib
from types import ModuleType

MART_MODULES: dict[str, str] = {
    "marts.incident_counts_by_cell_day": "expectations.marts.incident_counts",
    "marts.hotspot_gi_star_by_cell_day": "expectations.marts.gi_star",
    "marts.case_state_by_case": "expectations.marts.case_state",
    "marts.flood_station_readings_by_5min": "expectations.marts.flood_readings",
    "marts.vehicle_latest_positions": "expectations.marts.vehicle_positions",
}
CHECKED_MARTS: tuple[str, ...] = tuple(MART_MODULES)


def mart_module(mart: str) -> ModuleType:
    """The module holding a mart's expectations."""
    if mart not in MART_MODULES:
        raise KeyError(f"no expectation suite for mart {mart!r}; known: {list(MART_MODULES)}")
    return importlib.import_module(MART_MODULES[mart])
