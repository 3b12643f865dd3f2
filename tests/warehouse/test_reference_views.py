"""Reference tables as warehouse views: vehicles' attributes and the H3 cells of their routes."""

import duckdb

from citybrain.geo import latlng_to_cell
from citybrain.reference import write_tables
from warehouse.reference import route_cells, vehicle_rows, view_statements

ROUTE = "LINESTRING (120.000000 30.000000, 120.010000 30.000000)"  # ~963 m east


def test_route_cells_are_every_res9_cell_along_the_line():
    cells = route_cells(ROUTE)
    along = {latlng_to_cell(lat=30.0, lng=120.0 + i * 1e-5) for i in range(1001)}
    assert set(cells) == along  # sampling every 20 m misses no cell a 1 m walk finds
    assert 5 <= len(cells) <= 12
    assert route_cells("POINT (120 30)") == []


def test_department_and_company_come_from_the_owner_by_vehicle_type():
    rows = vehicle_rows(
        [
            {"vehicle_id": "1", "plate": "A", "vehicle_type": "sanitation", "owner": "环卫处"},
            {"vehicle_id": "2", "plate": "B", "vehicle_type": "muck_truck", "owner": "宏达渣土"},
        ]
    )
    assert [(r["department"], r["company"]) for r in rows] == [("环卫处", None), (None, "宏达渣土")]


def test_views_read_the_reference_files_and_are_empty_without_them(tmp_path):
    vehicles = [{"vehicle_id": "1", "plate": "A", "vehicle_type": "sanitation", "route_wkt": ROUTE}]
    db = duckdb.connect()
    for statement in view_statements(tmp_path / "missing", tmp_path / "out-empty"):
        db.execute(statement)
    assert db.execute("SELECT COUNT(*) FROM reference.vehicle_route_cells").fetchone() == (0,)
    write_tables(tmp_path / "ref", {"vehicles": vehicles})
    for statement in view_statements(tmp_path / "ref", tmp_path / "out"):
        db.execute(statement)
    assert db.execute("SELECT vehicle_id, vehicle_type FROM reference.vehicles").fetchall() == [
        ("1", "sanitation")
    ]
    count = db.execute("SELECT COUNT(*) FROM reference.vehicle_route_cells").fetchone()[0]
    assert count == len(route_cells(ROUTE))


def test_grids_and_departments_name_streets_and_departments(tmp_path):
    grids = [
        {
            "grid_code": "33019900400202",
            "street": "凤凰街道",
            "community": "人民社区",
            "polygon_wkt": "x",
        }
    ]
    departments = [{"department_id": "D04", "name": "交警大队", "categories": "illegal_parking"}]
    db = duckdb.connect()
    for statement in view_statements(tmp_path / "missing", tmp_path / "out-empty"):
        db.execute(statement)
    assert db.execute("SELECT COUNT(*) FROM reference.grids").fetchone() == (0,)
    assert db.execute("SELECT COUNT(*) FROM reference.departments").fetchone() == (0,)
    write_tables(tmp_path / "ref", {"grids": grids, "departments": departments})
    for statement in view_statements(tmp_path / "ref", tmp_path / "out"):
        db.execute(statement)
    assert db.execute("SELECT * FROM reference.grids").fetchall() == [
        ("33019900400202", "凤凰街道", "人民社区")
    ]
    assert db.execute("SELECT * FROM reference.departments").fetchall() == [("D04", "交警大队")]
