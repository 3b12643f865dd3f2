"""Records after the day that close every hotspot window of it, and pass every signal path.

One incident per partition of each incident topic, well after the day: their
event time advances every partition's watermark past the day's last window,
so the stream closes and publishes all of the day's windows.

With ``every_source`` (event-time order on, :mod:`streams.progress`) there is
also a GPS fix and a hydrology reading per partition, of a vehicle and a
station no county has, so every channel of the signal path moves past the
day and the case engine places the day's last held signals. The citizen
reports (signals themselves) are then all at ``after``, and the other records
no earlier, so every path's mark reaches the last report.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from aiokafka import AIOKafkaProducer

from citybrain.contracts import encode_row, gps, hydro
from citybrain.topics import INCIDENT_PARTITIONS, spec
from connectors import deepstream


def tail_messages(after: datetime, *, every_source: bool = False) -> list[tuple[str, int, bytes]]:
    """(topic, partition, value): a citizen report and a video detection per partition.

    ``every_source``: also a GPS fix and a hydrology reading on every partition.
    """
    out = []
    for p in range(INCIDENT_PARTITIONS):
        at = after + timedelta(minutes=p)
        report = {
            "event_id": f"tail-report-{p}",
            "event_at": after if every_source else at,
            "channel": "app",
            "category": "noise",
            "lat": 30.25,
            "lng": 120.15,
        }
        video = deepstream.full_message(
            message_id=f"tail-video-{p}",
            event_id=f"tail-{p}",
            at=at,
            camera_id="CAM-TAIL",
            camera_lat=30.25,
            camera_lng=120.15,
            object_id=f"tail-{p}",
            label="small_ad",
            event_type="stopped",
            lat=30.25,
            lng=120.15,
            bbox_px=(1, 1, 20, 20),
            confidence=0.9,
        )
        out.append(("reports.citizen", p, encode_row(report)))
        out.append(("detections.video", p, deepstream.encode(video)))
    if every_source:
        fixes = range(spec(gps.TOPIC).partitions)
        out += [("gps.fixes", p, encode_row(_fix(after, p))) for p in fixes]
        out += [
            ("hydro.readings", p, encode_row(_reading(after, p)))
            for p in range(spec(hydro.TOPIC).partitions)
        ]
    return out


def _fix(at: datetime, partition: int) -> dict:
    return {
        "event_id": f"tail-fix-{partition}",
        "event_at": at,
        "vehicle_id": "TAIL",
        "lat": 30.25,
        "lng": 120.15,
        "speed_kmh": 0.0,
        "heading_deg": 0.0,
    }


def _reading(at: datetime, partition: int) -> dict:
    return {
        "event_id": f"tail-reading-{partition}",
        "event_at": at,
        "station_id": "TAIL",
        "element": "water_level_m",
        "value": 0.0,
        "unit": "m",
        "lat": 30.25,
        "lng": 120.15,
    }


async def publish_tail(bootstrap: str, tail: list[tuple[str, int, bytes]]) -> None:
    """Publish the tail records to their partitions."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    try:
        for topic, partition, value in tail:
            await producer.send_and_wait(topic, value, partition=partition)
    finally:
        await producer.stop()
