"""Contract: alerts on the ``alerts`` topic, from every domain to duty staff and the case engine.

One message per issue, update or cancellation of an alert. ``alert_id`` is
stable across an alert's life; ``event_id`` is unique per message (so the
landing and consumers deduplicate by it). Producers: ``streams/flood``
(waterlogging, rainstorm, river level), later ``streams/video``,
``streams/vehicles`` and hotspot spikes. The case engine opens or joins a
case for ``msg_type == "Alert"`` messages whose ``severity`` it is told to
act on, and records updates and cancellations on that case.

Fields: event_id, alert_id, msg_type (Alert | Update | Cancel), source
(flood | video | vehicles | hotspots | cases: case deadline warnings and
overdue cases), category (a citybrain category),
severity (Extreme | Severe | Moderate | Minor, as CAP 1.2), level (the
domain's own word: blue | yellow | orange | red for flood), event_at (the
observation it rests on, UTC), sent_at (UTC), lat, lng (WGS-84), title,
details (a JSON object: values, station, cameras, evidence…).

With event-time order on (``streams.progress``) the topic also carries
progress records (key ``~progress``, header ``citybrain-progress``), which
are not alerts: a consumer skips them by that header.
"""

from __future__ import annotations

from typing import Any

import h3

from citybrain.categories import CATEGORIES
from citybrain.contracts.base import ContractViolation, identifier, text, utc_timestamp, wgs84

TOPIC = "alerts"

MSG_TYPES = frozenset({"Alert", "Update", "Cancel"})
SOURCES = frozenset({"flood", "video", "vehicles", "hotspots", "cases"})
SEVERITIES = frozenset({"Extreme", "Severe", "Moderate", "Minor", "Unknown"})
H3_RES_KEY = 6  # ~36 km²: the area of the message key (the case engine's dedup key too)


def message_key(alert: dict[str, Any]) -> bytes:
    """Kafka key of an alert message: its category and H3 res-6 area.

    Every message of one alert (issue, updates, cancellation) has the same key,
    so they stay in order; so do the alerts of one category at one place, from
    any camera, vehicle or station. The case engine decides which open case a
    signal joins in the order it reads them, so alerts of one place read in the
    order they were raised open the same case in every run (keyed by alert id,
    two alerts of one camera could sit on two partitions and be read the other
    way round after a restart).
    """
    area = h3.latlng_to_cell(alert["lat"], alert["lng"], H3_RES_KEY)
    return f"{alert['category']}|{area}".encode()


def validate(doc: dict[str, Any]) -> dict[str, Any]:
    """Alert document → normalised row (raises ContractViolation with the reason)."""
    for field, allowed in (("msg_type", MSG_TYPES), ("source", SOURCES), ("severity", SEVERITIES)):
        if not isinstance(doc.get(field), str) or doc.get(field) not in allowed:
            raise ContractViolation(f"{field} {doc.get(field)!r} is not one of {sorted(allowed)}")
    category = doc.get("category")
    if not isinstance(category, str) or category not in CATEGORIES:
        raise ContractViolation(f"unknown category {category!r}")
    details = doc.get("details", {})
    if not isinstance(details, dict):
        raise ContractViolation("details must be a JSON object")
    lat, lng = wgs84(lat=doc.get("lat"), lng=doc.get("lng"))
    return {
        "event_id": identifier(doc, "event_id"),
        "alert_id": identifier(doc, "alert_id"),
        "msg_type": doc["msg_type"],
        "source": doc["source"],
        "category": category,
        "severity": doc["severity"],
        "level": text(doc, "level", required=False, max_chars=32),
        "event_at": utc_timestamp(doc.get("event_at")),
        "sent_at": utc_timestamp(doc.get("sent_at"), field="sent_at"),
        "lat": lat,
        "lng": lng,
        "title": text(doc, "title", required=False, max_chars=400),
        "details": details,
    }
