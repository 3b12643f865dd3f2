"""Patrol coverage of enforcement vehicles: the share of assigned unit grids visited per shift.

Pure functions over plain rows, for ``marts.patrol_coverage_by_vehicle_shift``:

- a vehicle's **assigned grids** are the unit grids (单元网格, reference
  ``grids``) listed in its reference row's ``grid_codes`` (comma-separated),
  else those its assigned route (``route_wkt``, WGS-84) passes through;
- a fix **visits** the grid whose polygon contains it (an STRtree query in
  degrees: containment needs no metric);
- **shifts** are local (Asia/Shanghai) thirds of the day, :data:`SHIFTS`:
  ``day`` 06:00–14:00, ``evening`` 14:00–22:00, ``night`` 22:00–06:00; a
  night shift belongs to the local date on which it starts.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import shapely
from shapely import STRtree

LOCAL = ZoneInfo("Asia/Shanghai")
ENFORCEMENT = "enforcement"
SHIFTS: tuple[tuple[str, int, int], ...] = (  # (name, start hour, end hour), local
    ("day", 6, 14),
    ("evening", 14, 22),
    ("night", 22, 30),  # to 06:00 the next day
)


def shift_of(fixed_at: datetime) -> tuple[date, str]:
    """(local date the shift starts on, shift name) of a UTC instant."""
    local = fixed_at.astimezone(LOCAL)
    hour = local.hour + (24 if local.hour < SHIFTS[0][1] else 0)
    start_date = local.date() - timedelta(days=1 if local.hour < SHIFTS[0][1] else 0)
    for name, start_h, end_h in SHIFTS:
        if start_h <= hour < end_h:
            return start_date, name
    raise AssertionError(f"no shift holds local hour {hour}")


class GridIndex:
    """Unit grid polygons (WGS-84) in an STRtree; the grid of points, and of lines."""

    def __init__(self, grids: Sequence[Mapping[str, Any]]) -> None:
        usable = [g for g in grids if str(g.get("polygon_wkt") or "").upper().startswith("POLY")]
        self.codes = [str(g["grid_code"]) for g in usable]
        self.polygons = [shapely.from_wkt(g["polygon_wkt"]) for g in usable]
        self.tree = STRtree(self.polygons)

    def grid_of(self, *, lat: Sequence[float], lng: Sequence[float]) -> list[str | None]:
        """The grid code containing each point (the first by code on a shared edge), or None."""
        out: list[str | None] = [None] * len(lat)
        if not len(lat) or not self.codes:
            return out
        point, grid = self.tree.query(
            shapely.points(np.asarray(lng, dtype=float), np.asarray(lat, dtype=float)),
            predicate="intersects",
        )
        for p, g in zip(point.tolist(), grid.tolist(), strict=True):
            code = self.codes[g]
            if out[p] is None or code < out[p]:
                out[p] = code
        return out

    def crossed_by(self, wkt: str) -> set[str]:
        """Grid codes a WGS-84 line (or any geometry) intersects."""
        if not wkt:
            return set()
        found = self.tree.query(shapely.from_wkt(wkt), predicate="intersects")
        return {self.codes[g] for g in found.tolist()}


def assigned_grids(vehicles: Iterable[Mapping[str, Any]], index: GridIndex) -> dict[str, set[str]]:
    """Assigned grid codes of each enforcement vehicle that has any."""
    out = {}
    for v in vehicles:
        if v.get("vehicle_type") != ENFORCEMENT:
            continue
        listed = {c.strip() for c in str(v.get("grid_codes") or "").split(",") if c.strip()}
        grids = listed or index.crossed_by(str(v.get("route_wkt") or ""))
        if grids:
            out[str(v["vehicle_id"])] = grids
    return out


def coverage_rows(
    fixes: Iterable[tuple[str, datetime, float, float]],
    *,
    vehicles: Sequence[Mapping[str, Any]],
    grids: Sequence[Mapping[str, Any]],
) -> list[dict[str, Any]]:
    """Rows of vehicle × shift date × shift with a fix: assigned, covered and visited grids.

    ``fixes`` are (vehicle_id, fixed_at (UTC, aware), lat, lng); fixes of
    vehicles without assigned grids are ignored.
    """
    index = GridIndex(grids)
    assigned = assigned_grids(vehicles, index)
    kept = [f for f in fixes if f[0] in assigned]
    cells = index.grid_of(lat=[f[2] for f in kept], lng=[f[3] for f in kept])
    visited: dict[tuple[str, date, str], set[str]] = defaultdict(set)
    for (vehicle_id, fixed_at, _, _), grid in zip(kept, cells, strict=True):
        shift_date, shift = shift_of(fixed_at)
        seen = visited[(vehicle_id, shift_date, shift)]
        if grid is not None:
            seen.add(grid)
    rows = []
    for (vehicle_id, shift_date, shift), seen in sorted(visited.items()):
        mine = assigned[vehicle_id]
        covered = len(seen & mine)
        rows.append(
            {
                "vehicle_id": vehicle_id,
                "shift_date": shift_date,
                "shift": shift,
                "assigned_grid_count": len(mine),
                "covered_grid_count": covered,
                "coverage_ratio": covered / len(mine),
                "visited_grid_count": len(seen),
            }
        )
    return rows
