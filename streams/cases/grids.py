"""The routing table from the county's reference files (``grids`` and ``departments``).

Grid outlines come as WGS-84 WKT polygons (x = lng, y = lat) in the
``grids`` table; each becomes the H3 res-11 cells whose centres it holds
(:func:`streams.cases.routing.cells_to_grids`). Missing files give an empty
table: cases then open unrouted and wait for a dispatcher.
"""

from __future__ import annotations

from pathlib import Path

import shapely

from citybrain.reference import read_table
from streams.cases.routing import RoutingTable, cells_to_grids, routing_table


def grid_outlines(rows: list[dict]) -> dict[str, list[tuple[float, float]]]:
    """Grid code → outer ring as ``(lat, lng)`` vertices, from ``polygon_wkt``."""
    outlines = {}
    for row in rows:
        polygon = shapely.from_wkt(row["polygon_wkt"])
        if polygon.geom_type != "Polygon":
            raise ValueError(
                f"grid {row['grid_code']}: expected a POLYGON, got {polygon.geom_type}"
            )
        outlines[row["grid_code"]] = [(lat, lng) for lng, lat in polygon.exterior.coords[:-1]]
    return outlines


def routing_from_reference(
    reference_dir: Path, *, fallback_department_id: str | None = None
) -> RoutingTable:
    """The routing table of the reference files in ``reference_dir``."""
    grids = read_table(reference_dir, "grids")
    departments = read_table(reference_dir, "departments")
    return routing_table(
        departments,
        fallback_department_id=fallback_department_id,
        version=f"{len(grids)} grids, {len(departments)} departments",
        cell_grids=cells_to_grids(grid_outlines(grids)),
    )
