"""Emerging hot spots per category and H3 resolution-9 cell over the latest local days.

The space-time cube is the last emerging_hot_spot_days local days (default 28, Asia/Shanghai)
up to the latest day in marts.incident_counts_by_cell_day, over the study area of
marts.hotspot_gi_star_by_cell_day (the county's service area and unit grids, plus every cell
with an incident in the window). Each day's Gi* (k-ring k = 1, self included) is recomputed
over that fixed set of cells so the series line up; a day is a significant hot (cold) spot
where z > 0 (< 0) and its Benjamini-Hochberg adjusted p <= 0.05, and the Mann-Kendall trend
of the daily z-scores is tested at the same level. Patterns follow Esri's published rules
(warehouse/emerging_hot_spots.py): new, consecutive, intensifying, persistent, diminishing,
sporadic, oscillating, historical - hot and cold - or no_pattern_detected.
Deviation from Esri: the cube's neighbourhood is spatial only (no earlier time steps in a
cell's neighbourhood). One row per category x h3_res9 with an incident in the window or a
pattern. FULL: the window moves with every new day.
"""

import typing as t
from datetime import datetime, timedelta

import pandas as pd
from sqlglot import exp
from sqlmesh import ExecutionContext, model

COLUMNS = {
    "as_of_date_local": "DATE",
    "first_date_local": "DATE",
    "time_step_count": "INT",
    "category": "TEXT",
    "h3_res9": "TEXT",
    "cell_centre_lat": "DOUBLE",
    "cell_centre_lng": "DOUBLE",
    "grid_code": "TEXT",
    "street_name": "TEXT",
    "community_name": "TEXT",
    "incident_count": "BIGINT",
    "hot_step_count": "INT",
    "cold_step_count": "INT",
    "final_gi_star_z_score": "DOUBLE",
    "mann_kendall_z_score": "DOUBLE",
    "mann_kendall_p_value": "DOUBLE",
    "emerging_pattern": "TEXT",
}


@model(
    "marts.emerging_hot_spots_by_cell",
    kind="FULL",
    cron="@daily",
    owner="citybrain",
    grain=["category", "h3_res9"],
    depends_on=["marts.incident_counts_by_cell_day"],
    columns=COLUMNS,
    column_descriptions={
        "as_of_date_local": "final time step: the latest local day (Asia/Shanghai)",
        "first_date_local": "first time step of the cube",
        "time_step_count": "local days in the cube",
        "category": "citybrain category",
        "h3_res9": "H3 cell, resolution 9",
        "cell_centre_lat": "cell centre, WGS-84 latitude, degrees",
        "cell_centre_lng": "cell centre, WGS-84 longitude, degrees",
        "grid_code": "unit grid 单元网格 containing the centre (null outside the grids)",
        "street_name": "street 街道 of the unit grid",
        "community_name": "community 社区 of the unit grid",
        "incident_count": "incidents of the category in the cell over the cube's days",
        "hot_step_count": "days the cell was a significant hot spot (BH p <= 0.05)",
        "cold_step_count": "days the cell was a significant cold spot (BH p <= 0.05)",
        "final_gi_star_z_score": "Gi* z-score on the final day (null when undefined)",
        "mann_kendall_z_score": "Mann-Kendall trend z of the daily Gi* z-scores",
        "mann_kendall_p_value": "two-sided p-value of the Mann-Kendall trend",
        "emerging_pattern": "e.g. new_hot_spot, persistent_cold_spot, no_pattern_detected",
    },
    audits=[
        (
            "not_null",
            {
                "columns": [
                    exp.column(c)
                    for c in ("as_of_date_local", "category", "h3_res9", "emerging_pattern")
                ]
            },
        ),
        (
            "unique_combination_of_columns",
            {"columns": [exp.column("category"), exp.column("h3_res9")]},
        ),
        (
            "accepted_values",
            {
                "column": exp.column("emerging_pattern"),
                "is_in": [
                    f"{p}_{side}_spot"
                    for side in ("hot", "cold")
                    for p in (
                        "new",
                        "consecutive",
                        "intensifying",
                        "persistent",
                        "diminishing",
                        "sporadic",
                        "oscillating",
                        "historical",
                    )
                ]
                + ["no_pattern_detected"],
            },
        ),
    ],
    description="Emerging hot-spot pattern (Esri's rules: new, consecutive, intensifying,"
    " persistent, diminishing, sporadic, oscillating, historical; hot and cold) per category x"
    " H3 res-9 cell over the latest local days, from daily Gi* and a Mann-Kendall trend",
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
    from warehouse.hot_spots import emerging_rows

    table = context.resolve_table("marts.incident_counts_by_cell_day")
    last = context.fetchdf(f"SELECT MAX(incident_date_local) AS d FROM {table}")["d"].iloc[0]
    if last is None or pd.isna(last):
        return
    last = pd.Timestamp(last).date()
    days = [last - timedelta(days=i) for i in range(int(context.var("emerging_hot_spot_days", 28)))]
    days.reverse()
    counts = context.fetchdf(
        "SELECT incident_date_local, category, h3_res9, incident_count"
        f" FROM {table} WHERE incident_date_local BETWEEN '{days[0]}' AND '{last}'"
    )
    counts["incident_date_local"] = pd.to_datetime(counts["incident_date_local"]).dt.date
    settings = load()
    grids = read_table(settings.reference_path, "grids")
    county = context.var("gi_star_study_area", "county") == "county"
    study_area = study_area_cells(grids, area_bounds=settings.area_bounds if county else None)
    rows = emerging_rows(
        counts.itertuples(index=False, name=None),
        steps=days,
        study_area=study_area,
        k=int(context.var("gi_star_ring_k", 1)),
    )
    if not rows:
        return
    out = pd.DataFrame(rows)
    out["as_of_date_local"] = last
    out["first_date_local"] = days[0]
    out = out.merge(pd.DataFrame(cell_rows(out["h3_res9"].unique(), grids)), on="h3_res9")
    yield out[list(COLUMNS)]
