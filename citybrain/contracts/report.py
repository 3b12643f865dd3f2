"""Contract: citizen and 12345-hotline reports on ``reports.citizen``.

Published by the report intake (Open311 GeoReport v2, 12345 exports, the demo
generator) as flat JSON. One report from one person; ``category`` is a
citybrain category (see :mod:`citybrain.categories`), ``service_code`` keeps
the source system's own code.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import faust

from citybrain.categories import REPORT_CATEGORIES
from citybrain.contracts.base import ContractViolation, identifier, text, utc_timestamp, wgs84

TOPIC = "reports.citizen"

CHANNELS = frozenset({"12345", "open311", "app", "wechat", "patrol"})

COLUMNS: dict[str, str] = {
    "event_id": "string",
    "event_at": "timestamp",
    "channel": "string",
    "category": "string",
    "service_code": "string",
    "description": "string",
    "address": "string",
    "lat": "double",
    "lng": "double",
}


class CitizenReport(faust.Record, serializer="json", isodates=True):
    """One report of a problem in public space."""

    event_id: str
    event_at: datetime
    channel: str
    category: str
    service_code: str
    description: str
    address: str
    lat: float
    lng: float


def validate(doc: dict[str, Any]) -> dict[str, Any]:
    """Flat report document → normalised row."""
    channel = doc.get("channel")
    if not isinstance(channel, str) or channel not in CHANNELS:
        raise ContractViolation(f"unknown channel {channel!r}; expected one of {sorted(CHANNELS)}")
    category = doc.get("category")
    if not isinstance(category, str) or category not in REPORT_CATEGORIES:
        raise ContractViolation(f"unknown category {category!r}")
    lat, lng = wgs84(lat=doc.get("lat"), lng=doc.get("lng"))
    return {
        "event_id": identifier(doc, "event_id"),
        "event_at": utc_timestamp(doc.get("event_at")),
        "channel": channel,
        "category": category,
        "service_code": text(doc, "service_code", required=False, max_chars=64),
        "description": text(doc, "description", required=False, max_chars=4000),
        "address": text(doc, "address", required=False, max_chars=400),
        "lat": lat,
        "lng": lng,
    }
