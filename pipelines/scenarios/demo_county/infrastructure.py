"""The demo county's street furniture: road segments and garbage bins (no randomness).

Roads run along the unit-grid lattice (:mod:`.geography`): four east-west
roads on the lattice's latitude lines 1, 2, 4 and 5 and four north-south
roads on its longitude lines 1, 3, 5 and 7. Each road is cut into segments
(路段) the maintainer budgets for: east-west roads into four segments of two
grid widths (~866 m), north-south roads into three of two grid heights
(~890 m).

Garbage bins stand at the four quarter points of every unit grid (a ~220 m
lattice) except :data:`BINLESS_GRID_ROW_COLUMN`, the grid with no bins at all
where the demo plants its exposed-garbage black spot (:mod:`.planted`).
"""

from __future__ import annotations

from citybrain.geo import haversine_m
from pipelines.scenarios.demo_county.geography import (
    COLUMNS,
    GRID_DLAT,
    GRID_DLNG,
    ORIGIN_LAT,
    ORIGIN_LNG,
    ROWS,
    grids,
)

EAST_WEST_ROADS = (("人民路", 1), ("解放路", 2), ("兴隆大道", 4), ("滨江路", 5))  # lattice row line
NORTH_SOUTH_ROADS = (("桃花路", 1), ("凤凰街", 3), ("工业大道", 5), ("文昌路", 7))  # column line
SEGMENT_GRIDS = 2  # grid widths (or heights) per segment
MAINTAINERS = {"工业大道": "县交通运输局"}  # the rest: 县市政管理处
DEFAULT_MAINTAINER = "县市政管理处"
BINLESS_GRID_ROW_COLUMN = (3, 5)  # the unit grid without garbage bins
BIN_CAPACITY_L = 240
SEGMENT_ORDINALS = "一二三四五六七八"


def _segment(road_no: int, seg_no: int, name: str, a: tuple, b: tuple) -> dict:
    (lat1, lng1), (lat2, lng2) = a, b
    return {
        "road_segment_id": f"RD-{road_no:02d}-{seg_no:02d}",
        "road_name": name,
        "segment_name": f"{name}{SEGMENT_ORDINALS[seg_no - 1]}段",
        "maintainer": MAINTAINERS.get(name, DEFAULT_MAINTAINER),
        "length_m": round(haversine_m(lat1=lat1, lng1=lng1, lat2=lat2, lng2=lng2), 1),
        "line_wkt": f"LINESTRING ({lng1:.6f} {lat1:.6f}, {lng2:.6f} {lat2:.6f})",
    }


def roads() -> list[dict]:
    """Road segments: id, road and segment names, maintainer, length_m, WGS-84 LINESTRING."""
    rows = []
    for road_no, (name, line) in enumerate(EAST_WEST_ROADS, start=1):
        lat = ORIGIN_LAT + line * GRID_DLAT
        for k in range(COLUMNS // SEGMENT_GRIDS):
            west = ORIGIN_LNG + k * SEGMENT_GRIDS * GRID_DLNG
            rows.append(
                _segment(road_no, k + 1, name, (lat, west), (lat, west + SEGMENT_GRIDS * GRID_DLNG))
            )
    for road_no, (name, line) in enumerate(NORTH_SOUTH_ROADS, start=len(EAST_WEST_ROADS) + 1):
        lng = ORIGIN_LNG + line * GRID_DLNG
        for k in range(ROWS // SEGMENT_GRIDS):
            south = ORIGIN_LAT + k * SEGMENT_GRIDS * GRID_DLAT
            north = south + SEGMENT_GRIDS * GRID_DLAT
            rows.append(_segment(road_no, k + 1, name, (south, lng), (north, lng)))
    return rows


def segment_point(segment: dict, *, share: float, offset_m: float = 0.0) -> tuple[float, float]:
    """(lat, lng) ``share`` (0..1) along a segment, ``offset_m`` metres to its north or east."""
    body = segment["line_wkt"][segment["line_wkt"].index("(") + 1 : -1]
    (lng1, lat1), (lng2, lat2) = (tuple(map(float, p.split())) for p in body.split(","))
    lat, lng = lat1 + (lat2 - lat1) * share, lng1 + (lng2 - lng1) * share
    if lat1 == lat2:  # east-west: offset to the north
        return lat + offset_m / 111_195, lng
    return lat, lng + offset_m / (111_195 * 0.8643)  # cos(30.25°)


def garbage_bins() -> list[dict]:
    """Garbage bins: id, WGS-84 point, capacity, the unit grid it stands in."""
    rows = []
    for grid in grids():
        if (grid.row, grid.column) == BINLESS_GRID_ROW_COLUMN:
            continue
        for k, (dlat, dlng) in enumerate(((1, 1), (1, 3), (3, 1), (3, 3)), start=1):
            rows.append(
                {
                    "bin_id": f"GB-{grid.code}-{k}",
                    "lat": round(grid.south_lat + dlat * GRID_DLAT / 4, 6),
                    "lng": round(grid.west_lng + dlng * GRID_DLNG / 4, 6),
                    "capacity_l": BIN_CAPACITY_L,
                    "grid_code": grid.code,
                }
            )
    return rows


def binless_grid_centre() -> tuple[float, float]:
    """(lat, lng) of the centre of the grid without bins."""
    row, column = BINLESS_GRID_ROW_COLUMN
    return ORIGIN_LAT + (row + 0.5) * GRID_DLAT, ORIGIN_LNG + (column + 0.5) * GRID_DLNG
