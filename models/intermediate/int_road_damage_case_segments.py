"""Road-damage cases (案件) snapped to the nearest road segment of reference.roads.

The case engine's cases of category road_damage (marts.case_state_by_case, the report event's
position) with the nearest segment and, within road_snap_m (default 50 m), the segment they
are snapped to; equirectangular metres to 0.1 m (warehouse.snapping). Cancelled and
not-registered cases are left out (no case was made). One row per case; FULL like its source.
"""

import typing as t
from datetime import datetime

import pandas as pd
from sqlglot import exp
from sqlmesh import ExecutionContext, model
from sqlmesh.core.model.kind import ModelKindName

COLUMNS = {
    "case_id": "TEXT",
    "reported_at": "TIMESTAMP",
    "state": "TEXT",
    "lat": "DOUBLE",
    "lng": "DOUBLE",
    "nearest_road_segment_id": "TEXT",
    "nearest_segment_distance_m": "DOUBLE",
    "road_segment_id": "TEXT",
}


@model(
    "intermediate.int_road_damage_case_segments",
    kind={"name": ModelKindName.FULL},
    cron="@hourly",
    owner="citybrain",
    grain="case_id",
    depends_on=["marts.case_state_by_case", "reference.roads"],
    columns=COLUMNS,
    column_descriptions={
        "case_id": "case id",
        "reported_at": "UTC, when the case was reported (上报)",
        "state": "the case's state now",
        "lat": "WGS-84 latitude of the report, degrees",
        "lng": "WGS-84 longitude of the report, degrees",
        "nearest_road_segment_id": "the nearest segment, however far",
        "nearest_segment_distance_m": "metres from the case to the nearest segment",
        "road_segment_id": "segment snapped to (within road_snap_m); null: off-road",
    },
    audits=[
        ("not_null", {"columns": [exp.column(c) for c in ("case_id", "reported_at")]}),
        ("unique_values", {"columns": [exp.column("case_id")]}),
    ],
    description="Road-damage cases with the nearest road segment and, within road_snap_m"
    " (default 50 m), the segment they are snapped to",
)
def execute(
    context: ExecutionContext,
    start: datetime,
    end: datetime,
    execution_time: datetime,
    **kwargs: t.Any,
) -> t.Iterator[pd.DataFrame]:
    # imported here: SQLMesh would otherwise serialise the project modules into the snapshot
    from warehouse.snapping import ROAD_SNAP_M
    from warehouse.snapping_frames import road_snapped_frames

    cases = (
        "SELECT case_id, reported_at, state, lat, lng"
        f" FROM {context.resolve_table('marts.case_state_by_case')}"
        " WHERE category = 'road_damage' AND reported_at IS NOT NULL"
        " AND lat IS NOT NULL AND lng IS NOT NULL"
        " AND state NOT IN ('cancelled', 'not_registered')"
    )
    snap_m = float(context.var("road_snap_m", ROAD_SNAP_M))
    yield from road_snapped_frames(context, cases, snap_m=snap_m, columns=COLUMNS)
