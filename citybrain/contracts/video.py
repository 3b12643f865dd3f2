"""Contract: AI video detections on ``detections.video`` (DeepStream full and minimal schemas).

The topic carries DeepStream ``nvmsgconv`` messages exactly as ``nvmsgbroker``
publishes them, in either schema; both normalise to the same detection row.

- Full schema (payload-type 0, ``mdsversion`` "1.0"): one message describes
  one object seen by one camera. The object's kind is the key of its
  sub-object: ``vehicle`` / ``person`` / ``face`` for the stock models, or the
  detector's own label (``street_vendor``, ``material_pile``…) for citybrain's
  custom detector. Position: ``object.location``, else ``sensor.location``,
  else the camera registry.
- Minimal schema (payload-type 1, ``version`` "4.0"): one message per frame,
  ``{"version", "id": frame number, "@timestamp", "sensorId", "objects": [...]}``
  with each object a string ``trackingId|left|top|right|bottom|Label`` and,
  after ``|#|``, secondary attributes ending in the confidence (Vehicle
  ``type|make|model|color|license|region|confidence``; Person
  ``gender|age|hair|cap|apparel|confidence``; Face 10 fields; with
  ``msg2p-newapi`` the classifier labels then the confidence). The label is
  the stock enum name (``Vehicle``…) or, for custom detectors, the objectId,
  lower-cased here. It carries no coordinates and no event: the position is
  the registered camera's (``sensorId`` → the ``cameras`` reference table) and
  the event type is :data:`MINIMAL_EVENT_TYPE`. Each object becomes one row
  with a deterministic id (UUID v5 of camera, frame, time and index).
  :func:`validate` is the one-row door (minimal messages with exactly one
  object); :func:`validate_rows` returns every row of any message.

:data:`LABEL_TO_CATEGORY` is the one table mapping a label (and, for vehicles,
the event type) to a citybrain category. Camera positions come from
``citybrain.reference`` (``cameras``: camera_id, lat, lng), re-read when the
file changes, or from the ``cameras=`` mapping callers pass
(:mod:`citybrain.contracts.cameras`).
"""

from __future__ import annotations

import math
import re
import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import faust

from citybrain.contracts.base import (
    MAX_ID_CHARS,
    ContractViolation,
    identifier,
    number,
    utc_timestamp,
    wgs84,
)
from citybrain.contracts.cameras import Camera, camera_position

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
MINIMAL_VERSION = "4.0"
# A minimal message says what was seen in one frame, not what it did: a
# vehicle seen there is not yet illegal parking (that takes dwell time).
MINIMAL_EVENT_TYPE = "detected"
MAX_MINIMAL_OBJECTS = 10_000
MAX_OBJECT_CHARS = 65_536
BBOX_MAX_PX = 100_000
# attribute count of the stock kinds when the confidence is appended (minimal schema)
CONFIDENCE_AT = {"vehicle": 7, "person": 6, "face": 10}
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
_ID_NAMESPACE = uuid.UUID("5b1d7c1e-0c0e-5c3b-9a51-6c69747962e1")  # citybrain minimal ids

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


def _location(
    doc: dict[str, Any], obj: dict[str, Any], cameras: Mapping[str, Camera] | None
) -> tuple[float, float]:
    """Object location when the pipeline geolocates objects, else the camera's."""
    for holder in (obj, doc.get("sensor") or {}):
        loc = holder.get("location") if isinstance(holder, dict) else None
        if isinstance(loc, dict) and (loc.get("lat"), loc.get("lon")) not in ((0, 0), (None, None)):
            return wgs84(lat=loc.get("lat"), lng=loc.get("lon"))
    sensor = doc.get("sensor")
    return camera_position(
        identifier(sensor, "id"),
        cameras=cameras,
        missing="neither object.location nor sensor.location gives a position",
    )


def category_for(*, label: str, event_type: str) -> str | None:
    """citybrain category of a detection, or None when it is not an incident."""
    if label == "vehicle" and event_type not in VEHICLE_INCIDENT_EVENTS:
        return None
    return LABEL_TO_CATEGORY.get(label)


def is_minimal(doc: Mapping[str, Any]) -> bool:
    """True for a minimal-schema message (an ``objects`` list and no ``object``)."""
    return isinstance(doc.get("objects"), list) and "object" not in doc


def validate(doc: dict[str, Any], *, cameras: Mapping[str, Camera] | None = None) -> dict[str, Any]:
    """DeepStream message → its one normalised detection row.

    A minimal-schema message must hold exactly one object here; use
    :func:`validate_rows` for frames with several.
    """
    if not is_minimal(doc):
        return full_row(doc, cameras=cameras)
    rows = minimal_rows(doc, cameras=cameras)
    if len(rows) != 1:
        raise ContractViolation(
            f"minimal-schema message holds {len(rows)} objects; one row per message expected "
            "(video.validate_rows returns them all)"
        )
    return rows[0]


def validate_rows(
    doc: dict[str, Any], *, cameras: Mapping[str, Camera] | None = None
) -> list[dict[str, Any]]:
    """DeepStream message of either schema → all its normalised detection rows."""
    if is_minimal(doc):
        return minimal_rows(doc, cameras=cameras)
    return [full_row(doc, cameras=cameras)]


