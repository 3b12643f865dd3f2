"""Patrol coverage of each enforcement vehicle per shift: the share of assigned unit grids visited.

A vehicle's assigned grids are the unit grids (单元网格, reference grids.json) listed in its
vehicles.json row's grid_codes, else those its assigned route (route_wkt) passes through; a fix
visits the grid whose polygon contains it. Shifts are local (Asia/Shanghai) thirds of the day:
day 06:00-14:00, evening 14:00-22:00, night 22:00-06:00 (dated by the day it starts on).
One row per vehicle_id x shift_date x shift for every enforcement vehicle with assigned grids
and at least one fix in that shift (warehouse.patrol).
"""

import typing as t
from datetime import datetime

import pandas as pd
from sqlglot import exp
from sqlmesh import ExecutionContext, model
from sqlmesh.core.model.kind import ModelKindName

COLUMNS = {
    "vehicle_id": "TEXT",
    "shift_date": "DATE",
    "shift": "TEXT",
    "plate": "TEXT",
    "department": "TEXT",
    "assigned_grid_count": "BIGINT",
    "covered_grid_count": "BIGINT",
    "coverage_ratio": "DOUBLE",
    "visited_grid_count": "BIGINT",
}


@model(
    "marts.patrol_coverage_by_vehicle_shift",
    kind={"name": ModelKindName.FULL},
    cron="@hourly",
    owner="citybrain",
    grain=["vehicle_id", "shift_date", "shift"],
    depends_on=["staging.stg_gps_fixes", "reference.vehicles"],
    columns=COLUMNS,
    column_descriptions={
        "vehicle_id": "terminal phone number of the enforcement vehicle",
        "shift_date": "local date (Asia/Shanghai) the shift starts on",
        "shift": "day (06-14) | evening (14-22) | night (22-06), local",
        "plate": "plate of the vehicle",
        "department": "department operating the vehicle",
        "assigned_grid_count": "unit grids assigned to the vehicle",
        "covered_grid_count": "assigned grids with at least one fix in the shift",
        "coverage_ratio": "covered / assigned, 0-1",
        "visited_grid_count": "all grids with a fix in the shift, assigned or not",
    },
    audits=[
        (
            "not_null",
            {
                "columns": [
                    exp.column(c) for c in ("vehicle_id", "shift_date", "shift", "coverage_ratio")
                ]
            },
        ),
        (
            "unique_combination_of_columns",
            {"columns": [exp.column(c) for c in ("vehicle_id", "shift_date", "shift")]},
        ),
        ("accepted_range", {"column": exp.column("coverage_ratio"), "min_v": 0, "max_v": 1}),
        (
            "accepted_values",
            {"column": exp.column("shift"), "is_in": ["day", "evening", "night"]},
        ),
    ],
    description="Per enforcement vehicle and local shift: assigned unit grids, those visited,"
    " coverage ratio 0-1, all grids visited",
)
def execute(
    context: ExecutionContext,
    start: datetime,
    end: datetime,
    execution_time: datetime,
    **kwargs: t.Any,
) -> t.Iterator[pd.DataFrame]:
    # imported here, not at the top: SQLMesh would serialise the project modules' code (and
    # their globals) into the model's snapshot; here they are imported when the model runs
    from citybrain.reference import read_table
    from citybrain.settings import load
    from warehouse.patrol import ENFORCEMENT, coverage_rows

    reference_dir = load().reference_path
    vehicles = read_table(reference_dir, "vehicles")
    enforcement = [str(v["vehicle_id"]) for v in vehicles if v.get("vehicle_type") == ENFORCEMENT]
    if not enforcement:
        return
    fixes = context.fetchdf(
        "SELECT vehicle_id, fixed_at, lat, lng"
        f" FROM {context.resolve_table('staging.stg_gps_fixes')}"
        " WHERE vehicle_id IN ("
        + ", ".join(f"'{v.replace(chr(39), '')}'" for v in enforcement)
        + ")"
    )
    if fixes.empty:
        return
    at = pd.to_datetime(fixes["fixed_at"]).dt.tz_localize("UTC")
    rows = coverage_rows(
        zip(fixes["vehicle_id"], at.dt.to_pydatetime(), fixes["lat"], fixes["lng"], strict=True),
        vehicles=vehicles,
        grids=read_table(reference_dir, "grids"),
    )
    if not rows:
        return
    out = pd.DataFrame(rows)
    names = context.fetchdf(
        f"SELECT vehicle_id, plate, department FROM {context.resolve_table('reference.vehicles')}"
    )
    out = out.merge(names, on="vehicle_id", how="left")
    yield out[list(COLUMNS)]
