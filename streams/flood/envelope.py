"""Flood messages → the ``alerts`` envelope (:mod:`citybrain.contracts.alert`).

Every flood message — a hazard lifecycle message (:mod:`lifecycle`) or a
station-silence message (:mod:`silence`) — is published as one envelope:

- ``source`` "flood"; ``category`` "waterlogging" (道路积水, the only flood
  category citybrain has) for rainstorm, river level and waterlogging alike,
  "other" for a silent station (it is about the gauge, not the water);
- ``severity`` from the level as CAP 1.2: red Extreme, orange Severe, yellow
  Moderate, blue Minor; a Cancel and a silent station are Minor (as their CAP);
- ``title`` the CAP headline; ``details`` the hazard, station, values,
  trigger, forecast, certainty, references, the nearest cameras and ``cap``:
  the message's CAP 1.2 structure (the JSON form; :func:`cap_xml` renders it).

Nearest cameras: up to NEAREST_CAMERAS cameras of the reference table within
CAMERA_RANGE_M (default 1000 m) of the station, nearest first, with distance.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from typing import Any

from citybrain.geo import haversine_m
from streams.flood import cap, silence

SOURCE = "flood"
CATEGORY = "waterlogging"
SILENCE_CATEGORY = "other"
NEAREST_CAMERAS = 3
CAMERA_RANGE_M = 1000.0


def nearest_cameras(
    cameras: Sequence[Mapping[str, Any]],
    *,
    lat: float,
    lng: float,
    limit: int = NEAREST_CAMERAS,
    range_m: float = CAMERA_RANGE_M,
) -> list[dict[str, Any]]:
    """The ``limit`` cameras nearest to (lat, lng) within ``range_m`` metres, nearest first."""
    found = []
    for camera in cameras:
        distance_m = haversine_m(lat1=lat, lng1=lng, lat2=camera["lat"], lng2=camera["lng"])
        if distance_m <= range_m:
            found.append((round(distance_m, 1), str(camera["camera_id"]), camera))
    found.sort(key=lambda f: (f[0], f[1]))
    return [
        {
            "camera_id": camera_id,
            "name": camera.get("name"),
            "lat": camera["lat"],
            "lng": camera["lng"],
            "distance_m": distance_m,
        }
        for distance_m, camera_id, camera in found[:limit]
    ]


def cap_document(message: Mapping[str, Any]) -> dict[str, Any]:
    """The CAP 1.2 structure of a lifecycle or silence message."""
    if message["hazard"] == silence.SILENCE:
        return silence.cap_alert(message)
    return cap.cap_alert(message)


def cap_xml(document: Mapping[str, Any]) -> ET.Element:
    """A CAP structure (as in :func:`cap_document`) as an ``alert`` element."""
    ET.register_namespace("", cap.CAP_NS)
    root = ET.Element(f"{{{cap.CAP_NS}}}alert")
    for key, value in document.items():
        cap._fill(root, key, value)
    return root


def cap_xml_text(document: Mapping[str, Any]) -> str:
    """A CAP structure as a CAP 1.2 XML document (UTF-8 declaration)."""
    body = ET.tostring(cap_xml(document), encoding="unicode")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + body


def severity(message: Mapping[str, Any]) -> str:
    """CAP severity of a message (Minor for a Cancel or a silent station)."""
    return cap.SEVERITY.get(message["level"], "Minor")


def envelope(
    message: Mapping[str, Any], *, cameras: Sequence[Mapping[str, Any]] = ()
) -> dict[str, Any]:
    """The ``alerts`` document of one flood message."""
    document = cap_document(message)
    silent = message["hazard"] == silence.SILENCE
    return {
        "event_id": message["message_id"],
        "alert_id": message["alert_id"],
        "msg_type": message["msg_type"],
        "source": SOURCE,
        "category": SILENCE_CATEGORY if silent else CATEGORY,
        "severity": severity(message),
        "level": message["level"],
        "event_at": message["event_at"],
        "sent_at": message["sent_at"],
        "lat": message["lat"],
        "lng": message["lng"],
        "title": document["info"][0]["headline"],
        "details": {
            "hazard": message["hazard"],
            "station": {
                "station_id": message["station_id"],
                "name": message["station_name"],
                "lat": message["lat"],
                "lng": message["lng"],
            },
            "values": dict(message.get("values") or {}),
            "trigger": message.get("trigger"),
            "forecast": message.get("forecast"),
            "certainty": message["certainty"],
            "previous_level": message["previous_level"],
            "references": list(message["references"]),
            "cameras": nearest_cameras(cameras, lat=message["lat"], lng=message["lng"]),
            "cap": document,
        },
    }
