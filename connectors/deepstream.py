"""DeepStream ``nvmsgconv`` messages: the full-schema encoder beside the contract's parser.

Parsing and validation of full-schema messages live in
:mod:`citybrain.contracts.video` (the topic's contract). This module builds
messages exactly as ``nvmsgconv`` (payload-type 0, ``mdsversion`` "1.0") lays
them out, for the demo generator, the simulator and tests; the real ones come
from ``inference/`` through ``nvmsgbroker``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import orjson

from citybrain.contracts.base import isoformat_utc

STOCK_KINDS = {"vehicle", "person", "face"}


def full_message(
    *,
    message_id: str,
    event_id: str,
    at: datetime,
    camera_id: str,
    camera_lat: float,
    camera_lng: float,
    object_id: str,
    label: str,
    event_type: str,
    lat: float,
    lng: float,
    bbox_px: tuple[int, int, int, int],
    confidence: float,
    place_name: str = "",
) -> dict[str, Any]:
    """One full-schema message for one object seen by one camera (WGS-84 lat/lng)."""
    left, top, right, bottom = bbox_px
    attrs: dict[str, Any] = {"confidence": round(confidence, 3)}
    if label == "vehicle":
        attrs.update(
            {
                "type": "sedan",
                "make": "UNKNOWN",
                "model": "UNKNOWN",
                "color": "UNKNOWN",
                "license": "UNKNOWN",
                "licenseState": "UNKNOWN",
            }
        )
    sub = "parkingSpot" if event_type in {"parked", "empty"} else "aisle"
    return {
        "messageid": message_id,
        "mdsversion": "1.0",
        "@timestamp": isoformat_utc(at),
        "place": {
            "id": camera_id,
            "name": place_name,
            "type": "street",
            "location": {"lat": camera_lat, "lon": camera_lng, "alt": 0},
            sub: {
                "id": camera_id,
                "name": place_name,
                "level": "G",
                "coordinate": {"x": 0, "y": 0, "z": 0},
            },
        },
        "sensor": {
            "id": camera_id,
            "type": "Camera",
            "description": place_name,
            "location": {"lat": camera_lat, "lon": camera_lng, "alt": 0},
            "coordinate": {"x": 0, "y": 0, "z": 0},
        },
        "analyticsModule": {
            "id": "citybrain-urban",
            "description": "urban management detector",
            "source": "citybrain",
            "version": "1.0",
        },
        "object": {
            "id": object_id,
            "speed": 0,
            "direction": 0,
            "orientation": 0,
            label: attrs,
            "bbox": {
                "topleftx": left,
                "toplefty": top,
                "bottomrightx": right,
                "bottomrighty": bottom,
            },
            "location": {"lat": lat, "lon": lng, "alt": 0},
            "coordinate": {"x": 0, "y": 0, "z": 0},
        },
        "event": {"id": event_id, "type": event_type},
        "videoPath": "",
    }


def encode(message: dict[str, Any]) -> bytes:
    """JSON bytes of a message, as nvmsgbroker publishes them."""
    return orjson.dumps(message)
