"""Alert messages → OASIS CAP 1.2, as XML and as JSON.

:func:`cap_alert` builds the CAP structure as a dict whose keys are CAP element
names in schema order (lists for repeated elements); :func:`to_xml` and
:func:`to_json` render that one structure. Times are shown in Asia/Shanghai
with an explicit offset (CAP forbids "Z"), to the second. Mapping:

- msgType Alert / Update / Cancel; ``references`` lists the first and the
  previous message as ``sender,identifier,sent``; ``incidents`` is the alert id.
- category Met (CAP: "Meteorological (inc. flood)"); severity blue Minor,
  yellow Moderate, orange Severe, red Extreme (一般 / 较重 / 严重 / 特别严重);
  certainty Observed, or Likely when the nowcast raised the level (then
  urgency Expected and ``onset`` the expected crossing, else Immediate); a
  Cancel is Past / Minor / Observed with responseType AllClear.
- area: areaDesc the station name, a circle of the station's radius, its
  polygon when it has one (closed, ≥ 4 points), geocodes for the H3 res-9 cell
  and the station id.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from citybrain.geo import H3_RES_INCIDENT, latlng_to_cell

CAP_NS = "urn:oasis:names:tc:emergency:cap:1.2"
DISPLAY_TZ = ZoneInfo("Asia/Shanghai")
SEVERITY = {"blue": "Minor", "yellow": "Moderate", "orange": "Severe", "red": "Extreme"}
COLOUR_ZH = {"blue": "蓝色", "yellow": "黄色", "orange": "橙色", "red": "红色"}
EVENT_ZH = {"rainstorm": "暴雨", "water_level": "洪水", "waterlogging": "积水"}
RESPONSE = {"blue": "Monitor", "yellow": "Prepare", "orange": "Avoid", "red": "Avoid"}


def cap_time(iso: str) -> str:
    """An ISO-8601 instant as CAP dateTime: local offset, whole seconds."""
    moment = datetime.fromisoformat(iso.replace("Z", "+00:00"))
    return moment.astimezone(DISPLAY_TZ).isoformat(timespec="seconds")


def _number(value: float, *, places: int = 3) -> str:
    return f"{value:.{places}f}".rstrip("0").rstrip(".")


def _point(lat: float, lng: float) -> str:
    """CAP "lat,lon" in WGS-84 degrees to 6 decimals (about 0.1 m)."""
    return f"{_number(lat, places=6)},{_number(lng, places=6)}"


def _area(message: Mapping[str, Any]) -> dict[str, Any]:
    lat, lng = message["lat"], message["lng"]
    area: dict[str, Any] = {"areaDesc": message["station_name"]}
    ring = [tuple(p) for p in message.get("polygon") or []]
    if len(set(ring)) >= 3:
        ring = ring if ring[0] == ring[-1] else [*ring, ring[0]]
        area["polygon"] = [" ".join(_point(a, b) for a, b in ring)]
    area["circle"] = [f"{_point(lat, lng)} {_number(message['area_radius_km'])}"]
    area["geocode"] = [
        {"valueName": "H3_RES9", "value": latlng_to_cell(lat=lat, lng=lng, res=H3_RES_INCIDENT)},
        {"valueName": "citybrain:station_id", "value": message["station_id"]},
    ]
    return area


def _info(message: Mapping[str, Any]) -> dict[str, Any]:
    cancel = message["msg_type"] == "Cancel"
    colour = message["previous_level"] if cancel else message["level"]
    hazard = EVENT_ZH[message["hazard"]]
    likely = message["certainty"] == "Likely"
    forecast = message.get("forecast")
    headline = f"{message['station_name']}{hazard}{COLOUR_ZH[colour]}预警" + (
        "解除" if cancel else ""
    )
    info: dict[str, Any] = {
        "language": "zh-CN",
        "category": ["Met"],
        "event": f"{hazard}预警",
        "responseType": ["AllClear" if cancel else RESPONSE[colour]],
        "urgency": "Past" if cancel else "Expected" if likely else "Immediate",
        "severity": "Minor" if cancel else SEVERITY[colour],
        "certainty": message["certainty"],
        "eventCode": [
            {"valueName": "citybrain:hazard", "value": message["hazard"]},
            {"valueName": "citybrain:level", "value": message["level"]},
        ],
        "effective": cap_time(message["sent_at"]),
    }
    if likely and forecast:
        info["onset"] = cap_time(forecast["crossing_at"])
    info["senderName"] = message["sender"]
    info["headline"] = headline
    info["description"] = "; ".join(f"{k} = {_number(v)}" for k, v in message["values"].items())
    info["parameter"] = [
        {"valueName": k, "value": _number(v)} for k, v in message["values"].items()
    ]
    info["area"] = [_area(message)]
    return info


def alert_header(message: Mapping[str, Any]) -> dict[str, Any]:
    """The CAP 1.2 ``alert`` elements before ``info`` (identifier … incidents), in schema order."""
    alert: dict[str, Any] = {
        "identifier": message["message_id"],
        "sender": message["sender"],
        "sent": cap_time(message["sent_at"]),
        "status": "Actual",
        "msgType": message["msg_type"],
        "scope": "Public",
    }
    if message["references"]:
        alert["references"] = " ".join(
            f"{r['sender']},{r['message_id']},{cap_time(r['sent_at'])}"
            for r in message["references"]
        )
    alert["incidents"] = message["alert_id"]
    return alert


def cap_alert(message: Mapping[str, Any]) -> dict[str, Any]:
    """The CAP 1.2 ``alert`` of one lifecycle message, as an ordered dict."""
    return {**alert_header(message), "info": [_info(message)]}


def _fill(parent: ET.Element, name: str, value: Any) -> None:
    for item in value if isinstance(value, list) else [value]:
        child = ET.SubElement(parent, f"{{{CAP_NS}}}{name}")
        if isinstance(item, Mapping):
            for key, inner in item.items():
                _fill(child, key, inner)
        else:
            child.text = str(item)


def to_xml(message: Mapping[str, Any]) -> str:
    """CAP 1.2 XML document (UTF-8 declaration, CAP as the default namespace)."""
    ET.register_namespace("", CAP_NS)
    root = ET.Element(f"{{{CAP_NS}}}alert")
    for key, value in cap_alert(message).items():
        _fill(root, key, value)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode")


def to_json(message: Mapping[str, Any]) -> str:
    """The same CAP structure as JSON (element names as keys, UTF-8 text)."""
    return json.dumps(cap_alert(message), ensure_ascii=False)
