"""An alerted video episode → the ``alerts`` envelope (:mod:`citybrain.contracts.alert`).

``source`` "video", ``category`` the citybrain category (the case engine
classifies it to its GB/T 30428 class, e.g. ``unlicensed_peddler`` → 04-01),
``severity`` the rule's (default Moderate), ``level`` the permit check's word
(``unpermitted_ad``, ``no_parking``, ``construction_without_permit``,
``piled_materials``, ``persistent``). ``event_id`` is ``<alert_id>.1`` and
``sent_at`` the time the episode became due, so a redelivery produces the
identical message; ``event_at`` is the first sighting, ``lat``/``lng`` the
object's. ``details.evidence`` holds the camera, the time range (first
sighting, due, latest seen when due), the sighting count, the best
confidence, the bounding box (pixels) and the message ids of the first
sightings and of the one that made it due (frame references).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from citybrain.categories import VIDEO_CATEGORIES
from citybrain.contracts.base import isoformat_utc

SOURCE = "video"
TITLES = {
    "unpermitted_ad": "未经许可的广告",
    "construction_without_permit": "无有效许可的工地作业",
    "no_parking": "禁停区域违章停车",
}


def _iso(at_s: float) -> str:
    return isoformat_utc(datetime.fromtimestamp(at_s, UTC))


def envelope(candidate: Mapping[str, Any]) -> dict[str, Any]:
    """The ``alerts`` document of one candidate that was not suppressed."""
    category = candidate["category"]
    level = candidate["level"]
    name = TITLES.get(level, VIDEO_CATEGORIES[category])
    return {
        "event_id": f"{candidate['alert_id']}.1",
        "alert_id": candidate["alert_id"],
        "msg_type": "Alert",
        "source": SOURCE,
        "category": category,
        "severity": candidate["severity"],
        "level": level,
        "event_at": _iso(candidate["first_s"]),
        "sent_at": _iso(candidate["due_s"]),
        "lat": candidate["lat"],
        "lng": candidate["lng"],
        "title": f"{name} {candidate['camera_name'] or candidate['camera_id']}".strip(),
        "details": {
            "rule": candidate["rule"],
            "camera": {"camera_id": candidate["camera_id"], "name": candidate["camera_name"]},
            "object_id": candidate["object_id"],
            "permits": candidate["permits"],
            "evidence": {
                "camera_id": candidate["camera_id"],
                "first_seen_at": _iso(candidate["first_s"]),
                "due_at": _iso(candidate["due_s"]),
                "samples": candidate["samples"],
                "confidence_max": round(candidate["confidence_max"], 3),
                "bbox_px": candidate["bbox"],
                "message_ids": [*candidate["refs"], candidate["due_event_id"]],
            },
        },
    }
