"""Detections built as DeepStream full-schema messages and read through the video contract."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from citybrain.contracts import video
from connectors import deepstream

T0 = datetime(2026, 7, 15, 10, 0, tzinfo=UTC)  # 18:00 in Asia/Shanghai
LAT, LNG = 30.25, 120.15


def detection(
    *,
    camera_id: str = "CAM-0001",
    object_id: str = "obj-1",
    label: str = "street_vendor",
    event_type: str = "stopped",
    at_s: float = 0.0,
    confidence: float = 0.9,
    lat: float = LAT,
    lng: float = LNG,
    n: int = 0,
) -> dict:
    """One normalised row of a DeepStream message ``at_s`` seconds after :data:`T0`."""
    at = T0 + timedelta(seconds=at_s)
    doc = deepstream.full_message(
        message_id=f"{camera_id}-{object_id}-{at_s}-{n}",
        event_id=f"e-{camera_id}-{object_id}-{at_s}-{n}",
        at=at,
        camera_id=camera_id,
        camera_lat=lat,
        camera_lng=lng,
        object_id=object_id,
        label=label,
        event_type=event_type,
        lat=lat,
        lng=lng,
        bbox_px=(100, 200, 300, 400),
        confidence=confidence,
    )
    return video.validate(doc)


def seen(every_s: float, until_s: float, start_s: float = 0.0, **kw) -> list[dict]:
    """Sightings of one object every ``every_s`` seconds from ``start_s`` to ``until_s``."""
    out, at = [], start_s
    while at <= until_s:
        out.append(detection(at_s=at, **kw))
        at += every_s
    return out


@pytest.fixture
def make_detection():
    return detection
