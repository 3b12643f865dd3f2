"""DeepStream ``nvmsgconv`` minimal-schema messages (payload-type 1): the encoder.

Parsing and validation live in :mod:`citybrain.contracts.video` (the topic's
contract; contracts sit below connectors). This module lays messages out as
``generate_event_message_minimal`` does (``version`` "4.0", ``id`` = frame
number, ``@timestamp`` of the frame's first event, ``sensorId``, ``objects``
as ``trackingId|left|top|right|bottom|Label[|#|attributes…]``), for the
simulator and tests, and converts full-schema messages of one frame into the
minimal message the same pipeline would have published with ``payload-type=1``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import orjson

MINIMAL_VERSION = "4.0"
STOCK_LABELS = {"vehicle": "Vehicle", "person": "Person", "face": "Face"}
# full-schema attribute keys in the order the minimal schema writes them
ATTRIBUTES = {
    "vehicle": ("type", "make", "model", "color", "license", "licenseState", "confidence"),
    "person": ("gender", "age", "hair", "cap", "apparel", "confidence"),
    "face": (
        "gender",
        "age",
        "hair",
        "cap",
        "glasses",
        "facialhair",
        "name",
        None,  # the generator writes an empty field between name and eyecolor
        "eyecolor",
        "confidence",
    ),
}
FULL_OBJECT_FIELDS = {
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


def object_text(
    *,
    tracking_id: str,
    bbox_px: tuple[float, float, float, float],
    label: str,
    attributes: Sequence[Any] = (),
) -> str:
    """One object string: ``trackingId|left|top|right|bottom|Label`` (+ ``|#|`` attributes)."""
    left, top, right, bottom = bbox_px
    parts = [tracking_id, *(f"{v:g}" for v in (left, top, right, bottom)), label]
    if attributes:
        parts += ["#", *(str(a) for a in attributes)]
    return "|".join(parts)


def minimal_message(
    *, frame_id: int | str, timestamp: str, sensor_id: str, objects: Sequence[str]
) -> dict[str, Any]:
    """One minimal-schema message (``timestamp``: RFC 3339 UTC with ms, as nvmsgconv writes)."""
    return {
        "version": MINIMAL_VERSION,
        "id": str(frame_id),
        "@timestamp": timestamp,
        "sensorId": sensor_id,
        "objects": list(objects),
    }


def object_from_full(message: dict[str, Any]) -> str:
    """The minimal object string of one full-schema message's object."""
    obj = message["object"]
    kind = next(k for k, v in obj.items() if k not in FULL_OBJECT_FIELDS and isinstance(v, dict))
    attrs = obj[kind]
    keys = ATTRIBUTES.get(kind)
    attributes = [] if keys is None else ["" if k is None else attrs.get(k, "") for k in keys]
    bbox = obj["bbox"]
    return object_text(
        tracking_id=str(obj["id"]),
        bbox_px=(bbox["topleftx"], bbox["toplefty"], bbox["bottomrightx"], bbox["bottomrighty"]),
        label=STOCK_LABELS.get(kind, kind),
        attributes=attributes,
    )


def frames_from_full(messages: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Full-schema messages → minimal messages, one per (sensor, timestamp) frame.

    Frames keep the order of their first message; frame ids count per sensor from 0.
    """
    frames: dict[tuple[str, str], list[str]] = {}
    for message in messages:
        key = (message["sensor"]["id"], message["@timestamp"])
        frames.setdefault(key, []).append(object_from_full(message))
    counters: dict[str, int] = {}
    out = []
    for (sensor_id, timestamp), objects in frames.items():
        frame_id = counters.get(sensor_id, 0)
        counters[sensor_id] = frame_id + 1
        out.append(
            minimal_message(
                frame_id=frame_id, timestamp=timestamp, sensor_id=sensor_id, objects=objects
            )
        )
    return out


def encode(message: dict[str, Any]) -> bytes:
    """JSON bytes of a message, as nvmsgbroker publishes them."""
    return orjson.dumps(message)
