"""Records after the day that close every hotspot window of it.

One incident per partition of each incident topic, well after the day: their
event time advances every partition's watermark past the day's last window,
so the stream closes and publishes all of the day's windows.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from aiokafka import AIOKafkaProducer

from citybrain.contracts import encode_row
from citybrain.topics import INCIDENT_PARTITIONS
from connectors import deepstream


def tail_messages(after: datetime) -> list[tuple[str, int, bytes]]:
    """(topic, partition, value): a citizen report and a video detection per partition."""
    out = []
    for p in range(INCIDENT_PARTITIONS):
        at = after + timedelta(minutes=p)
        report = {
            "event_id": f"tail-report-{p}",
            "event_at": at,
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
    return out


async def publish_tail(bootstrap: str, tail: list[tuple[str, int, bytes]]) -> None:
    """Publish the tail records to their partitions."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    try:
        for topic, partition, value in tail:
            await producer.send_and_wait(topic, value, partition=partition)
    finally:
        await producer.stop()
