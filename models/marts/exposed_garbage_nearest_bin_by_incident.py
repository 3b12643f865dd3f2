"""Exposed garbage (暴露垃圾) against the garbage-bin layer: each incident's nearest bin.

One row per exposed_garbage citizen report (the category has no video detector here), with the
nearest bin of reference.garbage_bins, the distance to it in metres and the bins within
100 m (equirectangular metres to 0.1 m, warehouse.snapping). Distances are null when no bins are
configured. Incremental by report time.
"""

import typing as t
from datetime import datetime

import pandas as pd
from sqlglot import exp
from sqlmesh import ExecutionContext, model
from sqlmesh.core.model.kind import ModelKindName

NEARBY_BIN_M = 100.0
COLUMNS = {
    "report_id": "TEXT",
    "reported_at": "TIMESTAMP",
    "incident_date_local": "DATE",
    "lat": "DOUBLE",
    "lng": "DOUBLE",
    "h3_res9": "TEXT",
    "nearest_bin_id": "TEXT",
    "nearest_bin_distance_m": "DOUBLE",
    "bins_within_100m_count": "INT",
}


@model(
    "marts.exposed_garbage_nearest_bin_by_incident",
    kind={"name": ModelKindName.INCREMENTAL_BY_TIME_RANGE, "time_column": "reported_at"},
    cron="@hourly",
    owner="citybrain",
    grain="report_id",
    depends_on=["staging.stg_citizen_reports", "reference.garbage_bins"],
    columns=COLUMNS,
    column_descriptions={
        "report_id": "citizen report id",
        "reported_at": "UTC",
        "incident_date_local": "local (Asia/Shanghai) date of the report",
        "lat": "WGS-84 latitude, degrees",
        "lng": "WGS-84 longitude, degrees",
        "h3_res9": "H3 cell, resolution 9",
        "nearest_bin_id": "the nearest garbage bin",
        "nearest_bin_distance_m": "metres to the nearest garbage bin; null: no bins configured",
        "bins_within_100m_count": "garbage bins within 100 m of the incident",
    },
    audits=[
        ("not_null", {"columns": [exp.column(c) for c in ("report_id", "reported_at", "h3_res9")]}),
        ("unique_values", {"columns": [exp.column("report_id")]}),
    ],
    description="Per exposed-garbage incident: the nearest garbage bin, its distance (m) and the"
    " bins within 100 m",
)
def execute(
    context: ExecutionContext,
    start: datetime,
    end: datetime,
    execution_time: datetime,
    **kwargs: t.Any,
) -> t.Iterator[pd.DataFrame]:
    # imported here: SQLMesh would otherwise serialise the project modules into the snapshot
    from warehouse.snapping_frames import BINS_COLUMNS, citizen_reports_sql, nearest_bins

    reports = context.fetchdf(
        citizen_reports_sql(
            context.resolve_table("staging.stg_citizen_reports"),
            category="exposed_garbage",
            start=start,
            end=end,
        )
    )
    if reports.empty:
        return
    bins = context.fetchdf(
        f"SELECT {BINS_COLUMNS} FROM {context.resolve_table('reference.garbage_bins')}"
    )
    out = nearest_bins(reports, bins, within_m=NEARBY_BIN_M)
    local = pd.to_datetime(out["reported_at"]).dt.tz_localize("UTC")
    local = local.dt.tz_convert(context.var("incident_time_zone", "Asia/Shanghai"))
    out["incident_date_local"] = local.dt.date
    out = out.rename(columns={"bins_within_count": "bins_within_100m_count"})
    yield out[list(COLUMNS)]
