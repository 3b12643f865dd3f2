"""A tiny real landing: contract-valid rows of every checked topic, one UTC hour each.

Rows come from the source contracts (a real DeepStream message for video,
the documents of the flat contracts for the rest) and land through the real
:class:`~warehouse.landing.LandingWriter`; planted bad rows land the same way,
since the writer trusts what the stream workers hand it.
"""

from __future__ import annotations

import base64
import copy
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson
import pytest

from citybrain.contracts import CONTRACTS, decode
from expectations import CHECKED_TOPICS
from streams.cases.commands import Command
from streams.cases.lifecycle import apply
from streams.sink.rows import derived_rows
from warehouse.landing import LandingWriter, hour_dir, to_table, write_atomically

AREA = (30.2, 120.1, 30.3, 120.2)  # S, W, N, E: the demo county
HOUR_AT = datetime(2026, 7, 15, 2, tzinfo=UTC)
NOW_AT = datetime(2026, 7, 16, tzinfo=UTC)
DEEPSTREAM = Path(__file__).parents[1] / "fixtures" / "deepstream" / "smart-parking-3.jsonl"

FLAT_DOCS = {
    "gps.fixes": {
        "vehicle_id": "浙A12345",
        "speed_kmh": 32.5,
        "heading_deg": 90,
        "altitude_m": 12.0,
        "alarm_flags": 0,
        "status_flags": 3,
        "source": "jt808",
    },
    "hydro.readings": {
        "station_id": "ST-0001",
        "element": "rain_period_mm",
        "value": 4.5,
        "unit": "mm",
        "period_s": 300,
    },
    "permits": {
        "permit_id": "P-0001",
        "permit_type": "muck_transport",
        "holder": "某某运输有限公司",
        "status": "active",
        "valid_from": "2026-07-01T00:00:00+08:00",
        "valid_to": "2026-12-31T00:00:00+08:00",
        "time_windows": "22:00-05:00",
        "geometry_wkt": "LINESTRING (120.11 30.21, 120.19 30.29)",
        "plates": "浙A12345,浙A54321",
    },
    "reports.citizen": {
        "channel": "12345",
        "category": "exposed_garbage",
        "service_code": "0301",
        "description": "路边垃圾堆积",
        "address": "文一路 12 号",
    },
}


def video_row(i: int) -> dict:
    """Row ``i`` of a real DeepStream full-schema message, moved into the county."""
    doc = orjson.loads(DEEPSTREAM.read_bytes().splitlines()[0])
    doc = copy.deepcopy(doc)
    doc["messageid"] = f"detections.video-{i}"
    doc["@timestamp"] = (HOUR_AT + timedelta(minutes=i)).isoformat()
    doc["event"]["type"] = "parked"
    doc["object"]["location"] = {"lat": 30.25 + i * 1e-4, "lon": 120.15, "alt": 0}
    return CONTRACTS["detections.video"].validate(doc)


def clean_row(topic: str, i: int) -> dict:
    """Contract-valid row ``i`` of a topic, inside the hour and the service area."""
    if topic == "detections.video":
        return video_row(i)
    doc = {
        **FLAT_DOCS[topic],
        "event_id": f"{topic}-{i}",
        "event_at": (HOUR_AT + timedelta(minutes=i)).isoformat(),
        "lat": 30.25 + i * 1e-4,
        "lng": 120.15,
    }
    return decode(topic, orjson.dumps(doc))


LandFn = Callable[[str, list[dict]], None]


@pytest.fixture
def land(tmp_path) -> LandFn:
    """Land rows of a topic through the real writer (one file per call and hour)."""
    writer = LandingWriter(tmp_path)
    offsets = iter(range(1_000_000))

    def land_rows(topic: str, rows: list[dict]) -> None:
        first = next(offsets)
        writer.write(
            topic,
            rows,
            partitions=[0] * len(rows),
            offsets=[first + k for k in range(len(rows))],
            landed_at=NOW_AT,
        )
        for _ in rows[1:]:
            next(offsets)

    return land_rows


def plant(root: Path, topic: str, rows: list[dict], *, name: str) -> Path:
    """Write rows as one landing file of the hour partition of HOUR_AT, bypassing the writer.

    For what the writer itself refuses (rows without an event id) or keeps
    out (rows in another hour's directory, a duplicate id): a buggy writer, a
    hand copy, a file restored from elsewhere.
    """
    offsets = list(range(len(rows)))
    table = to_table(topic, rows, partitions=[0] * len(rows), offsets=offsets, landed_at=NOW_AT)
    path = hour_dir(root, topic, HOUR_AT) / name
    write_atomically(table, path)
    return path


@pytest.fixture
def clean_landing(tmp_path, land) -> Path:
    """Five clean rows of every landed topic (sources, derived, dead letters) in one hour."""
    for topic in CHECKED_TOPICS:
        land(topic, [any_row(topic, i) for i in range(5)])
    return tmp_path


def derived_message(topic: str, i: int) -> bytes:
    """Message ``i`` of a derived topic, as its producer publishes it (JSON bytes)."""
    at = HOUR_AT + timedelta(minutes=i)
    if topic == "hotspots":
        return orjson.dumps(
            {
                "event_at": at.isoformat(),
                "window_s": 60,
                "window_start_at": at.isoformat(),
                "window_end_at": (at + timedelta(minutes=1)).isoformat(),
                "source_topic": "detections.video",
                "source_partition": 0,
                "closed_at": (at + timedelta(minutes=7)).isoformat(),
                "counts": [
                    {"h3_res9": "89309a42cabffff", "category": "illegal_parking", "event_count": 3}
                ],
            }
        )
    if topic == "alerts":
        return orjson.dumps(
            {
                "event_id": f"alerts-{i}",
                "alert_id": f"flood-0010100001-waterlogging-{i}",
                "msg_type": "Alert",
                "source": "flood",
                "category": "waterlogging",
                "severity": "Moderate",
                "level": "yellow",
                "event_at": at.isoformat(),
                "sent_at": (at + timedelta(seconds=20)).isoformat(),
                "lat": 30.25,
                "lng": 120.15,
                "title": "解放路下穿 积水黄色预警",
                "details": {"station_id": "0010100001", "depth_m": 0.22},
            }
        )
    if topic == "cases.events":
        command = Command(
            command_id=f"cmd-{i}",
            case_id=f"case-{i:020x}",
            name="report",
            actor="监督员 7",
            role="supervisor",
            at=at,
            payload={"category": "illegal_parking", "lat": 30.2521, "lng": 120.1705},
        )
        _, event = apply(None, command)
        return orjson.dumps({**event, "event_id": f"cases.events-{i}"})
    source = topic.removesuffix(".rejected")
    return orjson.dumps(
        {
            "event_id": f"{topic}-{i}",
            "event_at": at.isoformat(),
            "source_topic": source,
            "source_partition": 0,
            "source_offset": i,
            "reason": "lat 91.5 is outside -90..90",
            "raw_base64": base64.b64encode(b'{"lat": 91.5}').decode(),
        }
    )


def derived_row(topic: str, i: int) -> dict:
    """Landing row ``i`` of a derived or dead-letter topic, through the sink's parser."""
    (row,) = derived_rows(topic, derived_message(topic, i))
    if topic == "hotspots":
        row["event_id"] = f"hotspots-{i}"  # the window's id names cell and window, not the test
    return row


def any_row(topic: str, i: int) -> dict:
    """Clean row ``i`` of any landed topic."""
    return clean_row(topic, i) if topic in CONTRACTS else derived_row(topic, i)
