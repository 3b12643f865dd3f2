"""H3 resolution-9 cells as places: one row per cell that had an incident or lies in a unit grid.

Centre (WGS-84), resolution-8 and -7 parents, and the unit grid (单元网格) containing the
centre with its street (街道) and community (社区), from the county's reference grids
(``CITYBRAIN_REFERENCE_DIR``/grids.json; names are null when a cell is in no grid or no
grids are configured). FULL: the reference grids change without a time axis.
"""

import typing as t
from datetime import datetime

import pandas as pd
from sqlglot import exp
from sqlmesh import ExecutionContext, model


@model(
    "intermediate.int_cells",
    kind="FULL",
    cron="@hourly",
    owner="citybrain",
    grain="h3_res9",
    depends_on=["marts.hotspot_counts_by_cell_hour"],
    columns={
        "h3_res9": "TEXT",
        "h3_res8": "TEXT",
        "h3_res7": "TEXT",
        "cell_centre_lat": "DOUBLE",
        "cell_centre_lng": "DOUBLE",
        "grid_code": "TEXT",
        "street_name": "TEXT",
        "community_name": "TEXT",
    },
    column_descriptions={
        "h3_res9": "H3 cell, resolution 9 (~0.1 km²)",
        "h3_res8": "parent cell, resolution 8",
        "h3_res7": "parent cell, resolution 7",
        "cell_centre_lat": "centre of the cell, WGS-84 latitude, degrees",
        "cell_centre_lng": "centre of the cell, WGS-84 longitude, degrees",
        "grid_code": "unit grid (单元网格, GB/T 30428.1, 14 digits) containing the centre",
        "street_name": "street (街道) of the unit grid",
        "community_name": "community (社区) of the unit grid",
    },
    audits=[
        ("not_null", {"columns": [exp.column(c) for c in ("h3_res9", "h3_res8", "h3_res7")]}),
        ("unique_values", {"columns": [exp.column("h3_res9")]}),
    ],
    description="H3 res-9 cells with incidents or in a unit grid: centre lat/lng, res-8/7"
    " parents, unit grid, street and community",
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
    from warehouse.cells import CELL_COLUMNS, cell_rows, grid_of_cells

    counts = context.resolve_table("marts.hotspot_counts_by_cell_hour")
    seen = context.fetchdf(f"SELECT DISTINCT h3_res9 FROM {counts}")["h3_res9"].tolist()
    grids = read_table(load().reference_path, "grids")
    rows = cell_rows([*seen, *grid_of_cells(grids)], grids)
    if rows:  # SQLMesh's way to say "no rows": yield nothing
        yield pd.DataFrame(rows, columns=list(CELL_COLUMNS))
