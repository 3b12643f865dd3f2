"""County reference data as warehouse views: vehicles and the H3 cells of their routes.

The workers' reference files (:mod:`citybrain.reference`, JSON) are turned
into typed Parquet files beside the warehouse on every SQLMesh plan and run
(``before_all``), and exposed as ``reference.*`` views; a missing file gives
an empty, typed view. The tables:

- ``reference.vehicles``: vehicle_id, plate, vehicle_type, department (the
  row's ``department``, else the owner of a fleet vehicle), company (the
  row's ``company``, else the owner of a muck truck);
- ``reference.vehicle_route_cells``: vehicle_id × h3_res9, the resolution-9
  cells a vehicle's assigned route (``route_wkt``, a WGS-84 LINESTRING)
  passes through, sampled every ROUTE_SAMPLE_M metres (20 m, well under the
  ~174 m edge of a res-9 cell);
- ``reference.grids``: grid_code, street, community of each unit grid (单元网格);
- ``reference.departments``: department_id, name;
- ``reference.roads``: road segments (路段): road_segment_id, road_name,
  segment_name, maintainer, length_m, line_wkt (WGS-84 LINESTRING);
- ``reference.garbage_bins``: bin_id, lat, lng (WGS-84), h3_res9 (computed
  here), capacity_l, grid_code.

The names let marts carry what a reader needs (a case's street and
department), so the dashboards' datasets read one table with no joins.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from itertools import pairwise
from pathlib import Path
from typing import Any

import pyarrow as pa

from citybrain.geo import H3_RES_INCIDENT, haversine_m, latlng_to_cell
from citybrain.reference import read_table
from warehouse.landing import write_atomically

ROUTE_SAMPLE_M = 20.0
MUCK_TRUCK = "muck_truck"

SCHEMAS: dict[str, pa.Schema] = {
    "vehicles": pa.schema(
        [
            ("vehicle_id", pa.string()),
            ("plate", pa.string()),
            ("vehicle_type", pa.string()),
            ("department", pa.string()),
            ("company", pa.string()),
        ]
    ),
    "vehicle_route_cells": pa.schema([("vehicle_id", pa.string()), ("h3_res9", pa.string())]),
    "grids": pa.schema(
        [("grid_code", pa.string()), ("street", pa.string()), ("community", pa.string())]
    ),
    "departments": pa.schema([("department_id", pa.string()), ("name", pa.string())]),
    "roads": pa.schema(
        [
            ("road_segment_id", pa.string()),
            ("road_name", pa.string()),
            ("segment_name", pa.string()),
            ("maintainer", pa.string()),
            ("length_m", pa.float64()),
            ("line_wkt", pa.string()),
        ]
    ),
    "garbage_bins": pa.schema(
        [
            ("bin_id", pa.string()),
            ("lat", pa.float64()),
            ("lng", pa.float64()),
            ("h3_res9", pa.string()),
            ("capacity_l", pa.int32()),
            ("grid_code", pa.string()),
        ]
    ),
}
SQL_TYPES = {pa.string(): "TEXT", pa.float64(): "DOUBLE", pa.int32(): "INT"}


def vehicle_rows(vehicles: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """``reference.vehicles`` rows of the reference table ``vehicles``."""
    rows = []
    for v in vehicles:
        owner = v.get("owner")
        muck = v.get("vehicle_type") == MUCK_TRUCK
        rows.append(
            {
                "vehicle_id": str(v["vehicle_id"]),
                "plate": v.get("plate"),
                "vehicle_type": v.get("vehicle_type"),
                "department": v.get("department") or (None if muck else owner),
                "company": v.get("company") or (owner if muck else None),
            }
        )
    return rows


def route_cells(route_wkt: str, *, sample_m: float = ROUTE_SAMPLE_M) -> list[str]:
    """Sorted H3 res-9 cells a WGS-84 LINESTRING passes through (x = lng, y = lat)."""
    if not route_wkt.upper().startswith("LINESTRING"):
        return []
    body = route_wkt[route_wkt.index("(") + 1 : route_wkt.rindex(")")]
    points = [(float(y), float(x)) for x, y in (p.split() for p in body.split(","))]
    cells = set()
    for (lat1, lng1), (lat2, lng2) in pairwise(points):
        length_m = haversine_m(lat1=lat1, lng1=lng1, lat2=lat2, lng2=lng2)
        steps = max(1, math.ceil(length_m / sample_m))
        for i in range(steps + 1):
            f = i / steps
            lat, lng = lat1 + (lat2 - lat1) * f, lng1 + (lng2 - lng1) * f
            cells.add(latlng_to_cell(lat=lat, lng=lng, res=H3_RES_INCIDENT))
    return sorted(cells)


def route_cell_rows(vehicles: Sequence[Mapping[str, Any]]) -> list[dict[str, str]]:
    """``reference.vehicle_route_cells`` rows of the reference table ``vehicles``."""
    return [
        {"vehicle_id": str(v["vehicle_id"]), "h3_res9": cell}
        for v in vehicles
        for cell in route_cells(str(v.get("route_wkt") or ""))
    ]


def road_rows(roads: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """``reference.roads`` rows: the segment columns, length in metres as a float."""
    return [
        {
            "road_segment_id": str(r["road_segment_id"]),
            "road_name": r.get("road_name"),
            "segment_name": r.get("segment_name"),
            "maintainer": r.get("maintainer"),
            "length_m": float(r["length_m"]),
            "line_wkt": str(r["line_wkt"]),
        }
        for r in roads
    ]


def bin_rows(bins: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """``reference.garbage_bins`` rows, with the H3 res-9 cell each bin stands in."""
    return [
        {
            "bin_id": str(b["bin_id"]),
            "lat": float(b["lat"]),
            "lng": float(b["lng"]),
            "h3_res9": latlng_to_cell(lat=float(b["lat"]), lng=float(b["lng"])),
            "capacity_l": None if b.get("capacity_l") is None else int(b["capacity_l"]),
            "grid_code": b.get("grid_code"),
        }
        for b in bins
    ]


def named_rows(rows: Sequence[Mapping[str, Any]], table: str) -> list[dict[str, Any]]:
    """The columns of ``SCHEMAS[table]`` of each reference row, as text (None when absent)."""
    names = SCHEMAS[table].names
    return [{n: None if r.get(n) is None else str(r[n]) for n in names} for r in rows]


def reference_tables(reference_dir: Path) -> dict[str, list[dict[str, Any]]]:
    """Rows of every ``reference.*`` table (:data:`SCHEMAS`) from the reference files."""
    vehicles = read_table(reference_dir, "vehicles")
    return {
        "vehicles": vehicle_rows(vehicles),
        "vehicle_route_cells": route_cell_rows(vehicles),
        "grids": named_rows(read_table(reference_dir, "grids"), "grids"),
        "departments": named_rows(read_table(reference_dir, "departments"), "departments"),
        "roads": road_rows(read_table(reference_dir, "roads")),
        "garbage_bins": bin_rows(read_table(reference_dir, "garbage_bins")),
    }


def write_reference(reference_dir: Path, out_dir: Path) -> dict[str, Path]:
    """Write the reference tables as Parquet in ``out_dir``; return their paths."""
    tables = reference_tables(reference_dir)
    paths = {}
    for name, rows in tables.items():
        path = Path(out_dir) / f"{name}.parquet"
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(pa.Table.from_pylist(rows, schema=SCHEMAS[name]), path)
        paths[name] = path
    return paths


def view_statements(reference_dir: Path, out_dir: Path) -> list[str]:
    """Write the reference Parquet files, then DuckDB statements creating ``reference.*`` views."""
    statements = ["CREATE SCHEMA IF NOT EXISTS reference"]
    for name, path in write_reference(reference_dir, out_dir).items():
        quoted = str(path.resolve()).replace("'", "''")
        statements.append(
            f"CREATE OR REPLACE VIEW reference.{name} AS SELECT * FROM read_parquet('{quoted}')"
        )
    return statements


def external_models() -> list[dict[str, Any]]:
    """SQLMesh external-model declarations of the ``reference.*`` views."""
    return [
        {
            "name": f"reference.{name}",
            "description": f"County reference table {name} (from the workers' reference files)",
            "columns": {field.name: SQL_TYPES[field.type] for field in schema},
        }
        for name, schema in SCHEMAS.items()
    ]