def full_row(doc: dict[str, Any], *, cameras: Mapping[str, Camera] | None = None) -> dict[str, Any]:
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
    if not isinstance(event_type, str) or event_type not in EVENT_TYPES:
        raise ContractViolation(f"event.type {event_type!r} is not a DeepStream event type")
    label, attrs = _object_label(obj)
    lat, lng = _location(doc, obj, cameras)
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


def _px(text: str, what: str) -> float:
    if not _NUMBER.fullmatch(text):
        raise ContractViolation(f"{what} {text[:32]!r} is not a number")
    value = float(text)
    if not (math.isfinite(value) and 0 <= value <= BBOX_MAX_PX):
        raise ContractViolation(f"{what} {value} is outside 0..{BBOX_MAX_PX} px")
    return value


def _confidence(label: str, attributes: list[str]) -> float:
    """The confidence closing the attributes, or 1.0 when the message has none.

    A stock kind's full attribute list must end with it; otherwise a trailing
    number is taken as the confidence (``msg2p-newapi`` classifier layout).
    """
    last = attributes[-1] if attributes else ""
    if len(attributes) != CONFIDENCE_AT.get(label) and not _NUMBER.fullmatch(last):
        return 1.0
    if not _NUMBER.fullmatch(last) or not 0.0 <= float(last) <= 1.0:
        raise ContractViolation(f"confidence {last[:32]!r} is not a number in [0, 1]")
    return float(last)


def parse_minimal_object(text: Any) -> tuple[str, tuple[float, float, float, float], str, float]:
    """One minimal-schema object string → (tracking id, bbox px, label, confidence)."""
    if not isinstance(text, str):
        raise ContractViolation(f"must be a string, got {type(text).__name__}")
    if len(text) > MAX_OBJECT_CHARS:
        raise ContractViolation(f"is longer than {MAX_OBJECT_CHARS} characters")
    fields = text.split("|")
    if len(fields) < 6:
        raise ContractViolation("needs trackingId|left|top|right|bottom|label")
    tracking_id, label = fields[0].strip(), fields[5].strip().lower()
    if not tracking_id or len(tracking_id) > MAX_ID_CHARS:
        raise ContractViolation(f"tracking id must be 1..{MAX_ID_CHARS} characters")
    if not label or len(label) > MAX_ID_CHARS:
        raise ContractViolation(f"label must be 1..{MAX_ID_CHARS} characters")
    left, top, right, bottom = (
        _px(fields[k].strip(), f"bbox {name}")
        for k, name in enumerate(("left", "top", "right", "bottom"), start=1)
    )
    box = (left, top, right, bottom)
    if box[2] < box[0] or box[3] < box[1]:
        raise ContractViolation("bbox bottom-right is above or left of top-left")
    attributes: list[str] = []
    if len(fields) > 6:
        if fields[6] != "#":
            raise ContractViolation(f"expected '#' after the label, got {fields[6][:32]!r}")
        rest = fields[7:]
        attributes = rest[: rest.index("#")] if "#" in rest else rest
    return tracking_id, box, label, _confidence(label, attributes)


def minimal_event_id(*, camera_id: str, frame_id: str, at: str, index: int) -> str:
    """Stable id of one object of one minimal-schema frame (UUID v5)."""
    return str(uuid.uuid5(_ID_NAMESPACE, f"{camera_id}\n{frame_id}\n{at}\n{index}"))


def minimal_rows(
    doc: dict[str, Any], *, cameras: Mapping[str, Camera] | None = None
) -> list[dict[str, Any]]:
    """DeepStream minimal-schema message → one normalised row per object."""
    if doc.get("version") != MINIMAL_VERSION:
        raise ContractViolation(
            f"unsupported minimal-schema version {doc.get('version')!r}; expected '4.0'"
        )
    event_at = utc_timestamp(doc.get("@timestamp"), field="@timestamp")
    camera_id = identifier(doc, "sensorId")
    frame_id = identifier(doc, "id")
    objects = doc["objects"]
    if len(objects) > MAX_MINIMAL_OBJECTS:
        raise ContractViolation(f"more than {MAX_MINIMAL_OBJECTS} objects in one frame")
    parsed = []
    for i, text in enumerate(objects):
        try:
            parsed.append(parse_minimal_object(text))
        except ContractViolation as exc:
            raise ContractViolation(f"objects[{i}] {exc.reason}") from None
    if not parsed:
        return []
    lat, lng = camera_position(
        camera_id, cameras=cameras, missing="minimal-schema messages carry no coordinates"
    )
    return [
        {
            "event_id": minimal_event_id(
                camera_id=camera_id, frame_id=frame_id, at=doc["@timestamp"], index=i
            ),
            "event_at": event_at,
            "camera_id": camera_id,
            "object_id": tracking_id,
            "label": label,
            "category": category_for(label=label, event_type=MINIMAL_EVENT_TYPE),
            "event_type": MINIMAL_EVENT_TYPE,
            "confidence": confidence,
            "lat": lat,
            "lng": lng,
            "bbox_left_px": round(box[0]),
            "bbox_top_px": round(box[1]),
            "bbox_right_px": round(box[2]),
            "bbox_bottom_px": round(box[3]),
        }
        for i, (tracking_id, box, label, confidence) in enumerate(parsed)
    ]
