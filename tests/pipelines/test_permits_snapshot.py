"""The permits topic → the permits reference file: the last valid version of each permit."""

import asyncio
import json

import pytest
from aiokafka import AIOKafkaProducer

from citybrain.contracts import encode_row
from pipelines.permits_snapshot import latest_versions, snapshot


def permit(permit_id: str, version: int, **changes) -> bytes:
    doc = {
        "event_id": f"{permit_id}@{version}",
        "event_at": f"2026-07-0{version}T00:00:00Z",
        "permit_id": permit_id,
        "permit_type": "muck_transport",
        "holder": "宏达渣土",
        "status": "active",
        "valid_from": "2026-07-01T00:00:00Z",
        "valid_to": "2027-07-01T00:00:00Z",
        "time_windows": "22:00-05:00",
        "geometry_wkt": "LINESTRING (120.0 30.0, 120.01 30.0)",
        "plates": "浙A·12345",
        "lat": 30.0,
        "lng": 120.0,
        **changes,
    }
    return encode_row(doc)


def test_the_last_valid_version_wins_and_broken_records_are_counted():
    rows, invalid = latest_versions(
        [
            permit("MU-1", 1),
            permit("MU-2", 1),
            permit("MU-1", 2, status="revoked"),
            permit("MU-2", 3, permit_type="fireworks"),
            b"{",
            None,
        ]
    )
    assert [(r["permit_id"], r["status"], r["event_id"]) for r in rows] == [
        ("MU-1", "revoked", "MU-1@2"),
        ("MU-2", "active", "MU-2@1"),
    ]
    assert invalid == 3


@pytest.mark.integration
def test_snapshot_of_the_topic_is_the_file_the_worker_reads(kafka, tmp_path):
    suffix = tmp_path.name[-8:]
    ids = [f"MU-SNAP-{suffix}-{i}" for i in range(2)]

    async def publish() -> None:
        producer = AIOKafkaProducer(bootstrap_servers=kafka.bootstrap, acks="all")
        await producer.start()
        try:
            for value in (permit(ids[0], 1), permit(ids[1], 1), permit(ids[0], 2, plates="浙A·9")):
                key = json.loads(value)["permit_id"].encode()
                await producer.send_and_wait("permits", value, key=key)
        finally:
            await producer.stop()

    asyncio.run(publish())
    path, count, _ = asyncio.run(snapshot(kafka.bootstrap, tmp_path))
    rows = {r["permit_id"]: r for r in json.loads(path.read_text(encoding="utf-8"))}
    assert count == len(rows) and set(ids) <= set(rows)
    assert rows[ids[0]]["plates"] == "浙A·9" and rows[ids[1]]["plates"] == "浙A·12345"
