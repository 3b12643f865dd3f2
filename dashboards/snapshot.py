"""The published read-only copy of the marts that Superset reads.

A DuckDB file open for writing cannot be opened by any other process, so
Superset never reads the warehouse itself. After each SQLMesh run the marts
are copied, as plain tables, into a new file beside it, with two dimensions
for the dashboards (the county's reference tables and the H3 cells the marts
mention, with their boundaries), and the new file replaces the old one with
an atomic rename: a dashboard query reads either the old or the new snapshot,
never a half-written one, and never blocks a plan or the landing.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

import duckdb
import h3
import shapely

from citybrain.categories import CATEGORIES, VIDEO_CATEGORIES
from citybrain.reference import TABLES, path_of, read_table

SCHEMAS = ("marts",)
DIMENSIONS_SCHEMA = "dims"


@dataclass(frozen=True)
class Published:
    """What a publish wrote: the file and the row count of each table."""

    path: Path
    table_rows: dict[str, int]


def cell_rows(cells: list[str]) -> list[tuple]:
    """One row per H3 cell: centre lat/lng and its boundary as GeoJSON and as a [lng, lat] ring."""
    rows = []
    for cell in sorted(set(cells)):
        if not cell or not h3.is_valid_cell(cell):
            continue
        lat, lng = h3.cell_to_latlng(cell)
        ring = [[round(b_lng, 7), round(b_lat, 7)] for b_lat, b_lng in h3.cell_to_boundary(cell)]
        ring.append(ring[0])
        geojson = json.dumps({"type": "Polygon", "coordinates": [ring]})
        rows.append((cell, h3.get_resolution(cell), lat, lng, geojson, json.dumps(ring)))
    return rows


def _h3_columns(con: duckdb.DuckDBPyConnection, schema: str) -> list[tuple[str, str]]:
    return con.execute(
        """SELECT table_name, column_name FROM information_schema.columns
           WHERE table_catalog = 'snap' AND table_schema = ? AND column_name LIKE 'h3_res%'""",
        [schema],
    ).fetchall()


def grid_finder(reference_dir: Path | None):
    """A function (lat, lng) → (grid_code, street) over the reference grids, or Nones."""
    grids = read_table(reference_dir, "grids") if reference_dir else []
    polygons = [shapely.from_wkt(row["polygon_wkt"]) for row in grids]
    tree = shapely.STRtree(polygons)

    def find(*, lat: float, lng: float) -> tuple[str | None, str | None]:
        for index in tree.query(shapely.Point(lng, lat), predicate="within"):
            return grids[index]["grid_code"], grids[index].get("street")
        return None, None

    return find


def _write_dimensions(con: duckdb.DuckDBPyConnection, reference_dir: Path | None) -> None:
    con.execute(f"CREATE SCHEMA snap.{DIMENSIONS_SCHEMA}")
    cells: list[str] = []
    for schema in SCHEMAS:
        for table, column in _h3_columns(con, schema):
            cells += [
                r[0]
                for r in con.execute(
                    f"SELECT DISTINCT {column} FROM snap.{schema}.{table}"
                ).fetchall()
            ]
    con.execute(
        f"""CREATE TABLE snap.{DIMENSIONS_SCHEMA}.h3_cells (
              h3_cell TEXT PRIMARY KEY, h3_resolution INT, centre_lat DOUBLE, centre_lng DOUBLE,
              boundary_geojson TEXT, boundary_ring_lnglat TEXT, grid_code TEXT, street TEXT)"""
    )
    find = grid_finder(reference_dir)
    rows = [(*row, *find(lat=row[2], lng=row[3])) for row in cell_rows(cells)]
    if rows:
        con.executemany(
            f"INSERT INTO snap.{DIMENSIONS_SCHEMA}.h3_cells VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows
        )
    con.execute(
        f"CREATE TABLE snap.{DIMENSIONS_SCHEMA}.categories (category TEXT PRIMARY KEY, "
        "category_name_zh TEXT, is_video_category BOOLEAN)"
    )
    con.executemany(
        f"INSERT INTO snap.{DIMENSIONS_SCHEMA}.categories VALUES (?, ?, ?)",
        [(code, name, code in VIDEO_CATEGORIES) for code, name in CATEGORIES.items()],
    )
    for table in TABLES:
        path = path_of(reference_dir, table) if reference_dir else None
        if path is not None and path.exists() and read_table(reference_dir, table):
            con.execute(
                f"CREATE TABLE snap.{DIMENSIONS_SCHEMA}.{table} AS "
                f"SELECT * FROM read_json_auto(?, format = 'array')",
                [str(path)],
            )


def publish(
    warehouse_path: Path, published_path: Path, *, reference_dir: Path | None = None
) -> Published:
    """Copy the marts of ``warehouse_path`` into ``published_path`` atomically."""
    published_path.parent.mkdir(parents=True, exist_ok=True)
    staging = published_path.with_name(f".{published_path.name}.{os.getpid()}.tmp")
    staging.unlink(missing_ok=True)
    rows: dict[str, int] = {}
    catalog = warehouse_path.stem  # SQLMesh's views name their tables under it
    with duckdb.connect() as con:
        con.execute(f"ATTACH '{warehouse_path}' AS \"{catalog}\" (READ_ONLY)")
        con.execute(f'USE "{catalog}"')
        con.execute(f"ATTACH '{staging}' AS snap")
        for schema in SCHEMAS:
            con.execute(f"CREATE SCHEMA snap.{schema}")
            tables = con.execute(
                """SELECT table_name FROM information_schema.tables
                   WHERE table_catalog = current_database() AND table_schema = ?
                   ORDER BY table_name""",
                [schema],
            ).fetchall()
            for (table,) in tables:
                con.execute(f"CREATE TABLE snap.{schema}.{table} AS SELECT * FROM {schema}.{table}")
                rows[f"{schema}.{table}"] = con.execute(
                    f"SELECT COUNT(*) FROM snap.{schema}.{table}"
                ).fetchone()[0]
        _write_dimensions(con, reference_dir)
        for (table,) in con.execute(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_catalog = 'snap' AND table_schema = ?",
            [DIMENSIONS_SCHEMA],
        ).fetchall():
            rows[f"{DIMENSIONS_SCHEMA}.{table}"] = con.execute(
                f"SELECT COUNT(*) FROM snap.{DIMENSIONS_SCHEMA}.{table}"
            ).fetchone()[0]
        con.execute("DETACH snap")
    os.replace(staging, published_path)
    return Published(published_path, rows)
