"""Getis-Ord Gi* hot and cold spots per local day, category and H3 resolution-9 cell.

One test per local day (Asia/Shanghai) and category over the study area: the cells whose
centre is in the county's service area (CITYBRAIN_AREA_BOUNDS, S,W,N,E) or in one of its unit
grids (reference grids.json), plus every cell with an incident that day. The study area is the
whole county, quiet countryside included, so the town as a whole stands out against it; variable
gi_star_study_area = 'grids' keeps the unit grids only (within-town contrasts), where on the demo
town's 112 cells its three one-cell vending clusters reach only z = 1.1-2.7 and are not
significant: with k = 1, a few isolated cells that hold most of the counts get z of about
sqrt(n / clusters) / sqrt(k-ring size), whatever their counts (three equal ones: 1.93).
Counts are those of marts.incident_counts_by_cell_day (zero on study-area cells without a
row). Neighbours: the H3 k-ring (k = 1, variable gi_star_ring_k), binary weights, the cell
itself included (Gi*).
z-scores are Ord & Getis's analytical ones (equal to PySAL esda G_Local(star=True)); p-values
two-sided normal; Benjamini-Hochberg FDR over the cells of one test; gi_bin ±3/±2/±1 where the
FDR-adjusted p is <= 0.01/0.05/0.10 (99/95/90 % confidence), sign of z.
One row per incident_date_local x category x h3_res9 for the cells with an incident in their
ring or a significant result; the quiet rest of the study area is counted in
study_area_cell_count but not written. Incremental by local day, like its input.
"""

import typing as t
from datetime import datetime

import pandas as pd
from sqlglot import exp
from sqlmesh import ExecutionContext, model
from sqlmesh.core.model.kind import ModelKindName

COLUMNS = {
    "incident_date_local": "DATE",
    "category": "TEXT",
    "h3_res9": "TEXT",
    "cell_centre_lat": "DOUBLE",
    "cell_centre_lng": "DOUBLE",
    "grid_code": "TEXT",
    "street_name": "TEXT",
    "community_name": "TEXT",
    "incident_count": "BIGINT",
    "ring_incident_count": "BIGINT",
    "ring_cell_count": "INT",
    "study_area_cell_count": "INT",
    "gi_star_z_score": "DOUBLE",
    "gi_star_p_value": "DOUBLE",
    "gi_star_fdr_p_value": "DOUBLE",
    "gi_bin": "INT",
    "hot_spot_class": "TEXT",
}


@model(
    "marts.hotspot_gi_star_by_cell_day",
    kind={"name": ModelKindName.INCREMENTAL_BY_TIME_RANGE, "time_column": "incident_date_local"},
    cron="@daily",
    owner="citybrain",
    grain=["incident_date_local", "category", "h3_res9"],
    depends_on=["marts.incident_counts_by_cell_day"],
    columns=COLUMNS,
    column_descriptions={
        "incident_date_local": "local calendar day (Asia/Shanghai) of the test",
        "category": "citybrain category of the test",
        "h3_res9": "H3 cell, resolution 9",
        "cell_centre_lat": "cell centre, WGS-84 latitude, degrees",
        "cell_centre_lng": "cell centre, WGS-84 longitude, degrees",
        "grid_code": "unit grid 单元网格 containing the centre (null outside the grids)",
        "street_name": "street 街道 of the unit grid",
        "community_name": "community 社区 of the unit grid",
        "incident_count": "incidents of the category in the cell that day",
        "ring_incident_count": "incidents in the cell and its k-ring neighbours (Gi* numerator)",
        "ring_cell_count": "cells of the k-ring inside the study area, the cell included",
        "study_area_cell_count": "cells of the test (n), quiet ones included",
        "gi_star_z_score": "Gi* z-score; null when every cell has the same count",
        "gi_star_p_value": "two-sided normal p-value of the z-score",
        "gi_star_fdr_p_value": "Benjamini-Hochberg adjusted p-value over the test's cells",
        "gi_bin": "3/2/1 hot at 99/95/90 % after FDR, -3/-2/-1 cold, 0 not significant",
        "hot_spot_class": "hot_99 | hot_95 | hot_90 | not_significant"
        " | cold_90 | cold_95 | cold_99",
    },
    audits=[
        (
            "not_null",
            {
                "columns": [
                    exp.column(c) for c in ("incident_date_local", "category", "h3_res9", "gi_bin")
                ]
            },
        ),
        (
            "unique_combination_of_columns",
            {"columns": [exp.column(c) for c in ("incident_date_local", "category", "h3_res9")]},
        ),
        # accepted_values, not accepted_range: a negative min_v trips a SyntaxWarning in SQLMesh
        ("accepted_values", {"column": exp.column("gi_bin"), "is_in": [-3, -2, -1, 0, 1, 2, 3]}),
        (
            "accepted_range",
            {"column": exp.column("gi_star_fdr_p_value"), "min_v": 0, "max_v": 1},
        ),
    ],
    description="Getis-Ord Gi* hot/cold spots per local day x category x H3 res-9 cell:"
    " z-score, p-value, Benjamini-Hochberg FDR p-value and 90/95/99 % confidence bin"
    " (k-ring k=1 binary weights, self included)",
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
    from warehouse.cells import cell_rows, study_area_cells
    from warehouse.hot_spots import gi_star_rows

    table = context.resolve_table("marts.incident_counts_by_cell_day")
    counts = context.fetchdf(
        "SELECT incident_date_local, category, h3_res9, incident_count"
        f" FROM {table}"
        f" WHERE incident_date_local BETWEEN '{start:%Y-%m-%d}' AND '{end:%Y-%m-%d}'"
    )
    if counts.empty:
        return
    settings = load()
    grids = read_table(settings.reference_path, "grids")
    county = context.var("gi_star_study_area", "county") == "county"
    study_area = study_area_cells(grids, area_bounds=settings.area_bounds if county else None)
    k = int(context.var("gi_star_ring_k", 1))
    rows = gi_star_rows(counts.itertuples(index=False, name=None), study_area=study_area, k=k)
    if not rows:
        return
    out = pd.DataFrame(rows).rename(columns={"period": "incident_date_local"})
    places = pd.DataFrame(cell_rows(out["h3_res9"].unique(), grids))
    out = out.merge(places, on="h3_res9", how="left")
    yield out[list(COLUMNS)]
