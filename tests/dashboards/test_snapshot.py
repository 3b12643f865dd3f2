"""The published snapshot: marts as tables, dimensions for the dashboards, swapped atomically."""

import json

import duckdb
import h3
import pytest
import shapely

from citybrain.reference import write_tables
from dashboards.snapshot import cell_rows, publish

CELL = h3.latlng_to_cell(30.254, 120.16, 9)


def make_warehouse(path, *, events: int) -> None:
    """A warehouse shaped like SQLMesh's: marts are views over versioned physical tables."""
    with duckdb.connect(str(path)) as con:
        con.execute("CREATE SCHEMA IF NOT EXISTS sqlmesh__marts")
        con.execute("CREATE SCHEMA IF NOT EXISTS marts")
        con.execute(
            "CREATE OR REPLACE TABLE sqlmesh__marts.counts__1 AS "
            f"SELECT '{CELL}' AS h3_res9, 'illegal_parking' AS category, {events} AS event_count"
        )
        con.execute(
            "CREATE OR REPLACE VIEW marts.hotspot_counts AS SELECT * FROM sqlmesh__marts.counts__1"
        )


@pytest.fixture
def reference(tmp_path):
    directory = tmp_path / "reference"
    write_tables(
        directory,
        {
            "grids": [
                {
                    "grid_code": "33019900100101",
                    "street": "云溪街道",
                    "community": "东门社区",
                    "centre_lat": 30.254,
                    "centre_lng": 120.16,
                    "polygon_wkt": "POLYGON ((120.15 30.25, 120.17 30.25, 120.17 30.26,"
                    " 120.15 30.26, 120.15 30.25))",
                }
            ],
            "departments": [{"department_id": "D01", "name": "县环卫处", "categories": ""}],
        },
    )
    return directory


def test_marts_become_tables_with_dimensions(tmp_path, reference):
    warehouse = tmp_path / "warehouse" / "citybrain.duckdb"
    warehouse.parent.mkdir()
    make_warehouse(warehouse, events=3)
    published = publish(warehouse, tmp_path / "published.duckdb", reference_dir=reference)
    assert published.table_rows["marts.hotspot_counts"] == 1
    with duckdb.connect(str(published.path), read_only=True) as con:
        kinds = dict(
            con.execute(
                "SELECT table_schema || '.' || table_name, table_type"
                " FROM information_schema.tables"
            ).fetchall()
        )
        assert kinds["marts.hotspot_counts"] == "BASE TABLE"  # no view into SQLMesh's tables
        assert not any(name.startswith("sqlmesh__") for name in kinds)
        cell, grid, street = con.execute(
            "SELECT h3_cell, grid_code, street FROM dims.h3_cells"
        ).fetchone()
        assert (cell, grid, street) == (CELL, "33019900100101", "云溪街道")
        assert con.execute("SELECT name FROM dims.departments").fetchone() == ("县环卫处",)
        assert con.execute(
            "SELECT category_name_zh FROM dims.categories WHERE category = 'illegal_parking'"
        ).fetchone() == ("违章停车",)


def test_cell_rows_give_closed_boundaries_around_the_centre():
    (row,) = cell_rows([CELL, CELL, "not-a-cell", ""])
    cell, resolution, lat, lng, geojson, ring_text = row
    ring = json.loads(ring_text)
    assert (cell, resolution) == (CELL, 9)
    assert len(ring) == 7 and ring[0] == ring[-1]
    polygon = shapely.Polygon(ring)  # [lng, lat] pairs, as deck.gl and GeoJSON want
    assert polygon.contains(shapely.Point(lng, lat))
    assert json.loads(geojson)["coordinates"] == [ring]


def test_a_reader_keeps_its_snapshot_while_a_new_one_replaces_it(tmp_path):
    warehouse = tmp_path / "citybrain.duckdb"
    target = tmp_path / "published.duckdb"
    make_warehouse(warehouse, events=3)
    publish(warehouse, target)
    reader = duckdb.connect(str(target), read_only=True)
    make_warehouse(warehouse, events=5)  # the warehouse is writable again: publish holds no lock
    publish(warehouse, target)
    assert reader.execute("SELECT event_count FROM marts.hotspot_counts").fetchone() == (3,)
    reader.close()
    with duckdb.connect(str(target), read_only=True) as fresh:
        assert fresh.execute("SELECT event_count FROM marts.hotspot_counts").fetchone() == (5,)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["citybrain.duckdb", "published.duckdb"]
