from datetime import UTC, datetime, timedelta

import duckdb
import h3
import pyarrow.parquet as pq

from warehouse.landing import LandingWriter, arrow_schema, hour_dir

T0 = datetime(2026, 7, 15, 9, 59, tzinfo=UTC)
LANDED = datetime(2026, 7, 16, tzinfo=UTC)


def rows(n: int, start: int = 0) -> list[dict]:
    return [
        {
            "event_id": f"r{i}",
            "event_at": T0 + timedelta(minutes=i),
            "channel": "12345",
            "category": "noise",
            "service_code": "",
            "description": "",
            "address": "",
            "lat": 30.27,
            "lng": 120.15,
        }
        for i in range(start, start + n)
    ]


def write(writer: LandingWriter, batch: list[dict], first_offset: int = 0) -> int:
    return writer.write(
        "reports.citizen",
        batch,
        partitions=[0] * len(batch),
        offsets=list(range(first_offset, first_offset + len(batch))),
        landed_at=LANDED,
    )


def read_all(root) -> list[tuple]:
    glob = f"{root}/reports.citizen/**/*.parquet"
    return duckdb.sql(f"select event_id, h3_res9 from read_parquet('{glob}') order by 1").fetchall()


def test_rows_land_in_utc_hour_partitions_with_their_h3_cell(tmp_path):
    assert write(LandingWriter(tmp_path), rows(3)) == 3
    assert (hour_dir(tmp_path, "reports.citizen", T0) / ".." / "hour=10").resolve().is_dir()
    landed = read_all(tmp_path)
    assert [r[0] for r in landed] == ["r0", "r1", "r2"]
    assert {r[1] for r in landed} == {h3.latlng_to_cell(30.27, 120.15, 9)}
    files = list(tmp_path.rglob("*.parquet"))
    assert all(pq.read_schema(f).equals(arrow_schema("reports.citizen")) for f in files)


def test_replays_and_restarts_never_duplicate_a_row(tmp_path):
    write(LandingWriter(tmp_path), rows(5))
    # a restarted writer (empty cache) re-reads the same offsets, plus two new rows
    again = LandingWriter(tmp_path)
    assert write(again, rows(7)) == 2
    # a replay of the same day at new offsets adds nothing
    assert write(again, rows(7), first_offset=100) == 0
    assert len(read_all(tmp_path)) == 7
    assert not list(tmp_path.rglob("*.tmp"))


def test_dead_letters_and_hotspots_have_their_own_schemas():
    assert "reason" in arrow_schema("gps.fixes.rejected").names
    assert "event_count" in arrow_schema("hotspots").names


def test_views_read_an_empty_landing_with_full_types(tmp_path):
    from warehouse.landing import ensure_schema_files, landed_topics, view_statements

    assert len(ensure_schema_files(tmp_path)) == len(landed_topics())
    assert ensure_schema_files(tmp_path) == []  # idempotent
    con = duckdb.connect()
    for statement in view_statements(tmp_path):
        con.execute(statement)
    assert con.execute("SELECT COUNT(*) FROM landing.hotspots").fetchone() == (0,)
    types = dict(con.execute("DESCRIBE landing.gps_fixes").fetchall()[i][:2] for i in range(3))
    assert types["event_at"] == "TIMESTAMP WITH TIME ZONE"
