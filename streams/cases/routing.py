"""Route a case to the department owning its unit grid (单元网格) and category.

The routing table is a value built from configuration (for the demo county,
``departments()`` of its geography) and passed in; nothing here is global.
Responsibility is unique (责任主体唯一): a table giving one (grid, category)
pair to two departments is refused when it is built, not found at dispatch.
What nobody owns goes to the table's fallback department (属地兜底), if any.

Points reach grids through H3: each cell belongs to the grid holding its
centre (:func:`cells_to_grids`), so locating a case is one dict lookup. The
lookup uses resolution 11 (edge ~29 m), not the incident resolution 9: with
~0.2 km² grids, res-9 cells (~0.1 km²) put about a quarter of the points of
the demo town in a neighbouring grid; res 11 misplaces only points within
~30 m of a grid boundary (4 %), about the error of the positions themselves.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import h3

from citybrain.categories import CATEGORIES
from citybrain.geo import latlng_to_cell

# CJ/T 213: 6 admin + 3 street + 3 community + 2 grid; GB/T 47678.3 / DB11/T 2157: + 3 grid
GRID_CODE_LENGTHS = (14, 15)
H3_RES_GRID_LOOKUP = 11


def is_grid_code(code: str) -> bool:
    """True for a 14- or 15-digit unit grid code."""
    return code.isascii() and code.isdigit() and len(code) in GRID_CODE_LENGTHS


@dataclass(frozen=True)
class RoutingTable:
    """Owners of (grid code, category) pairs, a fallback owner, and a version label."""

    owners: Mapping[tuple[str, str], str]
    fallback_department_id: str | None = None
    version: str = ""
    cell_grids: Mapping[str, str] = field(default_factory=dict)  # H3 res-11 cell → grid code

    def __post_init__(self) -> None:
        object.__setattr__(self, "owners", MappingProxyType(dict(self.owners)))
        object.__setattr__(self, "cell_grids", MappingProxyType(dict(self.cell_grids)))


def _codes(value: str | Sequence[str]) -> list[str]:
    items = value.split(",") if isinstance(value, str) else value
    return [item.strip() for item in items if item.strip()]


def routing_table(
    rows: Iterable[Mapping[str, Any]],
    *,
    fallback_department_id: str | None = None,
    version: str = "",
    cell_grids: Mapping[str, str] | None = None,
) -> RoutingTable:
    """Build a table from department rows; raises ValueError on a bad or ambiguous row.

    Each row has ``department_id``, ``categories`` and ``grid_codes``, each a
    list or a comma-separated string (the demo county's ``departments()`` rows).
    """
    owners: dict[tuple[str, str], str] = {}
    for row in rows:
        department_id = row["department_id"]
        for grid_code in _codes(row["grid_codes"]):
            if not is_grid_code(grid_code):
                raise ValueError(f"{department_id}: {grid_code!r} is not a unit grid code")
            for category in _codes(row["categories"]):
                if category not in CATEGORIES:
                    raise ValueError(f"{department_id}: unknown category {category!r}")
                other = owners.setdefault((grid_code, category), department_id)
                if other != department_id:
                    raise ValueError(
                        f"grid {grid_code} × {category} is owned by both {other} and "
                        f"{department_id}; one owner per pair"
                    )
    return RoutingTable(owners, fallback_department_id, version, cell_grids or {})


def route(*, grid_code: str | None, category: str, table: RoutingTable) -> str | None:
    """The department owning ``category`` in ``grid_code``, else the fallback (or None)."""
    if grid_code is not None:
        owner = table.owners.get((grid_code, category))
        if owner is not None:
            return owner
    return table.fallback_department_id


def cells_to_grids(grid_outlines: Mapping[str, Sequence[tuple[float, float]]]) -> dict[str, str]:
    """H3 res-11 cell → grid code for every cell whose centre lies in a grid outline.

    Outlines are WGS-84 ``(lat, lng)`` vertex rings. A cell belongs to one grid
    only; a cell whose centre is on no grid (outside the town) is absent.
    """
    result: dict[str, str] = {}
    for grid_code, ring in sorted(grid_outlines.items()):
        for cell in h3.polygon_to_cells(h3.LatLngPoly(list(ring)), H3_RES_GRID_LOOKUP):
            result.setdefault(cell, grid_code)
    return result


def grid_at(*, lat: float, lng: float, table: RoutingTable) -> str | None:
    """The unit grid of a WGS-84 point through its H3 res-11 cell, or None outside."""
    return table.cell_grids.get(latlng_to_cell(lat=lat, lng=lng, res=H3_RES_GRID_LOOKUP))
