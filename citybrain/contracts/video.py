"""Contract: AI video detections on ``detections.video`` (DeepStream full schema).

The topic carries DeepStream ``nvmsgconv`` full-schema messages (payload-type
0, ``mdsversion`` "1.0") exactly as ``nvmsgbroker`` publishes them. One
message describes one object seen by one camera. The object's kind is the key
of its sub-object: ``vehicle`` / ``person`` / ``face`` for the stock models, or
the detector's own label (``street_vendor``, ``material_pile``…) for
citybrain's custom detector. :data:`LABEL_TO_CATEGORY` maps a label (and, for
vehicles, the event type) to a citybrain category.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import faust

from citybrain.contracts.base import (
    ContractViolation,
    identifier,
    number,
    utc_timestamp,
    wgs84,
)

TOPIC = "detections.video"

OBJECT_FIELDS = frozenset(
    {
        "id",
        "speed",
        "direction",
        "orientation",
        "bbox",
        "location",
        "coordinate",
        "signature",
        "maskoutline",
    }
)
EVENT_TYPES = frozenset({"entry", "exit", "moving", "stopped", "parked", "empty", "reset"})

# detector label -> citybrain category (shared with inference/ and connectors/)
LABEL_TO_CATEGORY: dict[str, str] = {
    "outdoor_stall": "out_of_store_business",
    "street_vendor": "unlicensed_peddler",
    "material_pile": "piled_materials",
    "small_ad": "illegal_small_ads",
    "drying_clothes": "street_drying",
    "lane_stall": "lane_occupation",
    "vehicle": "illegal_parking",
}
# A vehicle is only an incident when DeepStream says it is parked or stopped
# (the camera's ROI is a no-parking zone); a moving vehicle is traffic.
VEHICLE_INCIDENT_EVENTS = frozenset({"parked", "stopped"})

COLUMNS: dict[str, str] = {
    "event_id": "string",
    "event_at": "timestamp",
    "camera_id": "string",
    "object_id": "string",
    "label": "string",
    "category": "string",
    "event_type": "string",
    "confidence": "double",
    "lat": "double",
    "lng": "double",
    "bbox_left_px": "int",
    "bbox_top_px": "int",
    "bbox_right_px": "int",
    "bbox_bottom_px": "int",
}


class VideoDetection(faust.Record, serializer="json", isodates=True):
    """One object seen by one camera, normalised from a DeepStream message."""

    event_id: str
    event_at: datetime
    camera_id: str
    object_id: str
    label: str
    category: str | None
    event_type: str
    confidence: float
    lat: float
    lng: float
    bbox_left_px: int
    bbox_top_px: int
    bbox_right_px: int
    bbox_bottom_px: int


def _object_label(obj: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    kinds = [k for k, v in obj.items() if k not in OBJECT_FIELDS and isinstance(v, dict)]
    if len(kinds) != 1:
        raise ContractViolation(
            f"object must have exactly one kind sub-object, found {sorted(kinds) or 'none'}"
        )
    return kinds[0], obj[kinds[0]]


def _location(doc: dict[str, Any], obj: dict[str, Any]) -> tuple[float, float]:
    """Object location when the pipeline geolocates objects, else the camera's."""
    for holder in (obj, doc.get("sensor") or {}):
        loc = holder.get("location") if isinstance(holder, dict) else None
        if isinstance(loc, dict) and (loc.get("lat"), loc.get("lon")) not in ((0, 0), (None, None)):
            return wgs84(lat=loc.get("lat"), lng=loc.get("lon"))
    raise ContractViolation("neither object.location nor sensor.location gives a position")


def category_for(*, label: str, event_type: str) -> str | None:
    """citybrain category of a detection, or None when it is not an incident."""
    if label == "vehicle" and event_type not in VEHICLE_INCIDENT_EVENTS:
        return None
    return LABEL_TO_CATEGORY.get(label)


def validate(doc: dict[str, Any]) -> dict[str, Any]:
    """DeepStream full-schema message → normalised detection row."""
    if doc.get("mdsversion") != "1.0":
        raise ContractViolation(f"unsupported mdsversion {doc.get('mdsversion')!r}; expected '1.0'")
    event_id = identifier(doc, "messageid")
    event_at = utc_timestamp(doc.get("@timestamp"), field="@timestamp")
    sensor = doc.get("sensor")
    if not isinstance(sensor, dict):
        raise ContractViolation("missing required object 'sensor'")
    obj = doc.get("object")
    if not isinstance(obj, dict):
        raise ContractViolation("missing required object 'object'")
    event = doc.get("event")
    if not isinstance(event, dict):
        raise ContractViolation("missing required object 'event'")
    event_type = event.get("type")
    if event_type not in EVENT_TYPES:
        raise ContractViolation(f"event.type {event_type!r} is not a DeepStream event type")
    label, attrs = _object_label(obj)
    lat, lng = _location(doc, obj)
    bbox = obj.get("bbox")
    if not isinstance(bbox, dict):
        raise ContractViolation("missing required object 'object.bbox'")
    box = [
        number(bbox, k, low=0, high=100_000)
        for k in ("topleftx", "toplefty", "bottomrightx", "bottomrighty")
    ]
    if box[2] < box[0] or box[3] < box[1]:
        raise ContractViolation("object.bbox bottom-right is above or left of top-left")
    confidence = number(attrs, "confidence", required=False, low=0.0, high=1.0)
    return {
        "event_id": event_id,
        "event_at": event_at,
        "camera_id": identifier(sensor, "id"),
        "object_id": identifier(obj, "id"),
        "label": label,
        "category": category_for(label=label, event_type=event_type),
        "event_type": event_type,
        "confidence": 1.0 if confidence is None else confidence,
        "lat": lat,
        "lng": lng,
        "bbox_left_px": int(box[0]),
        "bbox_top_px": int(box[1]),
        "bbox_right_px": int(box[2]),
        "bbox_bottom_px": int(box[3]),
    }
