"""Copying the Parquet landing and the reference tables into PostgreSQL, once per file."""

from datetime import UTC, datetime
from uuid import uuid4

import pyarrow as pa
import pytest

from citybrain.reference import write_tables
from warehouse.landing import (
    LandingWriter,
    arrow_schema,
    landed_topics,
    topic_columns,
    view_name,
    write_atomically,
)
from warehouse.pg_load import LOADED_FILES, PG_TYPES, load_landing, load_reference
from warehouse.postgres import PgConnection

T0 = datetime(2026, 7, 15, 2, 0, tzinfo=UTC)
ROUTE = "LINESTRING (120.000000 30.000000, 120.010000 30.000000)"


@pytest.fixture
def db(postgres) -> PgConnection:
    """A fresh database on the session's server."""
    name = f"t_{uuid4().hex[:12]}"
    admin = postgres.connect()
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute(f'CREATE DATABASE "{name}"')
    admin.close()
    return PgConnection(postgres.host, postgres.port, name, postgres.user, postgres.password)


def query(pg: PgConnection, sql: str) -> list[tuple]:
    con = pg.connect()
    try:
        with con, con.cursor() as cur:
            cur.execute(sql)
            return cur.fetchall()
    finally:
        con.close()


def fix(n: int, *, hour: int = 2, source: str | None = "jt808") -> dict:
    return {
        "event_id": f"f{n}",
        "event_at": T0.replace(hour=hour, minute=n),
        "vehicle_id": "v1",
        "lat": 30.25,
        "lng": 120.15,
        "speed_kmh": 12.5,
        "source": source,
    }


def land(root, rows):
    LandingWriter(root).write(
        "gps.fixes",
        rows,
        partitions=[0] * len(rows),
        offsets=list(range(len(rows))),
        landed_at=T0,
    )


def test_each_file_is_copied_once_and_new_files_later(tmp_path, db):
    land(tmp_path, [fix(1, source='odd, "quoted"\nline'), fix(2, source=""), fix(3, source=None)])
    first = load_landing(db, tmp_path)
    assert (first.files, first.rows, first.skipped_files) == ({"gps.fixes": 1}, {"gps.fixes": 3}, 0)
    again = load_landing(db, tmp_path)
    assert (again.files, again.skipped_files) == ({}, 1)
    land(tmp_path, [fix(4, hour=3)])
    later = load_landing(db, tmp_path)
    assert (later.files, later.skipped_files) == ({"gps.fixes": 1}, 1)
    rows = query(db, "SELECT event_id, event_at, source, h3_res9 FROM landing.gps_fixes")
    assert sorted(r[0] for r in rows) == ["f1", "f2", "f3", "f4"]
    by_id = {r[0]: r for r in rows}
    assert by_id["f1"][1] == T0.replace(minute=1)
    assert [by_id[i][2] for i in ("f1", "f2", "f3")] == ['odd, "quoted"\nline', "", None]
    assert by_id["f1"][3] == "89309a42c5bffff"
    assert query(db, f"SELECT COUNT(*), SUM(row_count) FROM {LOADED_FILES}") == [(2, 4)]


def test_every_topic_gets_a_table_typed_like_its_contract(tmp_path, db):
    load_landing(db, tmp_path)
    columns = query(
        db,
        "SELECT column_name, data_type FROM information_schema.columns"
        " WHERE table_schema = 'landing' AND table_name = 'gps_fixes' ORDER BY ordinal_position",
    )
    expected = {
        "TEXT": "text",
        "TIMESTAMPTZ": "timestamp with time zone",
        "DOUBLE PRECISION": "double precision",
        "INTEGER": "integer",
        "BIGINT": "bigint",
    }
    assert columns == [
        (name, expected[PG_TYPES[kind]]) for name, kind in topic_columns("gps.fixes").items()
    ]
    tables = {
        r[0] for r in query(db, "SELECT tablename FROM pg_tables WHERE schemaname = 'landing'")
    }
    assert tables == {view_name(t).split(".")[1] for t in landed_topics()} | {"_loaded_files"}


def test_an_older_file_loads_with_nulls_for_columns_it_lacks(tmp_path, db):
    schema = arrow_schema("gps.fixes")
    old = pa.schema([f for f in schema if f.name != "altitude_m"] + [("retired", pa.string())])
    row = {**fix(5), "h3_res9": "cell", "_partition": 0, "_offset": 9, "_landed_at": T0}
    row["retired"] = "x"
    path = tmp_path / "gps.fixes" / "date=2026-07-15" / "hour=02" / "part-0-9-old.parquet"
    write_atomically(pa.Table.from_pylist([row], schema=old), path)
    load_landing(db, tmp_path)
    assert query(db, "SELECT event_id, altitude_m, speed_kmh FROM landing.gps_fixes") == [
        ("f5", None, 12.5)
    ]


def test_reference_tables_are_replaced_on_each_load(tmp_path, db):
    vehicles = [
        {"vehicle_id": "1", "plate": "A", "vehicle_type": "sanitation", "route_wkt": ROUTE},
        {"vehicle_id": "2", "plate": "B", "vehicle_type": "muck_truck", "owner": "宏达渣土"},
    ]
    write_tables(tmp_path, {"vehicles": vehicles})
    counts = load_reference(db, tmp_path)
    assert counts["vehicles"] == 2 and counts["vehicle_route_cells"] >= 5
    assert query(db, "SELECT vehicle_id, company FROM reference.vehicles ORDER BY 1") == [
        ("1", None),
        ("2", "宏达渣土"),
    ]
    write_tables(tmp_path, {"vehicles": vehicles[1:]})
    assert load_reference(db, tmp_path) == {
        "vehicles": 1,
        "vehicle_route_cells": 0,
        "grids": 0,
        "departments": 0,
        "roads": 0,
        "garbage_bins": 0,
    }
    assert query(db, "SELECT COUNT(*) FROM reference.vehicle_route_cells") == [(0,)]
    road = {"road_segment_id": "RD-1", "length_m": 864.5, "line_wkt": ROUTE}
    write_tables(tmp_path, {"roads": [road]})
    assert load_reference(db, tmp_path)["roads"] == 1
    assert query(db, "SELECT length_m / 2 FROM reference.roads") == [(432.25,)]  # typed, not text
