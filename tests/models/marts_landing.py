"""Landing helpers the SQLMesh end-to-end tests share (imported as ``tests.models.marts_landing``).

Rows are landed as the sink lands them (``warehouse.landing.LandingWriter``), the project is
planned with the real ``sqlmesh`` command, and the warehouse is opened read-only. The fixtures
are the case events and flood storm of ``fixtures/case_events.jsonl`` and two demo-county
incident days (one county: the same seed, so the same places, cameras and permits; two scales,
so different events).
"""

import json
import os
import subprocess
import sys
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb

from pipelines.scenarios.demo_county import build
from streams.flood import watch
from streams.flood.levels import DepthThresholds
from streams.flood.stations import StationConfig
from streams.intake.validate import RawMessage
from streams.sink.agents import rows_by_topic
from warehouse.landing import LandingWriter

ROOT = Path(__file__).parents[2]
SQLMESH = str(Path(sys.executable).with_name("sqlmesh"))

# the case and flood fixture
FIXTURE = Path(__file__).with_name("fixtures") / "case_events.jsonl"
T0 = datetime(2026, 7, 15, 6, 0, tzinfo=UTC)  # 14:00 in Asia/Shanghai
STATION = StationConfig(
    station_id="0010100001",
    name="解放路下穿",
    lat=30.25,
    lng=120.15,
    waterlogging=DepthThresholds(),  # yellow from 0.20 m, red from 0.27 m
)
DEPTHS_M = [0.05, 0.22, 0.30] + [0.0] * 12  # one reading every 5 minutes from 06:00 to 07:10

# the two demo-county incident days
LOCAL = ZoneInfo("Asia/Shanghai")
DAY_1, DAY_2 = date(2026, 7, 15), date(2026, 7, 16)
SCALES = {DAY_1: 1.0, DAY_2: 0.8}
TOPICS = ("detections.video", "reports.citizen")
# the demo's permits were issued 30 days before its day, before the SQLMesh project's start
# (2026-07-01), where stg_permits never looks: land them as versions of the first day
PERMITS_AT = datetime(2026, 7, 14, 16, 0, tzinfo=UTC)  # local midnight of DAY_1
INCIDENTS_LANDED_AT = datetime(2026, 7, 17, tzinfo=UTC)


def case_events() -> list[dict]:
    return [json.loads(line) for line in FIXTURE.read_text().splitlines()]


def storm() -> tuple[list[dict], list[dict]]:
    """The underpass's depth readings and the alerts documents the flood watch makes of them."""
    readings, alerts, value = [], [], None
    for i, depth_m in enumerate(DEPTHS_M):
        row = {
            "event_id": f"d-{i}",
            "event_at": T0 + timedelta(minutes=5 * i),
            "station_id": STATION.station_id,
            "element": "waterlogging_depth_m",
            "value": depth_m,
            "unit": "m",
            "period_s": None,
            "lat": STATION.lat,
            "lng": STATION.lng,
        }
        applied = watch.apply(value, row, station=STATION, partition=0, heard_s=1_800_000_000 + i)
        value = applied.value
        readings.append(row)
        alerts += applied.messages
    return readings, alerts


def land(root: Path, messages: list[RawMessage]) -> None:
    """Parse ``messages`` as the sink does and land them, keeping partitions and offsets."""
    grouped, skipped = rows_by_topic(messages)
    assert skipped == 0
    writer = LandingWriter(root)
    for topic, items in grouped.items():
        writer.write(
            topic,
            [row for row, _, _ in items],
            partitions=[p for _, p, _ in items],
            offsets=[o for _, _, o in items],
            landed_at=datetime(2026, 7, 16, tzinfo=UTC),
        )


def write_rows(writer: LandingWriter, topic: str, rows: list[dict], *, landed_at: datetime) -> None:
    """Land already-parsed ``rows`` of ``topic`` as partition 0, offsets 0, 1, 2, …"""
    writer.write(
        topic,
        rows,
        partitions=[0] * len(rows),
        offsets=list(range(len(rows))),
        landed_at=landed_at,
    )


def landed_rows() -> tuple[list[dict], list[dict], list[dict]]:
    """Both days' valid video and report rows as the sink parses them; evening places; permits."""
    rows, places, permits = [], [], []
    for day, scale in SCALES.items():
        scenario = build(day=day, scale=scale)
        messages = [
            RawMessage(m.topic, 0, i, 0, m.value)
            for i, m in enumerate(scenario.messages)
            if m.valid and m.topic in (*TOPICS, "permits")
        ]
        grouped, skipped = rows_by_topic(messages)
        assert skipped == 0
        for topic in TOPICS:
            # the day's last episodes run past local midnight: keep each day to itself
            # one seed draws the same ids on both days: give each day's ids its date
            rows += [
                {**row, "event_id": f"{day:%m%d}-{row['event_id']}", "_topic": topic}
                for row, _, _ in grouped[topic]
                if row["event_at"].astimezone(LOCAL).date() == day
            ]
        places += [(day, p) for p in scenario.places if p["evening"]]
        permits = [  # the same permits every day
            {**row, "event_at": PERMITS_AT} for row, _, _ in grouped["permits"]
        ]
    ids = Counter(row["event_id"] for row in rows)
    assert ids.most_common(1)[0][1] == 1, "event ids must be unique across the two days"
    return rows, places, permits


def land_incident_days(writer: LandingWriter) -> tuple[list[dict], list[dict], list[dict]]:
    """Land both incident days' rows and the permits; return ``landed_rows()``."""
    rows, places, permits = landed_rows()
    for topic in TOPICS:
        mine = [{k: v for k, v in r.items() if k != "_topic"} for r in rows if r["_topic"] == topic]
        write_rows(writer, topic, mine, landed_at=INCIDENTS_LANDED_AT)
    write_rows(writer, "permits", permits, landed_at=INCIDENTS_LANDED_AT)
    return rows, places, permits


def run_sqlmesh(home: Path, *args: str, **env: str) -> str:
    """``sqlmesh --paths ROOT *args`` with ``CITYBRAIN_HOME=home`` (and ``env``); its output,
    once it has exited 0."""
    result = subprocess.run(
        [SQLMESH, "--paths", str(ROOT), *args],
        cwd=ROOT,
        env={**os.environ, "CITYBRAIN_HOME": str(home), **env},
        capture_output=True,
        text=True,
        timeout=900,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    return output


def plan_project(home: Path, **env: str) -> duckdb.DuckDBPyConnection:
    """``sqlmesh plan --auto-apply`` with ``CITYBRAIN_HOME=home`` (and ``env``); the warehouse
    opened read-only (the caller closes it)."""
    run_sqlmesh(home, "plan", "--auto-apply", "--no-prompts", **env)
    return duckdb.connect(str(home / "warehouse" / "citybrain.duckdb"), read_only=True)
