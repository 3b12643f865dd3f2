"""Landing schemas of ``alerts`` and ``cases.events``: a row of each lands, twice is once."""

import json
from datetime import UTC, datetime

import duckdb
import h3
import pyarrow.parquet as pq

from warehouse.landing import (
    LandingWriter,
    arrow_schema,
    ensure_schema_files,
    external_models,
    hour_dir,
    view_statements,
)

LANDED = datetime(2026, 7, 16, tzinfo=UTC)
ALERT = {
    "event_id": "0010100001.waterlogging.1784095500.0",
    "event_at": datetime(2026, 7, 15, 6, 5, tzinfo=UTC),
    "alert_id": "0010100001.waterlogging.1784095500",
    "msg_type": "Alert",
    "source": "flood",
    "category": "waterlogging",
    "severity": "Moderate",
    "level": "yellow",
    "sent_at": datetime(2026, 7, 15, 6, 5, tzinfo=UTC),
    "lat": 30.25,
    "lng": 120.15,
    "title": "解放路下穿 道路积水黄色预警",
    "details_json": json.dumps({"hazard": "waterlogging", "station": {"station_id": "0010100001"}}),
}
CASE_EVENT = {
    "event_id": "c2:4",
    "event_at": datetime(2026, 7, 15, 2, 10, tzinfo=UTC),
    "case_id": "c2",
    "version": 4,
    "command_id": "cmd-c2-4",
    "command": "dispatch",
    "actor": "disp-1",
    "role": "dispatcher",
    "actor_department_id": None,
    "from_state": "registered",
    "to_state": "dispatched",
    "department_id": "E01",
    "reason": None,
    "deadline_at": datetime(2026, 7, 15, 3, 10, tzinfo=UTC),
    "payload_json": json.dumps({"department_id": "E01"}),
}


def write(writer: LandingWriter, topic: str, row: dict, offset: int) -> int:
    return writer.write(topic, [row], partitions=[1], offsets=[offset], landed_at=LANDED)


def read(root, topic: str) -> list[dict]:
    glob = f"{root}/{topic}/**/*.parquet"
    return duckdb.sql(f"SELECT * FROM read_parquet('{glob}')").df().to_dict("records")


def test_an_alert_lands_once_in_its_hour_with_its_h3_cell(tmp_path):
    assert write(LandingWriter(tmp_path), "alerts", ALERT, 3) == 1
    assert write(LandingWriter(tmp_path), "alerts", ALERT, 40) == 0  # redelivered after a restart
    (row,) = read(tmp_path, "alerts")
    assert row["h3_res9"] == h3.latlng_to_cell(30.25, 120.15, 9)
    assert json.loads(row["details_json"])["station"]["station_id"] == "0010100001"
    assert (row["_partition"], row["_offset"]) == (1, 3)
    (path,) = hour_dir(tmp_path, "alerts", ALERT["event_at"]).glob("*.parquet")
    assert pq.read_schema(path).equals(arrow_schema("alerts"))


def test_a_case_event_lands_once_in_the_hour_of_its_at(tmp_path):
    writer = LandingWriter(tmp_path)
    assert write(writer, "cases.events", CASE_EVENT, 13) == 1
    assert write(writer, "cases.events", CASE_EVENT, 99) == 0
    (row,) = read(tmp_path, "cases.events")
    assert (row["case_id"], row["version"], row["to_state"]) == ("c2", 4, "dispatched")
    assert row["actor_department_id"] is None
    (path,) = hour_dir(tmp_path, "cases.events", CASE_EVENT["event_at"]).glob("*.parquet")
    assert "hour=02" in str(path)
    assert pq.read_schema(path).equals(arrow_schema("cases.events"))


def test_views_over_alerts_and_case_events_carry_their_types(tmp_path):
    ensure_schema_files(tmp_path)
    con = duckdb.connect()
    for statement in view_statements(tmp_path):
        con.execute(statement)
    alerts = {name: kind for name, kind, *_ in con.execute("DESCRIBE landing.alerts").fetchall()}
    events = {
        name: kind for name, kind, *_ in con.execute("DESCRIBE landing.cases_events").fetchall()
    }
    assert alerts["details_json"] == "VARCHAR" and alerts["sent_at"] == "TIMESTAMP WITH TIME ZONE"
    assert events["version"] == "INTEGER" and events["deadline_at"] == "TIMESTAMP WITH TIME ZONE"
    assert con.execute("SELECT COUNT(*) FROM landing.cases_events").fetchone() == (0,)
    declared = {m["name"] for m in external_models()}
    assert {"landing.alerts", "landing.cases_events"} <= declared
