"""H3 cells as places: centre, coarser parents, and the unit grid (单元网格) they fall in.

Pure functions over reference rows (``citybrain.reference`` grids: grid_code,
street, community, polygon_wkt in WGS-84). A cell belongs to the unit grid
that contains its centre, as in H3's own polygon fill; cells whose centre is
in no grid (outside the county's grids, or no grids configured) have none.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import h3
from shapely import wkt
from shapely.geometry import box, mapping

from citybrain.geo import H3_RES_AREA, H3_RES_DISTRICT, H3_RES_INCIDENT

CELL_COLUMNS = (
    "h3_res9",
    "h3_res8",
    "h3_res7",
    "cell_centre_lat",
    "cell_centre_lng",
    "grid_code",
    "street_name",
    "community_name",
)


def polygon_cells(polygon_wkt: str, *, res: int = H3_RES_INCIDENT) -> set[str]:
    """H3 cells whose centre lies inside a WGS-84 polygon given as WKT (x = lng, y = lat)."""
    return set(h3.geo_to_cells(mapping(wkt.loads(polygon_wkt)), res))


def grid_of_cells(grids: Sequence[dict], *, res: int = H3_RES_INCIDENT) -> dict[str, dict]:
    """Cell → its unit-grid row, for every cell whose centre is inside a grid polygon."""
    out: dict[str, dict] = {}
    for grid in sorted(grids, key=lambda g: g["grid_code"]):
        for cell in polygon_cells(grid["polygon_wkt"], res=res):
            out.setdefault(cell, grid)
    return out


def bounds_cells(
    *, south_lat: float, west_lng: float, north_lat: float, east_lng: float, res: int
) -> set[str]:
    """H3 cells whose centre lies inside a lat/lng box (WGS-84)."""
    return set(h3.geo_to_cells(mapping(box(west_lng, south_lat, east_lng, north_lat)), res))


def cell_rows(cells: Iterable[str], grids: Sequence[dict]) -> list[dict]:
    """One row per resolution-9 cell with :data:`CELL_COLUMNS`, sorted by cell."""
    by_cell = grid_of_cells(grids)
    rows = []
    for cell in sorted(set(cells)):
        lat, lng = h3.cell_to_latlng(cell)
        grid = by_cell.get(cell, {})
        rows.append(
            {
                "h3_res9": cell,
                "h3_res8": h3.cell_to_parent(cell, H3_RES_DISTRICT),
                "h3_res7": h3.cell_to_parent(cell, H3_RES_AREA),
                "cell_centre_lat": lat,
                "cell_centre_lng": lng,
                "grid_code": grid.get("grid_code"),
                "street_name": grid.get("street"),
                "community_name": grid.get("community"),
            }
        )
    return rows


def study_area_cells(
    grids: Sequence[dict],
    *,
    area_bounds: tuple[float, float, float, float] | None,
    res: int = H3_RES_INCIDENT,
) -> set[str]:
    """Cells of the unit grids, plus those of the service area (S, W, N, E) when given."""
    cells = set(grid_of_cells(grids, res=res))
    if area_bounds is not None:
        south, west, north, east = area_bounds
        cells |= bounds_cells(
            south_lat=south, west_lng=west, north_lat=north, east_lng=east, res=res
        )
    return cells
