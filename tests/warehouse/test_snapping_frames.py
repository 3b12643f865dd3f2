"""The shared fetch-and-snap steps of the Python models, on tiny frames."""

from datetime import datetime

import duckdb
import pandas as pd

from warehouse.snapping import M_PER_DEG_LAT
from warehouse.snapping_frames import (
    citizen_reports_sql,
    nearest_bins,
    road_snapped_frames,
    snap_to_roads,
)

ROADS = pd.DataFrame(
    {"road_segment_id": ["RD-1"], "line_wkt": ["LINESTRING (120.1400 30.2440, 120.1490 30.2440)"]}
)


def test_reports_within_snap_m_are_snapped_and_further_ones_only_get_their_nearest():
    points = pd.DataFrame(
        {
            "id": ["near", "far"],
            "lat": [30.2440 + 20 / M_PER_DEG_LAT, 30.2440 + 80 / M_PER_DEG_LAT],
        },
    ).assign(lng=120.1445)
    out = snap_to_roads(points, ROADS, snap_m=50.0)
    assert out["nearest_road_segment_id"].tolist() == ["RD-1", "RD-1"]
    assert out["nearest_segment_distance_m"].tolist() == [20.0, 80.0]
    assert out["road_segment_id"].tolist() == ["RD-1", None]
    assert out["along_segment_m"].iloc[0] > 0 and pd.isna(out["along_segment_m"].iloc[1])
    assert out["id"].tolist() == ["near", "far"]


def test_each_point_gets_its_nearest_bin_and_the_count_within_range():
    points = pd.DataFrame({"lat": [30.2440], "lng": [120.1445]})
    bins = pd.DataFrame(
        {
            "bin_id": ["B-near", "B-far"],
            "lat": [30.2440 + 30 / M_PER_DEG_LAT, 30.2440 + 300 / M_PER_DEG_LAT],
            "lng": [120.1445, 120.1445],
        }
    )
    out = nearest_bins(points, bins, within_m=100.0)
    assert out["nearest_bin_id"].tolist() == ["B-near"]
    assert out["nearest_bin_distance_m"].tolist() == [30.0]
    assert out["bins_within_count"].tolist() == [1]
    assert str(out["bins_within_count"].dtype) == "int32"


def test_no_bins_leaves_the_distance_null_and_the_count_zero():
    points = pd.DataFrame({"lat": [30.2440], "lng": [120.1445]})
    out = nearest_bins(points, pd.DataFrame({"bin_id": [], "lat": [], "lng": []}), within_m=100.0)
    assert out["nearest_bin_id"].tolist() == [None]
    assert pd.isna(out["nearest_bin_distance_m"].iloc[0])
    assert out["bins_within_count"].tolist() == [0]


def test_the_reports_query_reads_one_category_in_the_window():
    sql = citizen_reports_sql(
        "db.stg", category="exposed_garbage", start=datetime(2026, 1, 1), end=datetime(2026, 1, 2)
    )
    assert "FROM db.stg WHERE category = 'exposed_garbage'" in sql
    assert "BETWEEN '2026-01-01 00:00:00.000000' AND '2026-01-02 00:00:00.000000'" in sql


class DuckDBContext:
    """The two ExecutionContext calls road_snapped_frames makes, on a real in-memory DuckDB."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con

    def fetchdf(self, sql: str) -> pd.DataFrame:
        return self.con.execute(sql).df()

    def resolve_table(self, name: str) -> str:
        return name


def test_road_snapped_frames_fetch_points_and_roads_and_keep_the_columns_asked_for():
    con = duckdb.connect()
    con.execute("CREATE SCHEMA reference")
    con.execute("CREATE TABLE reference.roads AS SELECT * FROM ROADS")
    con.execute(
        "CREATE TABLE points AS SELECT * FROM (VALUES ('near', ?, 120.1445), ('far', ?, 120.1445))"
        " AS t(case_id, lat, lng)",
        [30.2440 + 20 / M_PER_DEG_LAT, 30.2440 + 80 / M_PER_DEG_LAT],
    )
    frames = list(
        road_snapped_frames(
            DuckDBContext(con),
            "SELECT * FROM points ORDER BY case_id DESC",
            snap_m=50.0,
            columns=["case_id", "road_segment_id", "nearest_segment_distance_m"],
        )
    )
    assert len(frames) == 1
    assert frames[0].values.tolist() == [["near", "RD-1", 20.0], ["far", None, 80.0]]
    nothing = road_snapped_frames(
        DuckDBContext(con), "SELECT * FROM points WHERE false", snap_m=50.0, columns=["case_id"]
    )
    assert list(nothing) == []
