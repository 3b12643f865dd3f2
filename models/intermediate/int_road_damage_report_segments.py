"""Road-damage reports snapped to the nearest road segment (路段) of reference.roads.

A report is snapped when the nearest segment lies within the road_snap_m variable (default 50 m:
a road is up to ~40 m wide and a phone's fix is off by ~10 m); further away it keeps
road_segment_id null (damage off the road network: a square, a courtyard). Distances are
equirectangular metres (warehouse.snapping), to 0.1 m. One row per road_damage citizen
report; reports are the evidence (cases are opened from them: counting both counts twice).
Incremental by report time.
"""

import typing as t
from datetime import datetime

import pandas as pd
from sqlglot import exp
from sqlmesh import ExecutionContext, model
from sqlmesh.core.model.kind import ModelKindName

COLUMNS = {
    "report_id": "TEXT",
    "reported_at": "TIMESTAMP",
    "lat": "DOUBLE",
    "lng": "DOUBLE",
    "h3_res9": "TEXT",
    "nearest_road_segment_id": "TEXT",
    "nearest_segment_distance_m": "DOUBLE",
    "road_segment_id": "TEXT",
    "along_segment_m": "DOUBLE",
}


@model(
    "intermediate.int_road_damage_report_segments",
    kind={"name": ModelKindName.INCREMENTAL_BY_TIME_RANGE, "time_column": "reported_at"},
    cron="@hourly",
    owner="citybrain",
    grain="report_id",
    depends_on=["staging.stg_citizen_reports", "reference.roads"],
    columns=COLUMNS,
    column_descriptions={
        "report_id": "citizen report id",
        "reported_at": "UTC",
        "lat": "WGS-84 latitude, degrees",
        "lng": "WGS-84 longitude, degrees",
        "h3_res9": "H3 cell, resolution 9",
        "nearest_road_segment_id": "the nearest segment, however far",
        "nearest_segment_distance_m": "metres from the report to the nearest segment",
        "road_segment_id": "segment snapped to (within road_snap_m); null: off-road",
        "along_segment_m": "metres from the segment's first vertex to the report's projection",
    },
    audits=[
        ("not_null", {"columns": [exp.column(c) for c in ("report_id", "reported_at")]}),
        ("unique_values", {"columns": [exp.column("report_id")]}),
    ],
    description="Road-damage reports with the nearest road segment and, within road_snap_m"
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
    from warehouse.snapping_frames import citizen_reports_sql, road_snapped_frames

    reports = citizen_reports_sql(
        context.resolve_table("staging.stg_citizen_reports"),
        category="road_damage",
        start=start,
        end=end,
    )
    snap_m = float(context.var("road_snap_m", ROAD_SNAP_M))
    yield from road_snapped_frames(context, reports, snap_m=snap_m, columns=COLUMNS)
